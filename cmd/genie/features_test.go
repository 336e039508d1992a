package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/features"
)

// writeFeatureTables writes processed tables to dir: nm movies alternating
// Comedy and Drama, nu users who rated every movie.
func writeFeatureTables(t *testing.T, dir string, nm, nu int32) {
	t.Helper()
	y := int32(1990)
	tb := &dataset.Tables{}
	for m := int32(1); m <= nm; m++ {
		g := []string{"Comedy"}
		if m%2 == 0 {
			g = []string{"Drama"}
		}
		tb.Movies = append(tb.Movies, dataset.MovieRow{MovieID: m, Title: "Movie " + itoa(int(m)), Year: &y, Genres: g})
	}
	for u := int32(1); u <= nu; u++ {
		tb.Users = append(tb.Users, dataset.UserRow{UserID: u, RatingCount: nm, RatingMean: 3})
		for m := int32(1); m <= nm; m++ {
			tb.Ratings = append(tb.Ratings, dataset.Rating{UserID: u, MovieID: m, Rating: 3, UserSeq: m - 1, Timestamp: int64(u*100 + m)})
		}
	}
	if err := tb.Write(dir); err != nil {
		t.Fatal(err)
	}
}

func TestFeaturesCmd(t *testing.T) {
	work := t.TempDir()
	params := filepath.Join(work, "params.yaml")
	os.WriteFile(params, []byte("feature_engineering:\n  embedding_dim: 128\n  similarity_top_k: 3\n"), 0o644)
	typo := filepath.Join(work, "typo.yaml")
	os.WriteFile(typo, []byte("feature_engineering:\n  embeding_dim: 256\n"), 0o644)
	huge := filepath.Join(work, "huge.yaml")
	os.WriteFile(huge, []byte("feature_engineering:\n  similarity_top_k: 100000000\n"), 0o644)
	processed := filepath.Join(work, "processed")
	writeFeatureTables(t, processed, 6, 4)
	empty := filepath.Join(work, "empty")
	os.MkdirAll(empty, 0o755)
	tests := []struct {
		name      string
		args      []string
		wantOut   []string
		wantErr   string
		wantFiles []string
	}{
		{name: "content only", args: []string{"content"}, wantOut: []string{"6 movies x 128 dims"}, wantFiles: []string{features.ContentFile}},
		{name: "all", args: nil, wantOut: []string{"4 users x", "36 neighbour rows (top 3"},
			wantFiles: []string{features.ContentFile, features.UsersFile, features.UsersMetaFile, features.SimilarityFile}},
		{name: "unknown part", args: []string{"posters"},
			wantErr: `features: unknown output "posters": want one of content, users, similarity, all`},
		{name: "no processed tables", args: []string{"--processed", empty},
			wantErr: "features: read processed tables (run genie process first): read " + filepath.Join(empty, "movies.parquet")},
		{name: "typo in params", args: []string{"--params", typo}, wantErr: "field embeding_dim not found"},
		{name: "absurd top k", args: []string{"--params", huge}, wantErr: "feature_engineering.similarity_top_k: expected 1 to 1000, got 100000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []string{features.ContentFile, features.UsersFile, features.UsersMetaFile, features.SimilarityFile} {
				os.Remove(filepath.Join(processed, f))
			}
			cmd := newFeaturesCmd()
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs(append([]string{"--processed", processed, "--params", params}, tc.args...))
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output %q lacks %q", out.String(), w)
				}
			}
			for _, f := range tc.wantFiles {
				if _, err := os.Stat(filepath.Join(processed, f)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
