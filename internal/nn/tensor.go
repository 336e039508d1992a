// Package nn is a small CPU training engine for the sequential recommenders:
// float32 tensors, a reverse-mode autodiff tape ([Graph]) whose ops have
// hand-written, buffer-reusing backward passes, transformer layers composed
// from those ops, Adam/AdamW with learning-rate schedules and gradient
// clipping, and safetensors checkpoints. Matrix products go through
// package blas, whose implementation (pure Go or OpenBLAS) is chosen by
// build tag. See docs/nn.md for the design.
package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Tensor is a dense, row-major float32 array with an optional gradient.
//
// Parameters are tensors made with [NewParam]; they own their Data and Grad
// and live across steps. Tensors returned by [Graph] ops borrow buffers from
// the graph and are only valid until the graph's next [Graph.Reset].
type Tensor struct {
	// Name identifies a parameter in checkpoints.
	Name string
	// Shape lists the dimensions, outermost first.
	Shape []int
	// Data holds the values, len(Data) == product of Shape.
	Data []float32
	// Grad holds the gradient of the loss with respect to Data, or is nil
	// when no gradient flows to this tensor.
	Grad []float32
	// NoDecay excludes the tensor from weight decay (biases, norm scales).
	NoDecay bool

	// Row-sparse gradient tracking, enabled by [Tensor.SetSparse] on
	// embedding tables: rows lists the rows with a non-zero gradient
	// unless dense is set (some op wrote a dense gradient this step).
	sparse  bool
	dense   bool
	rows    []int32
	rowSeen []bool
	// base is the tensor a [Graph.View] shares its gradient with; writes
	// through a view count as dense writes to base.
	base *Tensor
}

// NewParam returns a zero-initialized trainable tensor with a gradient buffer.
func NewParam(name string, shape ...int) *Tensor {
	n := numel(shape)
	return &Tensor{Name: name, Shape: append([]int(nil), shape...), Data: make([]float32, n), Grad: make([]float32, n)}
}

// NewTensor returns a tensor without gradient holding data (not copied).
// It panics if len(data) does not match the shape.
func NewTensor(data []float32, shape ...int) *Tensor {
	if numel(shape) != len(data) {
		panic(fmt.Sprintf("nn: NewTensor: %d values for shape %v", len(data), shape))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("nn: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Cols returns the size of the last dimension (1 for a scalar).
func (t *Tensor) Cols() int {
	if len(t.Shape) == 0 {
		return 1
	}
	return t.Shape[len(t.Shape)-1]
}

// Rows returns the number of rows when the tensor is viewed as a matrix
// whose columns are its last dimension.
func (t *Tensor) Rows() int {
	c := t.Cols()
	if c == 0 {
		return 0
	}
	return len(t.Data) / c
}

// SetSparse enables row-sparse gradient tracking: gradients written by
// [Graph.Embedding] and [Graph.GatherRows] record which rows they touch, so
// [ZeroGrad], [ClipGradNorm] and the optimizers visit only those rows. Any
// other op that writes this tensor's gradient makes that step dense.
func (t *Tensor) SetSparse(on bool) {
	t.sparse = on
	if on && t.rowSeen == nil {
		t.rowSeen = make([]bool, t.Rows())
	}
}

// Sparse reports whether row-sparse gradient tracking is on.
func (t *Tensor) Sparse() bool { return t.sparse }

// sparseRows returns the touched rows when the current gradient is
// row-sparse, and ok=false when it must be treated as dense.
func (t *Tensor) sparseRows() (rows []int32, ok bool) {
	if !t.sparse || t.dense {
		return nil, false
	}
	return t.rows, true
}

// markDense records that a dense gradient was written.
func (t *Tensor) markDense() {
	t.dense = true
	if t.base != nil {
		t.base.markDense()
	}
}

// touchRow records that row r received gradient.
func (t *Tensor) touchRow(r int32) {
	if t.base != nil {
		t.base.markDense()
		return
	}
	if t.sparse && !t.rowSeen[r] {
		t.rowSeen[r] = true
		t.rows = append(t.rows, r)
	}
}

// zeroGrad clears the gradient (only touched rows when row-sparse).
func (t *Tensor) zeroGrad() {
	if t.Grad == nil {
		return
	}
	if rows, ok := t.sparseRows(); ok {
		c := t.Cols()
		for _, r := range rows {
			clear(t.Grad[int(r)*c : int(r+1)*c])
		}
	} else {
		clear(t.Grad)
	}
	if t.sparse {
		for _, r := range t.rows {
			t.rowSeen[r] = false
		}
		t.rows = t.rows[:0]
		t.dense = false
	}
}

// ZeroGrad clears the gradients of params.
func ZeroGrad(params []*Tensor) {
	for _, p := range params {
		p.zeroGrad()
	}
}

// InitNormal fills t with normal(0, std) values truncated to two standard
// deviations (as BERT initializes), drawn from rng.
func InitNormal(t *Tensor, rng *rand.Rand, std float64) {
	for i := range t.Data {
		v := rng.NormFloat64()
		for math.Abs(v) > 2 {
			v = rng.NormFloat64()
		}
		t.Data[i] = float32(v * std)
	}
}

// InitUniform fills t with uniform(-limit, limit) values drawn from rng.
func InitUniform(t *Tensor, rng *rand.Rand, limit float64) {
	for i := range t.Data {
		t.Data[i] = float32((2*rng.Float64() - 1) * limit)
	}
}

// InitConst sets every element of t to v.
func InitConst(t *Tensor, v float32) {
	for i := range t.Data {
		t.Data[i] = v
	}
}
