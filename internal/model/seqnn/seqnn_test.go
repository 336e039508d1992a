package seqnn_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/bert4rec"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// ring returns training data in which every user walks a ring of items one
// step at a time from a random start: the next item is a deterministic
// function of the last, and never one the user has seen.
func ring(users, items int, seed uint64) *model.TrainData {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &model.TrainData{NumUsers: users, NumItems: items}
	for i := range items {
		d.ItemIDs = append(d.ItemIDs, int64(100+3*i))
	}
	for u := range users {
		d.UserIDs = append(d.UserIDs, int64(u+1))
		start, n := r.IntN(items), 8+r.IntN(items/2)
		s := make([]int32, n)
		for k := range s {
			s[k] = int32((start + k) % items)
		}
		d.Seqs = append(d.Seqs, s)
	}
	return d
}

// small shrinks a default configuration for the synthetic tests.
func small(cfg seqnn.Config) seqnn.Config {
	cfg.MaxLen, cfg.Dim, cfg.Heads, cfg.Layers, cfg.FFN = 12, 32, 2, 1, 64
	cfg.Dropout, cfg.AttnDropout = 0.1, 0.1
	cfg.BatchSize, cfg.LR, cfg.WarmupSteps = 32, 5e-3, 5
	cfg.WindowStep = 6
	cfg.MaxEpochs, cfg.Patience, cfg.EvalEvery = 40, 3, 5
	// Early stopping and a best-epoch refit (TestRefitModes covers the
	// other modes, whichever a model's default is).
	cfg.Refit, cfg.ContinueEpochs = seqnn.RefitBest, 0
	cfg.Threads = 2
	return cfg
}

var configs = []struct {
	name string
	cfg  seqnn.Config
}{
	{"sasrec", small(sasrec.DefaultConfig())},
	{"bert4rec", small(bert4rec.DefaultConfig())},
}

// hitRate holds each user's last item out, fits on the rest and returns the
// share of users whose held-out item ranks in the top 10 (history excluded).
func hitRate(t *testing.T, m *seqnn.Model, d *model.TrainData) float64 {
	t.Helper()
	train := *d
	train.Seqs = make([][]int32, len(d.Seqs))
	for u, s := range d.Seqs {
		train.Seqs[u] = s[:len(s)-1]
	}
	if err := m.Fit(context.Background(), &train); err != nil {
		t.Fatal(err)
	}
	hits := 0
	for u, s := range d.Seqs {
		hist := make([]int64, 0, len(s))
		for _, it := range train.Seqs[u] {
			hist = append(hist, d.ItemIDs[it])
		}
		for _, r := range m.Recommend(hist, 10, nil) {
			if r.ItemID == d.ItemIDs[s[len(s)-1]] {
				hits++
			}
		}
	}
	return float64(hits) / float64(len(d.Seqs))
}

func TestLearnsRing(t *testing.T) {
	d := ring(96, 40, 1)
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			m := seqnn.New(c.cfg)
			hr := hitRate(t, m, d)
			h := m.History()
			t.Logf("HR@10 %.3f, best epoch %d (valid NDCG@10 %.3f), %d windows", hr, h.BestEpoch, h.BestNDCG10, h.Windows)
			if hr < 0.9 {
				t.Errorf("HR@10 %.3f on a deterministic ring, want >= 0.9", hr)
			}
			if h.BestEpoch < 1 || h.RefitEpochs != h.BestEpoch || len(h.Epochs) == 0 {
				t.Errorf("history %+v", h)
			}
		})
	}
}

func fitFixed(t *testing.T, cfg seqnn.Config, d *model.TrainData) *seqnn.Model {
	t.Helper()
	cfg.Epochs = 3
	m := seqnn.New(cfg)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return m
}

func scoreAll(m *seqnn.Model, d *model.TrainData) [][]float32 {
	out := make([][]float32, len(d.Seqs))
	for u, s := range d.Seqs {
		out[u] = make([]float32, d.NumItems)
		m.Score(u, s, out[u])
	}
	return out
}

