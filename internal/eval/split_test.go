package eval_test

import (
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/eval/evaltest"
)

// tiny is a hand-made dataset: user 7 has ties in timestamps, user 3 has
// only two interactions.
func tiny(t *testing.T) *eval.Dataset {
	t.Helper()
	in := []eval.Interaction{
		{User: 7, Item: 40, Timestamp: 5}, // 0
		{User: 3, Item: 10, Timestamp: 9}, // 1
		{User: 7, Item: 20, Timestamp: 3}, // 2
		{User: 7, Item: 30, Timestamp: 5}, // 3 (tie with 0, later in file)
		{User: 7, Item: 10, Timestamp: 1}, // 4
		{User: 3, Item: 20, Timestamp: 2}, // 5
	}
	d, err := eval.NewDataset(in)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewDatasetIndexesByRawID(t *testing.T) {
	d := tiny(t)
	if !slices.Equal(d.UserIDs, []int64{3, 7}) || !slices.Equal(d.ItemIDs, []int64{10, 20, 30, 40}) {
		t.Fatalf("ids: users %v items %v", d.UserIDs, d.ItemIDs)
	}
	if !slices.Equal(d.Items, []int32{3, 0, 1, 2, 0, 1}) || !slices.Equal(d.Users, []int32{1, 0, 1, 1, 1, 0}) {
		t.Fatalf("dense: users %v items %v", d.Users, d.Items)
	}
	if _, err := eval.NewDataset(nil); err == nil {
		t.Fatal("empty dataset accepted")
	}
}

func TestSplitSequential(t *testing.T) {
	d := tiny(t)
	sp := eval.SplitSequential(d)
	// user 7 (dense 1): chronological 10(1) 20(3) 40(5) 30(5): items 0 1 3 2.
	if got := sp.Valid.Train.Seqs[1]; !slices.Equal(got, []int32{0, 1}) {
		t.Errorf("valid train = %v, want [0 1]", got)
	}
	if got := sp.Test.Train.Seqs[1]; !slices.Equal(got, []int32{0, 1, 3}) {
		t.Errorf("test train = %v, want [0 1 3]", got)
	}
	if !slices.Equal(sp.Valid.Targets[1], []int32{3}) || !slices.Equal(sp.Test.Targets[1], []int32{2}) {
		t.Errorf("targets valid %v test %v, want [3] [2]", sp.Valid.Targets[1], sp.Test.Targets[1])
	}
	if !slices.Equal(sp.Test.Exclude[1], sp.Test.Train.Seqs[1]) {
		t.Errorf("sequential must filter the history")
	}
	// user 3 (dense 0): too short, trains in both phases, no targets.
	if len(sp.Test.Targets[0]) != 0 || !slices.Equal(sp.Test.Train.Seqs[0], []int32{1, 0}) {
		t.Errorf("short user: targets %v train %v", sp.Test.Targets[0], sp.Test.Train.Seqs[0])
	}
	if !sp.Refit || sp.Test.NumEvalUsers() != 1 {
		t.Errorf("refit %v, eval users %d", sp.Refit, sp.Test.NumEvalUsers())
	}
}

func TestShuffledOrderIsPCGShuffle(t *testing.T) {
	a := eval.ShuffledOrder(1000, 42)
	b := eval.ShuffledOrder(1000, 42)
	c := eval.ShuffledOrder(1000, 43)
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Fatal("shuffle must depend on the seed only")
	}
	s := slices.Clone(a)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			t.Fatal("not a permutation")
		}
	}
}

func TestSplitTFRS(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(1, 30, 50, 20))
	if err != nil {
		t.Fatal(err)
	}
	n := d.Len()
	sp := eval.SplitTFRS(d, 42)
	order := eval.ShuffledOrder(n, 42)
	m := n * 8 / 10
	if sp.Test.Train.NumInteractions() != m || sp.Test.NumTargets() != n-m {
		t.Fatalf("sizes: train %d test %d, want %d %d", sp.Test.Train.NumInteractions(), sp.Test.NumTargets(), m, n-m)
	}
	if sp.Valid.Train.NumInteractions() != m*9/10 || sp.Valid.NumTargets() != m-m*9/10 {
		t.Fatalf("validation sizes: train %d targets %d", sp.Valid.Train.NumInteractions(), sp.Valid.NumTargets())
	}
	if sp.Test.Exclude != nil || sp.Valid.Exclude != nil {
		t.Fatal("TFRS filters nothing")
	}
	// Per user, training keeps the shuffled order.
	var want [][]int32 = make([][]int32, d.NumUsers())
	for _, k := range order[:m] {
		want[d.Users[k]] = append(want[d.Users[k]], d.Items[k])
	}
	for u := range want {
		if !slices.Equal(sp.Test.Train.Seqs[u], want[u]) {
			t.Fatalf("user %d: train %v, want %v", u, sp.Test.Train.Seqs[u], want[u])
		}
	}
}

func TestSplitRecBole(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(2, 20, 60, 37))
	if err != nil {
		t.Fatal(err)
	}
	sp := eval.SplitRecBole(d, 42)
	if sp.Refit || sp.Valid.Train != sp.Test.Train {
		t.Fatal("RecBole fits once on train")
	}
	order := eval.ShuffledOrder(d.Len(), 42)
	byUser := make([][]int32, d.NumUsers())
	for _, k := range order {
		byUser[d.Users[k]] = append(byUser[d.Users[k]], d.Items[k])
	}
	for u, all := range byUser {
		k := len(all) / 10
		tr := len(all) - 2*k
		if !slices.Equal(sp.Test.Train.Seqs[u], all[:tr]) ||
			!slices.Equal(sp.Valid.Targets[u], all[tr:tr+k]) ||
			!slices.Equal(sp.Test.Targets[u], all[tr+k:]) ||
			!slices.Equal(sp.Test.Exclude[u], all[:tr+k]) ||
			!slices.Equal(sp.Valid.Exclude[u], all[:tr]) {
			t.Fatalf("user %d: split does not follow train, valid, test in shuffled order", u)
		}
		if len(all) == 37 && k != 3 {
			t.Fatalf("floor(0.1*37) = %d", k)
		}
	}
}

func TestFilterFixedPoint(t *testing.T) {
	// Items 9 and 4 are rated once (< 2); dropping them leaves users 3 and 4
	// with two ratings (< 3), whose removal must be applied too.
	var in []eval.Interaction
	for _, ui := range [][2]int64{{1, 1}, {1, 2}, {1, 3}, {2, 1}, {2, 2}, {2, 3}, {3, 1}, {3, 2}, {3, 9}, {4, 4}, {4, 1}, {4, 2}} {
		in = append(in, eval.Interaction{User: ui[0], Item: ui[1]})
	}
	got := evaltest.Filter(in, 3, 2)
	if !slices.Equal(got, in[:6]) {
		t.Fatalf("got %v, want users 1 and 2 only", got)
	}
}
