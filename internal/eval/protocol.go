package eval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/moviegenie/genie/internal/model"
)

// Protocol names an evaluation protocol of docs/product.md. Its value is the
// name used in tables, metrics files and export file names.
type Protocol string

// The protocols.
const (
	// Sequential is leave-one-out by time, full ranking with seen items
	// filtered: HR@1/5/10, NDCG@5/10, MRR@10. Its test phase also reports the
	// popularity-sampled-100 variant (SequentialSampled in tables).
	Sequential Protocol = "sequential"
	// TFRS is the random 80/20 ratings split, ranking all items with
	// nothing filtered: top-1/5/10/50/100 accuracy over test ratings.
	TFRS Protocol = "tfrs"
	// RecBole is the random 8:1:1 per-user split, full ranking with training
	// (and validation) items filtered: Recall/NDCG/Hit/MRR/Precision@10.
	RecBole Protocol = "recbole"
)

// SequentialSampled is the table name of the sequential protocol's
// popularity-sampled-100 variant.
const SequentialSampled = "sequential_sampled"

// Protocols lists every protocol in table order.
var Protocols = []Protocol{Sequential, TFRS, RecBole}

// ErrUnknownProtocol is returned for a protocol name the harness lacks.
var ErrUnknownProtocol = errors.New("eval: unknown protocol")

