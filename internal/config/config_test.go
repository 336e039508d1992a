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
		{"other sections allowed", "model_training:\n  bert4rec:\n    hidden_size: 64\n", "", func(p Params) bool { return len(p.Rest) == 1 }},
		{"typo caught", "data_processing:\n  min_rating_per_user: 10\n", "field min_rating_per_user not found", nil},
		{"range", "data_processing:\n  test_split_ratio: 1.5\n", "test_split_ratio: expected a number between 0 and 1, got 1.5", nil},
		{"policy", "data_processing:\n  on_bad_line: ignore\n", `on_bad_line: expected fail or skip, got "ignore"`, nil},
		{"type", "data_processing:\n  min_ratings_per_user: many\n", "cannot unmarshal", nil},
		{"serving default", "", "", func(p Params) bool { return p.Serving.SearchPersonalWeight == 0.3 }},
		{"serving set", "serving:\n  search_personal_weight: 0.5\n", "", func(p Params) bool { return p.Serving.SearchPersonalWeight == 0.5 }},
		{"serving range", "serving:\n  search_personal_weight: 2\n", "serving.search_personal_weight: expected a number from 0 to 1, got 2", nil},
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
	path := filepath.Join(t.TempDir(), "params.yaml")
	if err := os.WriteFile(path, []byte("data_processing: [1, 2]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v; want it to name %s", err, path)
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
