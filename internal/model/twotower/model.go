package twotower

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/nn"
)

// Name is the model's name in evaluation tables and exports.
const Name = "two_tower"

// valK is the cut-off of the early-stopping metric (recall@valK over the
// held-out pairs, the user's other training items filtered).
const valK = 50

// minActivityStd floors the spread of log1p(history length) in the
// activity feature's z-score.
const minActivityStd = 0.5

// EpochStats is one epoch of training, as written to history.json.
type EpochStats struct {
	// Member is the 1-based member of an ensemble the epoch trained (0
	// for a single model).
	Member      int     `json:"member,omitempty"`
	Epoch       int     `json:"epoch"`
	Loss        float64 `json:"loss"`
	ValRecall   float64 `json:"val_recall@50"`
	Temperature float64 `json:"temperature"`
	Seconds     float64 `json:"seconds"`
}

// Batch is one training step's inputs as Fit builds them, after the
// cold-start dropout draws. Indices are dense (positions in the training
// data's UserIDs / ItemIDs); B is the batch size and F the feature width.
type Batch struct {
	Member      int // 0-based member of an ensemble (0 for a single model)
	Epoch, Step int // 1-based epoch, 0-based step within it
	// Users are the user id-embedding rows, -1 where the id is hidden.
	Users []int32
	// Items are the positive items; ItemIDs their id-embedding rows, -1
	// where the id is hidden (the item tower then reads content only).
	Items, ItemIDs []int32
	// LogQ is each positive's logQ correction: its log sampling
	// probability, times 1 + Config.PopularityPrior.
	LogQ []float32
	// Features is the [B, F] user-feature matrix.
	Features []float32
	// History holds each row's pooled history items (mean-pooled; empty
	// when dropped).
	History [][]int32
}

// Model is a Two-Tower model: New gives an unfitted one for model.Spec;
// after Fit (or Load) it scores users and retrieves items.
type Model struct {
	cfg  Config
	side *SideInfo
	// Log, when set, receives one line per epoch. Members that train at
	// the same time (Config.ParallelMembers) call it concurrently.
	Log func(format string, args ...any)
	// OnBatch, when set, is called with every training step's inputs just
	// before its forward pass (bench/train feeds them to its PyTorch
	// reference). The slices are only valid during the call. Members that
	// train at the same time call it concurrently.
	OnBatch func(Batch)

	nets       []*net // the members; one for a single model
	userIDs    []int64
	itemIDs    []int64
	userIndex  map[int64]int32
	itemIndex  map[int64]int32
	itemGenres [][]int
	numGenres  int
	demo       features.Demographics
	activity   features.Standardizer
	userDemo   []Demographic
	seqs       [][]int32 // histories the cached user embeddings come from
	userEmb    []float32 // [U, dim()]: the members' outputs side by side
	itemEmb    []float32 // [I, dim()]
	history    []EpochStats
	bestEpochs []int // per member
	// fingerprint identifies the training data of the last Fit (see
	// Fingerprint); Save writes it so PretrainedSpec can tell whether a
	// saved model was fit on the data it is asked to fit.
	fingerprint string
}

// New returns an unfitted model. side may be nil (ids and history only).
func New(cfg Config, side *SideInfo) *Model {
	if side == nil {
		side = &SideInfo{}
	}
	return &Model{cfg: cfg, side: side}
}

// Spec returns the evaluation spec: one candidate, since the model stops
// early on its own held-out pairs. logf (may be nil) receives a line per
// epoch of every fit.
func Spec(cfg Config, side *SideInfo, logf func(format string, args ...any)) model.Spec {
	return model.Spec{Name: Name, Candidates: []model.Candidate{{
		Label: cfg.label(),
		New: func() model.Recommender {
			m := New(cfg, side)
			m.Log = logf
			return m
		},
	}}}
}

// History returns the per-epoch statistics of the last Fit.
func (m *Model) History() []EpochStats { return m.history }

// BestEpoch returns the epoch (1-based) whose parameters Fit kept, of the
// first member in an ensemble.
func (m *Model) BestEpoch() int {
	if len(m.bestEpochs) == 0 {
		return 0
	}
	return m.bestEpochs[0]
}