// ParseProtocol returns the protocol called name.
func ParseProtocol(name string) (Protocol, error) {
	for _, p := range Protocols {
		if string(p) == name {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w %q (want sequential, tfrs or recbole)", ErrUnknownProtocol, name)
}

// Split builds the protocol's validation and test phases of d; seed drives
// the random-split protocols' shuffle.
func (p Protocol) Split(d *Dataset, seed uint64) (Split, error) {
	switch p {
	case Sequential:
		return SplitSequential(d), nil
	case TFRS:
		return SplitTFRS(d, seed), nil
	case RecBole:
		return SplitRecBole(d, seed), nil
	}
	return Split{}, fmt.Errorf("%w %q", ErrUnknownProtocol, string(p))
}

// MetricNames returns the names of the protocol's full-ranking metrics.
func (p Protocol) MetricNames() []string {
	switch p {
	case Sequential:
		return sequentialNames
	case TFRS:
		return tfrsNames
	case RecBole:
		return recboleNames
	}
	return nil
}

// SelectionMetric is the validation metric candidates are chosen by:
// NDCG@10, or top-10 accuracy for TFRS (which reports no NDCG).
func (p Protocol) SelectionMetric() string {
	if p == TFRS {
		return "top@10"
	}
	return "ndcg@10"
}

// Options tune how the harness runs. The zero value is usable.
type Options struct {
	// Seed drives the random splits and the negative sampling (params.yaml
	// random_seed; 42 in the project's params).
	Seed uint64
	// Workers is the number of goroutines scoring users; 0 means GOMAXPROCS.
	Workers int
	// ExportDir, when set, receives DIR/<model>.<protocol>.jsonl with every
	// evaluated user's test-phase ranking.
	ExportDir string
	// ExportK is the length of exported rankings; 0 means 100.
	ExportK int
	// Negatives is the sample size of the sequential sampled variant; 0
	// means 100.
	Negatives int
	// Log, when set, receives one line per tuning trial and result.
	Log func(format string, args ...any)
}

func (o *Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (o *Options) exportK() int {
	if o.ExportK > 0 {
		return o.ExportK
	}
	return 100
}

func (o *Options) negatives() int {
	if o.Negatives > 0 {
		return o.Negatives
	}
	return 100
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		o.Log(format, args...)
	}
}

// userOutput is what ranking one user produces.
type userOutput struct {
	values  []float64 // per-user metric values (sums for TFRS)
	sampled []float64 // sampled-variant values (sequential test only)
	top     []int32   // exported ranking
}

// measureConfig says what to compute while ranking a phase.
type measureConfig struct {
	negatives [][]int32 // per-user sampled negatives; nil skips the variant
	exportK   int       // 0 skips the export ranking
}

// scoreBatch is how many users a worker scores at once; models
// implementing model.BatchScorer receive batches of this size.
const scoreBatch = 32

// rankPhase fits nothing: it scores every user with targets using rec and
// computes the protocol's per-user outputs, in parallel.
func (p Protocol) rankPhase(ctx context.Context, rec model.Recommender, ph *Phase, cfg measureConfig, workers int) ([]userOutput, error) {
	nu := ph.Train.NumUsers
	ni := ph.Train.NumItems
	out := make([]userOutput, nu)
	var users []int
	for u := range nu {
		if len(ph.Targets[u]) > 0 {
			users = append(users, u)
		}
	}
	var next int
	var mu sync.Mutex
	take := func() []int {
		mu.Lock()
		defer mu.Unlock()
		lo := next
		next = min(len(users), next+scoreBatch)
		return users[lo:next]
	}
	batcher, _ := rec.(model.BatchScorer)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scores := make([][]float32, scoreBatch)
			for k := range scores {
				scores[k] = make([]float32, ni)
			}
			hist := make([][]int32, 0, scoreBatch)
			excluded := make([]bool, ni)
			for {
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				batch := take()
				if len(batch) == 0 {
					return
				}
				hist = hist[:0]
				for k, u := range batch {
					clear(scores[k])
					hist = append(hist, ph.Train.Seqs[u])
				}
				if batcher != nil {
					batcher.ScoreBatch(batch, hist, scores[:len(batch)])
				} else {
					for k, u := range batch {
						rec.Score(u, hist[k], scores[k])
					}
				}
				for k, u := range batch {
					p.measureUser(&out[u], scores[k], ph, u, excluded, cfg)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// measureUser computes user u's outputs from its scores. excluded is an
// all-false scratch slice of NumItems, returned all false.
func (p Protocol) measureUser(o *userOutput, scores []float32, ph *Phase, u int, excluded []bool, cfg measureConfig) {
	sanitize(scores)
	var ex []bool
	if ph.Exclude != nil {
		ex = excluded
		for _, it := range ph.Exclude[u] {
			ex[it] = true
		}
		defer func() {
			for _, it := range ph.Exclude[u] {
				ex[it] = false
			}
		}()
	}
	targets := ph.Targets[u]
	switch p {
	case Sequential:
		t := targets[0]
		r := math.MaxInt32 // a target inside the filtered history is a miss
		if ex == nil || !ex[t] {
			r = Rank(scores, t, ex)
		}
		o.values = sequentialValues(nil, r)
		if cfg.negatives != nil {
			o.sampled = sequentialValues(nil, RankAmong(scores, t, cfg.negatives[u]))
		}
	case TFRS:
		o.values = make([]float64, len(tfrsCutoffs))
		for _, t := range targets {
			r := Rank(scores, t, ex)
			for c, k := range tfrsCutoffs {
				o.values[c] += HitAt(r, k)
			}
		}
	case RecBole:
		top := TopK(nil, scores, 10, ex)
		m := SetMetricsAt(top, targets, 10)
		o.values = []float64{m.Recall, m.NDCG, m.Hit, m.MRR, m.Precision}
	}
	if cfg.exportK > 0 {
		o.top = TopK(nil, scores, cfg.exportK, ex)
	}
}

// aggregate averages per-user values in user order (deterministic sums):
// over users for the sequential and RecBole protocols, over target ratings
// for TFRS.
func (p Protocol) aggregate(ph *Phase, out []userOutput, sampled bool) Metrics {
	names := p.MetricNames()
	sums := make([]float64, len(names))
	users := 0
	for u := range out {
		v := out[u].values
		if sampled {
			v = out[u].sampled
		}
		if len(ph.Targets[u]) == 0 || v == nil {
			continue
		}
		users++
		for i := range sums {
			sums[i] += v[i]
		}
	}
	den := float64(users)
	if p == TFRS {
		den = float64(ph.NumTargets())
	}
	m := make(Metrics, len(names))
	for i, n := range names {
		v := math.NaN()
		if den > 0 {
			v = sums[i] / den
		}
		m[i] = Metric{Name: n, Value: v}
	}
	return m
}

// Measure scores every user of ph with an already fitted rec and returns the
// protocol's full-ranking metrics. Training code uses it for early stopping
// on the validation phase.
func (p Protocol) Measure(ctx context.Context, rec model.Recommender, ph *Phase, opts Options) (Metrics, error) {
	out, err := p.rankPhase(ctx, rec, ph, measureConfig{}, opts.workers())
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", p, err)
	}
	return p.aggregate(ph, out, false), nil
}

// SampleNegatives draws, for every user with a target in ph, k negatives
// without replacement with probability proportional to each item's rating
// count in d, excluding every item the user ever rated in d. Users are
// visited in ascending id order with one rand.New(rand.NewPCG(seed, 1))
// stream, using Efraimidis-Spirakis keys (log(U)/w, the k largest win), which
// is weighted sampling without replacement. A user with fewer than k
// candidates gets all of them.
func SampleNegatives(d *Dataset, ph *Phase, seed uint64, k int) [][]int32 {
	counts := d.ItemCounts()
	rated := make([][]int32, d.NumUsers())
	for i, u := range d.Users {
		rated[u] = append(rated[u], d.Items[i])
	}
	r := rand.New(rand.NewPCG(seed, 1))
	ni := d.NumItems()
	seen := make([]bool, ni)
	keys := make([]float64, ni)
	out := make([][]int32, d.NumUsers())
	cand := make([]int32, 0, ni)
	for u := range out {
		if len(ph.Targets[u]) == 0 {
			continue
		}
		for _, it := range rated[u] {
			seen[it] = true
		}
		cand = cand[:0]
		for i := range ni {
			if seen[i] || counts[i] == 0 {
				continue
			}
			// 1-Float64() is in (0, 1], so the log is finite.
			keys[i] = math.Log(1-r.Float64()) / float64(counts[i])
			cand = append(cand, int32(i))
		}
		for _, it := range rated[u] {
			seen[it] = false
		}
		slices.SortFunc(cand, func(a, b int32) int {
			if c := cmp.Compare(keys[b], keys[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		out[u] = slices.Clone(cand[:min(k, len(cand))])
	}
	return out
}
