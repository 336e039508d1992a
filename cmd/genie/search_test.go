package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
)

// writeSearchProcessed writes a small processed dataset: movies, ratings and
// empty users/links/tags tables.
func writeSearchProcessed(t *testing.T, dir string) {
	t.Helper()
	y := func(v int32) *int32 { return &v }
	movies := []dataset.MovieRow{
		{MovieID: 1, Title: "Shawshank Redemption, The", Year: y(1994), Genres: []string{"Drama"}},
		{MovieID: 2, Title: "Godfather, The", Year: y(1972), Genres: []string{"Crime", "Drama"}},
		{MovieID: 3, Title: "Fargo", Year: y(1996), Genres: []string{"Crime", "Thriller"}},
		{MovieID: 4, Title: "Toy Story", Year: y(1995), Genres: []string{"Animation", "Children's", "Comedy"}},
		{MovieID: 5, Title: "Aladdin", Year: y(1992), Genres: []string{"Animation", "Children's", "Comedy"}},
		{MovieID: 6, Title: "Scream", Year: y(1996), Genres: []string{"Horror", "Thriller"}},
	}
	var ratings []dataset.Rating
	for u := range int32(12) {
		for m := range int32(6) {
			if (u+m)%3 != 0 {
				ratings = append(ratings, dataset.Rating{UserID: u + 1, MovieID: m + 1, Rating: 4})
			}
		}
	}
	tb := &dataset.Tables{Movies: movies, Ratings: ratings}
	if err := tb.Write(dir); err != nil {
		t.Fatal(err)
	}
}

func TestSearchCommand(t *testing.T) {
	dir := t.TempDir()
	processed, index := filepath.Join(dir, "processed"), filepath.Join(dir, "search")
	writeSearchProcessed(t, processed)
	out, err := execute(newSearchCmd(), "index", "--processed", processed, "--out", index)
	if err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	if !strings.Contains(out, "indexed 6 movies") {
		t.Errorf("index output %q", out)
	}
	first, _ := os.ReadFile(filepath.Join(index, "collab_text.bin"))
	if _, err := execute(newSearchCmd(), "index", "--processed", processed, "--out", index); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(index, "collab_text.bin"))
	if len(first) == 0 || !bytes.Equal(first, second) {
		t.Error("two index runs wrote different bytes")
	}

	out, err = execute(newSearchCmd(), "--index", index, "shawshank", "redemtion")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(strings.TrimSpace(out), "1. The Shawshank Redemption (1994)") {
		t.Errorf("text output:\n%s", out)
	}

	out, err = execute(newSearchCmd(), "--index", index, "--json", "--k", "2", "movies like fargo")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Like *struct {
			MovieID int32 `json:"movie_id"`
		} `json:"like"`
		Hits []struct {
			MovieID int32           `json:"movie_id"`
			Title   string          `json:"title"`
			Score   float32         `json:"score"`
			Why     json.RawMessage `json:"why"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if res.Like == nil || res.Like.MovieID != 3 || len(res.Hits) != 2 || res.Hits[0].MovieID == 3 {
		t.Errorf("like fargo: %s", out)
	}

	out, err = execute(newSearchCmd(), "--index", index, "\x00")
	if err != nil || !strings.Contains(out, "empty query") {
		t.Errorf("control characters: %v %q", err, out)
	}
	if _, err := execute(newSearchCmd(), "--index", filepath.Join(dir, "missing"), "fargo"); err == nil ||
		!strings.Contains(err.Error(), "genie search index") {
		t.Errorf("missing index: %v", err)
	}
	if _, err := execute(newSearchCmd(), "--index", index, "--mode", "psychic", "fargo"); err == nil {
		t.Error("bad mode accepted")
	}
}

// TestSearchCommandChecks covers the command's argument checks and help:
// --k out of range, processed tables missing, and the --model-dir
// placeholder (pflag takes backquoted usage text as the value's name).
func TestSearchCommandChecks(t *testing.T) {
	dir := t.TempDir()
	processed, index := filepath.Join(dir, "processed"), filepath.Join(dir, "search")
	writeSearchProcessed(t, processed)
	if out, err := execute(newSearchCmd(), "index", "--processed", processed, "--out", index); err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string   // "" when the command must succeed
		wantOut []string // lines or fragments of the output
		notOut  string
	}{
		{name: "k zero", args: []string{"--index", index, "--k", "0", "fargo"},
			wantErr: "search: --k 0: want a number of results from 1 to 1000"},
		{name: "k negative", args: []string{"--index", index, "--k", "-5", "fargo"},
			wantErr: "search: --k -5: want a number of results from 1 to 1000"},
		{name: "k too large", args: []string{"--index", index, "-k", "1001", "fargo"},
			wantErr: "search: --k 1001: want a number of results from 1 to 1000"},
		{name: "k one", args: []string{"--index", index, "--k", "1", "toy story"}, wantOut: []string{" 1. Toy Story (1995)"}, notOut: " 2. "},
		{name: "k largest", args: []string{"--index", index, "--k", "1000", "--mode", "lexical", "comedy"}, wantOut: []string{" 1. "}},
		{name: "index without tables", args: []string{"index", "--processed", filepath.Join(dir, "none"), "--out", filepath.Join(dir, "ix")},
			wantErr: "search index: read processed tables (run genie process first): read " + filepath.Join(dir, "none", "movies.parquet")},
		{name: "search help", args: []string{"--help"},
			wantOut: []string{"--model-dir dir ", "dir holding the minilm model", `as "genie models pull all-MiniLM-L6-v2" writes it`, "number of results, 1 to 1000"},
			notOut:  "--model-dir genie"},
		{name: "index help", args: []string{"index", "--help"}, wantOut: []string{"--model-dir dir "}, notOut: "--model-dir genie"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := execute(newSearchCmd(), tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tc.notOut != "" && strings.Contains(out, tc.notOut) {
				t.Errorf("output holds %q:\n%s", tc.notOut, out)
			}
		})
	}
}