// bestLabel describes the kept epochs: "best epoch 7", or for an
// ensemble "5 members, best epochs 7, 9, 6, 8, 7".
func (m *Model) bestLabel() string {
	if len(m.bestEpochs) == 1 {
		return fmt.Sprintf("best epoch %d", m.bestEpochs[0])
	}
	s := make([]string, len(m.bestEpochs))
	for i, e := range m.bestEpochs {
		s[i] = strconv.Itoa(e)
	}
	return fmt.Sprintf("%d members, best epochs %s", len(m.bestEpochs), strings.Join(s, ", "))
}

// FitSummary describes the last fit's early stopping: "best epoch 11 of 13
// (valid recall@50 0.4171)", or per member for an ensemble ("5 members:
// best epoch 11 of 13, 9 of 11, ...; valid recall@50 0.4171, 0.4102, ...").
func (m *Model) FitSummary() string {
	type member struct {
		epochs int
		recall float64
	}
	ms := make([]member, len(m.bestEpochs))
	for _, e := range m.history {
		k := max(e.Member-1, 0)
		if k >= len(ms) {
			continue
		}
		ms[k].epochs = max(ms[k].epochs, e.Epoch)
		if e.Epoch == m.bestEpochs[k] {
			ms[k].recall = e.ValRecall
		}
	}
	if len(ms) == 1 {
		return fmt.Sprintf("best epoch %d of %d (valid recall@%d %.4f)", m.bestEpochs[0], ms[0].epochs, valK, ms[0].recall)
	}
	epochs, recalls := make([]string, len(ms)), make([]string, len(ms))
	for k, x := range ms {
		epochs[k] = fmt.Sprintf("%d of %d", m.bestEpochs[k], x.epochs)
		recalls[k] = fmt.Sprintf("%.4f", x.recall)
	}
	return fmt.Sprintf("%d members: best epoch %s; valid recall@%d %s", len(ms), strings.Join(epochs, ", "), valK, strings.Join(recalls, ", "))
}

// BestEpochs returns each member's kept epoch (one for a single model).
func (m *Model) BestEpochs() []int { return slices.Clone(m.bestEpochs) }

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// TrainFingerprint returns the Fingerprint of the data the model was fit
// on ("" for a model saved before fingerprints were recorded).
func (m *Model) TrainFingerprint() string { return m.fingerprint }

func (m *Model) logf(format string, args ...any) {
	if m.Log != nil {
		m.Log(format, args...)
	}
}

// featureRow encodes a user's features into dst: demographics, scaled
// log1p(history length), and the share of the history in each genre.
func (m *Model) featureRow(dst []float32, d Demographic, hist []int32) []float32 {
	dst = m.demo.Encode(dst[:0], d.Age, d.Gender, d.Occupation)
	dst = append(dst, m.activity.Apply(math.Log1p(float64(len(hist)))))
	start := len(dst)
	dst = append(dst, make([]float32, m.numGenres)...)
	if len(hist) > 0 {
		w := 1 / float32(len(hist))
		for _, it := range hist {
			for _, g := range m.itemGenres[it] {
				dst[start+g] += w
			}
		}
	}
	return dst
}

func (m *Model) featDim() int { return m.demo.Width() + 1 + m.numGenres }

// window returns the pooled part of a history: its last HistoryLength items.
func (m *Model) window(hist []int32) []int32 {
	return hist[max(0, len(hist)-m.cfg.HistoryLength):]
}

// index prepares the id maps and side information for train.
func (m *Model) index(train *model.TrainData) {
	m.userIDs, m.itemIDs = train.UserIDs, train.ItemIDs
	m.userIndex = make(map[int64]int32, len(m.userIDs))
	for i, id := range m.userIDs {
		m.userIndex[id] = int32(i)
	}
	m.itemIndex = make(map[int64]int32, len(m.itemIDs))
	for i, id := range m.itemIDs {
		m.itemIndex[id] = int32(i)
	}
	m.numGenres = len(m.side.GenreNames)
	m.itemGenres = make([][]int, len(m.itemIDs))
	for i, id := range m.itemIDs {
		m.itemGenres[i] = m.side.Genres[id]
	}
	m.demo = m.side.Demographics
	m.userDemo = make([]Demographic, len(m.userIDs))
	for i, id := range m.userIDs {
		m.userDemo[i] = m.side.Users[id]
	}
}

