package search

import "slices"

// Enrichment is optional metadata of a movie from an enrichment source
// (`genie data enrich`, internal/enrich).
type Enrichment struct {
	Overview, Tagline string
	Keywords          []string
}

// ApplyEnrichment copies enrichment into the catalogue's movies by id;
// movies without an entry are unchanged. The lexical index then searches
// the overview and tagline as the overview field and the keywords as tags,
// and the default dense encoder learns from their words too.
func ApplyEnrichment(movies []Movie, e map[int32]Enrichment) {
	for i := range movies {
		if x, ok := e[movies[i].ID]; ok {
			movies[i].Overview, movies[i].Tagline = x.Overview, x.Tagline
			movies[i].Keywords = slices.Clone(x.Keywords)
		}
	}
}
