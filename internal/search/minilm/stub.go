//go:build !hugot

package minilm

import (
	"context"

	"github.com/moviegenie/genie/internal/search"
)

// Compiled reports whether this binary has the hugot model runner.
const Compiled = false

// Embedder is the sentence-transformers embedder; in this build (without
// the "hugot" tag) it cannot be loaded: Load returns ErrNotBuilt.
type Embedder struct{}

var _ search.Embedder = (*Embedder)(nil)

// Load returns ErrNotBuilt: the model runner is compiled only with
// `-tags hugot`. A missing model folder is reported first, so that the
// message names the step still to do.
func Load(_ context.Context, dir string, _ Options) (*Embedder, error) {
	if err := checkModelDir(dir); err != nil {
		return nil, err
	}
	return nil, ErrNotBuilt
}

// Name implements search.Embedder.
func (e *Embedder) Name() string { return Name }

// Fingerprint identifies the model files.
func (e *Embedder) Fingerprint() string { return "" }

// Dim is the vector dimension.
func (e *Embedder) Dim() int { return 0 }

// MaxTokens is the length, in word pieces, texts are cut to.
func (e *Embedder) MaxTokens() int { return 0 }

// Close releases the model.
func (e *Embedder) Close() error { return nil }

// EmbedQuery implements search.Embedder.
func (e *Embedder) EmbedQuery(context.Context, string) ([]float32, error) { return nil, ErrNotBuilt }

// EmbedTexts embeds texts.
func (e *Embedder) EmbedTexts(context.Context, []string) ([][]float32, error) {
	return nil, ErrNotBuilt
}

// EmbedMovies implements search.Embedder.
func (e *Embedder) EmbedMovies(context.Context, []search.Movie) ([][]float32, error) {
	return nil, ErrNotBuilt
}