// Fit trains the model on train, forgetting any earlier fit: each of the
// configuration's members on the same held-out pairs, ParallelMembers of
// them at a time.
func (m *Model) Fit(ctx context.Context, train *model.TrainData) error {
	cfg := m.cfg
	if err := cfg.Validate(); err != nil {
		return err
	}
	if train.NumUsers == 0 || train.NumItems == 0 {
		return fmt.Errorf("two-tower: empty training data")
	}
	m.index(train)
	m.fingerprint = Fingerprint(train)
	U, I := train.NumUsers, train.NumItems

	// Hold out a share of each user's pairs for early stopping.
	split := rand.New(rand.NewPCG(cfg.Seed, 1))
	fitSeqs := make([][]int32, U)
	valSeqs := make([][]int32, U)
	for u, s := range train.Seqs {
		k := int(cfg.ValidationShare * float64(len(s)))
		if len(s) < 10 {
			k = 0
		}
		held := make([]bool, len(s))
		if cfg.History == HistoryPast {
			for p := len(s) - k; p < len(s); p++ {
				held[p] = true
			}
		} else {
			for _, p := range split.Perm(len(s))[:k] {
				held[p] = true
			}
		}
		for p, it := range s {
			if held[p] {
				valSeqs[u] = append(valSeqs[u], it)
			} else {
				fitSeqs[u] = append(fitSeqs[u], it)
			}
		}
	}

	act := make([]float64, U)
	for u, s := range fitSeqs {
		act[u] = math.Log1p(float64(len(s)))
	}
	m.activity = standardizer(act)
	F, C := m.featDim(), m.side.ContentDim
	userFeats := make([]float32, U*F)
	for u := range U {
		copy(userFeats[u*F:], m.featureRow(nil, m.userDemo[u], fitSeqs[u]))
	}
	content := make([]float32, I*C)
	for i, id := range m.itemIDs {
		if v := m.side.Content[id]; len(v) == C {
			copy(content[i*C:], v)
		}
	}
	d := &fitData{fitSeqs: fitSeqs, valSeqs: valSeqs, userFeats: nn.NewTensor(userFeats, U, F), content: nn.NewTensor(content, I, C)}
	counts := make([]float64, I)
	for u, s := range fitSeqs {
		for p, it := range s {
			d.pairs = append(d.pairs, pair{int32(u), int32(p)})
			counts[it]++
		}
	}
	if min(cfg.BatchSize, len(d.pairs)) < 2 {
		return fmt.Errorf("two-tower: %d training pairs, need at least 2", len(d.pairs))
	}
	d.logQ = make([]float32, I)
	for i, c := range counts {
		d.logQ[i] = float32((1 + cfg.PopularityPrior) * math.Log(max(c, 1)/float64(len(d.pairs))))
	}

	m.nets, m.history, m.bestEpochs = nil, nil, nil
	fits, err := m.fitMembers(ctx, d)
	if err != nil {
		return err
	}
	for _, f := range fits {
		m.nets = append(m.nets, f.net)
		m.history = append(m.history, f.history...)
		m.bestEpochs = append(m.bestEpochs, f.bestEpoch)
	}
	m.finish(train.Seqs)
	return nil
}

// pair is a training pair: dense user u and the position of the positive
// item in the user's fitting sequence.
type pair struct{ u, pos int32 }

// fitData is what every member of one Fit trains on.
type fitData struct {
	fitSeqs, valSeqs   [][]int32 // per dense user: fitting and held-out items
	userFeats, content *nn.Tensor
	pairs              []pair
	logQ               []float32 // per item: log of its share of the pairs, times 1 + PopularityPrior
}

// memberPrefix is the parameter-name prefix of member k of an ensemble of
// members.
func memberPrefix(k, members int) string {
	if members == 1 {
		return ""
	}
	return fmt.Sprintf("members.%d.", k)
}

// memberFit is one trained member: its kept parameters, its epochs and
// the epoch it kept.
type memberFit struct {
	net       *net
	history   []EpochStats
	bestEpoch int
}

