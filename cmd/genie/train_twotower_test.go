package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/model/twotower"
)

func TestTrainTwoTowerCmd(t *testing.T) {
	work := t.TempDir()
	processed := filepath.Join(work, "processed")
	writeFeatureTables(t, processed, 12, 30)
	params := filepath.Join(work, "params.yaml")
	os.WriteFile(params, []byte("feature_engineering:\n  embedding_dim: 64\nmodel_training:\n  two_tower:\n    embedding_dim: 8\n    hidden_dims: [16, 8]\n    batch_size: 32\n    epochs: 2\n"), 0o644)
	tests := []struct {
		name    string
		args    []string
		wantOut []string
		wantErr string
	}{
		{name: "all ratings", args: nil, wantOut: []string{"30 users, 12 items, 360 pairs", "of 2"}},
		{name: "recbole split", args: []string{"--protocol", "recbole"}, wantOut: []string{"recbole test", "ndcg@10"}},
		{name: "bad protocol", args: []string{"--protocol", "loo"}, wantErr: `--protocol "loo"`},
		{name: "bad params", args: []string{"--epochs", "-1", "--params", filepath.Join(work, "bad.yaml")}, wantErr: "batch_size: expected >= 2"},
	}
	os.WriteFile(filepath.Join(work, "bad.yaml"), []byte("model_training:\n  two_tower:\n    batch_size: 1\n"), 0o644)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(work, strings.ReplaceAll(tc.name, " ", "_"))
			cmd := newTrainTwoTowerCmd()
			var stdout bytes.Buffer
			cmd.SetOut(&stdout)
			cmd.SetErr(&bytes.Buffer{})
			cmd.SetArgs(append([]string{"--processed", processed, "--params", params, "--out", out}, tc.args...))
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("output %q lacks %q", stdout.String(), w)
				}
			}
			m, err := twotower.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if recs := m.Recommend(m.EmbedUser(twotower.UserQuery{History: []int64{2, 4}}), 3, []int64{2, 4}); len(recs) != 3 {
				t.Errorf("recommendations %v", recs)
			}
			if _, err := os.Stat(filepath.Join(out, "report.json")); err != nil {
				t.Error(err)
			}
		})
	}
}
