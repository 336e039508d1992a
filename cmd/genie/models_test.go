package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/pretrained"
	"github.com/moviegenie/genie/internal/search/minilm"
)

// TestModelsCmd: help, listing, and pulls that must fail without touching
// the network (the download itself is tested in internal/pretrained
// against a local TLS server).
func TestModelsCmd(t *testing.T) {
	out, err := execute(newModelsCmd(), "pull", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"all-MiniLM-L6-v2", "SHA-256", "--from", "-tags hugot", "genie search index --embedder minilm"} {
		if !strings.Contains(out, want) {
			t.Errorf("pull --help lacks %q", want)
		}
	}
	dir := t.TempDir()
	out, err = execute(newModelsCmd(), "list", "--dir", dir)
	if err != nil || !strings.Contains(out, "all-MiniLM-L6-v2 (90.9 MB") || !strings.Contains(out, "not pulled") {
		t.Errorf("list: %v\n%s", err, out)
	}
	if _, err := execute(newModelsCmd(), "pull", "--dir", dir); err == nil || !strings.Contains(err.Error(), "pull takes one model name, got 0 arguments (models: all-MiniLM-L6-v2)") {
		t.Errorf("pull without a name: %v", err)
	}
	if _, err := execute(newModelsCmd(), "pull", "bert-huge", "--dir", dir); !errors.Is(err, pretrained.ErrUnknownModel) {
		t.Errorf("unknown model: %v", err)
	}
	if _, err := execute(newModelsCmd(), "pull", "minilm", "--dir", dir, "--base-url", "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "only https") {
		t.Errorf("plain http: %v", err)
	}
	// --from a folder holding other files: verified, refused, nothing placed.
	from := t.TempDir()
	os.WriteFile(filepath.Join(from, "model.onnx"), []byte("not the model"), 0o644)
	_, err = execute(newModelsCmd(), "pull", "all-MiniLM-L6-v2", "--dir", dir, "--from", from)
	var ce *pretrained.ChecksumError
	if !errors.As(err, &ce) || ce.File != "model.onnx" {
		t.Errorf("bad --from: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "all-MiniLM-L6-v2", "model.onnx")); err == nil {
		t.Error("an unverified model.onnx was placed")
	}
	if _, err := execute(newModelsCmd(), "pull", "minilm", "--dir", dir, "--verify"); err == nil {
		t.Error("--verify of an empty folder passed")
	}
}

// TestSearchEmbedderFlags: bad values and a missing model are clear errors.
func TestSearchEmbedderFlags(t *testing.T) {
	dir := t.TempDir()
	processed, index := filepath.Join(dir, "processed"), filepath.Join(dir, "search")
	writeSearchProcessed(t, processed)
	if _, err := execute(newSearchCmd(), "index", "--processed", processed, "--out", index, "--embedder", "bert"); err == nil || !strings.Contains(err.Error(), "want trained or minilm") {
		t.Errorf("bad --embedder: %v", err)
	}
	_, err := execute(newSearchCmd(), "index", "--processed", processed, "--out", index, "--embedder", "minilm", "--model-dir", filepath.Join(dir, "none"))
	if err == nil || !strings.Contains(err.Error(), "genie models pull") {
		t.Errorf("missing model: %v", err)
	}
	if !minilm.Compiled {
		_, err := execute(newSearchCmd(), "index", "--processed", processed, "--out", index, "--embedder", "minilm",
			"--model-dir", filepath.Join("..", "..", "internal", "search", "minilm", "testdata", "tiny"))
		if !errors.Is(err, minilm.ErrNotBuilt) {
			t.Errorf("untagged build: %v", err)
		}
	}
}