func TestDeterministicAndRoundTrip(t *testing.T) {
	d := ring(40, 30, 2)
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			a := fitFixed(t, c.cfg, d)
			b := fitFixed(t, c.cfg, d)
			sa, sb := scoreAll(a, d), scoreAll(b, d)
			for u := range sa {
				if !slices.Equal(sa[u], sb[u]) {
					t.Fatalf("user %d: two fits with the same seed and threads score differently", u)
				}
			}
			dir := t.TempDir()
			fp := seqnn.Fingerprint(d)
			if err := a.Save(dir, fp); err != nil {
				t.Fatal(err)
			}
			l, info, err := seqnn.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := c.cfg
			want.Epochs = 3
			if info.TrainFingerprint != fp || info.Config != want || !slices.Equal(info.ItemIDs, d.ItemIDs) {
				t.Errorf("info %+v", info)
			}
			sl := scoreAll(l, d)
			for u := range sa {
				if !slices.Equal(sa[u], sl[u]) {
					t.Fatalf("user %d: loaded model scores differ from the saved one", u)
				}
			}
			// The pretrained spec reuses the weights on the same data.
			sp, err := seqnn.PretrainedSpec(dir, d, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := sp.Candidates[0].New()
			if err := p.Fit(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, d.NumItems)
			p.Score(0, d.Seqs[0], got)
			if !slices.Equal(got, sa[0]) {
				t.Error("pretrained spec does not reproduce the saved model")
			}
			c2 := c.cfg
			c2.Seed++
			e := fitFixed(t, c2, d)
			if slices.Equal(scoreAll(e, d)[0], sa[0]) {
				t.Error("another seed gives identical scores")
			}
		})
	}
}

func TestScoreBatchMatchesScore(t *testing.T) {
	d := ring(30, 30, 3)
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			m := fitFixed(t, c.cfg, d)
			// Histories of mixed lengths, including empty and longer than
			// MaxLen, so the batch pads and truncates.
			hs := [][]int32{nil, d.Seqs[0][:1], d.Seqs[1], append(slices.Clone(d.Seqs[2]), d.Seqs[3]...), d.Seqs[4][:3]}
			dst := make([][]float32, len(hs))
			for i := range dst {
				dst[i] = make([]float32, d.NumItems)
			}
			m.ScoreBatch(make([]int, len(hs)), hs, dst)
			for i, h := range hs {
				one := make([]float32, d.NumItems)
				m.Score(0, h, one)
				if !slices.Equal(one, dst[i]) {
					t.Errorf("history %d (len %d): batch and single scores differ", i, len(h))
				}
			}
		})
	}
}

func TestRecommendExcludes(t *testing.T) {
	d := ring(30, 30, 4)
	m := fitFixed(t, configs[0].cfg, d)
	hist := []int64{d.ItemIDs[0], d.ItemIDs[1], 999999} // unknown id skipped
	ex := []int64{d.ItemIDs[5]}
	recs := m.Recommend(hist, d.NumItems, ex)
	if len(recs) != d.NumItems-3 {
		t.Fatalf("%d recommendations, want %d", len(recs), d.NumItems-3)
	}
	for i, r := range recs {
		if slices.Contains(hist, r.ItemID) || r.ItemID == ex[0] {
			t.Errorf("excluded item %d recommended", r.ItemID)
		}
		if i > 0 && (r.Score > recs[i-1].Score || r.Score == recs[i-1].Score && r.ItemID < recs[i-1].ItemID) {
			t.Errorf("position %d out of order", i)
		}
	}
	if top := m.Recommend(hist, 3, ex); !slices.Equal(top, recs[:3]) {
		t.Errorf("top 3 %v, want %v", top, recs[:3])
	}
}

func TestFitCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := seqnn.New(configs[0].cfg).Fit(ctx, ring(10, 20, 5))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fit with a cancelled context: %v", err)
	}
}

