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
	targets := g.targets(b)
	var hit func(i, j int) bool
	if ids != nil {
		hit = func(i, j int) bool { return i != j && ids[i] == ids[j] }
	}
	return g.xent(logits, targets, logQ, hit, "SampledSoftmax")
}

// targets returns 0..n-1.
func (g *Graph) targets(n int) []int32 {
	t := make([]int32, n)
	for i := range t {
		t[i] = int32(i)
	}
	return t
}

// xent is softmax cross-entropy over z_ij = logits_ij - colBias_j with the
// entries where hit(i, j) excluded.
func (g *Graph) xent(logits *Tensor, targets []int32, colBias []float32, hit func(i, j int) bool, op string) *Tensor {
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
	z := func(i, j int) float32 {
		l := logits.Data[i*v+j]
		if colBias != nil {
			l -= colBias[j]
		}
		return l
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
			if colBias == nil && hit == nil {
				for _, l := range row {
					mx = max(mx, l)
				}
				lse[i] = mx + float32(math.Log(float64(vec.ExpSum(row, mx))))
			} else {
				for j := range row {
					if hit == nil || !hit(i, j) {
						mx = max(mx, z(i, j))
					}
				}
				var s float32
				for j := range row {
					if hit == nil || !hit(i, j) {
						s += vec.Exp(z(i, j) - mx)
					}
				}
				lse[i] = mx + float32(math.Log(float64(s)))
			}
			rowLoss[i] = lse[i] - z(i, int(t))
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
				if colBias == nil && hit == nil {
					vec.ExpScaleAdd(dst, logits.Data[i*v:(i+1)*v], lse[i], scale)
					dst[t] -= scale
					continue
				}
				for j := range dst {
					if hit != nil && hit(i, j) {
						continue
					}
					dst[j] += vec.Exp(z(i, j)-lse[i]) * scale
				}
				dst[t] -= scale
			}
		})
	})
	return y
}