// fitMembers trains the configuration's members, up to
// cfg.parallelMembers() at a time, and returns them in member order. A
// member depends only on its seed and the shared fitData, so the result is
// the same whichever members run together. The first member to fail stops
// the others; its error is returned.
func (m *Model) fitMembers(ctx context.Context, d *fitData) ([]memberFit, error) {
	n := m.cfg.members()
	fits, errs := make([]memberFit, n), make([]error, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slots := make(chan struct{}, m.cfg.parallelMembers())
	var wg sync.WaitGroup
	for k := range n {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			errs[k] = fmt.Errorf("two-tower: %w", ctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			if fits[k], errs[k] = m.fitMember(ctx, k, d); errs[k] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	// A member's own failure, rather than the cancellation it caused in
	// the others.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return fits, nil
}

// fitMember trains member k (seed cfg.Seed+k). It reads the model's
// indexes and d, and changes neither, so members can train concurrently.
func (m *Model) fitMember(ctx context.Context, k int, d *fitData) (memberFit, error) {
	cfg := m.cfg
	seed := cfg.Seed + uint64(k)
	U, I := len(m.userIDs), len(m.itemIDs)
	F, C := d.userFeats.Shape[1], d.content.Shape[1]
	tag := ""
	if cfg.members() > 1 {
		tag = fmt.Sprintf(" member %d/%d", k+1, cfg.members())
	}

	rng := rand.New(rand.NewPCG(seed, 0))
	n := newNet(cfg, memberPrefix(k, cfg.members()), U, I, F, C, rng)
	n.userFeats, n.content = d.userFeats, d.content
	pairs := slices.Clone(d.pairs)
	B := min(cfg.BatchSize, len(pairs))
	hasVal := false
	for _, v := range d.valSeqs {
		hasVal = hasVal || len(v) > 0
	}

	g := nn.NewGraph(nn.Config{Threads: cfg.threads(), Seed: seed})
	opt := nn.NewAdamW(n.params, float32(cfg.WeightDecay))
	opt.Threads = cfg.threads()
	steps := len(pairs) / B
	sched := nn.Schedule{Peak: float32(cfg.LearningRate), Warmup: min(100, steps), Decay: nn.Constant}

	uids, items, iids := make([]int32, B), make([]int32, B), make([]int32, B)
	bLogQ := make([]float32, B)
	featBuf := make([]float32, B*F)
	featT := nn.NewTensor(featBuf, B, F)
	var pool historyBags
	var scratch []int32
	var hists [][]int32 // per-row history copies, only for OnBatch
	if m.OnBatch != nil {
		hists = make([][]int32, B)
	}
	allItems, allIDs := make([]int32, I), make([]int32, I)
	for i := range allItems {
		allItems[i] = int32(i)
	}

	var fit memberFit
	var avg *nn.EMA // the averaged weights, when cfg.EMA is set
	if cfg.EMA > 0 {
		avg = nn.NewEMA(n.params, cfg.EMA)
	}
	best, bestEpoch := math.Inf(-1), 0
	var snapshot [][]float32
	sinceBest := 0
	step := 0
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		start := time.Now()
		order := rand.New(rand.NewPCG(seed, uint64(1+epoch)))
		order.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
		drop := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(epoch)))
		var lossSum float64
		for s := 0; s < steps; s++ {
			if err := ctx.Err(); err != nil {
				return memberFit{}, fmt.Errorf("two-tower: %w", err)
			}
			pool.reset()
			for b := range B {
				pr := pairs[s*B+b]
				seq := d.fitSeqs[pr.u]
				it := seq[pr.pos]
				uids[b], items[b], iids[b], bLogQ[b] = pr.u, it, it, d.logQ[it]
				if drop.Float64() < cfg.IDDropout {
					uids[b] = -1
				}
				if drop.Float64() < cfg.IDDropout {
					iids[b] = -1
				}
				// History: the pooled window without the target position;
				// with HistoryPast, the window of the items before it.
				scratch = scratch[:0]
				if cfg.History == HistoryPast {
					scratch = append(scratch, m.window(seq[:pr.pos])...)
				} else {
					for p := max(0, len(seq)-cfg.HistoryLength); p < len(seq); p++ {
						if p != int(pr.pos) {
							scratch = append(scratch, seq[p])
						}
					}
				}
				if drop.Float64() < cfg.IDDropout {
					scratch = scratch[:0] // no history: demographics (and id) only
				} else if len(scratch) > 1 && drop.Float64() < cfg.ShortHistory {
					k := 1 + drop.IntN(min(10, len(scratch)))
					for j := range k {
						r := j + drop.IntN(len(scratch)-j)
						scratch[j], scratch[r] = scratch[r], scratch[j]
					}
					scratch = scratch[:k]
				}
				// Features describe the history the tower sees; demographics
				// are hidden as often as ids, so new users are in distribution.
				demo := m.userDemo[pr.u]
				if drop.Float64() < cfg.IDDropout {
					demo = Demographic{}
				}
				m.featureRow(featBuf[b*F:b*F], demo, scratch)
				pool.add(scratch)
				if hists != nil {
					hists[b] = append(hists[b][:0], scratch...)
				}
			}
			if m.OnBatch != nil {
				m.OnBatch(Batch{Member: k, Epoch: epoch, Step: s, Users: uids, Items: items, ItemIDs: iids, LogQ: bLogQ, Features: featBuf, History: hists})
			}
			g.Reset()
			uv := n.userTower(g, uids, featT, &pool)
			var loss *nn.Tensor
			if cfg.Negatives == NegativesAll {
				for i := range allIDs {
					allIDs[i] = int32(i)
					if drop.Float64() < cfg.IDDropout {
						allIDs[i] = -1
					}
				}
				iv := n.itemTower(g, allItems, allIDs)
				loss = g.CrossEntropy(g.ScaleExp(g.MatMul(uv, iv, false, true), n.logScale), items)
			} else {
				iv := n.itemTower(g, items, iids)
				logits := g.ScaleExp(g.MatMul(uv, iv, false, true), n.logScale)
				loss = g.SampledSoftmax(logits, bLogQ, items)
			}
			// A non-finite loss poisons every weight at the next step (and
			// NaN scores tie, which validation would count as hits): stop
			// at the first one, as seqnn does.
			if v := float64(loss.Data[0]); math.IsNaN(v) || math.IsInf(v, 0) {
				return memberFit{}, fmt.Errorf("two-tower%s: epoch %d: loss is %v at step %d of %d (learning_rate %g)", tag, epoch, v, s+1, steps, cfg.LearningRate)
			}
			nn.ZeroGrad(n.params)
			if err := g.Backward(loss); err != nil {
				return memberFit{}, fmt.Errorf("two-tower: backward: %w", err)
			}
			nn.ClipGradNorm(n.params, 10)
			opt.Step(sched.LR(step))
			step++
			if n.logScale.Data[0] > n.maxLogScale {
				n.logScale.Data[0] = n.maxLogScale
			}
			lossSum += float64(loss.Data[0])
			if avg != nil {
				avg.Update()
			}
		}
		if avg != nil {
			avg.Swap() // validate, and keep, the average
		}
		st := EpochStats{Epoch: epoch, Loss: lossSum / float64(max(steps, 1)),
			Temperature: math.Exp(-float64(n.logScale.Data[0]))}
		if cfg.members() > 1 {
			st.Member = k + 1
		}
		st.ValRecall = m.validate(n, d)
		st.Seconds = time.Since(start).Seconds()
		fit.history = append(fit.history, st)
		m.logf("two-tower%s epoch %d: loss %.4f, val recall@%d %.4f, temperature %.4f, %.1fs", tag, epoch, st.Loss, valK, st.ValRecall, st.Temperature, st.Seconds)
		if !hasVal {
			bestEpoch = epoch
		} else if st.ValRecall > best {
			best, sinceBest, bestEpoch = st.ValRecall, 0, epoch
			snapshot = snapshot[:0]
			for _, p := range n.params {
				snapshot = append(snapshot, slices.Clone(p.Data))
			}
		} else if sinceBest++; sinceBest >= cfg.Patience {
			break
		}
		if avg != nil && epoch < cfg.Epochs {
			avg.Swap() // back to the trained weights for the next epoch
		}
	}
	if snapshot != nil {
		for i, p := range n.params {
			copy(p.Data, snapshot[i])
		}
	}
	fit.net, fit.bestEpoch = n, bestEpoch
	return fit, nil
}

