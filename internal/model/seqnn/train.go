package seqnn

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/moviegenie/genie/internal/nn"
)

// Epoch is one row of a training history.
type Epoch struct {
	// Epoch counts from 1.
	Epoch int `json:"epoch"`
	// Loss is the mean training cross-entropy of the epoch's steps.
	Loss float64 `json:"train_loss"`
	// ValidNDCG10 and ValidHR10 are the validation metrics after the
	// epoch (full ranking, seen items filtered); Validated says whether
	// they were measured.
	Validated   bool    `json:"validated"`
	ValidNDCG10 float64 `json:"valid_ndcg@10"`
	ValidHR10   float64 `json:"valid_hr@10"`
	// LR is the learning rate at the epoch's last step.
	LR float64 `json:"lr"`
	// Seconds is the wall time of the epoch (training and validation).
	Seconds float64 `json:"seconds"`
}

// History is what a fit did.
type History struct {
	// Epochs lists the validation run (or the fixed-epoch run).
	Epochs []Epoch `json:"epochs"`
	// BestEpoch is the epoch count with the best validation NDCG@10, and
	// BestNDCG10 / BestHR10 its metrics (0 without validation).
	BestEpoch  int     `json:"best_epoch"`
	BestNDCG10 float64 `json:"best_valid_ndcg@10"`
	BestHR10   float64 `json:"best_valid_hr@10"`
	// RefitEpochs is the length of the final training run on all the
	// training data, RefitLoss its last epoch's loss.
	RefitEpochs int     `json:"refit_epochs"`
	RefitLoss   float64 `json:"refit_loss"`
	// Windows is the number of training windows per epoch of the final run.
	Windows int `json:"windows"`
	// Seconds is the wall time of the whole fit.
	Seconds float64 `json:"seconds"`
}

// window is seqs[u][lo:hi], one training sample.
type window struct{ u, lo, hi int32 }

// windows cuts every sequence into windows of at most w items, sliding
// back from the end by step; windows shorter than minLen are dropped.
func windows(seqs [][]int32, w, step, minLen int) []window {
	var out []window
	for u, s := range seqs {
		for hi := len(s); ; hi -= step {
			lo := max(0, hi-w)
			if hi-lo >= minLen {
				out = append(out, window{int32(u), int32(lo), int32(hi)})
			}
			if lo == 0 {
				break
			}
		}
	}
	return out
}

// trainer holds the state of one training run.
type trainer struct {
	net    *Net
	cfg    *Config
	seqs   [][]int32
	wins   []window
	g      *nn.Graph
	params []*nn.Tensor
	opt    *nn.Adam
	sched  nn.Schedule
	steps  int // optimizer steps taken
	perEp  int // steps per epoch

	bt      Batch
	rows    []int32
	targets []int32
}

func newTrainer(net *Net, seqs [][]int32) (*trainer, error) {
	c := &net.Cfg
	t := &trainer{net: net, cfg: c, seqs: seqs}
	if c.Bidirectional {
		t.wins = windows(seqs, c.MaxLen, c.step(), 2)
	} else {
		t.wins = windows(seqs, c.MaxLen+1, c.step(), 2)
	}
	if len(t.wins) == 0 {
		return nil, fmt.Errorf("seqnn: %s: no training sequence has two items", c.Name)
	}
	t.perEp = (len(t.wins) + c.BatchSize - 1) / c.BatchSize
	// The schedule spans MaxEpochs, so a refit for a known epoch count
	// follows the learning rates of the validation run it replays.
	total := c.MaxEpochs
	if total == 0 {
		total = c.Epochs
	}
	t.sched = nn.Schedule{Peak: float32(c.LR), Warmup: c.WarmupSteps, Total: max(total*t.perEp, c.WarmupSteps+1), Decay: c.decay()}
	if err := t.sched.Validate(); err != nil {
		return nil, fmt.Errorf("seqnn: %s: %w", c.Name, err)
	}
	t.g = nn.NewGraph(nn.Config{Threads: c.threads(), Seed: c.Seed ^ 0xd20})
	t.params = net.Params()
	t.opt = nn.NewAdamW(t.params, float32(c.WeightDecay))
	t.opt.Threads = c.threads()
	return t, nil
}

