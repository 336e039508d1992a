package search

import "github.com/moviegenie/genie/internal/dataset"

// CatalogWithEnrichment builds the searchable catalogue of the processed
// tables (CatalogFromTables) and joins e into it by movie id
// (ApplyEnrichment): the overview, tagline and keywords of the enrichment
// table (`genie data enrich`) become searchable. A nil or empty e gives
// the plain catalogue; entries for movies not in t are ignored.
func CatalogWithEnrichment(t *dataset.Tables, e map[int32]Enrichment) []Movie {
	movies := CatalogFromTables(t)
	if len(e) > 0 {
		ApplyEnrichment(movies, e)
	}
	return movies
}
