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
	// LastEpoch is the last validated epoch and LastNDCG10 / LastHR10 its
	// metrics: with Refit "full" or "continue" the validation figures of
	// the schedule the final network follows.
	LastEpoch  int     `json:"last_valid_epoch,omitempty"`
	LastNDCG10 float64 `json:"last_valid_ndcg@10,omitempty"`
	LastHR10   float64 `json:"last_valid_hr@10,omitempty"`
	// RefitEpochs is the number of epochs the final network trained (with
	// Refit "continue": the validation run's epochs plus the continuation
	// on all the data), RefitLoss its last epoch's loss.
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

	// avg, when not nil (Config.EMADecay > 0), is a network of the same
	// shape holding the moving average of net's weights; avgParams are
	// its parameters, in the order of params.
	avg       *Net
	avgParams []*nn.Tensor

	bt      Batch
	rows    []int32
	targets []int32
}

// trainWindows cuts seqs into the training windows of c.
func trainWindows(c *Config, seqs [][]int32) []window {
	if c.Bidirectional {
		return windows(seqs, c.MaxLen, c.step(), 2)
	}
	return windows(seqs, c.MaxLen+1, c.step(), 2)
}

// stepsPer returns the optimizer steps of one epoch over wins.
func stepsPer(c *Config, wins []window) int { return (len(wins) + c.BatchSize - 1) / c.BatchSize }

// newTrainer returns a trainer of net on seqs whose learning-rate schedule
// spans totalSteps optimizer steps (0: Config.scheduleEpochs epochs).
func newTrainer(net *Net, seqs [][]int32, totalSteps int) (*trainer, error) {
	c := &net.Cfg
	t := &trainer{net: net, cfg: c}
	if err := t.setData(seqs); err != nil {
		return nil, err
	}
	// The schedule spans MaxEpochs, so a refit for a known epoch count
	// follows the learning rates of the validation run it replays.
	if totalSteps <= 0 {
		totalSteps = c.scheduleEpochs() * t.perEp
	}
	t.sched = nn.Schedule{Peak: float32(c.LR), Warmup: c.WarmupSteps, Total: max(totalSteps, c.WarmupSteps+1), Decay: c.decay()}
	if err := t.sched.Validate(); err != nil {
		return nil, fmt.Errorf("seqnn: %s: %w", c.Name, err)
	}
	t.g = nn.NewGraph(nn.Config{Threads: c.threads(), Seed: c.Seed ^ 0xd20})
	t.params = net.Params()
	t.opt = nn.NewAdamW(t.params, float32(c.WeightDecay))
	t.opt.Threads = c.threads()
	if c.EMADecay > 0 {
		avg, err := NewNet(*c, net.NumItems)
		if err != nil {
			return nil, err
		}
		t.avg, t.avgParams = avg, avg.Params()
		for i, p := range t.avgParams {
			copy(p.Data, t.params[i].Data)
		}
	}
	return t, nil
}

// setData makes seqs the training data of the following epochs.
func (t *trainer) setData(seqs [][]int32) error {
	t.seqs, t.wins = seqs, trainWindows(t.cfg, seqs)
	if len(t.wins) == 0 {
		return fmt.Errorf("seqnn: %s: no training sequence has two items", t.cfg.Name)
	}
	t.perEp = stepsPer(t.cfg, t.wins)
	return nil
}

// evalNet returns the network to validate and keep: the moving average of
// the weights when Config.EMADecay is set, the trained weights otherwise.
func (t *trainer) evalNet() *Net {
	if t.avg != nil {
		return t.avg
	}
	return t.net
}

