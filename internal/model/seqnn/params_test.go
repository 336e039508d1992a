package seqnn_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/model/bert4rec"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// projectLike is params.yaml's layout, with the sasrec section's keys at
// the same lines as in the project's file; tests replace the marked value.
const projectLike = `# Every tunable.

data:
  dataset: ml-100k

data_processing:
  random_seed: 42

model_training:
  sasrec:
    max_len: 50
    # the model width
    hidden_size: VALUE
    num_heads: 1
  bert4rec:
    hidden_size: 64
  two_tower:
    embedding_dim: 64

serving:
  search_personal_weight: 0.3
`

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	project := func(old, new string) string {
		return strings.Replace(strings.Replace(projectLike, "VALUE", "64", 1), old, new, 1)
	}
	for _, tc := range []struct {
		name, yaml string
		defaults   seqnn.Config
		wantErr    string
		check      func(seqnn.Config) bool
	}{
		{"missing file", "", sasrec.DefaultConfig(), "", func(c seqnn.Config) bool { return c == sasrec.DefaultConfig() }},
		{"no section", "data:\n  dataset: ml-100k\n", sasrec.DefaultConfig(), "", func(c seqnn.Config) bool { return c == sasrec.DefaultConfig() }},
		{"empty section", "model_training:\n  sasrec:\n", sasrec.DefaultConfig(), "", func(c seqnn.Config) bool { return c == sasrec.DefaultConfig() }},
		{"other model's section", "model_training:\n  bert4rec:\n    hidden_size: 128\n", sasrec.DefaultConfig(), "",
			func(c seqnn.Config) bool { return c == sasrec.DefaultConfig() }},
		{"override", "model_training:\n  sasrec:\n    hidden_size: 128\n    dropout: 0.3\n", sasrec.DefaultConfig(), "",
			func(c seqnn.Config) bool {
				return c.Dim == 128 && c.Dropout == 0.3 && c.Layers == sasrec.DefaultConfig().Layers
			}},
		{"section named by the defaults", "model_training:\n  bert4rec:\n    hidden_size: 128\n", bert4rec.DefaultConfig(), "",
			func(c seqnn.Config) bool { return c.Dim == 128 && c.Name == bert4rec.Name && c.Bidirectional }},
		{"project layout", project("", ""), sasrec.DefaultConfig(), "", func(c seqnn.Config) bool { return c.Dim == 64 && c.MaxLen == 50 }},
		{"unknown key", "model_training:\n  sasrec:\n    hiden_size: 128\n", sasrec.DefaultConfig(),
			"line 3: field hiden_size not found in model_training.sasrec (known keys: max_len, hidden_size, num_heads,", nil},
		{"model section typo", project("  sasrec:", "  sasrc:"), sasrec.DefaultConfig(),
			`line 10: unknown section "model_training.sasrc" (known sections of model_training: sasrec, bert4rec, two_tower)`, nil},
		{"model section typo, other model", project("  sasrec:", "  sasrc:"), bert4rec.DefaultConfig(), `unknown section "model_training.sasrc"`, nil},
		{"model_training typo", project("model_training:", "model_trainig:"), sasrec.DefaultConfig(),
			`line 9: unknown section "model_trainig" (known sections: data, data_processing, feature_engineering, model_training, serving)`, nil},
		{"two_tower typo", project("  two_tower:", "  two-tower:"), bert4rec.DefaultConfig(), `line 17: unknown section "model_training.two-tower"`, nil},
		{"type error at the file's line", strings.Replace(projectLike, "VALUE", "abc", 1), sasrec.DefaultConfig(),
			`.yaml: line 13: model_training.sasrec.hidden_size: expected an integer, got "abc"`, nil},
		{"range error at the file's line", strings.Replace(projectLike, "VALUE", "100000000", 1), sasrec.DefaultConfig(),
			".yaml: line 13: model_training.sasrec.hidden_size: expected 1 to 4096, got 100000000", nil},
		{"max_len", project("max_len: 50", "max_len: 1000000000"), sasrec.DefaultConfig(),
			"line 11: model_training.sasrec.max_len: expected 2 to 4096, got 1000000000", nil},
		{"NaN", project("max_len: 50", "learning_rate: .nan"), sasrec.DefaultConfig(),
			"line 11: model_training.sasrec.learning_rate: expected a finite number > 0, got NaN", nil},
		{"invalid", "model_training:\n  sasrec:\n    num_heads: 3\n", sasrec.DefaultConfig(),
			"line 3: model_training.sasrec.num_heads: expected a divisor of hidden_size 64, got 3", nil},
		{"not YAML", "model_training: [\n", sasrec.DefaultConfig(), "not_YAML.yaml: yaml: line 1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "absent.yaml")
			if tc.yaml != "" {
				path = filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
				if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := seqnn.LoadConfig(path, tc.defaults)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), path+": ") {
					t.Fatalf("err = %v, want one starting with %s and containing %q", err, path, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(cfg) {
				t.Errorf("config %+v", cfg)
			}
		})
	}
}

// TestNames checks that Names lists the sequential models' Name constants
// (this package cannot import theirs), in the order they are tried.
func TestNames(t *testing.T) {
	if got, want := seqnn.Names(), []string{sasrec.Name, bert4rec.Name}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	seqnn.Names()[0] = "changed"
	if seqnn.Names()[0] != sasrec.Name {
		t.Error("Names returns a shared slice")
	}
}
