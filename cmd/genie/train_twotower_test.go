package main

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"slices"
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
		name     string
		out      string // output folder under work; the name by default
		args     []string
		wantOut  []string
		wantErr  string
		wantDirs []string // protocol model folders in out, exactly
		// wantPatience is the protocol models' early-stopping patience (0:
		// the --eval-patience default, 2).
		wantPatience int
	}{
		{name: "all ratings", args: nil, wantOut: []string{"30 users, 12 items, 360 pairs", "of 2", "tfrs test", "recbole test", "sequential test hr@1 "},
			wantDirs: []string{"tfrs", "recbole", "sequential"}},
		{name: "stale models removed", out: "all_ratings", args: []string{"--eval-protocols", "recbole"},
			wantOut: []string{"recbole test", "removed " + filepath.Join(work, "all_ratings", "tfrs"), "removed " + filepath.Join(work, "all_ratings", "sequential")}, wantDirs: []string{"recbole"}},
		{name: "serving model only", args: []string{"--eval-protocols", ""}, wantOut: []string{"360 pairs"}},
		{name: "configuration patience", args: []string{"--eval-protocols", "tfrs", "--eval-patience", "0"}, wantOut: []string{"tfrs test"},
			wantDirs: []string{"tfrs"}, wantPatience: twotower.DefaultConfig().Patience},
		{name: "bad eval patience", args: []string{"--eval-patience", "-1"}, wantErr: "--eval-patience -1"},
		{name: "recbole split", args: []string{"--protocol", "recbole"}, wantOut: []string{"recbole test", "ndcg@10"}},
		{name: "sequential split", args: []string{"--protocol", "sequential"}, wantOut: []string{"330 pairs", "sequential test", "hr@10"}},
		{name: "bad protocol", args: []string{"--protocol", "loo"}, wantErr: `--protocol "loo"`},
		{name: "bad eval protocol", args: []string{"--eval-protocols", "tfrs,loo"}, wantErr: `"loo": want tfrs, recbole or sequential`},
		{name: "eval protocols need all ratings", args: []string{"--protocol", "tfrs", "--eval-protocols", "recbole"}, wantErr: "--eval-protocols needs --protocol none"},
		{name: "bad params", args: []string{"--params", filepath.Join(work, "bad.yaml")},
			wantErr: filepath.Join(work, "bad.yaml") + ": line 3: model_training.two_tower.batch_size: expected 2 to 65536, got 1"},
		{name: "section typo", args: []string{"--params", filepath.Join(work, "typo.yaml")},
			wantErr: filepath.Join(work, "typo.yaml") + `: line 2: unknown section "model_training.two-tower" (known sections of model_training: sasrec, bert4rec, two_tower)`},
		{name: "NaN params", args: []string{"--params", filepath.Join(work, "nan.yaml")},
			wantErr: filepath.Join(work, "nan.yaml") + ": line 3: model_training.two_tower.learning_rate: expected a finite number > 0, got +Inf\n" +
				"line 4: model_training.two_tower.ema: expected 0 <= decay < 1, got NaN"},
		{name: "huge embedding", args: []string{"--params", filepath.Join(work, "huge.yaml")},
			wantErr: filepath.Join(work, "huge.yaml") + ": line 3: model_training.two_tower.embedding_dim: expected 1 to 4096, got 1000000000"},
		{name: "negative epochs and threads", args: []string{"--epochs", "-5", "--threads", "-2"},
			wantErr: "train two-tower: --threads -2: want 1 to 256, or 0 for model_training.two_tower.threads"},
		{name: "negative epochs flag", args: []string{"--epochs", "-5"},
			wantErr: "train two-tower: --epochs -5: want 1 to 100000, or 0 for model_training.two_tower.epochs"},
		{name: "too many threads", args: []string{"--threads", "100000"},
			wantErr: "train two-tower: --threads 100000: want 1 to 256, or 0 for model_training.two_tower.threads"},
	}
	for name, yaml := range map[string]string{
		"bad.yaml":  "model_training:\n  two_tower:\n    batch_size: 1\n",
		"typo.yaml": "model_training:\n  two-tower:\n    batch_size: 1\n",
		"nan.yaml":  "model_training:\n  two_tower:\n    learning_rate: .inf\n    ema: .nan\n",
		"huge.yaml": "model_training:\n  two_tower:\n    embedding_dim: 1000000000\n",
	} {
		if err := os.WriteFile(filepath.Join(work, name), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.out == "" {
				tc.out = strings.ReplaceAll(tc.name, " ", "_")
			}
			out := filepath.Join(work, tc.out)
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
			for _, p := range []string{"tfrs", "recbole", "sequential"} {
				m, err := twotower.Load(filepath.Join(out, p))
				if want := slices.Contains(tc.wantDirs, p); (err == nil) != want {
					t.Errorf("%s model: %v, want one: %v", p, err, want)
					continue
				}
				if err != nil {
					continue
				}
				if m.TrainFingerprint() == "" {
					t.Errorf("%s model saved without a training-data fingerprint", p)
				}
				want := cmp.Or(tc.wantPatience, 2)
				if p == "sequential" {
					want = twotower.DefaultConfig().Patience // fit as the served model
				}
				if m.Config().Patience != want {
					t.Errorf("%s model: patience %d, want %d", p, m.Config().Patience, want)
				}
			}
		})
	}
}
