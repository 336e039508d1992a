package nn

import (
	"fmt"
	"math"

	"github.com/moviegenie/genie/internal/nn/internal/vec"
)

// CrossEntropy returns the mean softmax cross-entropy of the rows of logits
// (viewed as [N, V]) against targets (len N, values in [0, V)); rows whose
// target is negative (the ignore index, e.g. unmasked positions) are left
// out of the mean. With no counted row the loss is 0.
func (g *Graph) CrossEntropy(logits *Tensor, targets []int32) *Tensor {
	return g.xent(logits, targets, nil, nil, "CrossEntropy")
}

// SampledSoftmax returns the in-batch sampled softmax loss of a two-tower
// model: logits is the [B, B] score matrix of B queries against the B
// positive items of the batch, whose positives lie on the diagonal. logQ
// (len B, or nil) holds the log sampling probability of each column's item
// and is subtracted from that column (logQ correction for popularity-biased
// in-batch negatives). When ids (len B, or nil) is given, columns whose
// item equals the row's own positive item (accidental hits) are excluded
// from that row's softmax. The loss is the mean over rows.
func (g *Graph) SampledSoftmax(logits *Tensor, logQ []float32, ids []int32) *Tensor {
	b := logits.Rows()
	if logits.Cols() != b {
		panic(fmt.Sprintf("nn: SampledSoftmax: logits %v not square", logits.Shape))
	}
	if (logQ != nil && len(logQ) != b) || (ids != nil && len(ids) != b) {
		panic(fmt.Sprintf("nn: SampledSoftmax: logQ/ids lengths %d/%d, want %d", len(logQ), len(ids), b))
	}
	return g.xent(logits, g.targets(b), logQ, ids, "SampledSoftmax")
}

// targets returns 0..n-1.
func (g *Graph) targets(n int) []int32 {
	t := make([]int32, n)
	for i := range t {
		t[i] = int32(i)
	}
	return t
}

// xent is softmax cross-entropy over z_ij = logits_ij - colBias_j, leaving
// out of row i the accidental hits: the columns j != i with ids[j] == ids[i]
// (ids may be nil: no hits).
func (g *Graph) xent(logits *Tensor, targets []int32, colBias []float32, ids []int32, op string) *Tensor {
	n, v := logits.Rows(), logits.Cols()
	if len(targets) != n {
		panic(fmt.Sprintf("nn: %s: %d targets for %d rows", op, len(targets), n))
	}
	count := 0
	for _, t := range targets {
		if int(t) >= v {
			panic(fmt.Sprintf("nn: %s: target %d out of range [0, %d)", op, t, v))
		}
		if t >= 0 {
			count++
		}
	}
	y := g.out(g.needGrad(logits), 1)
	lse := g.buf(n, false)
	rowLoss := g.buf(n, false)
	plain := colBias == nil && ids == nil
	// z holds the biased logits (only when there is a bias or hits); each
	// row's hit columns, ascending, split it into the segments that count.
	var z []float32
	var hits [][]int32
	if !plain {
		z = g.buf(n*v, false)
		hits = accidentalHits(ids, n)
	}
	// rowHits returns row i's hit columns; they split the row into the
	// segments [prev+1, hit) that count, the last ending at v.
	rowHits := func(i int) []int32 {
		if hits == nil {
			return nil
		}
		return hits[i]
	}
	segEnd := func(h []int32, k int) int {
		if k < len(h) {
			return int(h[k])
		}
		return v
	}
	g.parallel(n, 2*v, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t := targets[i]
			if t < 0 {
				rowLoss[i] = 0
				continue
			}
			row := logits.Data[i*v : (i+1)*v]
			mx := float32(math.Inf(-1))
			if plain {
				for _, l := range row {
					mx = max(mx, l)
				}
				lse[i] = mx + float32(math.Log(float64(vec.ExpSum(row, mx))))
				rowLoss[i] = lse[i] - row[t]
				continue
			}
			zr := z[i*v : (i+1)*v]
			if colBias != nil {
				for j, l := range row {
					zr[j] = l - colBias[j]
				}
			} else {
				copy(zr, row)
			}
			// Sequential scalar sums, as ever: the loss is bit-identical
			// to the element-by-element formulation.
			h := rowHits(i)
			for k, a := 0, 0; k <= len(h); k++ {
				b := segEnd(h, k)
				for _, l := range zr[a:b] {
					mx = max(mx, l)
				}
				a = b + 1
			}
			var s float32
			for k, a := 0, 0; k <= len(h); k++ {
				b := segEnd(h, k)
				for _, l := range zr[a:b] {
					s += vec.Exp(l - mx)
				}
				a = b + 1
			}
			lse[i] = mx + float32(math.Log(float64(s)))
			rowLoss[i] = lse[i] - zr[t]
		}
	})
	var sum float64
	for i, t := range targets {
		if t >= 0 {
			sum += float64(rowLoss[i])
		}
	}
	if count > 0 {
		y.Data[0] = float32(sum / float64(count))
	} else {
		y.Data[0] = 0
	}
	if y.Grad == nil || count == 0 {
		return y
	}
	g.record(func() {
		logits.markDense()
		scale := y.Grad[0] / float32(count)
		g.parallel(n, 2*v, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				t := targets[i]
				if t < 0 {
					continue
				}
				dst := logits.Grad[i*v : (i+1)*v]
				if plain {
					vec.ExpScaleAdd(dst, logits.Data[i*v:(i+1)*v], lse[i], scale)
					dst[t] -= scale
					continue
				}
				zr, l, h := z[i*v:(i+1)*v], lse[i], rowHits(i)
				for k, a := 0, 0; k <= len(h); k++ {
					b := segEnd(h, k)
					d := dst[a:b]
					for j, x := range zr[a:b] {
						d[j] += vec.Exp(x-l) * scale
					}
					a = b + 1
				}
				dst[t] -= scale
			}
		})
	})
	return y
}

// accidentalHits returns, per row i of n, the columns j != i with
// ids[j] == ids[i] in ascending order, or nil when ids is nil.
func accidentalHits(ids []int32, n int) [][]int32 {
	if ids == nil {
		return nil
	}
	first := make(map[int32]int, n)
	dup := false
	for j, id := range ids {
		if _, ok := first[id]; ok {
			dup = true
			break
		}
		first[id] = j
	}
	hits := make([][]int32, n)
	if !dup {
		return hits
	}
	cols := make(map[int32][]int32, n)
	for j, id := range ids {
		cols[id] = append(cols[id], int32(j))
	}
	for i, id := range ids {
		if c := cols[id]; len(c) > 1 {
			for _, j := range c {
				if int(j) != i {
					hits[i] = append(hits[i], j)
				}
			}
		}
	}
	return hits
}
