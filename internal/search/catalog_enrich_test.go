package search

import (
	"reflect"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
)

func TestCatalogWithEnrichment(t *testing.T) {
	year := int32(1942)
	tables := &dataset.Tables{
		Movies: []dataset.MovieRow{
			{MovieID: 1, Title: "Casablanca (1942)", Year: &year, Genres: []string{"Drama"}},
			{MovieID: 2, Title: "Heat (1995)", Genres: []string{"Crime"}},
		},
		Tags: []dataset.TagRow{{UserID: 1, MovieID: 2, Tag: "Heist"}},
	}
	plain := CatalogFromTables(tables)
	casablanca := Enrichment{Overview: "A nightclub in wartime Morocco.", Tagline: "Round up the usual suspects.", Keywords: []string{"piano"}}
	tests := []struct {
		name string
		e    map[int32]Enrichment
		want func([]Movie)
	}{
		{"nil", nil, func([]Movie) {}},
		{"empty", map[int32]Enrichment{}, func([]Movie) {}},
		{"one movie and an unknown id", map[int32]Enrichment{1: casablanca, 99: {Overview: "no such movie"}}, func(ms []Movie) {
			ms[0].Overview, ms[0].Tagline, ms[0].Keywords = casablanca.Overview, casablanca.Tagline, casablanca.Keywords
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := CatalogFromTables(tables)
			tc.want(want)
			got := CatalogWithEnrichment(tables, tc.e)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if !reflect.DeepEqual(plain, CatalogFromTables(tables)) {
				t.Error("the tables changed")
			}
		})
	}
	// The catalogue owns its keywords.
	e := map[int32]Enrichment{1: {Keywords: []string{"piano"}}}
	got := CatalogWithEnrichment(tables, e)
	got[0].Keywords[0] = "changed"
	if e[1].Keywords[0] != "piano" {
		t.Error("the catalogue shares the enrichment's keywords")
	}
}
