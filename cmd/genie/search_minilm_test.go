//go:build hugot

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/search"
)

// tinyModel is the random BERT made by scripts/make-tiny-minilm.py.
var tinyModel = filepath.Join("..", "..", "internal", "search", "minilm", "testdata", "tiny")

// TestSearchMiniLMCommands runs the minilm path end to end through the
// commands: index with the tiny model, search with it, evaluate both
// embedders.
func TestSearchMiniLMCommands(t *testing.T) {
	dir := t.TempDir()
	processed, index := filepath.Join(dir, "processed"), filepath.Join(dir, "search")
	writeSearchProcessed(t, processed)
	out, err := execute(newSearchCmd(), "index", "--processed", processed, "--out", index, "--embedder", "minilm", "--model-dir", tinyModel)
	if err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	if !strings.Contains(out, "embedded 6 movies with minilm") {
		t.Errorf("index output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(index, "minilm.bin")); err != nil {
		t.Fatal(err)
	}
	out, err = execute(newSearchCmd(), "--index", index, "--embedder", "minilm", "--model-dir", tinyModel, "--json", "--mode", "dense", "toy", "story")
	if err != nil {
		t.Fatalf("search: %v\n%s", err, out)
	}
	var res search.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Hits) == 0 || res.Hits[0].Why.Dense == 0 {
		t.Errorf("dense minilm search: %v\n%s", err, out)
	}
	out, err = execute(newSearchCmd(), "--index", index, "--embedder", "minilm", "--model-dir", tinyModel, "shawshank", "redemtion")
	if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "1. The Shawshank Redemption (1994)") {
		t.Errorf("fused minilm search: %v\n%s", err, out)
	}

	// Evaluation: one table per embedder, two metrics files.
	queries := filepath.Join(dir, "queries.jsonl")
	var qs bytes.Buffer
	search.EncodeQueries(&qs, []search.JudgedQuery{
		{ID: "k1", Type: search.TypeKnownItem, Query: "fargo", Relevant: []search.Judgement{{MovieID: 3, Grade: 2}}},
		{ID: "t1", Type: search.TypeTheme, Query: "funny animated movies for kids", Relevant: []search.Judgement{{MovieID: 4, Grade: 2}, {MovieID: 5, Grade: 2}}},
	})
	os.WriteFile(queries, qs.Bytes(), 0o644)
	metrics := filepath.Join(dir, "metrics", "search.json")
	cmd := newEvalSearchCmd()
	var buf bytes.Buffer
	cmd.SetOut(&buf)
	cmd.SetErr(&buf)
	cmd.SetArgs([]string{"--index", index, "--queries", queries, "--metrics", metrics, "--model-dir", tinyModel})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("eval: %v\n%s", err, buf.String())
	}
	for _, want := range []string{"embedder collab-text", "embedder minilm", "search-minilm.json"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("eval output lacks %q:\n%s", want, buf.String())
		}
	}
	for _, p := range []string{metrics, filepath.Join(dir, "metrics", "search-minilm.json")} {
		var rep search.Report
		b, err := os.ReadFile(p)
		if err != nil || json.Unmarshal(b, &rep) != nil || len(rep.Rows) == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	// An index rebuilt from another catalogue makes the cache stale.
	writeSearchProcessed(t, processed)
	os.Remove(filepath.Join(index, "minilm.bin"))
	if _, err := execute(newSearchCmd(), "--index", index, "--embedder", "minilm", "--model-dir", tinyModel, "heat"); err == nil || !strings.Contains(err.Error(), "genie search index --embedder minilm") {
		t.Errorf("no cache: %v", err)
	}
}
