package nn

import (
	"fmt"
	"math"

	"github.com/moviegenie/genie/internal/nn/internal/vec"
)

// View returns a tensor sharing x's data and gradient with a new shape of
// the same size.
func (g *Graph) View(x *Tensor, shape ...int) *Tensor {
	if numel(shape) != x.Len() {
		panic(fmt.Sprintf("nn: View: shape %v does not hold %d elements", shape, x.Len()))
	}
	base := x
	if x.base != nil {
		base = x.base
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: x.Data, Grad: x.Grad, base: base}
}

// MatMul returns op(a)·op(b) for matrices (tensors of higher rank are
// viewed as [Rows, Cols]); op transposes when the flag is set.
func (g *Graph) MatMul(a, b *Tensor, transA, transB bool) *Tensor {
	ar, ac := a.Rows(), a.Cols()
	br, bc := b.Rows(), b.Cols()
	m, k := ar, ac
	if transA {
		m, k = ac, ar
	}
	k2, n := br, bc
	if transB {
		k2, n = bc, br
	}
	if k != k2 {
		panic(fmt.Sprintf("nn: MatMul: inner dimensions differ: %v%s x %v%s", a.Shape, tflag(transA), b.Shape, tflag(transB)))
	}
	y := g.out(g.needGrad(a, b), m, n)
	g.gemm.Sgemm(transA, transB, m, n, k, 1, a.Data, ac, b.Data, bc, 0, y.Data, n)
	if y.Grad != nil {
		g.record(func() { g.matMulBackward(a, b, y, transA, transB, m, n, k) })
	}
	return y
}

func tflag(t bool) string {
	if t {
		return "ᵀ"
	}
	return ""
}

func (g *Graph) matMulBackward(a, b, y *Tensor, transA, transB bool, m, n, k int) {
	ac, bc := a.Cols(), b.Cols()
	if a.Grad != nil {
		a.markDense()
		if !transA { // dA (m x k) += dY op(B)^T
			g.gemm.Sgemm(false, !transB, m, k, n, 1, y.Grad, n, b.Data, bc, 1, a.Grad, ac)
		} else { // dA (k x m) += op(B) dY^T
			g.gemm.Sgemm(transB, true, k, m, n, 1, b.Data, bc, y.Grad, n, 1, a.Grad, ac)
		}
	}
	if b.Grad != nil {
		b.markDense()
		if !transB { // dB (k x n) += op(A)^T dY
			g.gemm.Sgemm(!transA, false, k, n, m, 1, a.Data, ac, y.Grad, n, 1, b.Grad, bc)
		} else { // dB (n x k) += dY^T op(A)
			g.gemm.Sgemm(true, transA, n, k, m, 1, y.Grad, n, a.Data, ac, 1, b.Grad, bc)
		}
	}
}

// Linear returns x·wᵀ + bias for x of shape [..., in], w of shape [out, in]
// (PyTorch's layout) and bias of shape [out] or nil. The result has x's
// leading dimensions and out columns.
func (g *Graph) Linear(x, w, bias *Tensor) *Tensor {
	rows, in := x.Rows(), x.Cols()
	if len(w.Shape) != 2 || w.Shape[1] != in {
		panic(fmt.Sprintf("nn: Linear: weight %v does not take %d inputs", w.Shape, in))
	}
	out := w.Shape[0]
	if bias != nil && bias.Len() != out {
		panic(fmt.Sprintf("nn: Linear: bias has %d elements, want %d", bias.Len(), out))
	}
	shape := append(append([]int(nil), x.Shape[:len(x.Shape)-1]...), out)
	y := g.out(g.needGrad(x, w, bias), shape...)
	beta := float32(0)
	if bias != nil {
		for r := 0; r < rows; r++ {
			copy(y.Data[r*out:(r+1)*out], bias.Data)
		}
		beta = 1
	}
	g.gemm.Sgemm(false, true, rows, out, in, 1, x.Data, in, w.Data, in, beta, y.Data, out)
	if y.Grad == nil {
		return y
	}
	g.record(func() {
		if x.Grad != nil {
			x.markDense()
			g.gemm.Sgemm(false, false, rows, in, out, 1, y.Grad, out, w.Data, in, 1, x.Grad, in)
		}
		if w.Grad != nil {
			w.markDense()
			g.gemm.Sgemm(true, false, out, in, rows, 1, y.Grad, out, x.Data, in, 1, w.Grad, in)
		}
		if bias != nil && bias.Grad != nil {
			bias.markDense()
			g.reduceRows(rows, out, bias.Grad, func(lo, hi int, acc []float32) {
				for r := lo; r < hi; r++ {
					for j, v := range y.Grad[r*out : (r+1)*out] {
						acc[j] += v
					}
				}
			})
		}
	})
	return y
}

