package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	gdataset "github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/nn/blas"
)

// ttHeader describes a Two-Tower dump (-dump) for twotower_ref.py: the
// shapes, the hyper-parameters of the configuration that ran, and the
// constants Fit hard-codes (warm-up, clipping, temperature cap).
type ttHeader struct {
	Users         int     `json:"users"`
	Items         int     `json:"items"`
	Features      int     `json:"features"`
	Content       int     `json:"content"`
	Batch         int     `json:"batch"`
	Pairs         int     `json:"pairs"`
	Epochs        int     `json:"epochs"`
	StepsPerEpoch int     `json:"steps_per_epoch"`
	EmbeddingDim  int     `json:"embedding_dim"`
	HiddenDims    []int   `json:"hidden_dims"`
	LearningRate  float64 `json:"learning_rate"`
	WeightDecay   float64 `json:"weight_decay"`
	Temperature   float64 `json:"temperature"`
	Warmup        int     `json:"warmup"`
	Clip          float64 `json:"clip"`
	MaxLogScale   float64 `json:"max_log_scale"`
	Seed          uint64  `json:"seed"`
}

// runTwoTower trains twotower.Model (the real Fit: batch assembly, step,
// the catalogue's item embeddings at each epoch's end) on the processed
// tables for o.epochs epochs and reports seconds per epoch. Early stopping
// is off (validation_share 0), so every epoch runs and the PyTorch
// reference has the same work. With -dump it only writes the batches.
func runTwoTower(o options) error {
	t, err := gdataset.ReadTables(o.processed)
	if err != nil {
		return err
	}
	content, err := gdataset.ReadParquet[features.ContentRow](filepath.Join(o.processed, features.ContentFile))
	if err != nil {
		return fmt.Errorf("content features (run genie features content --processed %s): %w", o.processed, err)
	}
	cfg, err := twotower.LoadConfig(o.params)
	if err != nil {
		return err
	}
	if cfg.Negatives != twotower.NegativesInBatch {
		return fmt.Errorf("two-tower bench: negatives %q: only %q has a PyTorch reference", cfg.Negatives, twotower.NegativesInBatch)
	}
	// One member, no weight average: the PyTorch reference trains one
	// model and averages nothing (the average is one pass over the
	// weights per step).
	cfg.Threads, cfg.Epochs, cfg.ValidationShare, cfg.Ensemble, cfg.EMA = o.threads, o.epochs, 0, 1, 0
	if o.seed != 0 {
		cfg.Seed = o.seed
	}
	side := twotower.NewSideInfo(t, content)
	train := twotower.TrainDataFromTables(t)
	m := twotower.New(cfg, side)
	res := result{Model: "two-tower", Engine: "genie-" + blas.Backend, Threads: o.threads,
		Users: train.NumUsers, Items: train.NumItems, Pairs: train.NumInteractions()}
	B := min(cfg.BatchSize, res.Pairs)
	res.StepsPerEpoch = res.Pairs / B

	if o.dump != "" {
		f, err := os.Create(o.dump)
		if err != nil {
			return fmt.Errorf("dump: %w", err)
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 1<<20)
		var werr error
		put := func(v any) {
			if werr == nil {
				werr = binary.Write(w, binary.LittleEndian, v)
			}
		}
		headerDone := false
		m.OnBatch = func(b twotower.Batch) {
			if !headerDone {
				headerDone = true
				C := side.ContentDim
				h := ttHeader{Users: train.NumUsers, Items: train.NumItems, Features: len(b.Features) / B, Content: C,
					Batch: B, Pairs: res.Pairs, Epochs: cfg.Epochs, StepsPerEpoch: res.StepsPerEpoch,
					EmbeddingDim: cfg.EmbeddingDim, HiddenDims: cfg.HiddenDims, LearningRate: cfg.LearningRate,
					WeightDecay: cfg.WeightDecay, Temperature: cfg.Temperature, Warmup: min(100, res.StepsPerEpoch),
					Clip: 10, MaxLogScale: math.Log(100), Seed: cfg.Seed}
				js, err := json.Marshal(h)
				if err != nil {
					werr = err
					return
				}
				for len(js)%4 != 0 {
					js = append(js, ' ')
				}
				w.WriteString("TTB1")
				put(uint32(len(js)))
				w.Write(js)
				// The item tower's constant content matrix, as Fit builds it.
				cm := make([]float32, train.NumItems*C)
				for i, id := range train.ItemIDs {
					if v := side.Content[id]; len(v) == C {
						copy(cm[i*C:], v)
					}
				}
				put(cm)
			}
			put(b.Users)
			put(b.Items)
			put(b.ItemIDs)
			put(b.LogQ)
			put(b.Features)
			lens := make([]int32, len(b.History))
			for i, h := range b.History {
				lens[i] = int32(len(h))
			}
			put(lens)
			for _, h := range b.History {
				put(h)
			}
		}
		if err := m.Fit(context.Background(), train); err != nil {
			return err
		}
		if werr == nil {
			werr = w.Flush()
		}
		if werr != nil {
			return fmt.Errorf("dump: %w", werr)
		}
		fmt.Fprintf(os.Stderr, "two-tower: wrote %d epochs x %d steps of batches to %s\n", cfg.Epochs, res.StepsPerEpoch, o.dump)
		return f.Close()
	}

	// Fit logs once at the end of each epoch: time between those calls.
	// The first epoch also holds Fit's setup (features, pairs, init) and
	// is reported separately as warm-up.
	start, cpu0 := time.Now(), cpuSeconds()
	m.Log = func(format string, args ...any) {
		now, cpu := time.Now(), cpuSeconds()
		sec, c := now.Sub(start).Seconds(), cpu-cpu0
		res.EpochSeconds = append(res.EpochSeconds, sec)
		res.EpochCPU = append(res.EpochCPU, c)
		fmt.Fprintf(os.Stderr, "%s: %.2f s (%.2f CPU s); "+format+"\n", append([]any{res.Engine, sec, c}, args...)...)
		start, cpu0 = time.Now(), cpuSeconds()
	}
	if err := m.Fit(context.Background(), train); err != nil {
		return err
	}
	h := m.History()
	res.FinalLoss = h[len(h)-1].Loss
	res.SecondsPerEp, res.CPUPerEp = meanAfterFirst(res.EpochSeconds), meanAfterFirst(res.EpochCPU)
	return json.NewEncoder(os.Stdout).Encode(res)
}
