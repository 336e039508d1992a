package recommend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/baseline"
	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// This file measures where the Two-Tower model helps the serving engine on
// ml-100k (docs/twotower.md, "Serving blend"). Run:
//
//	GENIE_BLEND_CACHE=/tmp/genie-blend nice -n 15 go test -run TestTwoTowerBlendML100K -v -timeout 3h ./internal/recommend/
//
// It fits the Two-Tower model three times (sequential validation phase,
// sequential test phase, and once without a third of the users for the
// cold-start view); GENIE_BLEND_CACHE keeps the fitted models between runs.

// blendWeights is the grid of Two-Tower weights tried on validation.
var blendWeights = []float32{0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}

// blendCase is one ranking to measure: the two models' scores over every
// item (normalised both ways), the target and the items filtered out.
type blendCase struct {
	norm    [2][2][]float32 // [fusion][a, b]
	target  int32
	exclude []int32
	histLen int
}

func newBlendCase(a, b []float32, target int32, exclude []int32, histLen int) blendCase {
	c := blendCase{target: target, exclude: exclude, histLen: histLen}
	for _, f := range []Fusion{FuseMinMax, FuseRRF} {
		na, nb := make([]float32, len(a)), make([]float32, len(b))
		f.Normalize(na, a)
		f.Normalize(nb, b)
		c.norm[f] = [2][]float32{na, nb}
	}
	return c
}

// ranks returns each case's 0-based target rank under the mix of weight w
// (w = 0: model a alone, 1: model b alone; both normalisations preserve
// each model's own order).
func ranks(cases []blendCase, f Fusion, w float32) []int {
	out := make([]int, len(cases))
	var scores []float32
	var ex []bool
	for k, c := range cases {
		n := len(c.norm[f][0])
		if len(scores) != n {
			scores, ex = make([]float32, n), make([]bool, n)
		}
		Mix(scores, c.norm[f][0], c.norm[f][1], w)
		for _, i := range c.exclude {
			ex[i] = true
		}
		out[k] = eval.Rank(scores, c.target, ex)
		for _, i := range c.exclude {
			ex[i] = false
		}
	}
	return out
}

// summary holds mean metrics over cases.
type summary struct {
	hr1, hr5, hr10, ndcg5, ndcg10, mrr10 float64
	ndcg                                 []float64 // per case
}

func summarize(rs []int) summary {
	var s summary
	s.ndcg = make([]float64, len(rs))
	for k, r := range rs {
		s.hr1 += eval.HitAt(r, 1)
		s.hr5 += eval.HitAt(r, 5)
		s.ndcg5 += eval.NDCGAt(r, 5)
		s.hr10 += eval.HitAt(r, 10)
		s.ndcg[k] = eval.NDCGAt(r, 10)
		s.ndcg10 += s.ndcg[k]
		s.mrr10 += eval.MRRAt(r, 10)
	}
	n := float64(max(len(rs), 1))
	s.hr1 /= n
	s.hr5 /= n
	s.ndcg5 /= n
	s.hr10 /= n
	s.ndcg10 /= n
	s.mrr10 /= n
	return s
}

// pairedDiff returns the mean and standard error of b - a per case.
func pairedDiff(a, b []float64) (mean, se float64) {
	n := float64(len(a))
	if n < 2 {
		return 0, 0
	}
	for k := range a {
		mean += b[k] - a[k]
	}
	mean /= n
	var ss float64
	for k := range a {
		d := b[k] - a[k] - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / (n - 1) / n)
}

// choice is a fusion and weight chosen on validation.
type choice struct {
	f     Fusion
	w     float32
	valid float64 // validation NDCG@10
}

