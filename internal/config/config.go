// Package config reads params.yaml, the tunables of every Movie Genie stage,
// into typed structs with defaults. Unknown sections (at the top level and
// in model_training) and unknown keys are errors, so a typo in params.yaml
// fails loudly instead of being ignored; every error names the file, the
// line and the key. [File] is the parsed file the model packages read
// their model_training sections from.
package config

import (
	"errors"
	"fmt"
	"os"
)

// Params is the whole of params.yaml. Sections follow the seed pipeline.
type Params struct {
	Data               Data               `yaml:"data"`
	DataProcessing     DataProcessing     `yaml:"data_processing"`
	FeatureEngineering FeatureEngineering `yaml:"feature_engineering"`
	Serving            Serving            `yaml:"serving"`
	// model_training's sections are read by the model packages that own
	// them (File.Decode); Load only checks their names.
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
	return p, decode(path, b, &p)
}

// Decode reads YAML into p, keeping p's values where the YAML is silent,
// and validates the result. Errors name the line and the key.
func Decode(b []byte, p *Params) error { return decode("", b, p) }

// decode is Decode with errors prefixed by path (when not empty).
func decode(path string, b []byte, p *Params) error {
	f, err := Parse(path, b)
	if err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		v    any
	}{
		{"data", &p.Data}, {"data_processing", &p.DataProcessing},
		{"feature_engineering", &p.FeatureEngineering}, {"serving", &p.Serving},
	} {
		if err := f.Decode(s.v, s.name); err != nil {
			return err
		}
	}
	return f.Locate(p.Validate())
}

// Validate checks ranges and names every bad value (each a [ValueError]).
func (p Params) Validate() error {
	var errs []error
	bad := func(key, want string, got any) {
		errs = append(errs, &ValueError{Key: key, Want: want, Got: got})
	}
	dp := p.DataProcessing
	if dp.MinRatingsPerUser < 1 {
		bad("data_processing.min_ratings_per_user", ">= 1", dp.MinRatingsPerUser)
	}
	if dp.MinRatingsPerMovie < 1 {
		bad("data_processing.min_ratings_per_movie", ">= 1", dp.MinRatingsPerMovie)
	}
	if !(dp.TestSplitRatio > 0 && dp.TestSplitRatio < 1) {
		bad("data_processing.test_split_ratio", "a number between 0 and 1", dp.TestSplitRatio)
	}
	if !(dp.MinCompleteness >= 0 && dp.MinCompleteness <= 1) {
		bad("data_processing.min_completeness", "a number from 0 to 1", dp.MinCompleteness)
	}
	if dp.OnBadLine != "fail" && dp.OnBadLine != "skip" {
		bad("data_processing.on_bad_line", "fail or skip", fmt.Sprintf("%q", dp.OnBadLine))
	}
	if w := p.Serving.SearchPersonalWeight; !(w >= 0 && w <= 1) {
		bad("serving.search_personal_weight", "a number from 0 to 1", w)
	}
	if p.FeatureEngineering.MaxSequenceLength < 2 {
		bad("feature_engineering.max_sequence_length", ">= 2", p.FeatureEngineering.MaxSequenceLength)
	}
	return errors.Join(errs...)
}
