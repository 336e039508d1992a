// Package seqnntest runs the sequential models on ml-100k for tests and
// experiments: the sequential protocol's test phase, with GENIE_SEQ_*
// environment overrides of the configuration, and an experiment probe
// (GENIE_SEQ_PROBE) that measures validation and test metrics of the
// weights and of weight averages during a fit.
package seqnntest

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/eval/evaltest"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// EnvOverride applies GENIE_SEQ_* overrides to cfg (for experiments).
func EnvOverride(cfg *seqnn.Config) {
	i := func(k string, p *int) {
		if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
			*p = v
		}
	}
	f := func(k string, p *float64) {
		if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil {
			*p = v
		}
	}
	i("GENIE_SEQ_DIM", &cfg.Dim)
	i("GENIE_SEQ_FFN", &cfg.FFN)
	i("GENIE_SEQ_HEADS", &cfg.Heads)
	i("GENIE_SEQ_LAYERS", &cfg.Layers)
	i("GENIE_SEQ_LEN", &cfg.MaxLen)
	i("GENIE_SEQ_BATCH", &cfg.BatchSize)
	i("GENIE_SEQ_STEP", &cfg.WindowStep)
	i("GENIE_SEQ_MAXEP", &cfg.MaxEpochs)
	i("GENIE_SEQ_EPOCHS", &cfg.Epochs)
	i("GENIE_SEQ_THREADS", &cfg.Threads)
	i("GENIE_SEQ_PATIENCE", &cfg.Patience)
	i("GENIE_SEQ_EVAL", &cfg.EvalEvery)
	i("GENIE_SEQ_WARMUP", &cfg.WarmupSteps)
	i("GENIE_SEQ_CONTINUE", &cfg.ContinueEpochs)
	if v, err := strconv.ParseUint(os.Getenv("GENIE_SEQ_SEED"), 10, 64); err == nil {
		cfg.Seed = v
	}
	f("GENIE_SEQ_DROPOUT", &cfg.Dropout)
	f("GENIE_SEQ_ATTN_DROPOUT", &cfg.AttnDropout)
	f("GENIE_SEQ_LR", &cfg.LR)
	f("GENIE_SEQ_WD", &cfg.WeightDecay)
	f("GENIE_SEQ_MASK", &cfg.MaskProb)
	f("GENIE_SEQ_EMA", &cfg.EMADecay)
	f("GENIE_SEQ_INIT", &cfg.InitStd)
	if v := os.Getenv("GENIE_SEQ_ACT"); v != "" {
		cfg.Activation = v
	}
	if v := os.Getenv("GENIE_SEQ_DECAY"); v != "" {
		cfg.Decay = v
	}
	if v := os.Getenv("GENIE_SEQ_REFIT"); v != "" {
		cfg.Refit = v
	}
}

// ML100K fits cfg (after EnvOverride) on the sequential protocol's test
// training data of ml-100k (early stopping on the validation items inside
// Fit) and returns the test metrics (full ranking, seen items filtered).
// It skips in -short mode and when the dataset is absent.
func ML100K(t *testing.T, cfg seqnn.Config) (eval.Metrics, seqnn.History) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains on ml-100k")
	}
	d := evaltest.ML100KDataset(t)
	EnvOverride(&cfg)
	sp := eval.SplitSequential(d)
	m := seqnn.New(cfg)
	m.OnEpoch = func(phase string, e seqnn.Epoch) {
		if e.Validated || phase == "refit" && e.Epoch%10 == 0 {
			t.Logf("%s %3d loss %.4f ndcg %.4f hr %.4f lr %.5f %.1fs", phase, e.Epoch, e.Loss, e.ValidNDCG10, e.ValidHR10, e.LR, e.Seconds)
		}
	}
	p := newProbe(t, &sp)
	if p != nil {
		m.Probe = p.hook
	}
	if os.Getenv("GENIE_SEQ_SCREEN") != "" {
		// Screening: one fixed-length run (MaxEpochs) on the validation
		// phase's training data, measured on the validation items and on
		// the test items (whose histories hold the validation item the
		// model never trained on).
		cfg.Epochs = cfg.MaxEpochs
		m = seqnn.New(cfg)
		m.OnEpoch = func(phase string, e seqnn.Epoch) {
			if e.Epoch%10 == 0 {
				t.Logf("screen %3d loss %.4f lr %.5f %.1fs", e.Epoch, e.Loss, e.LR, e.Seconds)
			}
		}
		if p != nil {
			p.screen = true
			m.Probe = p.hook
		}
		if err := m.Fit(context.Background(), sp.Valid.Train); err != nil {
			t.Fatal(err)
		}
		valid, err := eval.Sequential.Measure(context.Background(), m, &sp.Valid, eval.Options{Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		res, err := eval.Sequential.Measure(context.Background(), m, &sp.Test, eval.Options{Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		h := m.History()
		t.Logf("config %+v", cfg)
		t.Logf("screen %d epochs, %d windows, fit %.0fs; valid %v; test (no refit) %v", h.RefitEpochs, h.Windows, h.Seconds, valid, res)
		return res, h
	}
	if err := m.Fit(context.Background(), sp.Test.Train); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("GENIE_SEQ_MANUAL") != "" {
		t.Logf("manual test ndcg@10 %.5f", manualTest(t, m.Net(), &sp))
	}
	res, err := eval.Sequential.Measure(context.Background(), m, &sp.Test, eval.Options{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	h := m.History()
	t.Logf("config %+v", cfg)
	t.Logf("best epoch %d valid ndcg@10 %.4f hr@10 %.4f; last validated epoch %d ndcg@10 %.4f hr@10 %.4f; refit %d epochs; fit %.0fs; test %v",
		h.BestEpoch, h.BestNDCG10, h.BestHR10, h.LastEpoch, h.LastNDCG10, h.LastHR10, h.RefitEpochs, h.Seconds, res)
	return res, h
}
