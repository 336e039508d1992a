package nn

import (
	"fmt"
	"math"

	"github.com/moviegenie/genie/internal/nn/internal/vec"
)

// LayerNorm normalizes each row of x (viewed as [Rows, Cols]) to zero mean
// and unit variance, then applies the per-column scale gamma and shift beta
// (each of length Cols): y = (x-mean)/sqrt(var+eps)*gamma + beta.
func (g *Graph) LayerNorm(x, gamma, beta *Tensor, eps float32) *Tensor {
	d, n := x.Cols(), x.Rows()
	if gamma.Len() != d || beta.Len() != d {
		panic(fmt.Sprintf("nn: LayerNorm: gamma %v / beta %v do not match %d columns", gamma.Shape, beta.Shape, d))
	}
	y := g.out(g.needGrad(x, gamma, beta), x.Shape...)
	xhat := g.buf(x.Len(), false)
	rstd := g.buf(n, false)
	g.parallel(n, 4*d, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xs := x.Data[r*d : (r+1)*d]
			var s float32
			for _, v := range xs {
				s += v
			}
			mean := s / float32(d)
			var ss float32
			for _, v := range xs {
				ss += (v - mean) * (v - mean)
			}
			rs := float32(1 / math.Sqrt(float64(ss/float32(d)+eps)))
			rstd[r] = rs
			xh, ys := xhat[r*d:(r+1)*d], y.Data[r*d:(r+1)*d]
			for j, v := range xs {
				h := (v - mean) * rs
				xh[j] = h
				ys[j] = h*gamma.Data[j] + beta.Data[j]
			}
		}
	})
	if y.Grad == nil {
		return y
	}
	g.record(func() {
		if x.Grad != nil {
			x.markDense()
			g.parallel(n, 6*d, func(lo, hi int) {
				for r := lo; r < hi; r++ {
					xh, dy := xhat[r*d:(r+1)*d], y.Grad[r*d:(r+1)*d]
					var m1, m2 float32
					for j, v := range dy {
						dh := v * gamma.Data[j]
						m1 += dh
						m2 += dh * xh[j]
					}
					m1 /= float32(d)
					m2 /= float32(d)
					dx := x.Grad[r*d : (r+1)*d]
					for j, v := range dy {
						dx[j] += (v*gamma.Data[j] - m1 - xh[j]*m2) * rstd[r]
					}
				}
			})
		}
		if gamma.Grad != nil || beta.Grad != nil {
			both := g.buf(2*d, true)
			g.reduceRows(n, 2*d, both, func(lo, hi int, acc []float32) {
				for r := lo; r < hi; r++ {
					xh, dy := xhat[r*d:(r+1)*d], y.Grad[r*d:(r+1)*d]
					for j, v := range dy {
						acc[j] += v * xh[j]
						acc[d+j] += v
					}
				}
			})
			if gamma.Grad != nil {
				gamma.markDense()
				for j := range d {
					gamma.Grad[j] += both[j]
				}
			}
			if beta.Grad != nil {
				beta.markDense()
				for j := range d {
					beta.Grad[j] += both[d+j]
				}
			}
		}
	})
	return y
}

// AttentionMask describes which keys each query of a [Batch*Length] sequence
// batch may attend to.
type AttentionMask struct {
	// Valid marks real (non-padding) positions, len Batch*Length; nil
	// means every position is real.
	Valid []bool
	// Causal forbids attending to later positions (SASRec).
	Causal bool
}

