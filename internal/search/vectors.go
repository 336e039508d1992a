package search

import "fmt"

// AddEmbedderVectors makes e the index's dense embedder (the one Search
// uses) with the catalogue already embedded: vecs[i] is the vector of
// Movies()[i], nil for a movie e could not embed. It is how an embedder
// whose catalogue vectors were computed once at index time and cached
// (internal/search/minilm) is attached without embedding every movie again.
func (ix *Index) AddEmbedderVectors(e Embedder, vecs [][]float32) error {
	if len(vecs) != len(ix.movies) {
		return fmt.Errorf("embedder %s: %d vectors for %d movies", e.Name(), len(vecs), len(ix.movies))
	}
	sp := denseSpace{emb: e, has: make([]bool, len(vecs))}
	for _, v := range vecs {
		if v != nil {
			sp.dim = len(v)
			break
		}
	}
	sp.flat = make([]float32, len(vecs)*sp.dim)
	for d, v := range vecs {
		if v == nil {
			continue
		}
		if len(v) != sp.dim {
			return fmt.Errorf("embedder %s: vectors of %d and %d dimensions", e.Name(), sp.dim, len(v))
		}
		copy(sp.flat[d*sp.dim:], v)
		sp.has[d] = true
	}
	ix.embedders[e.Name()] = sp
	ix.dense = e.Name()
	return nil
}

// DenseEmbedder returns the embedder Search uses for dense retrieval, or
// nil when the index has none.
func (ix *Index) DenseEmbedder() Embedder {
	if sp, ok := ix.embedders[ix.dense]; ok {
		return sp.emb
	}
	return nil
}

// UseEmbedder makes an embedder already added (by name) the one Search
// uses; it reports false for a name the index does not hold.
func (ix *Index) UseEmbedder(name string) bool {
	if _, ok := ix.embedders[name]; !ok {
		return false
	}
	ix.dense = name
	return true
}