// Add returns a + b for tensors of equal size (the residual connection).
func (g *Graph) Add(a, b *Tensor) *Tensor {
	if a.Len() != b.Len() {
		panic(fmt.Sprintf("nn: Add: shapes %v and %v differ in size", a.Shape, b.Shape))
	}
	y := g.out(g.needGrad(a, b), a.Shape...)
	g.parallel(len(y.Data), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y.Data[i] = a.Data[i] + b.Data[i]
		}
	})
	if y.Grad != nil {
		g.record(func() {
			for _, x := range []*Tensor{a, b} {
				if x.Grad != nil {
					x.markDense()
					g.parallel(len(y.Grad), 1, func(lo, hi int) {
						for i := lo; i < hi; i++ {
							x.Grad[i] += y.Grad[i]
						}
					})
				}
			}
		})
	}
	return y
}

// AddTiled returns x + b where b's rows repeat down x: for x viewed as
// [N, D] and b as [M, D] with N a multiple of M, row i gets b's row i mod M
// (position embeddings added to a [batch*length, D] input).
func (g *Graph) AddTiled(x, b *Tensor) *Tensor {
	d := x.Cols()
	m := b.Rows()
	if b.Cols() != d || m == 0 || x.Rows()%m != 0 {
		panic(fmt.Sprintf("nn: AddTiled: %v cannot tile over %v", b.Shape, x.Shape))
	}
	y := g.out(g.needGrad(x, b), x.Shape...)
	tile := m * d
	g.parallel(x.Rows()/m, tile, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			ys, xs := y.Data[t*tile:(t+1)*tile], x.Data[t*tile:(t+1)*tile]
			for i, v := range b.Data[:tile] {
				ys[i] = xs[i] + v
			}
		}
	})
	if y.Grad != nil {
		g.record(func() {
			if x.Grad != nil {
				x.markDense()
				addInto(g, x.Grad, y.Grad)
			}
			if b.Grad != nil {
				b.markDense()
				for t := 0; t < x.Rows()/m; t++ { // fixed order
					for i, v := range y.Grad[t*tile : (t+1)*tile] {
						b.Grad[i] += v
					}
				}
			}
		})
	}
	return y
}

// addInto adds src into dst element-wise, in parallel.
func addInto(g *Graph, dst, src []float32) {
	g.parallel(len(dst), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst[i] += src[i]
		}
	})
}

// Scale returns x * c for a constant c.
func (g *Graph) Scale(x *Tensor, c float32) *Tensor {
	y := g.out(g.needGrad(x), x.Shape...)
	for i, v := range x.Data {
		y.Data[i] = v * c
	}
	if y.Grad != nil {
		g.record(func() {
			x.markDense()
			for i, v := range y.Grad {
				x.Grad[i] += v * c
			}
		})
	}
	return y
}

// ScaleExp returns x * exp(s[0]) for a one-element tensor s: a learned
// inverse temperature kept positive by its log parametrization (as CLIP).
func (g *Graph) ScaleExp(x, s *Tensor) *Tensor {
	if s.Len() != 1 {
		panic(fmt.Sprintf("nn: ScaleExp: scale has %d elements, want 1", s.Len()))
	}
	c := float32(math.Exp(float64(s.Data[0])))
	y := g.out(g.needGrad(x, s), x.Shape...)
	for i, v := range x.Data {
		y.Data[i] = v * c
	}
	if y.Grad != nil {
		g.record(func() {
			if x.Grad != nil {
				x.markDense()
				for i, v := range y.Grad {
					x.Grad[i] += v * c
				}
			}
			if s.Grad != nil {
				var acc float64
				for i, v := range y.Grad {
					acc += float64(v) * float64(y.Data[i])
				}
				s.markDense()
				s.Grad[0] += float32(acc)
			}
		})
	}
	return y
}

// ReLU returns max(x, 0).
func (g *Graph) ReLU(x *Tensor) *Tensor {
	y := g.out(g.needGrad(x), x.Shape...)
	g.parallel(len(y.Data), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y.Data[i] = max(x.Data[i], 0)
		}
	})
	if y.Grad != nil {
		g.record(func() {
			x.markDense()
			g.parallel(len(y.Grad), 1, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					if x.Data[i] > 0 {
						x.Grad[i] += y.Grad[i]
					}
				}
			})
		})
	}
	return y
}

