package minilm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/search"
)

func TestDocumentText(t *testing.T) {
	m := search.Movie{ID: 5, Title: "Misérables, Les", Year: 1995, Genres: []string{"Drama", "Musical"},
		Tags: []string{"victor hugo", "revolution"}, Overview: "Jean Valjean is hunted."}
	want := "Les Misérables (1995). Drama, Musical. Tags: victor hugo, revolution. Jean Valjean is hunted."
	if got := DocumentText(&m); got != want {
		t.Errorf("DocumentText = %q, want %q", got, want)
	}
	if got := DocumentText(&search.Movie{Title: "Heat"}); got != "Heat." {
		t.Errorf("bare movie: %q", got)
	}
}

func TestVectorCache(t *testing.T) {
	movies := []search.Movie{{ID: 3, Title: "Fargo"}, {ID: 7, Title: "Heat"}, {ID: 9, Title: "Ran"}}
	vecs := [][]float32{{1, 0}, nil, {0.6, -0.8}}
	dir := t.TempDir()
	if err := WriteVectors(dir, "fp1", movies, vecs); err != nil {
		t.Fatal(err)
	}
	got, err := ReadVectors(dir, "fp1", movies)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1] != nil || got[2][1] != -0.8 || got[0][0] != 1 {
		t.Errorf("round trip: %v", got)
	}
	if _, err := ReadVectors(dir, "fp2", movies); !errors.Is(err, ErrNoVectors) {
		t.Errorf("other model: %v", err)
	}
	if _, err := ReadVectors(dir, "fp1", movies[:2]); !errors.Is(err, ErrNoVectors) {
		t.Errorf("other catalogue: %v", err)
	}
	if _, err := ReadVectors(t.TempDir(), "fp1", movies); !errors.Is(err, ErrNoVectors) || !strings.Contains(err.Error(), "genie search index --embedder minilm") {
		t.Errorf("no cache: %v", err)
	}
	// Truncated or damaged files are errors, never panics.
	b, _ := os.ReadFile(filepath.Join(dir, VectorsFile))
	for _, n := range []int{0, 5, len(b) / 2, len(b) - 1} {
		os.WriteFile(filepath.Join(dir, VectorsFile), b[:n], 0o644)
		if _, err := ReadVectors(dir, "fp1", movies); err == nil {
			t.Errorf("file cut at %d bytes read", n)
		}
	}
	if err := WriteVectors(dir, "fp1", movies, [][]float32{{1, 0}, {1}, nil}); err == nil {
		t.Error("mixed dimensions written")
	}
}

func TestModelFingerprint(t *testing.T) {
	a, err := ModelFingerprint(context.Background(), "testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{ModelFile, TokenizerFile} {
		b, _ := os.ReadFile(filepath.Join("testdata/tiny", f))
		if f == TokenizerFile {
			b = append(b, ' ')
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	if b, _ := ModelFingerprint(context.Background(), dir); b == a || len(a) != 64 {
		t.Errorf("fingerprints %s and %s", a, b)
	}
	if _, err := ModelFingerprint(context.Background(), t.TempDir()); err == nil {
		t.Error("empty folder fingerprinted")
	}
}