// finish computes the item embeddings and every user's embedding from
// seqs, the histories Score will usually be called with.
func (m *Model) finish(seqs [][]int32) {
	m.computeItemEmb()
	m.seqs = seqs
	out := m.dim()
	m.userEmb = make([]float32, len(seqs)*out)
	parallel(len(seqs), m.cfg.threads(), func(u int) {
		copy(m.userEmb[u*out:], m.embedDense(int32(u), m.userDemo[u], seqs[u]))
	})
}

// dim is the width of the model's embeddings: the members' output widths
// together.
func (m *Model) dim() int { return len(m.nets) * m.nets[0].out }

// memberScale is the factor on each member's unit-length output in the
// concatenated embedding, so that it is unit length too.
func (m *Model) memberScale() float32 { return float32(1 / math.Sqrt(float64(len(m.nets)))) }

// concat writes the members' vectors vec(n) into one embedding, each
// scaled by memberScale (a single model's vector is returned as is).
func (m *Model) concat(vec func(n *net) []float32) []float32 {
	if len(m.nets) == 1 {
		return vec(m.nets[0])
	}
	e := make([]float32, 0, m.dim())
	c := m.memberScale()
	for _, n := range m.nets {
		for _, v := range vec(n) {
			e = append(e, c*v)
		}
	}
	return e
}