// choose returns, per fusion, the weight with the best validation NDCG@10
// (the smaller weight on ties, so no blend wins a tie), and the curves.
func choose(valid []blendCase) (best [2]choice, curves [2][]float64) {
	for _, f := range []Fusion{FuseMinMax, FuseRRF} {
		best[f] = choice{f: f, valid: math.Inf(-1)}
		for _, w := range blendWeights {
			v := summarize(ranks(valid, f, w)).ndcg10
			curves[f] = append(curves[f], v)
			if v > best[f].valid+1e-12 {
				best[f] = choice{f: f, w: w, valid: v}
			}
		}
	}
	return best, curves
}

// blockReport measures one view: a alone, b alone, and each fusion at its
// validation-chosen weight, on the test cases. It returns the markdown rows
// and the overall choice (the fusion with the better validation NDCG@10).
func blockReport(sb *strings.Builder, title, nameA, nameB string, valid, test []blendCase) choice {
	best, curves := choose(valid)
	fmt.Fprintf(sb, "\n%s (%d test cases)\n\n", title, len(test))
	fmt.Fprintf(sb, "| model | chosen on validation | valid NDCG@10 | HR@1 | HR@5 | HR@10 | NDCG@5 | NDCG@10 | MRR@10 | Δ NDCG@10 vs %s (± s.e.) |\n|---|---|---|---|---|---|---|---|---|---|\n", nameA)
	base := summarize(ranks(test, FuseMinMax, 0))
	row := func(name, chosen string, v float64, s summary) {
		d, se := pairedDiff(base.ndcg, s.ndcg)
		fmt.Fprintf(sb, "| %s | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %+.4f ± %.4f |\n", name, chosen, v, s.hr1, s.hr5, s.hr10, s.ndcg5, s.ndcg10, s.mrr10, d, se)
	}
	row(nameA, "", curves[FuseMinMax][0], base)
	row(nameB, "", curves[FuseMinMax][len(blendWeights)-1], summarize(ranks(test, FuseMinMax, 1)))
	for _, f := range []Fusion{FuseMinMax, FuseRRF} {
		row(fmt.Sprintf("blend %s", f), fmt.Sprintf("w=%.2f", best[f].w), best[f].valid, summarize(ranks(test, f, best[f].w)))
	}
	fmt.Fprintf(sb, "\nNDCG@10 by Two-Tower weight w (valid / test):\n\n| w |")
	for _, w := range blendWeights {
		fmt.Fprintf(sb, " %.2f |", w)
	}
	sb.WriteString("\n|---|" + strings.Repeat("---|", len(blendWeights)) + "\n")
	for _, f := range []Fusion{FuseMinMax, FuseRRF} {
		fmt.Fprintf(sb, "| %s |", f)
		for k, w := range blendWeights {
			fmt.Fprintf(sb, " %.4f / %.4f |", curves[f][k], summarize(ranks(test, f, w)).ndcg10)
		}
		sb.WriteString("\n")
	}
	c := best[FuseMinMax]
	if best[FuseRRF].valid > c.valid+1e-12 {
		c = best[FuseRRF]
	}
	return c
}

// blendSetup loads ml-100k processed as the pipeline does, and the
// Two-Tower configuration (params.yaml, then GENIE_TT_CFG: a YAML mapping,
// e.g. "{epochs: 1}" for a quick check of a test itself) and side
// information.
func blendSetup(t *testing.T) (*dataset.Tables, *eval.Dataset, twotower.Config, *twotower.SideInfo) {
	t.Helper()
	tb := storetest.ML100K(t)
	fp, err := features.LoadParams("../../params.yaml")
	if err != nil {
		t.Fatal(err)
	}
	content, _, err := features.BuildContent(tb.Movies, tb.Tags, features.ContentOptions{Dim: fp.EmbeddingDim, Sources: fp.ContentFeatures})
	if err != nil {
		t.Fatal(err)
	}
	side := twotower.NewSideInfo(tb, content)
	cfg, err := twotower.LoadConfig("../../params.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(os.Getenv("GENIE_TT_CFG")), &cfg); err != nil {
		t.Fatal(err)
	}
	t.Logf("two-tower config %+v", cfg)
	d, err := eval.NewDataset(eval.FromRatings(tb.Ratings))
	if err != nil {
		t.Fatal(err)
	}
	return tb, d, cfg, side
}

