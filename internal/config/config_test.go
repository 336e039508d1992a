package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
		check               func(Params) bool
	}{
		{"defaults kept", "data_processing:\n  min_ratings_per_user: 10\n", "", func(p Params) bool {
			return p.DataProcessing.MinRatingsPerUser == 10 && p.DataProcessing.MinRatingsPerMovie == 5 && p.DataProcessing.RandomSeed == 42
		}},
		{"empty", "", "", func(p Params) bool { return p.Data.Dataset == "ml-100k" }},
		{"model sections left to the models", "model_training:\n  bert4rec:\n    hidden_size: 64\n  sasrec:\n  two_tower:\n    layers: 3\n", "",
			func(p Params) bool { return p.DataProcessing.MinRatingsPerUser == 20 }},
		{"empty sections", "data:\nmodel_training:\nserving: ~\n", "", func(p Params) bool { return p.Data.Dataset == "ml-100k" }},
		{"typo caught", "data_processing:\n  min_rating_per_user: 10\n",
			"line 2: field min_rating_per_user not found in data_processing (known keys: min_ratings_per_user, min_ratings_per_movie, test_split_ratio, random_seed, min_interactions, min_completeness, on_bad_line)", nil},
		{"range", "data_processing:\n  test_split_ratio: 1.5\n", "line 2: data_processing.test_split_ratio: expected a number between 0 and 1, got 1.5", nil},
		{"policy", "data_processing:\n  on_bad_line: ignore\n", `line 2: data_processing.on_bad_line: expected fail or skip, got "ignore"`, nil},
		{"type", "data_processing:\n  min_ratings_per_user: many\n", `line 2: data_processing.min_ratings_per_user: expected an integer, got "many"`, nil},
		{"list type", "feature_engineering:\n  content_features: {a: 1}\n", "line 2: feature_engineering.content_features: expected a list of strings", nil},
		{"line of the file, not of the section", "# params\n\ndata:\n  dataset: ml-1m\n\ndata_processing:\n  random_seed: 7\n  # the split\n  min_ratings_per_user: many\n",
			`line 9: data_processing.min_ratings_per_user: expected an integer, got "many"`, nil},
		{"section typo", "data:\n  dataset: ml-1m\nmodel_trainig:\n  sasrec:\n    hidden_size: 64\n",
			`line 3: unknown section "model_trainig" (known sections: data, data_processing, feature_engineering, model_training, serving)`, nil},
		{"model section typo", "model_training:\n  sasrc:\n    hidden_size: 64\n",
			`line 2: unknown section "model_training.sasrc" (known sections of model_training: sasrec, bert4rec, two_tower)`, nil},
		{"model section with a dash", "model_training:\n  two-tower:\n    epochs: 2\n", `line 2: unknown section "model_training.two-tower"`, nil},
		{"sections never read", "evaluation:\n  k: 10\n",
			`line 1: section "evaluation" is read by no stage: expected it empty or absent, got a mapping (known sections: data, data_processing, feature_engineering, model_training, serving)`, nil},
		{"seed sections empty", "search: {}\nevaluation:\n", "", func(p Params) bool { return p.Data.Dataset == "ml-100k" }},
		{"other section", "metrics:\n  k: 10\n", `line 1: unknown section "metrics" (known sections: data,`, nil},
		{"key set twice", "data:\n  dataset: ml-1m\n  dataset: ml-100k\n", "line 3: key dataset set twice in data (first at line 2)", nil},
		{"section set twice", "data:\n  dataset: ml-1m\ndata:\n  dataset: ml-100k\n", "line 3: key data set twice at the top level (first at line 1)", nil},
		{"not a mapping", "- data\n", "line 1: expected a mapping of sections, got a list", nil},
		{"section not a mapping", "data_processing: [1, 2]\n", "line 1: data_processing: expected a mapping of keys, got a list", nil},
		{"model_training not a mapping", "model_training: sasrec\n", `line 1: model_training: expected a mapping of keys, got "sasrec"`, nil},
		{"merge key", "data_processing:\n  <<: &dp {min_ratings_per_user: 3}\n  min_ratings_per_movie: 2\n", "",
			func(p Params) bool {
				return p.DataProcessing.MinRatingsPerUser == 3 && p.DataProcessing.MinRatingsPerMovie == 2
			}},
		{"typo in a merged mapping", "data_processing:\n  <<: {min_rating_per_user: 3}\n", "field min_rating_per_user not found in data_processing", nil},
		{"serving default", "", "", func(p Params) bool { return p.Serving.SearchPersonalWeight == 0.3 }},
		{"serving set", "serving:\n  search_personal_weight: 0.5\n", "", func(p Params) bool { return p.Serving.SearchPersonalWeight == 0.5 }},
		{"serving range", "serving:\n  search_personal_weight: 2\n", "line 2: serving.search_personal_weight: expected a number from 0 to 1, got 2", nil},
		{"serving not a number", "serving:\n  search_personal_weight: .nan\n", "line 2: serving.search_personal_weight: expected a number from 0 to 1, got NaN", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Default()
			err := Decode([]byte(tc.yaml), &p)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(p) {
				t.Errorf("unexpected params %+v", p)
			}
		})
	}
}

func TestLoadMissingFileGivesDefaults(t *testing.T) {
	p, err := Load(filepath.Join(t.TempDir(), "params.yaml"))
	if err != nil || p.DataProcessing.MinRatingsPerUser != 20 {
		t.Fatalf("p = %+v, err = %v", p, err)
	}
}

func TestLoadReportsPath(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"not a mapping", "data_processing: [1, 2]\n", ": line 1: data_processing: expected a mapping of keys, got a list"},
		{"section typo", "data:\n  dataset: ml-100k\nserveing:\n  search_personal_weight: 0.5\n", `: line 3: unknown section "serveing"`},
		{"range", "data:\n  dataset: ml-100k\ndata_processing:\n  min_ratings_per_user: 0\n", ": line 4: data_processing.min_ratings_per_user: expected >= 1, got 0"},
		{"syntax", "data:\n  dataset: [\n", ": yaml: line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "params.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path+tc.want) {
				t.Fatalf("err = %v; want it to contain %q", err, path+tc.want)
			}
		})
	}
}

// TestProjectParams loads the repository's params.yaml: every section it
// has must be known.
func TestProjectParams(t *testing.T) {
	path := filepath.Join("..", "..", "params.yaml")
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ModelSections() {
		if f.Section("model_training", m) == nil {
			t.Errorf("params.yaml has no model_training.%s section", m)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("data_processing:\n  min_ratings_per_user: 10\n")
	f.Add("a: &x [*x]\n")
	f.Fuzz(func(t *testing.T, s string) {
		p := Default()
		if err := Decode([]byte(s), &p); err == nil {
			if err := p.Validate(); err != nil {
				t.Fatalf("Decode accepted invalid params: %v", err)
			}
		}
	})
}