// epoch runs one pass over the windows in a seeded order and returns the
// mean loss.
func (t *trainer) epoch(ctx context.Context, ep int) (float64, error) {
	c := t.cfg
	rng := rand.New(rand.NewPCG(c.Seed, uint64(ep)+1))
	order := rng.Perm(len(t.wins))
	// Bucket: sort chunks of 16 batches by window length so that batches
	// carry little padding, then shuffle the batch order.
	chunk := 16 * c.BatchSize
	for i := 0; i < len(order); i += chunk {
		part := order[i:min(i+chunk, len(order))]
		slices.SortStableFunc(part, func(a, b int) int {
			wa, wb := t.wins[a], t.wins[b]
			return cmp.Compare(wb.hi-wb.lo, wa.hi-wa.lo)
		})
	}
	nb := (len(order) + c.BatchSize - 1) / c.BatchSize
	batches := rng.Perm(nb)
	var sum float64
	for _, b := range batches {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		ws := order[b*c.BatchSize : min((b+1)*c.BatchSize, len(order))]
		loss, err := t.step(ws, rng)
		if err != nil {
			return 0, fmt.Errorf("seqnn: %s: epoch %d: %w", c.Name, ep+1, err)
		}
		sum += loss
	}
	return sum / float64(nb), nil
}

// step trains on one batch of windows.
func (t *trainer) step(ws []int, rng *rand.Rand) (float64, error) {
	c := t.cfg
	L := 0
	for _, i := range ws {
		w := t.wins[i]
		n := int(w.hi - w.lo)
		if !c.Bidirectional {
			n-- // inputs exclude the last item, targets the first
		}
		L = max(L, n)
	}
	t.bt.reset(len(ws), L)
	t.rows, t.targets = t.rows[:0], t.targets[:0]
	for b, i := range ws {
		w := t.wins[i]
		s := t.seqs[w.u][w.lo:w.hi]
		tok := t.bt.Tokens[b*L : (b+1)*L]
		if !c.Bidirectional {
			in := s[:len(s)-1]
			off := L - len(in)
			for k, it := range in {
				tok[off+k] = it
				t.rows = append(t.rows, int32(b*L+off+k))
				t.targets = append(t.targets, s[k+1])
			}
			continue
		}
		off := L - len(s)
		copy(tok[off:], s)
		if rng.Float64() < c.LastMaskShare {
			t.maskAt(tok, b*L, len(s)-1+off, s[len(s)-1])
			continue
		}
		n0 := len(t.rows)
		for k, it := range s {
			if rng.Float64() < c.MaskProb {
				t.maskAt(tok, b*L, off+k, it)
			}
		}
		if len(t.rows) == n0 { // at least one masked item per window
			k := rng.IntN(len(s))
			t.maskAt(tok, b*L, off+k, s[k])
		}
	}
	g := t.g
	g.Reset()
	h := t.net.Encode(g, &t.bt)
	loss := g.CrossEntropy(t.net.Logits(g, g.GatherRows(h, t.rows)), t.targets)
	nn.ZeroGrad(t.params)
	if err := g.Backward(loss); err != nil {
		return 0, err
	}
	if c.ClipNorm > 0 {
		nn.ClipGradNorm(t.params, float32(c.ClipNorm))
	}
	t.opt.Step(t.sched.LR(t.steps))
	t.steps++
	v := float64(loss.Data[0])
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("loss is %v", v)
	}
	return v, nil
}

func (t *trainer) maskAt(tok []int32, base, slot int, item int32) {
	tok[slot] = Mask
	t.rows = append(t.rows, int32(base+slot))
	t.targets = append(t.targets, item)
}

// lr returns the learning rate of the last step taken.
func (t *trainer) lr() float64 { return float64(t.sched.LR(max(t.steps-1, 0))) }

// evalHoldout holds each user's last item out of seqs: the histories to
// train on and score from, and the targets (-1 for users with fewer than
// two items, who are trained on but not evaluated).
func evalHoldout(seqs [][]int32) (hist [][]int32, targets []int32) {
	hist = make([][]int32, len(seqs))
	targets = make([]int32, len(seqs))
	for u, s := range seqs {
		if len(s) < 2 {
			hist[u], targets[u] = s, -1
			continue
		}
		hist[u], targets[u] = s[:len(s)-1], s[len(s)-1]
	}
	return hist, targets
}