func TestValidate(t *testing.T) {
	base := sasrec.DefaultConfig()
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		mod  func(*seqnn.Config)
		want string // in the error, after "model_training.sasrec."
	}{
		{"heads", func(c *seqnn.Config) { c.Heads = 3 }, "num_heads: expected a divisor of hidden_size 64, got 3"},
		{"len", func(c *seqnn.Config) { c.MaxLen = 1 }, "max_len: expected 2 to 4096, got 1"},
		{"act", func(c *seqnn.Config) { c.Activation = "tanh" }, `activation: expected gelu or relu, got "tanh"`},
		{"dropout", func(c *seqnn.Config) { c.Dropout = 1 }, "dropout: expected 0 <= p < 1, got 1"},
		{"decay", func(c *seqnn.Config) { c.Decay = "step" }, `lr_decay: expected constant, linear or cosine, got "step"`},
		{"epochs", func(c *seqnn.Config) { c.MaxEpochs = 0 }, "max_epochs: expected 1 to 100000, got 0"},
		{"mask", func(c *seqnn.Config) { c.Bidirectional = true; c.MaskProb = 0 }, "mask_prob: expected 0 < p < 1, got 0"},
		{"ema", func(c *seqnn.Config) { c.EMADecay = 1 }, "ema_decay: expected 0 <= decay < 1 (0: no averaging), got 1"},
		{"refit", func(c *seqnn.Config) { c.Refit = "last" }, `refit: expected best, full or continue, got "last"`},
		{"continue", func(c *seqnn.Config) { c.Refit, c.ContinueEpochs = seqnn.RefitFull, 3 },
			`continue_epochs: expected 0 with refit "full" (only refit continue continues), got 3`},
		// Sizes whose allocation would kill the process.
		{"huge hidden", func(c *seqnn.Config) { c.Dim = 100000000 }, "hidden_size: expected 1 to 4096, got 100000000"},
		{"huge len", func(c *seqnn.Config) { c.MaxLen = 1000000000 }, "max_len: expected 2 to 4096, got 1000000000"},
		{"huge ffn", func(c *seqnn.Config) { c.FFN = 1 << 20 }, "ffn_size: expected 0 (4 × hidden_size) to 16384, got 1048576"},
		{"huge layers", func(c *seqnn.Config) { c.Layers = 1000 }, "num_layers: expected 1 to 48, got 1000"},
		{"huge heads", func(c *seqnn.Config) { c.Dim, c.Heads = 4096, 128 }, "num_heads: expected 1 to 64, got 128"},
		{"huge batch", func(c *seqnn.Config) { c.BatchSize = 1 << 20 }, "batch_size: expected 1 to 65536, got 1048576"},
		{"huge epochs", func(c *seqnn.Config) { c.MaxEpochs = 1 << 40 }, "max_epochs: expected 1 to 100000, got 1099511627776"},
		{"huge threads", func(c *seqnn.Config) { c.Threads = 100000 }, "threads: expected 0 to 256, got 100000"},
		// Zero and negative values that mean nothing.
		{"zero hidden", func(c *seqnn.Config) { c.Dim = 0 }, "hidden_size: expected 1 to 4096, got 0"},
		{"zero heads", func(c *seqnn.Config) { c.Heads = 0 }, "num_heads: expected 1 to 64, got 0"},
		{"negative patience", func(c *seqnn.Config) { c.Patience = -4 }, "patience: expected >= 0, got -4"},
		{"zero patience with refit best", func(c *seqnn.Config) { c.Refit, c.ContinueEpochs, c.Patience = seqnn.RefitBest, 0, 0 },
			"patience: expected >= 1 with refit best, got 0"},
		{"negative eval_every", func(c *seqnn.Config) { c.Epochs, c.EvalEvery = 3, -1 }, "eval_every: expected >= 0, got -1"},
		{"negative threads", func(c *seqnn.Config) { c.Threads = -4 }, "threads: expected 0 to 256, got -4"},
		{"negative max_epochs with epochs", func(c *seqnn.Config) { c.Epochs, c.MaxEpochs = 3, -1 }, "max_epochs: expected 0 to 100000, got -1"},
		{"negative init_std", func(c *seqnn.Config) { c.InitStd = -1 }, "init_std: expected a finite number >= 0 (0: 0.02), got -1"},
		// NaN and infinities, which comparisons let through.
		{"NaN learning rate", func(c *seqnn.Config) { c.LR = nan }, "learning_rate: expected a finite number > 0, got NaN"},
		{"infinite learning rate", func(c *seqnn.Config) { c.LR = inf }, "learning_rate: expected a finite number > 0, got +Inf"},
		{"NaN dropout", func(c *seqnn.Config) { c.Dropout = nan }, "dropout: expected 0 <= p < 1, got NaN"},
		{"NaN attention dropout", func(c *seqnn.Config) { c.AttnDropout = nan }, "attention_dropout: expected 0 <= p < 1, got NaN"},
		{"NaN weight decay", func(c *seqnn.Config) { c.WeightDecay = nan }, "weight_decay: expected a finite number >= 0, got NaN"},
		{"infinite weight decay", func(c *seqnn.Config) { c.WeightDecay = inf }, "weight_decay: expected a finite number >= 0, got +Inf"},
		{"NaN clip norm", func(c *seqnn.Config) { c.ClipNorm = nan }, "clip_norm: expected a finite number >= 0 (0: no clipping), got NaN"},
		{"NaN init_std", func(c *seqnn.Config) { c.InitStd = nan }, "init_std: expected a finite number >= 0 (0: 0.02), got NaN"},
		{"NaN ema", func(c *seqnn.Config) { c.EMADecay = nan }, "ema_decay: expected 0 <= decay < 1 (0: no averaging), got NaN"},
		{"NaN mask", func(c *seqnn.Config) { c.Bidirectional = true; c.MaskProb = nan }, "mask_prob: expected 0 < p < 1, got NaN"},
		{"NaN last mask share", func(c *seqnn.Config) { c.Bidirectional = true; c.MaskProb, c.LastMaskShare = 0.2, nan },
			"last_mask_share: expected 0 <= p <= 1, got NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mod(&c)
			err := c.Validate()
			if !errors.Is(err, seqnn.ErrConfig) {
				t.Fatalf("Validate: %v, want ErrConfig", err)
			}
			if want := "model_training.sasrec." + tc.want; !strings.Contains(err.Error(), want) {
				t.Errorf("Validate: %v, want %q", err, want)
			}
		})
	}
	for _, c := range configs {
		if err := c.cfg.Validate(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, c := range []seqnn.Config{sasrec.DefaultConfig(), bert4rec.DefaultConfig()} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s defaults: %v", c.Name, err)
		}
	}
	// Every bad value is reported, not only the first.
	c := base
	c.Dim, c.Threads = 0, -1
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "hidden_size") || !strings.Contains(err.Error(), "threads") {
		t.Errorf("Validate: %v, want both hidden_size and threads", err)
	}
}