// updateAverage folds the current weights into the moving average after
// optimizer step t.steps (1-based), with the decay warmed up as
// min(EMADecay, (1+t)/(10+t)). It costs one pass over the weights (about
// 0.1 M for the default SASRec), small next to a training step.
func (t *trainer) updateAverage() {
	if t.avg == nil {
		return
	}
	d := float32(min(t.cfg.EMADecay, float64(1+t.steps)/float64(10+t.steps)))
	for i, p := range t.avgParams {
		a := p.Data
		for j, v := range t.params[i].Data {
			a[j] = d*a[j] + (1-d)*v
		}
	}
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
	t.updateAverage()
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

// hooks are the optional callbacks of a fit (see [Model.OnEpoch] and
// [Model.Probe]).
type hooks struct {
	onEpoch func(phase string, e Epoch)
	probe   func(phase string, epoch int, raw, eval *Net)
}

func (k hooks) epoch(phase string, e Epoch, t *trainer) {
	if k.probe != nil {
		k.probe(phase, e.Epoch, t.net, t.evalNet())
	}
	if k.onEpoch != nil {
		k.onEpoch(phase, e)
	}
}

// fit trains a network on seqs. With cfg.Epochs > 0 it trains that many
// epochs. Otherwise it holds each user's last item out and trains on the
// rest, validating on the held-out items every EvalEvery epochs (with
// early stopping for Refit "best"), and then trains the final network as
// cfg.Refit says: a fresh one for the best epoch count ("best") or for
// MaxEpochs ("full"), or the validation run's network for ContinueEpochs
// more epochs on all of seqs ("continue"). The hooks are called after
// every epoch with the phase ("valid" or "refit").
func fit(ctx context.Context, cfg Config, numItems int, seqs [][]int32, hk hooks) (*Net, History, error) {
	start := time.Now()
	var h History
	// train runs epochs first..last-1 of t; phase "refit" epochs are
	// numbered from 1 in the reports and recorded in h.Epochs only for a
	// fixed-length fit.
	train := func(t *trainer, first, last int) error {
		for ep := first; ep < last; ep++ {
			t0 := time.Now()
			loss, err := t.epoch(ctx, ep)
			if err != nil {
				return err
			}
			e := Epoch{Epoch: ep - first + 1, Loss: loss, LR: t.lr(), Seconds: time.Since(t0).Seconds()}
			if cfg.Epochs > 0 {
				h.Epochs = append(h.Epochs, e)
			}
			h.RefitLoss = loss
			hk.epoch("refit", e, t)
		}
		h.RefitEpochs += last - first
		h.Windows = len(t.wins)
		return nil
	}
	finish := func(t *trainer) (*Net, History, error) {
		h.Seconds = time.Since(start).Seconds()
		return t.evalNet(), h, nil
	}
	if cfg.Epochs > 0 {
		net, err := NewNet(cfg, numItems)
		if err != nil {
			return nil, h, err
		}
		t, err := newTrainer(net, seqs, 0)
		if err != nil {
			return nil, h, err
		}
		if err := train(t, 0, cfg.Epochs); err != nil {
			return nil, h, err
		}
		return finish(t)
	}

	mode := cfg.refit()
	net, err := NewNet(cfg, numItems)
	if err != nil {
		return nil, h, err
	}
	hist, targets := evalHoldout(seqs)
	total := 0
	if mode == RefitContinue {
		// One schedule over the validation epochs and the continuation.
		total = cfg.MaxEpochs*stepsPer(&cfg, trainWindows(&cfg, hist)) + cfg.ContinueEpochs*stepsPer(&cfg, trainWindows(&cfg, seqs))
	}
	t, err := newTrainer(net, hist, total)
	if err != nil {
		return nil, h, err
	}
	sc := NewScorer(t.evalNet(), cfg.threads())
	bad := 0
	ep := 0
	for ; ep < cfg.MaxEpochs && (mode != RefitBest || bad < cfg.Patience); ep++ {
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
			h.LastEpoch, h.LastNDCG10, h.LastHR10 = ep+1, nd, hr
			if nd > h.BestNDCG10 || h.BestEpoch == 0 {
				h.BestEpoch, h.BestNDCG10, h.BestHR10 = ep+1, nd, hr
				bad = 0
			} else {
				bad++
			}
		}
		e.Seconds = time.Since(t0).Seconds()
		h.Epochs = append(h.Epochs, e)
		hk.epoch("valid", e, t)
	}
	if mode == RefitContinue {
		h.RefitEpochs, h.RefitLoss = ep, h.Epochs[len(h.Epochs)-1].Loss
		if err := t.setData(seqs); err != nil {
			return nil, h, err
		}
		if err := train(t, ep, ep+cfg.ContinueEpochs); err != nil {
			return nil, h, err
		}
		return finish(t)
	}
	epochs := h.BestEpoch
	if mode == RefitFull {
		epochs = cfg.MaxEpochs
	}
	net, err = NewNet(cfg, numItems)
	if err != nil {
		return nil, h, err
	}
	t, err = newTrainer(net, seqs, 0)
	if err != nil {
		return nil, h, err
	}
	if err := train(t, 0, epochs); err != nil {
		return nil, h, err
	}
	return finish(t)
}