// fitTwoTower fits (or, with GENIE_BLEND_CACHE, loads an earlier fit of) a
// Two-Tower model on train.
func fitTwoTower(t *testing.T, name string, cfg twotower.Config, side *twotower.SideInfo, train *model.TrainData) *twotower.Model {
	t.Helper()
	cache := os.Getenv("GENIE_BLEND_CACHE")
	var dir string
	if cache != "" {
		h := sha256.New()
		json.NewEncoder(h).Encode(cfg)
		fmt.Fprint(h, train.NumUsers, train.NumItems, train.NumInteractions(), train.UserIDs, train.Seqs)
		dir = filepath.Join(cache, name+"-"+hex.EncodeToString(h.Sum(nil))[:12])
		if m, err := twotower.Load(dir); err == nil {
			t.Logf("two-tower %s: loaded %s", name, dir)
			return m
		}
	}
	m := twotower.New(cfg, side)
	m.Log = t.Logf
	start, cpu := time.Now(), cpuSeconds()
	if err := m.Fit(context.Background(), train); err != nil {
		t.Fatal(err)
	}
	t.Logf("two-tower %s: fit in %v wall, %.0f CPU s (%s)", name, time.Since(start), cpuSeconds()-cpu, m.FitSummary())
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := m.Save(dir); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// itemMatrix returns the model's item embeddings in the order of ids.
func itemMatrix(t *testing.T, m *twotower.Model, ids []int64) [][]float32 {
	out := make([][]float32, len(ids))
	for i, id := range ids {
		v, ok := m.ItemEmbedding(id)
		if !ok {
			t.Fatalf("two-tower does not know movie %d", id)
		}
		out[i] = v
	}
	return out
}

func dots(dst []float32, v []float32, items [][]float32) {
	for i, e := range items {
		var s float32
		for k := range v {
			s += v[k] * e[k]
		}
		dst[i] = s
	}
}

// TestTwoTowerBlendML100K measures, on ml-100k, markov_itemknn_recent (the
// engine's sequential model when metrics/eval.json ranks it first;
// TestSASRecBlendML100K does SASRec), two_tower and their blends for known
// users (sequential protocol), new users with 0-15 ratings, and similar
// movies (ItemKNN vs item-embedding cosine), and prints the tables.
func TestTwoTowerBlendML100K(t *testing.T) {
	if testing.Short() {
		t.Skip("trains Two-Tower three times on ml-100k")
	}
	ctx := context.Background()
	tb, d, cfg, side := blendSetup(t)
	opt := DefaultOptions()
	newMKR := func(train *model.TrainData) model.Recommender {
		m := baseline.NewMarkovKNN(opt.K, opt.Weight)
		m.Window = opt.Window
		if err := m.Fit(ctx, train); err != nil {
			t.Fatal(err)
		}
		return m
	}
	newKNN := func(train *model.TrainData) model.Recommender {
		m := baseline.NewItemKNN(opt.SimilarK)
		if err := m.Fit(ctx, train); err != nil {
			t.Fatal(err)
		}
		return m
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "ml-100k processed 20/5: %d ratings, %d users, %d movies; two-tower %+v\n", d.Len(), d.NumUsers(), d.NumItems(), cfg)

	// Known users: the sequential protocol, and similar movies from the
	// user's last item.
	sp := eval.SplitSequential(d)
	ni := d.NumItems()
	var seqCases, simCases [2][]blendCase // [valid, test]
	var ttTest *twotower.Model
	for k, ph := range []*eval.Phase{&sp.Valid, &sp.Test} {
		name := [2]string{"valid", "test"}[k]
		mkr, knn := newMKR(ph.Train), newKNN(ph.Train)
		tt := fitTwoTower(t, "seq-"+name, cfg, side, ph.Train)
		ttTest = tt
		items := itemMatrix(t, tt, d.ItemIDs)
		seqCases[k] = knownCases(ph, ni, mkr, tt)
		for u := range ph.Train.NumUsers {
			if len(ph.Targets[u]) == 0 {
				continue
			}
			hist := ph.Train.Seqs[u]
			seed := hist[len(hist)-1]
			a, b := make([]float32, ni), make([]float32, ni)
			knn.Score(-1, []int32{seed}, a)
			dots(b, items[seed], items)
			simCases[k] = append(simCases[k], newBlendCase(a, b, ph.Targets[u][0], ph.Exclude[u], len(hist)))
		}
	}
	c := blockReport(&sb, "Known users, sequential protocol (last item = test, refit on all but the last, full ranking, seen filtered)", "markov_itemknn_recent", "two_tower", seqCases[0], seqCases[1])
	bandReport(&sb, "markov_itemknn_recent", seqCases[1], c)
	blockReport(&sb, "Similar movies: the user's next item ranked from their last item alone (seen filtered)", "itemknn", "two_tower item cosine", simCases[0], simCases[1])
	seqCases, simCases = [2][]blendCase{}, [2][]blendCase{}

	// The served code path: an Engine built from the test phase's training
	// ratings, with the test-phase model mixed in by DefaultBlend, asked
	// through RecommendUser as the server asks it.
	last := map[int]bool{}
	for _, s := range d.ChronologicalSequences() {
		if len(s) >= 3 {
			last[s[len(s)-1]] = true
		}
	}
	var testRatings []dataset.Rating
	for i, r := range tb.Ratings {
		if !last[i] {
			testRatings = append(testRatings, r)
		}
	}
	engineCheck(t, &sb, "known users (sequential test phase)", testRatings, ttTest, func(yield func(User, int32) bool) {
		for u := range sp.Test.Train.NumUsers {
			if len(sp.Test.Targets[u]) == 0 {
				continue
			}
			if !yield(User{ID: int32(d.UserIDs[u]), History: rawIDs(d, sp.Test.Train.Seqs[u])}, int32(d.ItemIDs[sp.Test.Targets[u][0]])) {
				return
			}
		}
	})

	// New users: a third of the users left out of training entirely, then
	// served from their first n ratings (and demographics), as a user
	// created through POST /api/users.
	cs := newColdSplit(d)
	mkr := newMKR(cs.warm)
	pop := baseline.NewPopularity()
	if err := pop.Fit(ctx, cs.warm); err != nil {
		t.Fatal(err)
	}
	tt := fitTwoTower(t, "cold", cfg, side, cs.warm)
	var warmRatings []dataset.Rating
	for _, r := range tb.Ratings {
		if u, ok := slices.BinarySearch(d.UserIDs, int64(r.UserID)); ok && !cs.cold[u] {
			warmRatings = append(warmRatings, r)
		}
	}
	for _, n := range []int{3, 10} {
		engineCheck(t, &sb, fmt.Sprintf("new users, n = %d", n), warmRatings, tt, func(yield func(User, int32) bool) {
			for u, s := range cs.seqs {
				if !cs.cold[u] {
					continue
				}
				full := denseItems(d, s)
				dm := side.Users[d.UserIDs[u]]
				if !yield(User{ID: int32(d.UserIDs[u]), History: rawIDs(d, full[:n]), Demographic: dm}, int32(d.ItemIDs[full[n]])) {
					return
				}
			}
		})
	}
	newUserReport(t, &sb, d, cs, "markov_itemknn_recent", mkr, pop, tt, side, []int{0, 2, 3, 5, 10, 15})
	t.Log("\n" + sb.String())
	if out := os.Getenv("GENIE_BLEND_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// coldSplit leaves a seeded third of the users out of training: the new
// users of the blend tests.
type coldSplit struct {
	seqs [][]int // every user's interactions, in time order
	cold []bool  // left out
	warm *model.TrainData
}

func newColdSplit(d *eval.Dataset) coldSplit {
	cs := coldSplit{seqs: d.ChronologicalSequences(), cold: make([]bool, d.NumUsers())}
	for _, u := range rand.New(rand.NewPCG(42, 7)).Perm(d.NumUsers())[:d.NumUsers()/3] {
		cs.cold[u] = true
	}
	cs.warm = &model.TrainData{NumItems: d.NumItems(), ItemIDs: d.ItemIDs}
	for u, s := range cs.seqs {
		if !cs.cold[u] {
			cs.warm.UserIDs = append(cs.warm.UserIDs, d.UserIDs[u])
			cs.warm.Seqs = append(cs.warm.Seqs, denseItems(d, s))
		}
	}
	cs.warm.NumUsers = len(cs.warm.UserIDs)
	return cs
}

// newUserReport measures, for the new users of cs served from their first
// n ratings, the sequential model seq (popularity for an empty history),
// the Two-Tower model tt (fitted on cs.warm) and their blends.
func newUserReport(t *testing.T, sb *strings.Builder, d *eval.Dataset, cs coldSplit, seqName string, seq, pop scorer, tt *twotower.Model, side *twotower.SideInfo, ns []int) {
	t.Helper()
	ni := d.NumItems()
	items := itemMatrix(t, tt, d.ItemIDs)
	fmt.Fprintf(sb, "\nNew users: %d of %d users (seeded draw) left out of training; the models are fit on the other %d users' full histories. "+
		"Test: history = the user's first n ratings, target = rating n+1; the weight is chosen on the previous position (first n-1 ratings, target rating n; for n = 0 the second rating). "+
		"The engine serves popularity for an empty history, so that is model a at n = 0.\n", d.NumUsers()-cs.warm.NumUsers, d.NumUsers(), cs.warm.NumUsers)
	for _, n := range ns {
		var cases [2][]blendCase
		var noDemo []int
		for u, s := range cs.seqs {
			if !cs.cold[u] {
				continue
			}
			full := denseItems(d, s)
			for k, hn := range []int{max(n-1, 0), n} {
				target := full[hn]
				if n == 0 && k == 0 {
					target = full[1]
				}
				hist := full[:hn]
				raw := make([]int64, len(hist))
				for i, it := range hist {
					raw[i] = d.ItemIDs[it]
				}
				a, b := make([]float32, ni), make([]float32, ni)
				if len(hist) == 0 {
					pop.Score(-1, nil, a)
				} else {
					seq.Score(-1, hist, a)
				}
				dots(b, tt.EmbedUser(twotower.UserQuery{History: raw, Demographic: side.Users[d.UserIDs[u]]}), items)
				cases[k] = append(cases[k], newBlendCase(a, b, target, hist, len(hist)))
				if k == 1 {
					dots(b, tt.EmbedUser(twotower.UserQuery{History: raw}), items)
					ex := make([]bool, ni)
					for _, it := range hist {
						ex[it] = true
					}
					noDemo = append(noDemo, eval.Rank(b, target, ex))
				}
			}
		}
		nameA := seqName
		if n == 0 {
			nameA = "popularity"
		}
		blockReport(sb, fmt.Sprintf("New users, n = %d ratings", n), nameA, "two_tower", cases[0], cases[1])
		s := summarize(noDemo)
		fmt.Fprintf(sb, "\ntwo_tower without the demographics: HR@10 %.4f, NDCG@10 %.4f\n", s.hr10, s.ndcg10)
	}
}

// scorer is what the blend tests read of a model: every item's score
// after a history.
type scorer interface {
	Score(u int, history []int32, dst []float32)
}

// knownCases returns the blend cases of the users with a target in ph:
// a's and b's scores after the user's training history.
func knownCases(ph *eval.Phase, ni int, a, b scorer) []blendCase {
	var out []blendCase
	for u := range ph.Train.NumUsers {
		if len(ph.Targets[u]) == 0 {
			continue
		}
		hist := ph.Train.Seqs[u]
		sa, sb := make([]float32, ni), make([]float32, ni)
		a.Score(u, hist, sa)
		b.Score(u, hist, sb)
		out = append(out, newBlendCase(sa, sb, ph.Targets[u][0], ph.Exclude[u], len(hist)))
	}
	return out
}

// bandReport compares, on the test cases, the blend c with model a alone
// by the length of the user's training history.
func bandReport(sb *strings.Builder, nameA string, test []blendCase, c choice) {
	base := summarize(ranks(test, FuseMinMax, 0))
	blend := summarize(ranks(test, c.f, c.w))
	fmt.Fprintf(sb, "\nBy training-history length, test, blend %s w=%.2f vs %s:\n\n| history | users | NDCG@10 %s | NDCG@10 blend | Δ (± s.e.) |\n|---|---|---|---|---|\n", c.f, c.w, nameA, nameA)
	for _, bk := range [][2]int{{0, 50}, {50, 150}, {150, math.MaxInt}} {
		var x, y []float64
		for i, cs := range test {
			if cs.histLen >= bk[0] && cs.histLen < bk[1] {
				x, y = append(x, base.ndcg[i]), append(y, blend.ndcg[i])
			}
		}
		dm, se := pairedDiff(x, y)
		fmt.Fprintf(sb, "| %d–%d | %d | %.4f | %.4f | %+.4f ± %.4f |\n", bk[0], min(bk[1], 9999)-1, len(x), mean(x), mean(y), dm, se)
	}
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(max(len(xs), 1))
}

// engineCheck measures the serving Engine built from ratings, alone and
// with tt mixed in by DefaultBlend, on the (user, target) cases of each:
// HR@10 and NDCG@10 of RecommendUser's top 10 (history filtered), and the
// CPU time per call.
func engineCheck(t *testing.T, sb *strings.Builder, title string, ratings []dataset.Rating, tt *twotower.Model, cases func(yield func(User, int32) bool)) {
	t.Helper()
	e, err := Build(context.Background(), ratings, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	eb, err := e.WithTwoTower("check", tt, DefaultBlend())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(sb, "\nServed engine, %s (RecommendUser top 10; the engine knows %d movies):\n\n| engine | lists | HR@10 | NDCG@10 | CPU µs per call |\n|---|---|---|---|---|\n", title, e.Items())
	for _, en := range []*Engine{e, eb} {
		var hr, ndcg float64
		n := 0
		labels := map[string]int{}
		cpu := cpuSeconds()
		for u, target := range cases {
			recs, label := en.RecommendUser(u, 10, nil)
			labels[label]++
			n++
			for r, s := range recs {
				if s.MovieID == target {
					hr += eval.HitAt(r, 10)
					ndcg += eval.NDCGAt(r, 10)
				}
			}
		}
		cpu = cpuSeconds() - cpu
		var ls []string
		for l, c := range labels {
			ls = append(ls, fmt.Sprintf("%s ×%d", l, c))
		}
		slices.Sort(ls)
		fmt.Fprintf(sb, "| %s | %s | %.4f | %.4f | %.0f |\n", map[bool]string{false: "without two_tower", true: "DefaultBlend"}[en == eb], strings.Join(ls, ", "), hr/float64(n), ndcg/float64(n), cpu/float64(n)*1e6)
	}
}

// cpuSeconds is the process's user + system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// rawIDs maps dense items to raw movie ids.
func rawIDs(d *eval.Dataset, items []int32) []int32 {
	out := make([]int32, len(items))
	for i, it := range items {
		out[i] = int32(d.ItemIDs[it])
	}
	return out
}

// denseItems maps interaction indices to their dense items.
func denseItems(d *eval.Dataset, idx []int) []int32 {
	out := make([]int32, len(idx))
	for i, k := range idx {
		out[i] = d.Items[k]
	}
	return out
}