// TestRefitModes fits with each Refit mode and weight averaging: every
// mode learns the ring, runs the epochs it promises and is deterministic.
func TestRefitModes(t *testing.T) {
	d := ring(96, 40, 1)
	for _, tc := range []struct {
		name      string
		mod       func(*seqnn.Config)
		refit     int // epochs the final network trained
		validated int // epochs of the validation run
	}{
		{"full", func(c *seqnn.Config) { c.Refit = seqnn.RefitFull }, 16, 16},
		{"continue", func(c *seqnn.Config) { c.Refit, c.ContinueEpochs = seqnn.RefitContinue, 4 }, 20, 16},
		{"continue0", func(c *seqnn.Config) { c.Refit = seqnn.RefitContinue }, 16, 16},
		{"full-ema", func(c *seqnn.Config) { c.Refit, c.EMADecay = seqnn.RefitFull, 0.9 }, 16, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := small(sasrec.DefaultConfig())
			cfg.MaxEpochs, cfg.EvalEvery, cfg.Decay = 16, 4, "linear"
			tc.mod(&cfg)
			fitOnce := func() (*seqnn.Model, float64, []string) {
				m := seqnn.New(cfg)
				var phases []string
				averaged := false
				m.Probe = func(phase string, epoch int, raw, ev *seqnn.Net) {
					phases = append(phases, phase)
					if ev != raw && !slices.Equal(ev.Items.W.Data, raw.Items.W.Data) {
						averaged = true
					}
				}
				hr := hitRate(t, m, d)
				if averaged != (cfg.EMADecay > 0) {
					t.Errorf("evaluation weights differ from the trained ones: %v, want %v", averaged, cfg.EMADecay > 0)
				}
				return m, hr, phases
			}
			m, hr, phases := fitOnce()
			h := m.History()
			t.Logf("HR@10 %.3f, last valid epoch %d NDCG@10 %.3f, refit %d", hr, h.LastEpoch, h.LastNDCG10, h.RefitEpochs)
			if hr < 0.9 {
				t.Errorf("HR@10 %.3f on a deterministic ring, want >= 0.9", hr)
			}
			nv := 0
			for _, p := range phases {
				if p == "valid" {
					nv++
				}
			}
			if nv != tc.validated || len(h.Epochs) != tc.validated || h.LastEpoch != tc.validated || h.RefitEpochs != tc.refit {
				t.Errorf("%d validation epochs (history %d, last validated %d), refit %d; want %d and %d", nv, len(h.Epochs), h.LastEpoch, h.RefitEpochs, tc.validated, tc.refit)
			}
			if want := tc.refit; cfg.Refit != seqnn.RefitContinue && len(phases)-nv != want || cfg.Refit == seqnn.RefitContinue && len(phases)-nv != cfg.ContinueEpochs {
				t.Errorf("%d refit epochs reported", len(phases)-nv)
			}
			m2, _, _ := fitOnce()
			if !slices.Equal(scoreAll(m, d)[0], scoreAll(m2, d)[0]) {
				t.Error("two fits with the same seed and threads score differently")
			}
		})
	}
}
