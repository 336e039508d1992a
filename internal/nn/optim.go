package nn

import (
	"fmt"
	"math"
)

// Adam is the Adam optimizer, or AdamW (decoupled weight decay,
// Loshchilov & Hutter) when Decoupled is set.
//
// For tensors with row-sparse gradients ([Tensor.SetSparse]) it updates
// only the rows that received gradient this step (lazy Adam, as PyTorch's
// SparseAdam and TensorFlow's LazyAdam): untouched rows keep their
// moments and are not decayed. Bias correction uses the global step count.
type Adam struct {
	// Beta1 and Beta2 are the decay rates of the first and second moments.
	Beta1, Beta2 float32
	// Eps is added to the root of the second moment.
	Eps float32
	// WeightDecay is the decay coefficient; tensors with NoDecay skip it.
	WeightDecay float32
	// Decoupled selects AdamW: w -= lr*wd*w outside the adaptive update.
	// Otherwise wd*w is added to the gradient (Adam with L2).
	Decoupled bool
	// Threads splits large updates over goroutines (element-wise, so the
	// result does not depend on it).
	Threads int

	params []*Tensor
	m, v   [][]float32
	t      int
}

// NewAdamW returns AdamW over params with PyTorch's defaults (betas 0.9,
// 0.999, eps 1e-8) and the given weight decay.
func NewAdamW(params []*Tensor, weightDecay float32) *Adam {
	a := &Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay, Decoupled: true, Threads: 1, params: params}
	for _, p := range params {
		a.m = append(a.m, make([]float32, p.Len()))
		a.v = append(a.v, make([]float32, p.Len()))
	}
	return a
}

// NewAdam returns Adam (L2-coupled weight decay) with PyTorch's defaults.
func NewAdam(params []*Tensor, weightDecay float32) *Adam {
	a := NewAdamW(params, weightDecay)
	a.Decoupled = false
	return a
}

// Steps returns the number of updates applied so far.
func (a *Adam) Steps() int { return a.t }

// Step applies one update with learning rate lr using the current
// gradients. It does not clear them; call [ZeroGrad] before the next
// backward pass.
func (a *Adam) Step(lr float32) {
	a.t++
	bc1 := float32(1 - math.Pow(float64(a.Beta1), float64(a.t)))
	bc2 := float32(1 - math.Pow(float64(a.Beta2), float64(a.t)))
	b1, b2, eps := a.Beta1, a.Beta2, a.Eps
	for pi, p := range a.params {
		if p.Grad == nil {
			continue
		}
		wd := a.WeightDecay
		if p.NoDecay {
			wd = 0
		}
		m, v := a.m[pi], a.v[pi]
		update := func(lo, hi int) {
			w, gr := p.Data[lo:hi], p.Grad[lo:hi]
			mm, vv := m[lo:hi], v[lo:hi]
			for i, gi := range gr {
				if !a.Decoupled && wd != 0 {
					gi += wd * w[i]
				}
				mi := b1*mm[i] + (1-b1)*gi
				vi := b2*vv[i] + (1-b2)*gi*gi
				mm[i], vv[i] = mi, vi
				step := lr * (mi / bc1) / (float32(math.Sqrt(float64(vi/bc2))) + eps)
				if a.Decoupled && wd != 0 {
					step += lr * wd * w[i]
				}
				w[i] -= step
			}
		}
		if rows, ok := p.sparseRows(); ok {
			c := p.Cols()
			for _, r := range rows {
				update(int(r)*c, int(r+1)*c)
			}
			continue
		}
		parallelFor(a.Threads, p.Len(), 8, update)
	}
}

// ClipGradNorm scales the gradients of params so that their global L2 norm
// is at most maxNorm, and returns the norm before clipping (summed in
// float64 in parameter order, so it is deterministic).
func ClipGradNorm(params []*Tensor, maxNorm float32) float32 {
	var ss float64
	for _, p := range params {
		forGrad(p, func(g []float32) {
			for _, v := range g {
				ss += float64(v) * float64(v)
			}
		})
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 && norm > float64(maxNorm) {
		c := float32(float64(maxNorm) / (norm + 1e-6))
		for _, p := range params {
			forGrad(p, func(g []float32) {
				for i := range g {
					g[i] *= c
				}
			})
		}
	}
	return float32(norm)
}

// forGrad calls fn on the non-zero parts of p's gradient.
func forGrad(p *Tensor, fn func([]float32)) {
	if p.Grad == nil {
		return
	}
	if rows, ok := p.sparseRows(); ok {
		c := p.Cols()
		for _, r := range rows {
			fn(p.Grad[int(r)*c : int(r+1)*c])
		}
		return
	}
	fn(p.Grad)
}

// Decay selects the shape of a [Schedule] after warm-up.
type Decay int

// Decay shapes.
const (
	Constant    Decay = iota // stay at the peak
	LinearDecay              // linearly to Final at Total
	CosineDecay              // half-cosine to Final at Total
)

// Schedule is a learning-rate schedule: linear warm-up from 0 to Peak over
// Warmup steps, then Constant, LinearDecay or CosineDecay to Final at step
// Total (and Final after it).
type Schedule struct {
	Peak, Final   float32
	Warmup, Total int
	Decay         Decay
}

// Validate reports an inconsistent schedule.
func (s Schedule) Validate() error {
	if s.Peak < 0 || s.Final < 0 || s.Warmup < 0 || (s.Decay != Constant && s.Total <= s.Warmup) {
		return fmt.Errorf("nn: schedule: invalid %+v", s)
	}
	return nil
}

// LR returns the learning rate for step (0-based).
func (s Schedule) LR(step int) float32 {
	if step < s.Warmup {
		return s.Peak * float32(step+1) / float32(s.Warmup)
	}
	if s.Decay == Constant {
		return s.Peak
	}
	if step >= s.Total {
		return s.Final
	}
	frac := float64(step-s.Warmup) / float64(s.Total-s.Warmup)
	w := 1 - frac
	if s.Decay == CosineDecay {
		w = 0.5 * (1 + math.Cos(math.Pi*frac))
	}
	return s.Final + (s.Peak-s.Final)*float32(w)
}

// State returns the optimizer's state as named tensors sharing its memory
// (first and second moments per parameter, "adam.m.<name>" and
// "adam.v.<name>", and the step count "adam.step"), ready for
// [SaveSafetensors] next to the parameters so training can resume exactly.
func (a *Adam) State() []*Tensor {
	ts := make([]*Tensor, 0, 2*len(a.params)+1)
	for i, p := range a.params {
		ts = append(ts,
			&Tensor{Name: "adam.m." + p.Name, Shape: append([]int(nil), p.Shape...), Data: a.m[i]},
			&Tensor{Name: "adam.v." + p.Name, Shape: append([]int(nil), p.Shape...), Data: a.v[i]})
	}
	return append(ts, &Tensor{Name: "adam.step", Shape: []int{1}, Data: []float32{float32(a.t)}})
}

// LoadState restores the state saved from [Adam.State] of an optimizer over
// parameters with the same names and shapes.
func (a *Adam) LoadState(ck *Checkpoint) error {
	st, ok := ck.Tensors["adam.step"]
	if !ok || st.Len() != 1 || st.Data[0] < 0 || st.Data[0] != float32(int(st.Data[0])) {
		return fmt.Errorf("nn: adam: load state: missing or invalid adam.step")
	}
	if err := ck.Restore(a.State()[:2*len(a.params)]); err != nil {
		return fmt.Errorf("nn: adam: load state: %w", err)
	}
	a.t = int(st.Data[0])
	return nil
}