const (
	geluC = 0.7978845608028654 // sqrt(2/pi)
	geluA = 0.044715
)

// GELU returns the tanh approximation of the Gaussian error linear unit,
// 0.5x(1+tanh(sqrt(2/π)(x+0.044715x³))), PyTorch's GELU(approximate="tanh").
func (g *Graph) GELU(x *Tensor) *Tensor {
	y := g.out(g.needGrad(x), x.Shape...)
	var th []float32 // tanh values kept for the backward pass
	if y.Grad != nil {
		th = g.buf(x.Len(), false)
	}
	if th == nil {
		th = g.buf(x.Len(), false)
	}
	// Blocks of 64 keep the split between the vector kernel and its scalar
	// tail independent of the thread count.
	n := len(y.Data)
	g.parallel((n+63)/64, 64*20, func(b0, b1 int) {
		lo, hi := b0*64, min(b1*64, n)
		vec.GELUTanh(x.Data[lo:hi], th[lo:hi], y.Data[lo:hi])
	})
	if y.Grad != nil {
		g.record(func() {
			x.markDense()
			g.parallel(len(y.Grad), 10, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					v, t := x.Data[i], th[i]
					d := 0.5*(1+t) + 0.5*v*(1-t*t)*geluC*(1+3*geluA*v*v)
					x.Grad[i] += y.Grad[i] * d
				}
			})
		})
	}
	return y
}

// dropoutChunk is the number of elements per independently seeded dropout
// stream, fixed so masks do not depend on the thread count.
const dropoutChunk = 1 << 14

// dropGen draws keep/drop decisions: a splitmix64 counter stream cut into
// 16-bit uniforms, so an element is dropped with probability p rounded to
// a multiple of 2^-16. Masks are regenerated in the backward pass instead
// of being stored.
type dropGen struct {
	s, z uint64
	k    int
}

func newDropGen(base uint64, stream int) dropGen { return dropGen{s: mix(base, uint64(stream))} }

// mult returns keep when the next element is kept and 0 otherwise, without
// branching on the draw.
func (d *dropGen) mult(thr uint32, keep float32) float32 {
	if d.k == 0 {
		d.s += 0x9e3779b97f4a7c15
		z := d.s
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		d.z = z ^ (z >> 31)
		d.k = 4
	}
	kept := 1 + int32(uint32(d.z&0xffff)-thr)>>31
	d.z >>= 16
	d.k--
	return keep * float32(kept)
}

// dropThreshold returns the 16-bit threshold for drop probability p.
func dropThreshold(p float32) uint32 { return uint32(float64(p)*65536 + 0.5) }

// dropBase returns the seed of the next random op: derived from the graph
// seed, the Reset count and the op's position since Reset.
func (g *Graph) dropBase() uint64 {
	g.calls++
	return mix(mix(g.seed^0x9e3779b97f4a7c15, g.step), g.calls)
}