// Attention is multi-head scaled dot-product self-attention over a batch of
// sequences. qkv has shape [batch*length, 3*D] with the queries, keys and
// values side by side (the output of one fused projection); heads divides
// D. Scores of masked keys are -inf; a query with no visible key (possible
// only at padding under a causal mask) outputs zeros. Attention
// probabilities are dropped out with probability dropout in training
// mode. The result has shape [batch*length, D].
func (g *Graph) Attention(qkv *Tensor, batch, length, heads int, mask AttentionMask, dropout float32) *Tensor {
	d3 := qkv.Cols()
	if d3%3 != 0 || qkv.Rows() != batch*length {
		panic(fmt.Sprintf("nn: Attention: qkv %v is not [%d*%d, 3*D]", qkv.Shape, batch, length))
	}
	d := d3 / 3
	if heads < 1 || d%heads != 0 {
		panic(fmt.Sprintf("nn: Attention: %d heads do not divide D=%d", heads, d))
	}
	if mask.Valid != nil && len(mask.Valid) != batch*length {
		panic(fmt.Sprintf("nn: Attention: mask has %d entries, want %d", len(mask.Valid), batch*length))
	}
	dh, T := d/heads, length
	scale := float32(1 / math.Sqrt(float64(dh)))
	y := g.out(g.needGrad(qkv), batch*length, d)
	probs := g.buf(batch*heads*T*T, false)
	drop := g.Train && dropout > 0
	var dseed uint64
	var thr uint32
	var keep float32
	if drop {
		dseed, thr, keep = g.dropBase(), dropThreshold(dropout), 1/(1-dropout)
	}
	scratch := g.buf(g.threads*T*T, false)
	pairs := batch * heads
	cost := 4 * T * T * dh
	g.parallelIdx(pairs, cost, func(w, lo, hi int) {
		pd := scratch[w*T*T : (w+1)*T*T]
		for bh := lo; bh < hi; bh++ {
			b, h := bh/heads, bh%heads
			base := b * T * d3
			q, k, v := qkv.Data[base+h*dh:], qkv.Data[base+d+h*dh:], qkv.Data[base+2*d+h*dh:]
			p := probs[bh*T*T : (bh+1)*T*T]
			g.small.Sgemm(false, true, T, T, dh, scale, q, d3, k, d3, 0, p, T)
			var valid []bool
			if mask.Valid != nil {
				valid = mask.Valid[b*T : (b+1)*T]
			}
			softmaxRows(p, T, valid, mask.Causal)
			src := p
			if drop { // one stream per (batch, head) pair
				dg := newDropGen(dseed, bh)
				for i, pv := range p {
					pd[i] = pv * dg.mult(thr, keep)
				}
				src = pd
			}
			g.small.Sgemm(false, false, T, dh, T, 1, src, T, v, d3, 0, y.Data[b*T*d+h*dh:], d)
		}
	})
	if y.Grad == nil {
		return y
	}
	g.record(func() {
		qkv.markDense()
		scratch := g.buf(g.threads*2*T*T, false)
		g.parallelIdx(pairs, 2*cost, func(w, lo, hi int) {
			dp := scratch[w*2*T*T : w*2*T*T+T*T]
			pd := scratch[w*2*T*T+T*T : (w+1)*2*T*T]
			for bh := lo; bh < hi; bh++ {
				b, h := bh/heads, bh%heads
				base := b * T * d3
				q, k, v := qkv.Data[base+h*dh:], qkv.Data[base+d+h*dh:], qkv.Data[base+2*d+h*dh:]
				dq, dk, dv := qkv.Grad[base+h*dh:], qkv.Grad[base+d+h*dh:], qkv.Grad[base+2*d+h*dh:]
				dy := y.Grad[b*T*d+h*dh:]
				p := probs[bh*T*T : (bh+1)*T*T]
				src := p
				if drop { // regenerate the forward mask; pd = P ⊙ mask
					dg := newDropGen(dseed, bh)
					for i, pv := range p {
						pd[i] = pv * dg.mult(thr, keep)
					}
					src = pd
				}
				// dV += Pdᵀ dY ; dPd = dY Vᵀ
				g.small.Sgemm(true, false, T, dh, T, 1, src, T, dy, d, 1, dv, d3)
				g.small.Sgemm(false, true, T, T, dh, 1, dy, d, v, d3, 0, dp, T)
				// dS = P ⊙ (dP - rowsum(dP ⊙ P)), with dP = dPd ⊙ mask.
				if drop {
					dg := newDropGen(dseed, bh)
					for i := range dp {
						dp[i] *= dg.mult(thr, keep)
					}
				}
				for i := 0; i < T; i++ {
					pr, dr := p[i*T:(i+1)*T], dp[i*T:(i+1)*T]
					var s float32
					for j, pv := range pr {
						s += pv * dr[j]
					}
					for j, pv := range pr {
						dr[j] = pv * (dr[j] - s)
					}
				}
				// dQ += scale dS K ; dK += scale dSᵀ Q
				g.small.Sgemm(false, false, T, dh, T, scale, dp, T, k, d3, 1, dq, d3)
				g.small.Sgemm(true, false, T, dh, T, scale, dp, T, q, d3, 1, dk, d3)
			}
		})
	})
	return y
}

