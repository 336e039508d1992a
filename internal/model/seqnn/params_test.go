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

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml string
		defaults   seqnn.Config
		wantErr    string
		check      func(seqnn.Config) bool
	}{
		{"missing file", "", sasrec.DefaultConfig(), "", func(c seqnn.Config) bool { return c == sasrec.DefaultConfig() }},
		{"no section", "data:\n  dataset: ml-100k\n", sasrec.DefaultConfig(), "", func(c seqnn.Config) bool { return c == sasrec.DefaultConfig() }},
		{"other model's section", "model_training:\n  bert4rec:\n    hidden_size: 128\n", sasrec.DefaultConfig(), "",
			func(c seqnn.Config) bool { return c == sasrec.DefaultConfig() }},
		{"override", "model_training:\n  sasrec:\n    hidden_size: 128\n    dropout: 0.3\n", sasrec.DefaultConfig(), "",
			func(c seqnn.Config) bool {
				return c.Dim == 128 && c.Dropout == 0.3 && c.Layers == sasrec.DefaultConfig().Layers
			}},
		{"section named by the defaults", "model_training:\n  bert4rec:\n    hidden_size: 128\n", bert4rec.DefaultConfig(), "",
			func(c seqnn.Config) bool { return c.Dim == 128 && c.Name == bert4rec.Name && c.Bidirectional }},
		{"unknown key", "model_training:\n  sasrec:\n    hiden_size: 128\n", sasrec.DefaultConfig(), "model_training.sasrec", nil},
		{"invalid", "model_training:\n  sasrec:\n    num_heads: 3\n", sasrec.DefaultConfig(), "params ", nil},
		{"not YAML", "model_training: [\n", sasrec.DefaultConfig(), "params ", nil},
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
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
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
