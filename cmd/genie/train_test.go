package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/model/bert4rec"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
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

// TestProjectParams checks that the repository's params.yaml sections for
// the sequential models parse and validate.
func TestProjectParams(t *testing.T) {
	for name, defaults := range map[string]func() seqnn.Config{sasrec.Name: sasrec.DefaultConfig, bert4rec.Name: bert4rec.DefaultConfig} {
		cfg, err := seqnn.LoadConfig(filepath.Join("..", "..", "params.yaml"), defaults())
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if cfg != defaults() {
			t.Logf("%s: params.yaml differs from the defaults: %+v", name, cfg)
		}
	}
}