// mix is the splitmix64 finalizer of a+b, used to derive seeds.
func mix(a, b uint64) uint64 {
	z := a + b*0xbf58476d1ce4e5b9 + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// dropApply sets dst[i] = src[i]*mask[i] (or adds it, when accumulate is
// set) over the stream chunks [c0, c1), where mask[i] is 0 or keep as drawn
// by [dropGen] for base: the same decisions, without branches on them.
func dropApply(dst, src []float32, base uint64, thr uint32, keep float32, c0, c1 int, accumulate bool) {
	n := len(src)
	for c := c0; c < c1; c++ {
		s := mix(base, uint64(c))
		lo, hi := c*dropoutChunk, min((c+1)*dropoutChunk, n)
		for i := lo; i < hi; i += 4 {
			s += 0x9e3779b97f4a7c15
			z := s
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
			z = (z ^ (z >> 27)) * 0x94d049bb133111eb
			z ^= z >> 31
			for k := i; k < min(i+4, hi); k++ {
				// 1 when the 16-bit draw is >= thr (kept), else 0.
				kept := 1 + int32(uint32(z&0xffff)-thr)>>31
				m := keep * float32(kept)
				z >>= 16
				if accumulate {
					dst[k] += src[k] * m
				} else {
					dst[k] = src[k] * m
				}
			}
		}
	}
}

// Dropout zeroes each element with probability p and scales the rest by
// 1/(1-p) when the graph is in training mode; otherwise it returns x.
func (g *Graph) Dropout(x *Tensor, p float32) *Tensor {
	if !g.Train || p <= 0 {
		return x
	}
	if p >= 1 {
		panic(fmt.Sprintf("nn: Dropout: p=%v must be below 1", p))
	}
	base, thr, keep := g.dropBase(), dropThreshold(p), 1/(1-p)
	y := g.out(g.needGrad(x), x.Shape...)
	n := x.Len()
	chunks := (n + dropoutChunk - 1) / dropoutChunk
	g.parallel(chunks, dropoutChunk, func(c0, c1 int) {
		dropApply(y.Data, x.Data, base, thr, keep, c0, c1, false)
	})
	if y.Grad != nil {
		g.record(func() {
			x.markDense()
			g.parallel(chunks, dropoutChunk, func(c0, c1 int) {
				dropApply(x.Grad, y.Grad, base, thr, keep, c0, c1, true)
			})
		})
	}
	return y
}

// Embedding returns the rows of table selected by ids, shape [len(ids), D];
// a negative id gives a zero row (padding). The gradient is scattered back
// into the selected rows only, and recorded as row-sparse when the table
// has [Tensor.SetSparse].
func (g *Graph) Embedding(table *Tensor, ids []int32) *Tensor {
	return g.gather(table, ids, "Embedding")
}

// GatherRows returns the rows of x (viewed as [Rows, Cols]) selected by
// idx, shape [len(idx), Cols]; a negative index gives a zero row. BERT4Rec
// uses it to keep only the masked positions before the output layer.
func (g *Graph) GatherRows(x *Tensor, idx []int32) *Tensor {
	return g.gather(x, idx, "GatherRows")
}

func (g *Graph) gather(x *Tensor, idx []int32, op string) *Tensor {
	d, n := x.Cols(), x.Rows()
	for _, r := range idx {
		if int(r) >= n {
			panic(fmt.Sprintf("nn: %s: index %d out of range [0, %d)", op, r, n))
		}
	}
	y := g.out(g.needGrad(x), len(idx), d)
	g.parallel(len(idx), d, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst := y.Data[i*d : (i+1)*d]
			if r := idx[i]; r >= 0 {
				copy(dst, x.Data[int(r)*d:int(r+1)*d])
			} else {
				clear(dst)
			}
		}
	})
	if y.Grad != nil {
		g.record(func() {
			for i, r := range idx { // serial: rows may repeat
				if r < 0 {
					continue
				}
				x.touchRow(r)
				dst := x.Grad[int(r)*d : int(r+1)*d]
				for j, v := range y.Grad[i*d : (i+1)*d] {
					dst[j] += v
				}
			}
		})
	}
	return y
}

// EmbeddingBag returns one weighted sum of table rows per bag, shape
// [len(offsets)-1, D]: bag b is ids[offsets[b]:offsets[b+1]], and
// y[b] = sum of weights[k] * table[ids[k]] over its k (weights nil: all 1).
// An empty bag gives a zero row. It is PyTorch's EmbeddingBag(mode="sum",
// per_sample_weights): a mean-pooled history costs O(history length · D)
// instead of the O(rows · D) of a dense pooling matrix times the table. The
// gradient is scattered back into the selected rows only, and recorded as
// row-sparse when the table has [Tensor.SetSparse].
func (g *Graph) EmbeddingBag(table *Tensor, ids []int32, offsets []int32, weights []float32) *Tensor {
	d, n := table.Cols(), table.Rows()
	if len(offsets) == 0 || offsets[0] != 0 || int(offsets[len(offsets)-1]) != len(ids) {
		panic(fmt.Sprintf("nn: EmbeddingBag: offsets must run from 0 to len(ids)=%d, got %v", len(ids), offsets))
	}
	if weights != nil && len(weights) != len(ids) {
		panic(fmt.Sprintf("nn: EmbeddingBag: %d weights for %d ids", len(weights), len(ids)))
	}
	for b := 1; b < len(offsets); b++ {
		if offsets[b] < offsets[b-1] {
			panic(fmt.Sprintf("nn: EmbeddingBag: offsets decrease at bag %d: %v", b, offsets))
		}
	}
	for _, r := range ids {
		if r < 0 || int(r) >= n {
			panic(fmt.Sprintf("nn: EmbeddingBag: index %d out of range [0, %d)", r, n))
		}
	}
	bags := len(offsets) - 1
	weight := func(k int) float32 {
		if weights == nil {
			return 1
		}
		return weights[k]
	}
	y := g.out(g.needGrad(table), bags, d)
	g.parallel(bags, d*max(1, len(ids)/max(1, bags)), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			dst := y.Data[b*d : (b+1)*d]
			clear(dst)
			for k := offsets[b]; k < offsets[b+1]; k++ {
				vec.Axpy(weight(int(k)), table.Data[int(ids[k])*d:int(ids[k]+1)*d], dst)
			}
		}
	})
	if y.Grad != nil {
		g.record(func() {
			for b := range bags { // serial: rows may repeat across bags
				src := y.Grad[b*d : (b+1)*d]
				for k := offsets[b]; k < offsets[b+1]; k++ {
					r := ids[k]
					table.touchRow(r)
					vec.Axpy(weight(int(k)), src, table.Grad[int(r)*d:int(r+1)*d])
				}
			}
		})
	}
	return y
}