func (m *Model) computeItemEmb() {
	out := m.dim()
	m.itemEmb = make([]float32, len(m.itemIDs)*out)
	parallel(len(m.itemIDs), m.cfg.threads(), func(i int) {
		copy(m.itemEmb[i*out:], m.concat(func(n *net) []float32 { return n.itemVec(int32(i)) }))
	})
}

// embedDense returns the user tower's output for dense user u (negative:
// unknown user) with demographics d and history hist (dense items).
func (m *Model) embedDense(u int32, d Demographic, hist []int32) []float32 {
	feats, win := m.featureRow(nil, d, hist), m.window(hist)
	return m.concat(func(n *net) []float32 { return n.userVec(u, feats, win) })
}

// validate returns member n's recall@valK of the held-out pairs, each
// user's fitting items filtered.
func (m *Model) validate(n *net, d *fitData) float64 {
	I, out, F := len(m.itemIDs), n.out, n.featDim
	hits := make([]int, len(d.valSeqs))
	total := 0
	for _, v := range d.valSeqs {
		total += len(v)
	}
	if total == 0 {
		return 0
	}
	itemEmb := make([]float32, I*out)
	parallel(I, m.cfg.threads(), func(i int) {
		copy(itemEmb[i*out:], n.itemVec(int32(i)))
	})
	feats := d.userFeats.Data
	parallel(len(d.valSeqs), m.cfg.threads(), func(u int) {
		if len(d.valSeqs[u]) == 0 {
			return
		}
		e := n.userVec(int32(u), feats[u*F:(u+1)*F], m.window(d.fitSeqs[u]))
		scores := make([]float32, I)
		for i := range I {
			scores[i] = dot(e, itemEmb[i*out:(i+1)*out])
		}
		for _, it := range d.fitSeqs[u] {
			scores[it] = float32(math.Inf(-1))
		}
		for _, t := range d.valSeqs[u] {
			rank := 0
			for i, s := range scores {
				if s > scores[t] || (s == scores[t] && int32(i) < t) {
					rank++
				}
			}
			if rank < valK {
				hits[u]++
			}
		}
	})
	sum := 0
	for _, h := range hits {
		sum += h
	}
	return float64(sum) / float64(total)
}

// Score writes the dot product of user u's embedding with every item's.
// When history is the user's training history the embedding computed at
// the end of Fit is used; otherwise it is computed from history.
func (m *Model) Score(u int, history []int32, dst []float32) {
	out := m.dim()
	var e []float32
	if u < len(m.seqs) && slices.Equal(history, m.seqs[u]) {
		e = m.userEmb[u*out : (u+1)*out]
	} else {
		e = m.embedDense(int32(u), m.userDemo[u], history)
	}
	for i := range dst {
		dst[i] = dot(e, m.itemEmb[i*out:(i+1)*out])
	}
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func standardizer(xs []float64) features.Standardizer {
	var s, ss float64
	for _, x := range xs {
		s += x
		ss += x * x
	}
	n := math.Max(float64(len(xs)), 1)
	mean := s / n
	// A floor on the spread keeps a history a little longer or shorter than
	// every training user's (a cold-start user) from exploding the z-score.
	return features.Standardizer{Mean: mean, Std: math.Max(math.Sqrt(math.Max(ss/n-mean*mean, 0)), minActivityStd)}
}

// parallel calls fn(i) for i in [0, n) on threads goroutines; each i is
// handled by exactly one goroutine.
func parallel(n, threads int, fn func(i int)) {
	done := make(chan struct{})
	for t := range threads {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := t; i < n; i += threads {
				fn(i)
			}
		}()
	}
	for range threads {
		<-done
	}
}
