package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model/bert4rec"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/pipeline"
)

// writeRingRatings writes a ratings.parquet in which every user walks a
// ring of movies, one step per timestamp.
func writeRingRatings(t *testing.T, path string) {
	t.Helper()
	r := rand.New(rand.NewPCG(9, 9))
	var rows []dataset.RatingRow
	for u := int32(1); u <= 60; u++ {
		start, n := r.IntN(30), 10+r.IntN(10)
		for k := range n {
			rows = append(rows, dataset.RatingRow{
				UserID: u, MovieID: int32(10 + (start+k)%30), Rating: 4, Timestamp: int64(1000 + k),
				SourceRow: int32(len(rows)), UserSeq: int32(k), TemporalSplit: "train", RandomSplit: "train",
			})
		}
	}
	if err := dataset.WriteParquet(path, rows); err != nil {
		t.Fatal(err)
	}
}

const trainTestParams = `model_training:
  %s:
    max_len: 12
    hidden_size: 32
    num_heads: 2
    num_layers: 1
    ffn_size: 64
    batch_size: 32
    learning_rate: 0.005
    warmup_steps: 5
    window_step: 6
    max_epochs: 12
    patience: 2
    eval_every: 3
    threads: 2
`

func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	ratings := filepath.Join(dir, "ratings.parquet")
	writeRingRatings(t, ratings)
	for _, name := range []string{sasrec.Name, bert4rec.Name} {
		t.Run(name, func(t *testing.T) {
			params := filepath.Join(dir, name+".yaml")
			if err := os.WriteFile(params, []byte(strings.ReplaceAll(trainTestParams, "%s", name)), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "models", name)
			cmd := newTrainCmd()
			var stdout, stderr bytes.Buffer
			cmd.SetOut(&stdout)
			cmd.SetErr(&stderr)
			cmd.SetArgs([]string{name, "--params", params, "--ratings", ratings, "--out", out})
			if err := cmd.Execute(); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "valid ndcg@10") || !strings.Contains(stdout.String(), "test ndcg@10") {
				t.Errorf("output:\n%s\n%s", stdout.String(), stderr.String())
			}
			var rep seqnn.Report
			b, err := os.ReadFile(filepath.Join(out, seqnn.HistoryFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Config.Dim != 32 || rep.Config.MaxEpochs != 12 || rep.History.BestEpoch == 0 || len(rep.History.Epochs) == 0 {
				t.Errorf("history.json: %+v", rep)
			}
			if hr := rep.Test["hr@10"]; hr < 0.5 {
				t.Errorf("test HR@10 %.3f on a ring, want >= 0.5", hr)
			}
			svg, err := os.ReadFile(filepath.Join(out, seqnn.HistoryPlotFile))
			if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("<polyline")) {
				t.Errorf("history.svg: %v %.80s", err, svg)
			}
			m, info, err := seqnn.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if info.Config.Name != name || len(info.ItemIDs) != 30 || info.ItemIDs[0] != 10 {
				t.Errorf("config.json: %+v", info)
			}
			// Users walk 10, 11, 12, ...: the next movie after 20..25 is 26.
			recs := m.Recommend([]int64{20, 21, 22, 23, 24, 25}, 3, nil)
			if len(recs) != 3 {
				t.Fatalf("recommend: %v", recs)
			}
			t.Logf("after 20..25: %v", recs)
		})
	}
}

