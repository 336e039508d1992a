package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/moviegenie/genie/internal/nn/internal/vec"
)

// sampledSoftmaxRef is the element-by-element formulation of SampledSoftmax
// (max and sequential sum over the non-hit columns of each row): the loss
// and the logits' gradient for an upstream gradient of 1.
func sampledSoftmaxRef(logits []float32, b int, logQ []float32, ids []int32) (float32, []float32) {
	hit := func(i, j int) bool { return ids != nil && i != j && ids[i] == ids[j] }
	z := func(i, j int) float32 {
		l := logits[i*b+j]
		if logQ != nil {
			l -= logQ[j]
		}
		return l
	}
	lse := make([]float32, b)
	var sum float64
	for i := range b {
		mx := float32(math.Inf(-1))
		for j := range b {
			if !hit(i, j) {
				mx = max(mx, z(i, j))
			}
		}
		var s float32
		for j := range b {
			if !hit(i, j) {
				s += vec.Exp(z(i, j) - mx)
			}
		}
		lse[i] = mx + float32(math.Log(float64(s)))
		sum += float64(lse[i] - z(i, i))
	}
	grad := make([]float32, b*b)
	scale := float32(1) / float32(b)
	for i := range b {
		for j := range b {
			if !hit(i, j) {
				grad[i*b+j] += vec.Exp(z(i, j)-lse[i]) * scale
			}
		}
		grad[i*b+i] -= scale
	}
	return float32(sum / float64(b)), grad
}

// TestSampledSoftmaxBitIdentical checks the row-segment implementation
// against the element-by-element formulation bit for bit (training results
// for a fixed seed must not move), with and without logQ and hits, on one
// and several threads.
func TestSampledSoftmaxBitIdentical(t *testing.T) {
	const b = 67
	r := rand.New(rand.NewPCG(3, 4))
	logits := make([]float32, b*b)
	for i := range logits {
		logits[i] = float32(r.NormFloat64() * 5)
	}
	logQ := make([]float32, b)
	ids := make([]int32, b)
	for i := range b {
		logQ[i] = float32(-1 - 6*r.Float64())
		ids[i] = int32(r.IntN(40)) // many repeats, some three or more times
	}
	ids[0], ids[b-1], ids[b/2] = 99, 99, 99 // hits at both ends of rows
	for _, tc := range []struct {
		name string
		logQ []float32
		ids  []int32
	}{{"logQ+hits", logQ, ids}, {"logQ", logQ, nil}, {"hits", nil, ids}, {"plain", nil, nil}} {
		wantLoss, wantGrad := sampledSoftmaxRef(logits, b, tc.logQ, tc.ids)
		for _, threads := range []int{1, 3} {
			g := NewGraph(Config{Threads: threads})
			x := NewParam("logits", b, b)
			copy(x.Data, logits)
			loss := g.SampledSoftmax(x, tc.logQ, tc.ids)
			if err := g.Backward(loss); err != nil {
				t.Fatal(err)
			}
			if tc.logQ == nil && tc.ids == nil {
				// The plain path is CrossEntropy's vectorized one: close, not
				// bit-identical to the scalar reference.
				if d := math.Abs(float64(loss.Data[0] - wantLoss)); d > 1e-5 {
					t.Errorf("%s/%d threads: loss %v, want %v", tc.name, threads, loss.Data[0], wantLoss)
				}
				continue
			}
			if loss.Data[0] != wantLoss {
				t.Errorf("%s/%d threads: loss %v, want %v", tc.name, threads, loss.Data[0], wantLoss)
			}
			for i, v := range x.Grad {
				if v != wantGrad[i] {
					t.Fatalf("%s/%d threads: grad[%d] = %v, want %v", tc.name, threads, i, v, wantGrad[i])
				}
			}
		}
	}
}

// BenchmarkSampledSoftmax times the Two-Tower loss (forward and backward)
// on a 512 x 512 in-batch score matrix with logQ and accidental hits.
func BenchmarkSampledSoftmax(b *testing.B) {
	const n = 512
	r := rand.New(rand.NewPCG(1, 2))
	x := NewParam("logits", n, n)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64() * 5)
	}
	logQ, ids := make([]float32, n), make([]int32, n)
	for i := range n {
		logQ[i] = float32(-1 - 6*r.Float64())
		ids[i] = int32(r.IntN(1500))
	}
	g := NewGraph(Config{Threads: 1})
	for b.Loop() {
		g.Reset()
		clear(x.Grad)
		if err := g.Backward(g.SampledSoftmax(x, logQ, ids)); err != nil {
			b.Fatal(err)
		}
	}
}
