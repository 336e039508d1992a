package search

import (
	"context"
	"slices"
	"testing"
)

// TestEnrichmentSearchable checks that overview, tagline and keywords from
// enrichment reach the lexical index: words found nowhere else find the
// movie, with the field they matched in. The texts are invented.
func TestEnrichmentSearchable(t *testing.T) {
	movies, rs := tinyCatalogue()
	ApplyEnrichment(movies, map[int32]Enrichment{
		14: {Overview: "A nightclub owner meets an old flame in wartime Morocco.", Tagline: "Round up the usual suspects.",
			Keywords: []string{"letters of transit", "piano"}},
		99: {Overview: "no such movie"},
	})
	if movies[13].Tagline == "" || len(movies[13].Keywords) != 2 || movies[0].Overview != "" {
		t.Fatalf("ApplyEnrichment: %+v / %+v", movies[13], movies[0])
	}
	ix, err := BuildFromCatalog(context.Background(), movies, rs, BuildOptions{Dense: CollabTextOptions{Dim: 4}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ query, field string }{
		{"nightclub morocco", "overview"},
		{"usual suspects", "overview"},
		{"piano", "tags"},
		{"letters of transit", "tags"},
	}
	for _, tc := range tests {
		res, err := ix.Search(context.Background(), tc.query, Options{K: 3, Mode: ModeLexical})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 || res.Hits[0].MovieID != 14 {
			t.Errorf("%q: hits %v", tc.query, titles(res))
			continue
		}
		found := false
		for _, term := range res.Hits[0].Why.Terms {
			found = found || slices.Contains(term.Fields, tc.field)
		}
		if !found {
			t.Errorf("%q: no term matched in %s: %+v", tc.query, tc.field, res.Hits[0].Why.Terms)
		}
	}
}
