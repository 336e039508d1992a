package features

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/enrich"
)

// TestLoadOrBuildContent checks that the content vectors built in memory
// when content_features.parquet is absent are exactly those the feature
// stage (WriteContent) writes — with and without an enrichment table, with
// and without the enrichment sources — and that an existing file is read
// as it is.
func TestLoadOrBuildContent(t *testing.T) {
	ctx := context.Background()
	tb := tinyTables()
	writeEnrichment := func(t *testing.T, dir string) {
		t.Helper()
		err := enrich.Write(dir, []enrich.Row{
			{MovieID: 1, Tagline: "A galaxy far away.", Keywords: []string{}, Method: enrich.MethodTMDb},
			{MovieID: 3, Overview: "Jazz musicians on the run.", Keywords: []string{"jazz band", "disguise"}, Method: enrich.MethodTitleYear},
			{MovieID: 4, Overview: "Two pilots.", Keywords: []string{"parody"}, Method: enrich.MethodTitleYear},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enriched := []string{"title", "genres", "release_year", "tags", "overview", "keywords"}
	tests := []struct {
		name       string
		sources    []string
		enrichment bool // an enrichment.parquet in the folder
		// enriched: the stage's vectors use the enrichment (and so
		// differ from those of the parameters alone).
		enriched bool
	}{
		{"enrichment table, enrichment sources", enriched, true, true},
		{"enrichment table, keywords only", []string{"title", "keywords"}, true, true},
		{"enrichment table, plain sources", []string{"title", "genres", "release_year"}, true, false},
		{"no enrichment table", enriched, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.EmbeddingDim = 64
			p.ContentFeatures = tc.sources
			built, staged := t.TempDir(), t.TempDir()
			if tc.enrichment {
				writeEnrichment(t, built)
				writeEnrichment(t, staged)
			}
			got, err := LoadOrBuildContent(ctx, built, tb, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(built, ContentFile)); err == nil {
				t.Errorf("LoadOrBuildContent wrote %s", ContentFile)
			}
			if _, err := WriteContent(staged, tb, p); err != nil {
				t.Fatal(err)
			}
			written, err := dataset.ReadParquet[ContentRow](filepath.Join(staged, ContentFile))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, written) {
				t.Errorf("built in memory:\n%+v\nthe stage wrote:\n%+v", got, written)
			}
			// Without the enrichment the vectors would differ whenever
			// an enrichment source is enabled: what this guards against.
			plain, _, err := BuildContent(tb.Movies, tb.Tags, ContentOptions{Dim: p.EmbeddingDim, Sources: p.ContentFeatures})
			if err != nil {
				t.Fatal(err)
			}
			if differs := !reflect.DeepEqual(plain, written); differs != tc.enriched {
				t.Errorf("vectors without the enrichment differ from the stage's: %v, want %v", differs, tc.enriched)
			}
			// With the file present it is what is read, even when the
			// parameters have since changed.
			p.EmbeddingDim = 128
			read, err := LoadOrBuildContent(ctx, staged, tb, p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(read, written) {
				t.Errorf("read %+v, want the file's %+v", read, written)
			}
		})
	}

	// A cancelled build stops before it starts.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := LoadOrBuildContent(cctx, t.TempDir(), tb, DefaultParams()); err == nil {
		t.Error("cancelled context: no error")
	}
}
