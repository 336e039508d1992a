package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestEmbeddingBagMatchesPoolingMatMul checks EmbeddingBag against the
// dense form it replaces: a [bags, rows] pooling matrix times the table,
// for the output and the table's gradient, and that only the bags' rows
// are recorded as touched.
func TestEmbeddingBagMatchesPoolingMatMul(t *testing.T) {
	const rows, d = 40, 8
	r := rand.New(rand.NewPCG(3, 4))
	bagsIDs := [][]int32{{3, 7, 3}, {}, {39}, {0, 1, 2, 3, 4, 5}, {7, 7}}
	var ids, offsets []int32
	var weights []float32
	pool := make([]float32, len(bagsIDs)*rows)
	offsets = append(offsets, 0)
	for b, bag := range bagsIDs {
		for _, id := range bag {
			w := float32(r.NormFloat64())
			ids, weights = append(ids, id), append(weights, w)
			pool[b*rows+int(id)] += w
		}
		offsets = append(offsets, int32(len(ids)))
	}
	upstream := make([]float32, len(bagsIDs)*d)
	for i := range upstream {
		upstream[i] = float32(r.NormFloat64())
	}
	run := func(bag bool) (out, grad []float32, touched []int32) {
		table := param(rand.New(rand.NewPCG(5, 6)), "table", 1, rows, d)
		table.SetSparse(true)
		g := NewGraph(Config{Threads: 2})
		var y *Tensor
		if bag {
			y = g.EmbeddingBag(table, ids, offsets, weights)
		} else {
			y = g.MatMul(NewTensor(pool, len(bagsIDs), rows), table, false, false)
		}
		ZeroGrad([]*Tensor{table})
		if err := g.Backward(g.Dot(y, upstream)); err != nil {
			t.Fatal(err)
		}
		touched, _ = table.sparseRows()
		return slices.Clone(y.Data), slices.Clone(table.Grad), slices.Sorted(slices.Values(touched))
	}
	gotOut, gotGrad, touched := run(true)
	wantOut, wantGrad, _ := run(false)
	close := func(name string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5 {
				t.Fatalf("%s[%d] = %g, want %g", name, i, got[i], want[i])
			}
		}
	}
	close("output", gotOut, wantOut)
	close("gradient", gotGrad, wantGrad)
	if want := []int32{0, 1, 2, 3, 4, 5, 7, 39}; !slices.Equal(touched, want) {
		t.Errorf("touched rows %v, want %v", touched, want)
	}
}

func TestEmbeddingBagRejectsBadBags(t *testing.T) {
	for _, c := range []struct {
		name    string
		ids     []int32
		offsets []int32
		weights []float32
	}{
		{"no offsets", []int32{1}, nil, nil},
		{"offsets not from 0", []int32{1, 2}, []int32{1, 2}, nil},
		{"offsets short of ids", []int32{1, 2}, []int32{0, 1}, nil},
		{"offsets decreasing", []int32{1, 2}, []int32{0, 2, 1, 2}, nil},
		{"id out of range", []int32{1, 4}, []int32{0, 2}, nil},
		{"negative id", []int32{-1}, []int32{0, 1}, nil},
		{"weights of other length", []int32{1, 2}, []int32{0, 2}, []float32{1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			NewGraph(Config{}).EmbeddingBag(NewParam("table", 4, 2), c.ids, c.offsets, c.weights)
		})
	}
}
