package twotower

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
	Epoch, Step int // 1-based epoch, 0-based step within it
	// Users are the user id-embedding rows, -1 where the id is hidden.
	Users []int32
	// Items are the positive items; ItemIDs their id-embedding rows, -1
	// where the id is hidden (the item tower then reads content only).
	Items, ItemIDs []int32
	// LogQ is each positive's log sampling probability (logQ correction).
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
	// Log, when set, receives one line per epoch.
	Log func(format string, args ...any)
	// OnBatch, when set, is called with every training step's inputs just
	// before its forward pass (bench/train feeds them to its PyTorch
	// reference). The slices are only valid during the call.
	OnBatch func(Batch)

	net        *net
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
	userEmb    []float32 // [U, out]
	itemEmb    []float32 // [I, out]
	history    []EpochStats
	bestEpoch  int
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
		Label: fmt.Sprintf("dim=%d, hidden=%v", cfg.EmbeddingDim, cfg.HiddenDims),
		New: func() model.Recommender {
			m := New(cfg, side)
			m.Log = logf
			return m
		},
	}}}
}

// History returns the per-epoch statistics of the last Fit.
func (m *Model) History() []EpochStats { return m.history }

// BestEpoch returns the epoch (1-based) whose parameters Fit kept.
func (m *Model) BestEpoch() int { return m.bestEpoch }

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