// TestProjectParams loads the repository's params.yaml as every stage
// does, and checks that every params key dvc.yaml declares is in a section
// internal/config knows, so that the section checks reject no legitimate
// section.
func TestProjectParams(t *testing.T) {
	root := filepath.Join("..", "..")
	path := filepath.Join(root, "params.yaml")
	loaders := map[string]func() error{
		// process, sequences, eval, serve, up, train two-tower
		"config": func() error { _, err := config.Load(path); return err },
		// features, train two-tower
		"features":    func() error { _, err := features.LoadParams(path); return err },
		"two_tower":   func() error { _, err := twotower.LoadConfig(path); return err },
		sasrec.Name:   func() error { _, err := seqnn.LoadConfig(path, sasrec.DefaultConfig()); return err },
		bert4rec.Name: func() error { _, err := seqnn.LoadConfig(path, bert4rec.DefaultConfig()); return err },
	}
	for name, load := range loaders {
		if err := load(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, defaults := range map[string]func() seqnn.Config{sasrec.Name: sasrec.DefaultConfig, bert4rec.Name: bert4rec.DefaultConfig} {
		if cfg, _ := seqnn.LoadConfig(path, defaults()); cfg != defaults() {
			t.Logf("%s: params.yaml differs from the defaults: %+v", name, cfg)
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "dvc.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stages, err := pipeline.ParseDvcYAML(b, abs, abs)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, st := range stages {
		for _, pd := range st.Params {
			for _, key := range pd.Keys {
				declared++
				parts := strings.Split(key, ".")
				if !slices.Contains(config.Sections(), parts[0]) {
					t.Errorf("dvc.yaml stage %s: params %s: section %s unknown to internal/config (known: %v)", st.Name, key, parts[0], config.Sections())
				}
				if parts[0] == "model_training" && len(parts) > 1 && !slices.Contains(config.ModelSections(), parts[1]) {
					t.Errorf("dvc.yaml stage %s: params %s: model section %s unknown to internal/config (known: %v)", st.Name, key, parts[1], config.ModelSections())
				}
			}
		}
	}
	if declared == 0 {
		t.Error("dvc.yaml declares no params: the check above checked nothing")
	}
	// The model sections config knows are the models genie trains.
	if want := []string{sasrec.Name, bert4rec.Name, twotower.Name}; !slices.Equal(config.ModelSections(), want) {
		t.Errorf("config.ModelSections() = %v, want %v", config.ModelSections(), want)
	}
}

// TestTrainRejects checks that genie train sasrec and bert4rec refuse bad
// flags and bad params.yaml sections with an error naming the flag, or the
// file, line and key, before reading any data.
func TestTrainRejects(t *testing.T) {
	dir := t.TempDir()
	project, err := os.ReadFile(filepath.Join("..", "..", "params.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// line returns the 1-based line of params.yaml that contains s.
	line := func(s string) int {
		for i, l := range strings.Split(string(project), "\n") {
			if strings.Contains(l, s) {
				return i + 1
			}
		}
		t.Fatalf("params.yaml has no %q", s)
		return 0
	}
	edit := func(old, new string) string {
		if !strings.Contains(string(project), old) {
			t.Fatalf("params.yaml has no %q", old)
		}
		return strings.Replace(string(project), old, new, 1)
	}
	sasrecHidden := "hidden_size: 64\n    num_heads: 1"
	for _, tc := range []struct {
		name, model, params string // params: "" for the project's
		args                []string
		want                string
	}{
		{name: "negative threads", model: sasrec.Name, args: []string{"--threads", "-4"},
			want: "train sasrec: --threads -4: want 1 to 256, or 0 for model_training.sasrec.threads"},
		{name: "too many threads", model: bert4rec.Name, args: []string{"--threads", "100000"},
			want: "train bert4rec: --threads 100000: want 1 to 256, or 0 for model_training.bert4rec.threads"},
		{name: "model section typo", model: sasrec.Name, params: edit("  sasrec:", "  sasrc:"),
			want: fmt.Sprintf(`: line %d: unknown section "model_training.sasrc" (known sections of model_training: sasrec, bert4rec, two_tower)`, line("  sasrec:"))},
		{name: "model_training typo", model: bert4rec.Name, params: edit("model_training:", "model_trainig:"),
			want: fmt.Sprintf(`: line %d: unknown section "model_trainig" (known sections: data, data_processing, feature_engineering, model_training, serving)`, line("model_training:"))},
		{name: "two_tower typo", model: sasrec.Name, params: edit("  two_tower:", "  two-tower:"),
			want: fmt.Sprintf(`: line %d: unknown section "model_training.two-tower"`, line("  two_tower:"))},
		{name: "type error at the file's line", model: sasrec.Name, params: edit(sasrecHidden, "hidden_size: abc\n    num_heads: 1"),
			want: fmt.Sprintf(`: line %d: model_training.sasrec.hidden_size: expected an integer, got "abc"`, line(sasrecHidden[:15]))},
		{name: "huge hidden size", model: sasrec.Name, params: edit(sasrecHidden, "hidden_size: 100000000\n    num_heads: 1"),
			want: fmt.Sprintf(": line %d: model_training.sasrec.hidden_size: expected 1 to 4096, got 100000000", line(sasrecHidden[:15]))},
		{name: "NaN learning rate", model: sasrec.Name, params: edit("learning_rate: 0.002", "learning_rate: .nan"),
			want: fmt.Sprintf(": line %d: model_training.sasrec.learning_rate: expected a finite number > 0, got NaN", line("learning_rate: 0.002"))},
		{name: "negative patience", model: sasrec.Name, params: edit("patience: 4", "patience: -4"),
			want: fmt.Sprintf(": line %d: model_training.sasrec.patience: expected >= 0, got -4", line("patience: 4"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := filepath.Join("..", "..", "params.yaml")
			if tc.params != "" {
				params = filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
				if err := os.WriteFile(params, []byte(tc.params), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := newTrainCmd()
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			// No ratings file: a run that got past the checks fails on it.
			cmd.SetArgs(append([]string{tc.model, "--params", params, "--ratings", filepath.Join(dir, "absent.parquet"), "--out", filepath.Join(dir, "out")}, tc.args...))
			err := cmd.Execute()
			if tc.params != "" {
				tc.want = params + tc.want
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
