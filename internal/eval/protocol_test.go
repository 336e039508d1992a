package eval_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/eval/evaltest"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/baseline"
)

// fixed scores every user with the same per-item scores (by raw item id) and
// records the training sequences it was fit on.
type fixed struct {
	byRaw map[int64]float32
	fits  [][][]int64
	ids   []int64
}

func (f *fixed) Fit(_ context.Context, tr *model.TrainData) error {
	f.ids = tr.ItemIDs
	var seqs [][]int64
	for _, s := range tr.Seqs {
		var r []int64
		for _, it := range s {
			r = append(r, tr.ItemIDs[it])
		}
		seqs = append(seqs, r)
	}
	f.fits = append(f.fits, seqs)
	return nil
}

func (f *fixed) Score(_ int, _ []int32, dst []float32) {
	for i, id := range f.ids {
		dst[i] = f.byRaw[id]
	}
}

func spec(name string, recs ...*fixed) model.Spec {
	s := model.Spec{Name: name}
	for i, r := range recs {
		s.Candidates = append(s.Candidates, model.Candidate{Label: string(rune('a' + i)), New: func() model.Recommender { return r }})
	}
	return s
}

func TestSequentialHandComputed(t *testing.T) {
	var in []eval.Interaction
	ts := int64(0)
	for _, ui := range [][2]int64{{1, 1}, {2, 5}, {1, 2}, {2, 6}, {1, 3}, {2, 1}, {1, 4}, {2, 4}} {
		ts++
		in = append(in, eval.Interaction{User: ui[0], Item: ui[1], Timestamp: ts})
	}
	d, err := eval.NewDataset(in)
	if err != nil {
		t.Fatal(err)
	}
	rec := &fixed{byRaw: map[int64]float32{1: 0.1, 2: 0.9, 3: 0.5, 4: 0.5, 5: 0.2, 6: 0}}
	dir := t.TempDir()
	res, err := eval.Evaluate(context.Background(), d, eval.Sequential, []model.Spec{spec("fixed", rec)}, eval.Options{ExportDir: dir, Negatives: 2})
	if err != nil {
		t.Fatal(err)
	}
	// User 1: history {1,2,3}, target 4 among 4(.5) 5(.2) 6(0): rank 0.
	// User 2: history {5,6,1}, target 4 among 2(.9) 3(.5) 4(.5): rank 2 (tie -> 3 first).
	want := eval.Metrics{{"hr@1", 0.5}, {"hr@5", 1}, {"hr@10", 1}, {"ndcg@5", 0.75}, {"ndcg@10", 0.75}, {"mrr@10", 2.0 / 3}}
	for i, m := range res[0].Test {
		if m.Name != want[i].Name || math.Abs(m.Value-want[i].Value) > 1e-12 {
			t.Errorf("%s = %v, want %v", m.Name, m.Value, want[i].Value)
		}
	}
	// Single candidate: no validation fit, refit on all but the last.
	if len(rec.fits) != 1 || !reflect.DeepEqual(rec.fits[0], [][]int64{{1, 2, 3}, {5, 6, 1}}) {
		t.Errorf("fits = %v", rec.fits)
	}
	lines := readExport(t, eval.ExportPath(dir, "fixed", eval.Sequential))
	if !reflect.DeepEqual(lines, []eval.ExportLine{{User: 1, Items: []int64{4, 5, 6}}, {User: 2, Items: []int64{2, 3, 4}}}) {
		t.Errorf("export = %+v", lines)
	}
	// Sampled variant: user 1's unrated items are {5, 6}, user 2's {2, 3};
	// with 2 negatives both are drawn. User 1: rank 0; user 2: rank 2.
	if got, _ := res[0].Sampled.Get("mrr@10"); math.Abs(got-2.0/3) > 1e-12 {
		t.Errorf("sampled mrr@10 = %v, want 2/3", got)
	}
}

func readExport(t *testing.T, path string) []eval.ExportLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []eval.ExportLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l eval.ExportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, l)
	}
	return out
}

func TestTuningPicksBestOnValidation(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(3, 40, 30, 15))
	if err != nil {
		t.Fatal(err)
	}
	good := baseline.MarkovSpec().Candidates[0]
	bad := model.Candidate{Label: "pop", New: func() model.Recommender { return baseline.NewPopularity() }}
	s := model.Spec{Name: "mixed", Candidates: []model.Candidate{bad, good}}
	res, err := eval.Evaluate(context.Background(), d, eval.Sequential, []model.Spec{s}, eval.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if len(r.Trials) != 2 || r.Trials[1].Value <= r.Trials[0].Value || r.Chosen != good.Label {
		t.Fatalf("trials %+v chosen %s", r.Trials, r.Chosen)
	}
	if v, _ := r.Valid.Get("ndcg@10"); v != r.Trials[1].Value {
		t.Errorf("valid metrics are not the chosen candidate's")
	}
}

