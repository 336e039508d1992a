package features

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/enrich"
)

// TestContentUsesEnrichment checks that the feature stage reads
// enrichment.parquet when present: overview (with tagline) and keywords
// enter the text block when those sources are enabled, and nothing changes
// otherwise. The overviews are invented.
func TestContentUsesEnrichment(t *testing.T) {
	tb := tinyTables()
	build := func(dir string, sources []string) ([]ContentRow, []byte) {
		t.Helper()
		p := DefaultParams()
		p.EmbeddingDim = 64
		p.ContentFeatures = sources
		rows, err := WriteContent(dir, tb, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, ContentFile))
		if err != nil {
			t.Fatal(err)
		}
		return rows, b
	}
	plain := []string{"title", "genres", "release_year"}
	enriched := []string{"title", "genres", "release_year", "overview", "keywords"}
	bare := t.TempDir()
	_, plainBytes := build(bare, plain)
	_, bareEnriched := build(bare, enriched)
	if !bytes.Equal(plainBytes, bareEnriched) {
		t.Error("overview/keywords sources without an enrichment file changed content_features.parquet")
	}

	dir := t.TempDir()
	// Movies 3 and 4 (the comedies) get the same invented overview and
	// keywords; movie 1 gets a tagline only.
	err := enrich.Write(dir, []enrich.Row{
		{MovieID: 1, Tagline: "A galaxy far away.", Keywords: []string{}, Method: enrich.MethodTMDb},
		{MovieID: 3, Overview: "Jazz musicians on the run.", Keywords: []string{"jazz band", "disguise"}, Method: enrich.MethodTitleYear},
		{MovieID: 4, Overview: "Jazz musicians on the run.", Keywords: []string{"jazz band", "disguise"}, Method: enrich.MethodTitleYear},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, withFile := build(dir, plain)
	if !bytes.Equal(plainBytes, withFile) {
		t.Error("enrichment changed content_features.parquet although overview and keywords are not sources")
	}
	before, _ := build(t.TempDir(), enriched)
	after, _ := build(dir, enriched)
	if c0, c1 := cosine(before[2].Vector, before[3].Vector), cosine(after[2].Vector, after[3].Vector); !(c1 > c0+0.05) {
		t.Errorf("shared overview words and keywords: cosine %.3f -> %.3f, want a clear rise", c0, c1)
	}
	if slices.Equal(before[0].Vector, after[0].Vector) {
		t.Error("movie 1's tagline did not change its vector")
	}
	if !slices.Equal(before[1].Vector, after[1].Vector) {
		t.Error("movie 2 has no enrichment but its vector changed")
	}

	opt, err := StageContentOptions(dir, Params{EmbeddingDim: 64, ContentFeatures: []string{"keywords"}})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Overviews != nil || !slices.Equal(opt.Keywords[4], []string{"jazz band", "disguise"}) {
		t.Errorf("keywords-only options: %+v", opt)
	}
}
