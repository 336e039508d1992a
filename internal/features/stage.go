package features

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/dataset"
)

// Params are the feature_engineering keys of params.yaml this package reads.
type Params struct {
	// EmbeddingDim is the content vector length (default 512, from
	// MinEmbeddingDim to MaxEmbeddingDim).
	EmbeddingDim int `yaml:"embedding_dim"`
	// ContentFeatures lists the content sources (default title, genres,
	// release_year; tags, overview and keywords are also understood, the
	// last two from enrichment.parquet).
	ContentFeatures []string `yaml:"content_features"`
	// SimilarityTopK is the neighbours kept per movie (default 20, from 1
	// to MaxSimilarityTopK).
	SimilarityTopK int `yaml:"similarity_top_k"`
}

// DefaultParams returns the defaults of Params.
func DefaultParams() Params {
	return Params{EmbeddingDim: DefaultDim, ContentFeatures: []string{"title", "genres", "release_year"}, SimilarityTopK: DefaultTopK}
}

// Bounds of Params checked by Validate. Memory grows with both: the content
// vectors take movies x EmbeddingDim x 4 bytes (16384 dims on ml-25m's 62k
// movies are 4 GiB), the neighbour lists movies x SimilarityTopK x 2 rows.
const (
	MinEmbeddingDim   = 64
	MaxEmbeddingDim   = 16384
	MaxSimilarityTopK = 1000
)

// LoadParams reads the feature_engineering section of the YAML file at path
// over the defaults. The file is decoded by internal/config, as every stage
// does, so unknown keys (a typo such as embeding_dim) are errors that name
// the key; sections config does not know are left to their stages. A
// missing file or section gives the defaults. The result is validated.
func LoadParams(path string) (Params, error) {
	p := DefaultParams()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read params: %w", err)
	}
	all := config.Default()
	fe := &all.FeatureEngineering
	fe.EmbeddingDim, fe.ContentFeatures, fe.SimilarityTopK = p.EmbeddingDim, p.ContentFeatures, p.SimilarityTopK
	if err := config.Decode(b, &all); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	p = Params{EmbeddingDim: fe.EmbeddingDim, ContentFeatures: fe.ContentFeatures, SimilarityTopK: fe.SimilarityTopK}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Validate checks the ranges of p and the content source names, and names
// every bad value.
func (p Params) Validate() error {
	var errs []error
	if p.EmbeddingDim < MinEmbeddingDim || p.EmbeddingDim > MaxEmbeddingDim {
		errs = append(errs, fmt.Errorf("feature_engineering.embedding_dim: expected %d to %d, got %d",
			MinEmbeddingDim, MaxEmbeddingDim, p.EmbeddingDim))
	}
	if p.SimilarityTopK < 1 || p.SimilarityTopK > MaxSimilarityTopK {
		errs = append(errs, fmt.Errorf("feature_engineering.similarity_top_k: expected 1 to %d, got %d",
			MaxSimilarityTopK, p.SimilarityTopK))
	}
	for _, s := range p.ContentFeatures {
		switch s {
		case "title", "genres", "release_year", "tags", "overview", "keywords":
		default:
			errs = append(errs, fmt.Errorf("feature_engineering.content_features: unknown source %q (want title, genres, release_year, tags, overview, keywords)", s))
		}
	}
	return errors.Join(errs...)
}

// WriteContent builds content_features.parquet in dir from t, with the
// overviews and keywords of dir's enrichment.parquet when it is present.
func WriteContent(dir string, t *dataset.Tables, p Params) ([]ContentRow, error) {
	opt, err := StageContentOptions(dir, p)
	if err != nil {
		return nil, err
	}
	rows, _, err := BuildContent(t.Movies, t.Tags, opt)
	if err != nil {
		return nil, err
	}
	if err := dataset.WriteParquet(filepath.Join(dir, ContentFile), rows); err != nil {
		return nil, fmt.Errorf("write %s: %w", ContentFile, err)
	}
	return rows, nil
}

// WriteUsers builds user_features.parquet and user_features.json in dir.
func WriteUsers(dir string, t *dataset.Tables) ([]UserRow, error) {
	rows, meta := BuildUsers(t)
	if err := dataset.WriteParquet(filepath.Join(dir, UsersFile), rows); err != nil {
		return nil, fmt.Errorf("write %s: %w", UsersFile, err)
	}
	return rows, WriteUserMeta(filepath.Join(dir, UsersMetaFile), meta)
}

// WriteSimilarity builds item_similarity.parquet in dir: the top
// p.SimilarityTopK co-occurrence neighbours of every movie, then its top
// content neighbours (content from rows, or built from t when rows is nil).
func WriteSimilarity(ctx context.Context, dir string, t *dataset.Tables, rows []ContentRow, p Params, threads int) ([]SimilarityRow, error) {
	if rows == nil {
		opt, err := StageContentOptions(dir, p)
		if err != nil {
			return nil, err
		}
		if rows, _, err = BuildContent(t.Movies, t.Tags, opt); err != nil {
			return nil, err
		}
	}
	ids := make([]int32, len(rows))
	vecs := make([][]float32, len(rows))
	for i, r := range rows {
		ids[i], vecs[i] = r.MovieID, r.Vector
	}
	co, err := CooccurrenceNeighbors(ctx, ids, t.Ratings, p.SimilarityTopK, threads)
	if err != nil {
		return nil, err
	}
	ct, err := ContentNeighbors(ctx, ids, vecs, p.SimilarityTopK, threads)
	if err != nil {
		return nil, err
	}
	out := append(SimilarityRows(ids, KindCooccurrence, co), SimilarityRows(ids, KindContent, ct)...)
	if err := dataset.WriteParquet(filepath.Join(dir, SimilarityFile), out); err != nil {
		return nil, fmt.Errorf("write %s: %w", SimilarityFile, err)
	}
	return out, nil
}
