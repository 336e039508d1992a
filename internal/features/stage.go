package features

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/moviegenie/genie/internal/dataset"
)

// Params are the feature_engineering keys of params.yaml this package reads.
type Params struct {
	// EmbeddingDim is the content vector length (default 512).
	EmbeddingDim int `yaml:"embedding_dim"`
	// ContentFeatures lists the content sources (default title, genres,
	// release_year; tags, overview and keywords are also understood, the
	// last two from enrichment.parquet).
	ContentFeatures []string `yaml:"content_features"`
	// SimilarityTopK is the neighbours kept per movie (default 20).
	SimilarityTopK int `yaml:"similarity_top_k"`
}

// DefaultParams returns the defaults of Params.
func DefaultParams() Params {
	return Params{EmbeddingDim: DefaultDim, ContentFeatures: []string{"title", "genres", "release_year"}, SimilarityTopK: DefaultTopK}
}

// LoadParams reads the feature_engineering section of the YAML file at path
// over the defaults; other keys and sections are ignored. A missing file or
// section gives the defaults.
func LoadParams(path string) (Params, error) {
	p := DefaultParams()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read params: %w", err)
	}
	var doc struct {
		FE *Params `yaml:"feature_engineering"`
	}
	doc.FE = &p
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	if p.EmbeddingDim < 64 {
		return p, fmt.Errorf("%s: feature_engineering.embedding_dim: expected >= 64, got %d", path, p.EmbeddingDim)
	}
	if p.SimilarityTopK < 1 {
		return p, fmt.Errorf("%s: feature_engineering.similarity_top_k: expected >= 1, got %d", path, p.SimilarityTopK)
	}
	for _, s := range p.ContentFeatures {
		switch s {
		case "title", "genres", "release_year", "tags", "overview", "keywords":
		default:
			return p, fmt.Errorf("%s: feature_engineering.content_features: unknown source %q (want title, genres, release_year, tags, overview, keywords)", path, s)
		}
	}
	return p, nil
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