// Dot returns the scalar sum of x[i]*w[i] for a constant weight vector w
// (accumulated in float64). With w all ones it is a sum.
func (g *Graph) Dot(x *Tensor, w []float32) *Tensor {
	if len(w) != x.Len() {
		panic(fmt.Sprintf("nn: Dot: %d weights for %d elements", len(w), x.Len()))
	}
	y := g.out(g.needGrad(x), 1)
	var s float64
	for i, v := range x.Data {
		s += float64(v) * float64(w[i])
	}
	y.Data[0] = float32(s)
	if y.Grad != nil {
		g.record(func() {
			x.markDense()
			d := y.Grad[0]
			for i, v := range w {
				x.Grad[i] += d * v
			}
		})
	}
	return y
}

// L2Normalize scales each row of x (viewed as [Rows, Cols]) to unit
// Euclidean norm; rows with norm below 1e-12 are divided by 1e-12.
func (g *Graph) L2Normalize(x *Tensor) *Tensor {
	d, n := x.Cols(), x.Rows()
	y := g.out(g.needGrad(x), x.Shape...)
	norms := g.buf(n, false)
	g.parallel(n, d, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xs := x.Data[r*d : (r+1)*d]
			var s float64
			for _, v := range xs {
				s += float64(v) * float64(v)
			}
			nr := float32(max(math.Sqrt(s), 1e-12))
			norms[r] = nr
			for j, v := range xs {
				y.Data[r*d+j] = v / nr
			}
		}
	})
	if y.Grad != nil {
		g.record(func() {
			x.markDense()
			g.parallel(n, d, func(lo, hi int) {
				for r := lo; r < hi; r++ {
					ys, dy := y.Data[r*d:(r+1)*d], y.Grad[r*d:(r+1)*d]
					var dot float32
					for j, v := range ys {
						dot += v * dy[j]
					}
					inv := 1 / norms[r]
					for j, v := range ys {
						x.Grad[r*d+j] += (dy[j] - v*dot) * inv
					}
				}
			})
		})
	}
	return y
}

// MeanPool averages x of shape [batch*length, D] over each sequence's
// valid positions (valid has batch*length entries, nil meaning all valid),
// giving [batch, D]; a sequence with no valid position pools to zeros. A
// two-tower user tower pools its history this way.
func (g *Graph) MeanPool(x *Tensor, batch, length int, valid []bool) *Tensor {
	d := x.Cols()
	if x.Rows() != batch*length || (valid != nil && len(valid) != batch*length) {
		panic(fmt.Sprintf("nn: MeanPool: x %v / mask %d do not match %d x %d", x.Shape, len(valid), batch, length))
	}
	y := g.out(g.needGrad(x), batch, d)
	inv := g.buf(batch, false)
	g.parallel(batch, length*d, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			dst := y.Data[b*d : (b+1)*d]
			clear(dst)
			n := 0
			for t := 0; t < length; t++ {
				if valid != nil && !valid[b*length+t] {
					continue
				}
				n++
				for j, v := range x.Data[(b*length+t)*d : (b*length+t+1)*d] {
					dst[j] += v
				}
			}
			inv[b] = 0
			if n > 0 {
				inv[b] = 1 / float32(n)
			}
			for j := range dst {
				dst[j] *= inv[b]
			}
		}
	})
	if y.Grad != nil {
		g.record(func() {
			x.markDense()
			g.parallel(batch, length*d, func(lo, hi int) {
				for b := lo; b < hi; b++ {
					dy := y.Grad[b*d : (b+1)*d]
					for t := 0; t < length; t++ {
						if valid != nil && !valid[b*length+t] {
							continue
						}
						dx := x.Grad[(b*length+t)*d : (b*length+t+1)*d]
						for j, v := range dy {
							dx[j] += v * inv[b]
						}
					}
				}
			})
		})
	}
	return y
}