func TestEvaluateDeterministicAcrossWorkers(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(4, 60, 40, 25))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range eval.Protocols {
		var prev []*eval.Result
		var prevExport []eval.ExportLine
		for _, w := range []int{1, 3} {
			dir := t.TempDir()
			specs := append(baseline.Specs(), baseline.MarkovKNNSpec())
			res, err := eval.Evaluate(context.Background(), d, p, specs, eval.Options{Seed: 42, Workers: w, ExportDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			exp := readExport(t, eval.ExportPath(dir, "ease", p))
			if prev != nil && (!reflect.DeepEqual(prev, res) || !reflect.DeepEqual(prevExport, exp)) {
				t.Fatalf("%s: results differ between worker counts", p)
			}
			prev, prevExport = res, exp
		}
	}
}

func TestTFRSAndRecBoleAgainstDirectComputation(t *testing.T) {
	raw := evaltest.Synthetic(5, 30, 40, 30)
	d, err := eval.NewDataset(raw)
	if err != nil {
		t.Fatal(err)
	}
	scores := map[int64]float32{}
	for i, id := range d.ItemIDs {
		scores[id] = float32(i % 7) // many ties
	}
	rank := func(exclude map[int64]bool) []int64 {
		ids := slices.Clone(d.ItemIDs)
		slices.SortStableFunc(ids, func(a, b int64) int {
			switch {
			case scores[a] > scores[b]:
				return -1
			case scores[a] < scores[b]:
				return 1
			}
			return 0
		})
		return slices.DeleteFunc(ids, func(id int64) bool { return exclude[id] })
	}
	res, err := eval.Evaluate(context.Background(), d, eval.TFRS, []model.Spec{spec("f", &fixed{byRaw: scores})}, eval.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	order := eval.ShuffledOrder(len(raw), 9)
	global := rank(nil)
	hits10 := 0
	test := order[len(raw)*8/10:]
	for _, k := range test {
		if slices.Index(global, raw[k].Item) < 10 {
			hits10++
		}
	}
	if got, _ := res[0].Test.Get("top@10"); math.Abs(got-float64(hits10)/float64(len(test))) > 1e-12 {
		t.Errorf("tfrs top@10 = %v, want %v", got, float64(hits10)/float64(len(test)))
	}

	res, err = eval.Evaluate(context.Background(), d, eval.RecBole, []model.Spec{spec("f", &fixed{byRaw: scores})}, eval.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	byUser := map[int64][]int64{}
	var users []int64
	for _, k := range order {
		u := raw[k].User
		if byUser[u] == nil {
			users = append(users, u)
		}
		byUser[u] = append(byUser[u], raw[k].Item)
	}
	sum := 0.0
	n := 0
	for _, u := range users {
		items := byUser[u]
		k := len(items) / 10
		if k == 0 {
			continue
		}
		n++
		ex := map[int64]bool{}
		for _, it := range items[:len(items)-k] {
			ex[it] = true
		}
		top := rank(ex)[:10]
		hits := 0
		for _, it := range items[len(items)-k:] {
			if slices.Contains(top, it) {
				hits++
			}
		}
		sum += float64(hits) / 10
	}
	if got, _ := res[0].Test.Get("precision@10"); math.Abs(got-sum/float64(n)) > 1e-12 {
		t.Errorf("recbole precision@10 = %v, want %v", got, sum/float64(n))
	}
}

func TestSampleNegatives(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(6, 80, 300, 30))
	if err != nil {
		t.Fatal(err)
	}
	sp := eval.SplitSequential(d)
	a := eval.SampleNegatives(d, &sp.Test, 42, 100)
	b := eval.SampleNegatives(d, &sp.Test, 42, 100)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("not deterministic")
	}
	rated := make([]map[int32]bool, d.NumUsers())
	for k, u := range d.Users {
		if rated[u] == nil {
			rated[u] = map[int32]bool{}
		}
		rated[u][d.Items[k]] = true
	}
	counts := d.ItemCounts()
	freq := make([]int, d.NumItems())
	for u, negs := range a {
		if len(negs) != 100 {
			t.Fatalf("user %d: %d negatives", u, len(negs))
		}
		s := slices.Clone(negs)
		slices.Sort(s)
		if len(slices.Compact(s)) != 100 {
			t.Fatalf("user %d: repeated negatives", u)
		}
		for _, it := range negs {
			if rated[u][it] {
				t.Fatalf("user %d: rated item %d sampled", u, it)
			}
			freq[it]++
		}
	}
	// Popular items are drawn more often than rare ones.
	var pop, rare, popN, rareN float64
	for i, c := range counts {
		if c >= 12 {
			pop += float64(freq[i])
			popN++
		} else if c > 0 && c <= 4 {
			rare += float64(freq[i])
			rareN++
		}
	}
	if popN == 0 || rareN == 0 || pop/popN <= rare/rareN {
		t.Errorf("sampling not popularity-weighted: popular %v/%v rare %v/%v", pop, popN, rare, rareN)
	}
}

func TestEvaluateCancelled(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(7, 20, 30, 10))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = eval.Evaluate(ctx, d, eval.Sequential, baseline.Specs(), eval.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestReportOutputs(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(8, 30, 30, 12))
	if err != nil {
		t.Fatal(err)
	}
	var all []*eval.Result
	for _, p := range eval.Protocols {
		res, err := eval.Evaluate(context.Background(), d, p, []model.Spec{baseline.PopularitySpec()}, eval.Options{Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, res...)
	}
	var b strings.Builder
	if err := eval.WriteTable(&b, all); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"sequential", "sequential_sampled", "tfrs", "recbole", "ndcg@10", "top@100", "precision@10"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, b.String())
		}
	}
	b.Reset()
	if err := eval.WriteJSON(&b, all); err != nil {
		t.Fatal(err)
	}
	var js map[string]map[string]map[string]float64
	if err := json.Unmarshal([]byte(b.String()), &js); err != nil {
		t.Fatal(err)
	}
	if _, ok := js["sequential_sampled"]["pop"]["hr@10"]; !ok {
		t.Errorf("metrics JSON lacks sequential_sampled.pop.hr@10: %s", b.String())
	}
	if _, ok := js["tfrs"]["pop"]["top@100"]; !ok {
		t.Errorf("metrics JSON lacks tfrs.pop.top@100")
	}
	if _, err := eval.ParseProtocol("nope"); !errors.Is(err, eval.ErrUnknownProtocol) {
		t.Errorf("ParseProtocol(nope) = %v", err)
	}
}