// Fit trains the model on train, forgetting any earlier fit.
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
		for _, p := range split.Perm(len(s))[:k] {
			held[p] = true
		}
		for p, it := range s {
			if held[p] {
				valSeqs[u] = append(valSeqs[u], it)
			} else {
				fitSeqs[u] = append(fitSeqs[u], it)
			}
		}
	}

	hasVal := false
	for _, v := range valSeqs {
		hasVal = hasVal || len(v) > 0
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

	rng := rand.New(rand.NewPCG(cfg.Seed, 0))
	n := newNet(cfg, U, I, F, C, rng)
	n.userFeats = nn.NewTensor(userFeats, U, F)
	n.content = nn.NewTensor(content, I, C)
	m.net = n

	type pair struct{ u, pos int32 }
	var pairs []pair
	counts := make([]float64, I)
	for u, s := range fitSeqs {
		for p, it := range s {
			pairs = append(pairs, pair{int32(u), int32(p)})
			counts[it]++
		}
	}
	B := min(cfg.BatchSize, len(pairs))
	if B < 2 {
		return fmt.Errorf("two-tower: %d training pairs, need at least 2", len(pairs))
	}
	logQ := make([]float32, I)
	for i, c := range counts {
		logQ[i] = float32(math.Log(max(c, 1) / float64(len(pairs))))
	}

	g := nn.NewGraph(nn.Config{Threads: cfg.threads(), Seed: cfg.Seed})
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

	best := math.Inf(-1)
	var snapshot [][]float32
	m.history = nil
	sinceBest := 0
	step := 0
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		start := time.Now()
		order := rand.New(rand.NewPCG(cfg.Seed, uint64(1+epoch)))
		order.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
		drop := rand.New(rand.NewPCG(cfg.Seed^0x9e3779b97f4a7c15, uint64(epoch)))
		var lossSum float64
		for s := 0; s < steps; s++ {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("two-tower: %w", err)
			}
			pool.reset()
			for b := range B {
				pr := pairs[s*B+b]
				seq := fitSeqs[pr.u]
				it := seq[pr.pos]
				uids[b], items[b], iids[b], bLogQ[b] = pr.u, it, it, logQ[it]
				if drop.Float64() < cfg.IDDropout {
					uids[b] = -1
				}
				if drop.Float64() < cfg.IDDropout {
					iids[b] = -1
				}
				// History: the pooled window without the target position.
				lo := max(0, len(seq)-cfg.HistoryLength)
				scratch = scratch[:0]
				for p := lo; p < len(seq); p++ {
					if p != int(pr.pos) {
						scratch = append(scratch, seq[p])
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
				m.OnBatch(Batch{Epoch: epoch, Step: s, Users: uids, Items: items, ItemIDs: iids, LogQ: bLogQ, Features: featBuf, History: hists})
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
			nn.ZeroGrad(n.params)
			if err := g.Backward(loss); err != nil {
				return fmt.Errorf("two-tower: backward: %w", err)
			}
			nn.ClipGradNorm(n.params, 10)
			opt.Step(sched.LR(step))
			step++
			if n.logScale.Data[0] > n.maxLogScale {
				n.logScale.Data[0] = n.maxLogScale
			}
			lossSum += float64(loss.Data[0])
		}
		st := EpochStats{Epoch: epoch, Loss: lossSum / float64(max(steps, 1)),
			Temperature: math.Exp(-float64(n.logScale.Data[0]))}
		m.computeItemEmb()
		st.ValRecall = m.validate(userFeats, fitSeqs, valSeqs)
		st.Seconds = time.Since(start).Seconds()
		m.history = append(m.history, st)
		m.logf("two-tower epoch %d: loss %.4f, val recall@%d %.4f, temperature %.4f, %.1fs", epoch, st.Loss, valK, st.ValRecall, st.Temperature, st.Seconds)
		if !hasVal {
			m.bestEpoch = epoch
			continue
		}
		if st.ValRecall > best {
			best, sinceBest, m.bestEpoch = st.ValRecall, 0, epoch
			snapshot = snapshot[:0]
			for _, p := range n.params {
				snapshot = append(snapshot, slices.Clone(p.Data))
			}
		} else if sinceBest++; sinceBest >= cfg.Patience {
			break
		}
	}
	if snapshot != nil {
		for i, p := range n.params {
			copy(p.Data, snapshot[i])
		}
	}
	m.finish(train.Seqs)
	return nil
}

// finish computes the item embeddings and every user's embedding from
// seqs, the histories Score will usually be called with.
func (m *Model) finish(seqs [][]int32) {
	m.computeItemEmb()
	m.seqs = seqs
	out := m.net.out
	m.userEmb = make([]float32, len(seqs)*out)
	parallel(len(seqs), m.cfg.threads(), func(u int) {
		copy(m.userEmb[u*out:], m.embedDense(int32(u), m.userDemo[u], seqs[u]))
	})
}

func (m *Model) computeItemEmb() {
	out := m.net.out
	m.itemEmb = make([]float32, len(m.itemIDs)*out)
	parallel(len(m.itemIDs), m.cfg.threads(), func(i int) {
		copy(m.itemEmb[i*out:], m.net.itemVec(int32(i)))
	})
}

// embedDense returns the user tower's output for dense user u (negative:
// unknown user) with demographics d and history hist (dense items).
func (m *Model) embedDense(u int32, d Demographic, hist []int32) []float32 {
	return m.net.userVec(u, m.featureRow(nil, d, hist), m.window(hist))
}

// validate returns recall@valK of the held-out pairs, each user's fitting
// items filtered.
func (m *Model) validate(userFeats []float32, fitSeqs, valSeqs [][]int32) float64 {
	I, out, F := len(m.itemIDs), m.net.out, m.net.featDim
	hits := make([]int, len(valSeqs))
	total := 0
	for _, v := range valSeqs {
		total += len(v)
	}
	if total == 0 {
		return 0
	}
	parallel(len(valSeqs), m.cfg.threads(), func(u int) {
		if len(valSeqs[u]) == 0 {
			return
		}
		e := m.net.userVec(int32(u), userFeats[u*F:(u+1)*F], m.window(fitSeqs[u]))
		scores := make([]float32, I)
		for i := range I {
			scores[i] = dot(e, m.itemEmb[i*out:(i+1)*out])
		}
		for _, it := range fitSeqs[u] {
			scores[it] = float32(math.Inf(-1))
		}
		for _, t := range valSeqs[u] {
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
	out := m.net.out
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
