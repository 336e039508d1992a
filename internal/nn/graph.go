package nn

import (
	"fmt"
	"sync"

	"github.com/moviegenie/genie/internal/nn/blas"
)

// Config configures a [Graph].
type Config struct {
	// Threads is the number of goroutines for large loops and GEMMs
	// (values below 1 mean 1). Results are deterministic for a given
	// Threads and Seed.
	Threads int
	// Seed seeds dropout. Each [Graph.Reset] advances to a new, derived
	// stream, so successive steps draw different masks reproducibly.
	Seed uint64
	// Gemm overrides the matrix multiply; nil means blas.New(Threads).
	Gemm blas.Gemm
}

// Graph records the ops of one forward pass on a tape so that
// [Graph.Backward] can run their gradients in reverse. It owns the buffers
// of every tensor its ops return and reuses them after [Graph.Reset], so a
// training loop that builds the same computation each step allocates
// almost nothing after the first.
//
// A Graph is not safe for concurrent use.
type Graph struct {
	// Train enables dropout. It is true after [NewGraph].
	Train bool
	// NoGrad disables the tape: ops compute values only (inference).
	NoGrad bool

	gemm    blas.Gemm
	small   *blas.PureGo // single-threaded GEMM for per-head products
	threads int
	seed    uint64
	step    uint64 // Reset count, mixed into dropout streams
	calls   uint64 // random ops since Reset
	tape    []func()
	f32     arena
}

// NewGraph returns an empty graph in training mode.
func NewGraph(cfg Config) *Graph {
	t := max(cfg.Threads, 1)
	g := &Graph{Train: true, threads: t, seed: cfg.Seed, gemm: cfg.Gemm, small: blas.NewPureGo(1)}
	if g.gemm == nil {
		g.gemm = blas.New(t)
	}
	return g
}

// Threads returns the graph's goroutine count.
func (g *Graph) Threads() int { return g.threads }

// Reset discards the tape and recycles every buffer handed out since the
// previous Reset; tensors returned by earlier ops must not be used after it.
// Each Reset also moves dropout to a fresh random stream.
func (g *Graph) Reset() {
	clear(g.tape)
	g.tape = g.tape[:0]
	g.f32.reset()
	g.step++
	g.calls = 0
}

// Backward runs the tape in reverse from loss, a one-element tensor, adding
// d(loss)/d(x) into the Grad of every tensor x the loss depends on (so
// parameter gradients accumulate across calls until [ZeroGrad]).
func (g *Graph) Backward(loss *Tensor) error {
	if loss.Len() != 1 {
		return fmt.Errorf("nn: backward: loss has %d elements, want 1", loss.Len())
	}
	if loss.Grad == nil {
		return fmt.Errorf("nn: backward: loss does not depend on any parameter")
	}
	if g.NoGrad {
		return fmt.Errorf("nn: backward: graph is in NoGrad mode")
	}
	loss.Grad[0] += 1
	for i := len(g.tape) - 1; i >= 0; i-- {
		g.tape[i]()
	}
	return nil
}

// record appends a backward closure to the tape.
func (g *Graph) record(f func()) { g.tape = append(g.tape, f) }

// needGrad reports whether an op on xs must record a backward pass.
func (g *Graph) needGrad(xs ...*Tensor) bool {
	if g.NoGrad {
		return false
	}
	for _, x := range xs {
		if x != nil && x.Grad != nil {
			return true
		}
	}
	return false
}

// buf returns a graph-owned buffer of n floats, cleared when zero is set.
func (g *Graph) buf(n int, zero bool) []float32 { return g.f32.get(n, zero) }

// out returns a new graph-owned tensor; its Grad is allocated (zeroed) when
// grad is set. Data is not cleared.
func (g *Graph) out(grad bool, shape ...int) *Tensor {
	n := numel(shape)
	t := &Tensor{Shape: append([]int(nil), shape...), Data: g.buf(n, false)}
	if grad {
		t.Grad = g.buf(n, true)
	}
	return t
}

// arena hands out float32 buffers in call order and recycles them all at
// reset; a computation repeated step after step reuses the same buffers.
type arena struct {
	bufs [][]float32
	next int
}

func (a *arena) get(n int, zero bool) []float32 {
	if a.next < len(a.bufs) && cap(a.bufs[a.next]) >= n {
		b := a.bufs[a.next][:n]
		a.next++
		if zero {
			clear(b)
		}
		return b
	}
	b := make([]float32, n, n+n/8)
	if a.next < len(a.bufs) {
		a.bufs[a.next] = b
	} else {
		a.bufs = append(a.bufs, b)
	}
	a.next++
	return b
}

func (a *arena) reset() { a.next = 0 }

// minParallel is the amount of work (roughly, element operations) below
// which loops stay on one goroutine.
const minParallel = 1 << 15

// parallel calls fn over contiguous chunks of [0, n), one per goroutine,
// when n*cost is large enough. fn must write disjoint outputs per index.
func (g *Graph) parallel(n, cost int, fn func(lo, hi int)) {
	parallelFor(g.threads, n, cost, fn)
}

func parallelFor(threads, n, cost int, fn func(lo, hi int)) {
	t := min(threads, n)
	if t <= 1 || n*cost < minParallel {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < t; w++ {
		lo, hi := split(n, t, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	lo, hi := split(n, t, 0)
	fn(lo, hi)
	wg.Wait()
}

// split returns the w-th of t contiguous, near-equal parts of [0, n).
func split(n, t, w int) (int, int) {
	q, r := n/t, n%t
	lo := w*q + min(w, r)
	hi := lo + q
	if w < r {
		hi++
	}
	return lo, hi
}

// reduceBlock is the fixed number of rows per partial sum in reduceRows, so
// column reductions give the same bits for any thread count.
const reduceBlock = 256

// reduceRows computes per-column sums over rows: fn(lo, hi, acc) adds the
// contribution of rows [lo, hi) into acc (len width, zeroed), and the
// partials of fixed row blocks are then added into dst in block order.
func (g *Graph) reduceRows(rows, width int, dst []float32, fn func(lo, hi int, acc []float32)) {
	nb := (rows + reduceBlock - 1) / reduceBlock
	if nb <= 1 {
		acc := g.buf(width, true)
		fn(0, rows, acc)
		for j, v := range acc {
			dst[j] += v
		}
		return
	}
	part := g.buf(nb*width, true)
	g.parallel(nb, reduceBlock*width, func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			fn(b*reduceBlock, min((b+1)*reduceBlock, rows), part[b*width:(b+1)*width])
		}
	})
	for b := 0; b < nb; b++ {
		for j, v := range part[b*width : (b+1)*width] {
			dst[j] += v
		}
	}
}