// parallelIdx is parallel with the worker index passed to fn, for
// per-worker scratch buffers.
func (g *Graph) parallelIdx(n, cost int, fn func(w, lo, hi int)) {
	t := min(g.threads, n)
	if t <= 1 || n*cost < minParallel {
		fn(0, 0, n)
		return
	}
	done := make(chan struct{}, t)
	for w := 1; w < t; w++ {
		lo, hi := split(n, t, w)
		go func() {
			fn(w, lo, hi)
			done <- struct{}{}
		}()
	}
	lo, hi := split(n, t, 0)
	fn(0, lo, hi)
	for w := 1; w < t; w++ {
		<-done
	}
}

// softmaxRows replaces each row of the T x T score matrix p with its
// softmax over the visible keys (valid, and j <= i when causal); invisible
// keys get probability 0, and a row with no visible key becomes all zeros.
func softmaxRows(p []float32, T int, valid []bool, causal bool) {
	// Fast path: the valid keys form one contiguous range (left or right
	// padding), so every row's visible keys are a range too.
	vs, ve := 0, T
	if valid != nil {
		vs, ve = validRange(valid)
	}
	if vs < 0 {
		softmaxRowsMasked(p, T, valid, causal)
		return
	}
	for i := 0; i < T; i++ {
		row := p[i*T : (i+1)*T]
		lo, hi := vs, ve
		if causal {
			hi = min(hi, i+1)
		}
		if lo >= hi {
			clear(row)
			continue
		}
		vis := row[lo:hi]
		mx := vis[0]
		for _, v := range vis[1:] {
			mx = max(mx, v)
		}
		inv := 1 / vec.ExpStore(vis, mx)
		for j := range vis {
			vis[j] *= inv
		}
		clear(row[:lo])
		clear(row[hi:])
	}
}

// validRange returns the range [lo, hi) of true entries when they are
// contiguous, and lo = -1 otherwise.
func validRange(valid []bool) (int, int) {
	lo := 0
	for lo < len(valid) && !valid[lo] {
		lo++
	}
	hi := lo
	for hi < len(valid) && valid[hi] {
		hi++
	}
	for _, v := range valid[hi:] {
		if v {
			return -1, -1
		}
	}
	return lo, hi
}

// softmaxRowsMasked is softmaxRows for an arbitrary validity mask.
func softmaxRowsMasked(p []float32, T int, valid []bool, causal bool) {
	for i := 0; i < T; i++ {
		row := p[i*T : (i+1)*T]
		end := T
		if causal {
			end = i + 1
		}
		mx := float32(math.Inf(-1))
		for j := 0; j < end; j++ {
			if valid[j] {
				mx = max(mx, row[j])
			}
		}
		if math.IsInf(float64(mx), -1) {
			clear(row)
			continue
		}
		var s float32
		for j := 0; j < T; j++ {
			if j < end && valid[j] {
				e := vec.Exp(row[j] - mx)
				row[j] = e
				s += e
			} else {
				row[j] = 0
			}
		}
		inv := 1 / s
		for j := 0; j < end; j++ {
			row[j] *= inv
		}
	}
}