// validate ranks every target among all items minus the user's history
// and returns NDCG@10 and HR@10 over the users with a target. Ties go to
// the lower item index, as in the evaluation harness.
func validate(ctx context.Context, sc *Scorer, hist [][]int32, targets []int32) (ndcg, hr float64, err error) {
	const batch = 128
	var users []int
	for u, t := range targets {
		if t >= 0 {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		return 0, 0, nil
	}
	ni := sc.net.NumItems
	scores := make([][]float32, batch)
	for i := range scores {
		scores[i] = make([]float32, ni)
	}
	excluded := make([]bool, ni)
	for b0 := 0; b0 < len(users); b0 += batch {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		us := users[b0:min(b0+batch, len(users))]
		hs := make([][]int32, len(us))
		for i, u := range us {
			hs[i] = hist[u]
		}
		sc.ScoreBatch(hs, scores[:len(us)])
		for i, u := range us {
			r := rank(scores[i], targets[u], hist[u], excluded)
			if r < 10 {
				hr++
				ndcg += 1 / math.Log2(float64(r)+2)
			}
		}
	}
	n := float64(len(users))
	return ndcg / n, hr / n, nil
}

// rank returns the 0-based rank of target among the items not in seen
// (math.MaxInt32 when target is itself seen); excluded is scratch, all
// false on entry and on return.
func rank(s []float32, target int32, seen []int32, excluded []bool) int {
	for _, it := range seen {
		excluded[it] = true
	}
	defer func() {
		for _, it := range seen {
			excluded[it] = false
		}
	}()
	if excluded[target] {
		return math.MaxInt32
	}
	st := s[target]
	r := 0
	for j, v := range s {
		if !excluded[j] && (v > st || (v == st && int32(j) < target)) {
			r++
		}
	}
	return r
}

// fit trains net on seqs. With cfg.Epochs > 0 it trains that many epochs;
// otherwise it holds each user's last item out, trains with early stopping
// on NDCG@10 of the held-out items, and then retrains a fresh network of
// the same seed on all of seqs for the best epoch count. onEpoch, if not
// nil, is called after every epoch with the phase ("valid" or "refit").
func fit(ctx context.Context, cfg Config, numItems int, seqs [][]int32, onEpoch func(phase string, e Epoch)) (*Net, History, error) {
	start := time.Now()
	var h History
	report := func(phase string, e Epoch) {
		if onEpoch != nil {
			onEpoch(phase, e)
		}
	}
	epochs := cfg.Epochs
	if epochs == 0 {
		net, err := NewNet(cfg, numItems)
		if err != nil {
			return nil, h, err
		}
		hist, targets := evalHoldout(seqs)
		t, err := newTrainer(net, hist)
		if err != nil {
			return nil, h, err
		}
		sc := NewScorer(net, cfg.threads())
		bad := 0
		for ep := 0; ep < cfg.MaxEpochs && bad < cfg.Patience; ep++ {
			t0 := time.Now()
			loss, err := t.epoch(ctx, ep)
			if err != nil {
				return nil, h, err
			}
			e := Epoch{Epoch: ep + 1, Loss: loss, LR: t.lr()}
			if (ep+1)%cfg.EvalEvery == 0 || ep+1 == cfg.MaxEpochs {
				nd, hr, err := validate(ctx, sc, hist, targets)
				if err != nil {
					return nil, h, err
				}
				e.Validated, e.ValidNDCG10, e.ValidHR10 = true, nd, hr
				if nd > h.BestNDCG10 || h.BestEpoch == 0 {
					h.BestEpoch, h.BestNDCG10, h.BestHR10 = ep+1, nd, hr
					bad = 0
				} else {
					bad++
				}
			}
			e.Seconds = time.Since(t0).Seconds()
			h.Epochs = append(h.Epochs, e)
			report("valid", e)
		}
		epochs = h.BestEpoch
	}
	net, err := NewNet(cfg, numItems)
	if err != nil {
		return nil, h, err
	}
	t, err := newTrainer(net, seqs)
	if err != nil {
		return nil, h, err
	}
	h.Windows = len(t.wins)
	for ep := 0; ep < epochs; ep++ {
		t0 := time.Now()
		loss, err := t.epoch(ctx, ep)
		if err != nil {
			return nil, h, err
		}
		e := Epoch{Epoch: ep + 1, Loss: loss, LR: t.lr(), Seconds: time.Since(t0).Seconds()}
		if cfg.Epochs > 0 {
			h.Epochs = append(h.Epochs, e)
		}
		h.RefitLoss = loss
		report("refit", e)
	}
	h.RefitEpochs = epochs
	h.Seconds = time.Since(start).Seconds()
	return net, h, nil
}