func TestSequentialTargetInHistoryIsAMiss(t *testing.T) {
	// User 1 re-rates item 1 last: the history filter removes it from the
	// ranking, so it cannot be hit (and is absent from the export).
	in := []eval.Interaction{{User: 1, Item: 1, Timestamp: 1}, {User: 1, Item: 2, Timestamp: 2}, {User: 1, Item: 3, Timestamp: 3}, {User: 1, Item: 1, Timestamp: 4}}
	d, err := eval.NewDataset(in)
	if err != nil {
		t.Fatal(err)
	}
	rec := &fixed{byRaw: map[int64]float32{1: 1}}
	res, err := eval.Evaluate(context.Background(), d, eval.Sequential, []model.Spec{spec("f", rec)}, eval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if hr, _ := res[0].Test.Get("hr@10"); hr != 0 {
		t.Errorf("hr@10 = %v, want 0", hr)
	}
}

// batched scores through model.BatchScorer and counts the calls.
type batched struct {
	model.Recommender
	calls, users int
}

func (b *batched) ScoreBatch(users []int, histories [][]int32, dst [][]float32) {
	b.calls++ // single worker in the test: no race
	b.users += len(users)
	for k, u := range users {
		b.Score(u, histories[k], dst[k])
	}
}

func TestBatchScorerUsed(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(9, 70, 40, 20))
	if err != nil {
		t.Fatal(err)
	}
	plain := baseline.MarkovSpec()
	b := &batched{Recommender: baseline.NewMarkov()}
	wrapped := model.Spec{Name: "markov", Candidates: []model.Candidate{{Label: "-", New: func() model.Recommender { return b }}}}
	opts := eval.Options{Seed: 3, Workers: 1}
	want, err := eval.Evaluate(context.Background(), d, eval.Sequential, []model.Spec{plain}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := eval.Evaluate(context.Background(), d, eval.Sequential, []model.Spec{wrapped}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("batched results differ: %+v vs %+v", got[0].Test, want[0].Test)
	}
	if b.users != 70 || b.calls != 3 {
		t.Errorf("ScoreBatch: %d calls for %d users, want 3 for 70", b.calls, b.users)
	}
}
