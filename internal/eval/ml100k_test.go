package eval_test

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/eval/evaltest"
	"github.com/moviegenie/genie/internal/model/baseline"
)

func TestML100KFilterCounts(t *testing.T) {
	d := evaltest.ML100KDataset(t)
	if d.Len() != 99249 || d.NumUsers() != 941 || d.NumItems() != 1349 {
		t.Fatalf("processed ml-100k: %d ratings, %d users, %d items; want 99249, 941, 1349", d.Len(), d.NumUsers(), d.NumItems())
	}
}

func TestML100KSplitSizes(t *testing.T) {
	d := evaltest.ML100KDataset(t)
	seq := eval.SplitSequential(d)
	if got := seq.Test.Train.NumInteractions(); got != 99249-941 {
		t.Errorf("sequential test training: %d interactions, want %d", got, 99249-941)
	}
	if got := seq.Valid.Train.NumInteractions(); got != 99249-2*941 {
		t.Errorf("sequential validation training: %d interactions, want %d", got, 99249-2*941)
	}
	tf := eval.SplitTFRS(d, 42)
	if got, want := tf.Test.Train.NumInteractions(), 99249*8/10; got != want {
		t.Errorf("tfrs training: %d, want %d", got, want)
	}
	if got, want := tf.Test.NumTargets(), 99249-99249*8/10; got != want {
		t.Errorf("tfrs test: %d, want %d", got, want)
	}
	rb := eval.SplitRecBole(d, 42)
	if rb.Test.NumEvalUsers() != 941 || rb.Valid.NumTargets() != rb.Test.NumTargets() {
		t.Errorf("recbole: %d test users, %d valid / %d test targets", rb.Test.NumEvalUsers(), rb.Valid.NumTargets(), rb.Test.NumTargets())
	}
}

// TestML100KBaselines runs every baseline under every protocol with exports,
// prints the tables, and re-scores the exports with an independent
// implementation of the protocols working on raw ids.
func TestML100KBaselines(t *testing.T) {
	if testing.Short() {
		t.Skip("heavy: tunes every baseline under every protocol on ml-100k")
	}
	raw := evaltest.ML100K(t)
	d, err := eval.NewDataset(raw)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if os.Getenv("GENIE_EVAL_EXPORT") != "" {
		dir = os.Getenv("GENIE_EVAL_EXPORT")
	}
	opts := eval.Options{Seed: 42, ExportDir: dir}
	var all []*eval.Result
	for _, p := range eval.Protocols {
		specs := baseline.Specs()
		if p == eval.Sequential {
			specs = append(baseline.SequentialSpecs(), baseline.RecentMarkovKNNSpec())
		}
		res, err := eval.Evaluate(context.Background(), d, p, specs, opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, res...)
	}
	var b strings.Builder
	if err := eval.WriteTable(&b, all); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	js, _ := json.MarshalIndent(all, "", " ")
	t.Log(string(js))

	for _, r := range all {
		got := rescore(t, raw, eval.ExportPath(dir, r.Model, r.Protocol), r.Protocol)
		for _, m := range r.Test {
			if g, ok := got[m.Name]; !ok || math.Abs(g-m.Value) > 1e-9 {
				t.Errorf("%s %s %s: harness %.6f, re-scored from export %.6f", r.Protocol, r.Model, m.Name, m.Value, g)
			}
		}
	}
	for _, r := range all {
		if r.Protocol == eval.Sequential && r.Model == "markov_itemknn" {
			hr, _ := r.Test.Get("hr@10")
			nd, _ := r.Test.Get("ndcg@10")
			if math.Abs(hr-0.176) > 0.01 || math.Abs(nd-0.091) > 0.006 {
				t.Errorf("markov_itemknn sequential HR@10 %.4f NDCG@10 %.4f, anchor about 0.176 / 0.091", hr, nd)
			}
		}
	}
}

// rescore recomputes a protocol's test metrics from an export file and the
// raw ratings, independently of the harness's dense indexing and splits.
func rescore(t *testing.T, raw []eval.Interaction, path string, p eval.Protocol) map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lists := map[int64][]int64{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l eval.ExportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		if len(l.Items) < 100 {
			t.Fatalf("%s: user %d has %d items", path, l.User, len(l.Items))
		}
		lists[l.User] = l.Items
	}
	pos := func(list []int64, it int64) int {
		if i := slices.Index(list, it); i >= 0 {
			return i
		}
		return math.MaxInt32
	}
	out := map[string]float64{}
	switch p {
	case eval.Sequential:
		byUser := map[int64][]eval.Interaction{}
		for _, x := range raw {
			byUser[x.User] = append(byUser[x.User], x)
		}
		for u, xs := range byUser {
			slices.SortStableFunc(xs, func(a, b eval.Interaction) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
			list := lists[u]
			for _, x := range xs[:len(xs)-1] {
				if slices.Contains(list, x.Item) {
					t.Fatalf("%s: user %d: seen item %d exported", path, u, x.Item)
				}
			}
			r := pos(list, xs[len(xs)-1].Item)
			out["hr@1"] += eval.HitAt(r, 1)
			out["hr@5"] += eval.HitAt(r, 5)
			out["hr@10"] += eval.HitAt(r, 10)
			out["ndcg@5"] += eval.NDCGAt(r, 5)
			out["ndcg@10"] += eval.NDCGAt(r, 10)
			out["mrr@10"] += eval.MRRAt(r, 10)
		}
		for k := range out {
			out[k] /= float64(len(byUser))
		}
	case eval.TFRS:
		xs := slices.Clone(raw)
		rand.New(rand.NewPCG(42, 0)).Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		test := xs[len(xs)*8/10:]
		for _, x := range test {
			r := pos(lists[x.User], x.Item)
			for _, k := range []int{1, 5, 10, 50, 100} {
				out["top@"+strconv.Itoa(k)] += eval.HitAt(r, k)
			}
		}
		for k := range out {
			out[k] /= float64(len(test))
		}
	case eval.RecBole:
		xs := slices.Clone(raw)
		rand.New(rand.NewPCG(42, 0)).Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		byUser := map[int64][]int64{}
		var order []int64
		for _, x := range xs {
			if byUser[x.User] == nil {
				order = append(order, x.User)
			}
			byUser[x.User] = append(byUser[x.User], x.Item)
		}
		n := 0
		for _, u := range order {
			items := byUser[u]
			k := len(items) / 10
			if k == 0 {
				continue
			}
			n++
			seen := items[:len(items)-k]
			test := items[len(items)-k:]
			list := lists[u]
			for _, s := range seen {
				if slices.Contains(list, s) {
					t.Fatalf("%s: user %d: train/valid item %d exported", path, u, s)
				}
			}
			hits, dcg, idcg, mrr := 0.0, 0.0, 0.0, 0.0
			for i, it := range list[:10] {
				if slices.Contains(test, it) {
					hits++
					dcg += 1 / math.Log2(float64(i+2))
					if mrr == 0 {
						mrr = 1 / float64(i+1)
					}
				}
			}
			for i := range min(len(test), 10) {
				idcg += 1 / math.Log2(float64(i+2))
			}
			out["recall@10"] += hits / float64(len(test))
			out["ndcg@10"] += dcg / idcg
			out["hit@10"] += min(hits, 1)
			out["mrr@10"] += mrr
			out["precision@10"] += hits / 10
		}
		for k := range out {
			out[k] /= float64(n)
		}
	}
	return out
}
