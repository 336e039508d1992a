// Package config reads params.yaml, the tunables of every Movie Genie stage,
// into typed structs with defaults. Unknown keys are errors, so a typo in
// params.yaml fails loudly instead of being ignored.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// Params is the whole of params.yaml. Sections follow the seed pipeline.
type Params struct {
	Data               Data               `yaml:"data"`
	DataProcessing     DataProcessing     `yaml:"data_processing"`
	FeatureEngineering FeatureEngineering `yaml:"feature_engineering"`
	Serving            Serving            `yaml:"serving"`
	// Other sections (model_training, search, evaluation, serving) are
	// read by the stages that own them.
	Rest map[string]yaml.Node `yaml:",inline"`
}

// Serving tunes genie serve (read when it starts; no pipeline stage
// depends on it).
type Serving struct {
	// SearchPersonalWeight in [0, 1] is the share of a personalised
	// search's order decided by the user's recommendation scores (the rest
	// by the query's relevance).
	SearchPersonalWeight float32 `yaml:"search_personal_weight"`
}

// Data selects the MovieLens release the pipeline runs on.
type Data struct {
	// Dataset is a release name such as ml-100k.
	Dataset string `yaml:"dataset"`
}

// DataProcessing holds the data_processing stage's parameters.
type DataProcessing struct {
	MinRatingsPerUser  int     `yaml:"min_ratings_per_user"`
	MinRatingsPerMovie int     `yaml:"min_ratings_per_movie"`
	TestSplitRatio     float64 `yaml:"test_split_ratio"`
	RandomSeed         uint64  `yaml:"random_seed"`
	// MinInteractions is the quality check "sufficient interactions".
	MinInteractions int `yaml:"min_interactions"`
	// MinCompleteness is the quality check "data completeness" (0..1).
	MinCompleteness float64 `yaml:"min_completeness"`
	// OnBadLine is fail or skip.
	OnBadLine string `yaml:"on_bad_line"`
}

// FeatureEngineering holds the feature stages' shared parameters.
type FeatureEngineering struct {
	EmbeddingDim      int      `yaml:"embedding_dim"`
	MaxSequenceLength int      `yaml:"max_sequence_length"`
	ContentFeatures   []string `yaml:"content_features"`
	// SimilarityTopK is the neighbours kept per movie in item_similarity.parquet.
	SimilarityTopK int `yaml:"similarity_top_k"`
}

// Default returns the seed pipeline's values.
func Default() Params {
	return Params{
		Data: Data{Dataset: "ml-100k"},
		DataProcessing: DataProcessing{
			MinRatingsPerUser: 20, MinRatingsPerMovie: 5, TestSplitRatio: 0.2, RandomSeed: 42,
			MinInteractions: 10000, MinCompleteness: 0.95, OnBadLine: "fail",
		},
		FeatureEngineering: FeatureEngineering{
			EmbeddingDim: 512, MaxSequenceLength: 50,
			ContentFeatures: []string{"title", "genres", "release_year"},
			SimilarityTopK:  20,
		},
		Serving: Serving{SearchPersonalWeight: 0.3},
	}
}

// Load reads path over the defaults. A missing file gives the defaults.
func Load(path string) (Params, error) {
	p := Default()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read params: %w", err)
	}
	if err := Decode(b, &p); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Decode reads YAML into p, keeping p's values where the YAML is silent,
// and validates the result.
func Decode(b []byte, p *Params) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return p.Validate()
}

// Validate checks ranges and names every bad value.
func (p Params) Validate() error {
	var errs []error
	dp := p.DataProcessing
	if dp.MinRatingsPerUser < 1 {
		errs = append(errs, fmt.Errorf("data_processing.min_ratings_per_user: expected >= 1, got %d", dp.MinRatingsPerUser))
	}
	if dp.MinRatingsPerMovie < 1 {
		errs = append(errs, fmt.Errorf("data_processing.min_ratings_per_movie: expected >= 1, got %d", dp.MinRatingsPerMovie))
	}
	if !(dp.TestSplitRatio > 0 && dp.TestSplitRatio < 1) {
		errs = append(errs, fmt.Errorf("data_processing.test_split_ratio: expected a number between 0 and 1, got %v", dp.TestSplitRatio))
	}
	if !(dp.MinCompleteness >= 0 && dp.MinCompleteness <= 1) {
		errs = append(errs, fmt.Errorf("data_processing.min_completeness: expected a number from 0 to 1, got %v", dp.MinCompleteness))
	}
	if dp.OnBadLine != "fail" && dp.OnBadLine != "skip" {
		errs = append(errs, fmt.Errorf("data_processing.on_bad_line: expected fail or skip, got %q", dp.OnBadLine))
	}
	if w := p.Serving.SearchPersonalWeight; !(w >= 0 && w <= 1) {
		errs = append(errs, fmt.Errorf("serving.search_personal_weight: expected a number from 0 to 1, got %v", w))
	}
	if p.FeatureEngineering.MaxSequenceLength < 2 {
		errs = append(errs, fmt.Errorf("feature_engineering.max_sequence_length: expected >= 2, got %d", p.FeatureEngineering.MaxSequenceLength))
	}
	return errors.Join(errs...)
}
