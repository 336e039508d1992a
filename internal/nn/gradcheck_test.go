package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gradCase is one op (or composition) checked against finite differences.
type gradCase struct {
	name string
	// inputs returns the tensors to differentiate with respect to; each
	// must have a Grad buffer.
	inputs func(r *rand.Rand) []*Tensor
	// build computes the output from the inputs on g.
	build func(g *Graph, in []*Tensor) *Tensor
	// train runs the graph in training mode (dropout active).
	train bool
	// tol overrides the relative tolerance (default 2e-2).
	tol float64
	// eps overrides the finite-difference step (default 1e-2).
	eps float64
}

func param(r *rand.Rand, name string, scale float64, shape ...int) *Tensor {
	t := NewParam(name, shape...)
	for i := range t.Data {
		t.Data[i] = float32(r.NormFloat64() * scale)
	}
	return t
}

// awayFromZero returns a parameter whose entries have magnitude >= 0.2, so
// finite differences do not straddle a kink at 0.
func awayFromZero(r *rand.Rand, shape ...int) *Tensor {
	t := param(r, "x", 1, shape...)
	for i, v := range t.Data {
		if v >= 0 {
			t.Data[i] = v + 0.2
		} else {
			t.Data[i] = v - 0.2
		}
	}
	return t
}

func padMask(batch, length int, lens ...int) []bool {
	m := make([]bool, batch*length)
	for b := 0; b < batch; b++ {
		for t := length - lens[b]; t < length; t++ { // left padding
			m[b*length+t] = true
		}
	}
	return m
}

func gradCases() []gradCase {
	mm := func(ta, tb bool, ar, ac, br, bc int) gradCase {
		return gradCase{
			name: fmt.Sprintf("MatMul/%v%v", ta, tb),
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "a", 1, ar, ac), param(r, "b", 1, br, bc)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.MatMul(in[0], in[1], ta, tb) },
		}
	}
	block := func(name string, cfg BlockConfig, mask func() AttentionMask, train bool, eps float64) gradCase {
		const batch, length = 2, 5
		var blk *TransformerBlock
		return gradCase{
			name: name, train: train, eps: eps,
			inputs: func(r *rand.Rand) []*Tensor {
				cfg.InitStd = 0.3
				var err error
				blk, err = NewTransformerBlock("b", cfg, r)
				if err != nil {
					panic(err)
				}
				for _, p := range blk.Params() {
					if p.NoDecay { // make norms and biases non-trivial
						for i := range p.Data {
							p.Data[i] += float32(0.1 * r.NormFloat64())
						}
					}
				}
				return append([]*Tensor{param(r, "x", 1, batch*length, cfg.Dim)}, blk.Params()...)
			},
			build: func(g *Graph, in []*Tensor) *Tensor {
				return blk.Forward(g, in[0], batch, length, mask())
			},
		}
	}
	return []gradCase{
		mm(false, false, 7, 5, 5, 9),
		mm(false, true, 7, 5, 9, 5),
		mm(true, false, 5, 7, 5, 9),
		mm(true, true, 5, 7, 9, 5),
		{
			name: "Linear",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "x", 1, 2, 3, 6), param(r, "w", 0.5, 4, 6), param(r, "b", 1, 4)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.Linear(in[0], in[1], in[2]) },
		},
		{
			name: "LinearNoBias",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "x", 1, 600, 5), param(r, "w", 0.5, 3, 5)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.Linear(in[0], in[1], nil) },
		},
		{
			name: "Add",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "a", 1, 4, 5), param(r, "b", 1, 4, 5)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.Add(in[0], in[1]) },
		},
		{
			name: "AddSelf",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "a", 1, 4, 5)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.Add(in[0], g.GELU(in[0])) },
		},
		{
			name: "AddTiled",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "x", 1, 3, 4, 5), param(r, "p", 1, 4, 5)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.AddTiled(in[0], in[1]) },
		},
		{
			name:   "Scale",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "x", 1, 3, 4)} },
			build:  func(g *Graph, in []*Tensor) *Tensor { return g.Scale(in[0], -1.7) },
		},
		{
			name: "ScaleExp",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "x", 1, 3, 4), param(r, "s", 0.5, 1)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.ScaleExp(in[0], in[1]) },
		},
		{
			name:   "ReLU",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{awayFromZero(r, 5, 7)} },
			build:  func(g *Graph, in []*Tensor) *Tensor { return g.ReLU(in[0]) },
		},
		{
			name:   "GELU",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "x", 2, 5, 7)} },
			build:  func(g *Graph, in []*Tensor) *Tensor { return g.GELU(in[0]) },
		},
		{
			name:   "Dropout",
			train:  true,
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "x", 1, 50, 7)} },
			build:  func(g *Graph, in []*Tensor) *Tensor { return g.Dropout(in[0], 0.3) },
		},
		{
			name: "Embedding",
			inputs: func(r *rand.Rand) []*Tensor {
				t := param(r, "e", 1, 6, 4)
				t.SetSparse(true)
				return []*Tensor{t}
			},
			build: func(g *Graph, in []*Tensor) *Tensor {
				return g.Embedding(in[0], []int32{1, 3, 1, -1, 5, 0, 3})
			},
		},
		{
			name:   "GatherRows",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "x", 1, 2, 3, 4)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				return g.GatherRows(g.GELU(in[0]), []int32{5, 0, 5, 2})
			},
		},
		{
			name: "EmbeddingBag",
			inputs: func(r *rand.Rand) []*Tensor {
				t := param(r, "table", 1, 6, 3)
				t.SetSparse(true)
				return []*Tensor{t}
			},
			build: func(g *Graph, in []*Tensor) *Tensor {
				// Four bags, one empty, rows repeating within and across bags.
				return g.EmbeddingBag(in[0], []int32{1, 3, 1, 5, 0, 3, 2}, []int32{0, 3, 3, 5, 7}, []float32{0.5, -1, 2, 0.25, 1, 0.7, -0.3})
			},
		},
		{
			name:   "EmbeddingBag/unweighted",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "table", 1, 5, 4)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				return g.EmbeddingBag(g.GELU(in[0]), []int32{4, 4, 0, 2}, []int32{0, 2, 4}, nil)
			},
		},
		{
			name:   "Dot",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "x", 1, 3, 4)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				w := make([]float32, 12)
				for i := range w {
					w[i] = float32(i) - 5
				}
				return g.Dot(in[0], w)
			},
		},
		{
			name:   "MeanPool",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "x", 1, 3*4, 5)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				valid := []bool{true, true, false, true, false, false, false, false, false, true, true, true}
				return g.MeanPool(in[0], 3, 4, valid)
			},
		},
		{
			name:   "L2Normalize",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "x", 1, 4, 6)} },
			build:  func(g *Graph, in []*Tensor) *Tensor { return g.L2Normalize(in[0]) },
		},
		{
			name: "LayerNorm",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "x", 2, 5, 8), param(r, "g", 1, 8), param(r, "b", 1, 8)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.LayerNorm(in[0], in[1], in[2], 1e-5) },
		},
		{
			name: "LayerNormManyRows",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "x", 1, 700, 4), param(r, "g", 1, 4), param(r, "b", 1, 4)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor { return g.LayerNorm(in[0], in[1], in[2], 1e-5) },
		},
		{
			name:   "Attention",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "qkv", 1, 2*5, 3*8)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				return g.Attention(in[0], 2, 5, 2, AttentionMask{}, 0)
			},
		},
		{
			name:   "AttentionPadding",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "qkv", 1, 3*5, 3*8)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				return g.Attention(in[0], 3, 5, 4, AttentionMask{Valid: padMask(3, 5, 5, 3, 1)}, 0)
			},
		},
		{
			name:   "AttentionCausalPadding",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "qkv", 1, 2*6, 3*4)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				return g.Attention(in[0], 2, 6, 2, AttentionMask{Valid: padMask(2, 6, 6, 2), Causal: true}, 0)
			},
		},
		{
			name:   "AttentionMaskWithHoles",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "qkv", 1, 2*5, 3*4)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				valid := []bool{true, false, true, true, false, false, true, false, false, true}
				return g.Attention(in[0], 2, 5, 2, AttentionMask{Valid: valid, Causal: true}, 0)
			},
		},
		{
			name:   "AttentionDropout",
			train:  true,
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "qkv", 1, 2*5, 3*8)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				return g.Attention(in[0], 2, 5, 2, AttentionMask{Valid: padMask(2, 5, 5, 4)}, 0.2)
			},
		},
		{
			name:   "CrossEntropy",
			inputs: func(r *rand.Rand) []*Tensor { return []*Tensor{param(r, "logits", 2, 6, 11)} },
			build: func(g *Graph, in []*Tensor) *Tensor {
				return g.CrossEntropy(in[0], []int32{3, -1, 0, 10, -1, 3})
			},
		},
		{
			name: "SampledSoftmax",
			inputs: func(r *rand.Rand) []*Tensor {
				return []*Tensor{param(r, "q", 1, 6, 4), param(r, "k", 1, 6, 4), param(r, "s", 0.3, 1)}
			},
			build: func(g *Graph, in []*Tensor) *Tensor {
				logits := g.ScaleExp(g.MatMul(g.L2Normalize(in[0]), g.L2Normalize(in[1]), false, true), in[2])
				logQ := []float32{-1, -2, -0.5, -3, -1, -2}
				return g.SampledSoftmax(logits, logQ, []int32{7, 8, 7, 9, 10, 11})
			},
		},
		block("BlockPostLN", BlockConfig{Dim: 8, Heads: 2, Hidden: 12, Act: GELU},
			func() AttentionMask { return AttentionMask{Valid: padMask(2, 5, 5, 3)} }, false, 0),
		block("BlockPostLNDropout", BlockConfig{Dim: 8, Heads: 2, Hidden: 12, Act: GELU, Dropout: 0.2, AttnDropout: 0.2},
			func() AttentionMask { return AttentionMask{Valid: padMask(2, 5, 5, 3)} }, true, 0),
		block("BlockPreLNCausal", BlockConfig{Dim: 8, Heads: 4, Hidden: 16, Act: GELU, PreLN: true},
			func() AttentionMask { return AttentionMask{Valid: padMask(2, 5, 4, 5), Causal: true} }, false, 0),
		// ReLU has kinks: a small step keeps differences from crossing them.
		block("BlockPreLNReLU", BlockConfig{Dim: 8, Heads: 2, Hidden: 16, Act: ReLU, PreLN: true},
			func() AttentionMask { return AttentionMask{Valid: padMask(2, 5, 4, 5), Causal: true} }, false, 1e-3),
		tinyBERTCase(),
	}
}

// tinyBERTCase is a whole BERT4Rec-shaped model: item and position
// embeddings, a post-LN block, the masked positions gathered and scored
// against the (tied) item table with full cross-entropy.
func tinyBERTCase() gradCase {
	const batch, length, items, dim = 2, 4, 9, 8
	var blk *TransformerBlock
	var ln *LayerNorm
	return gradCase{
		name: "TinyBERT4Rec",
		inputs: func(r *rand.Rand) []*Tensor {
			var err error
			blk, err = NewTransformerBlock("b", BlockConfig{Dim: dim, Heads: 2, Hidden: 16, InitStd: 0.3}, r)
			if err != nil {
				panic(err)
			}
			ln = NewLayerNorm("ln", dim)
			item := param(r, "item", 0.5, items, dim)
			item.SetSparse(true)
			return append([]*Tensor{item, param(r, "pos", 0.5, length, dim)}, append(blk.Params(), ln.Params()...)...)
		},
		build: func(g *Graph, in []*Tensor) *Tensor {
			ids := []int32{-1, 2, 8, 5, 1, 3, 3, 7}
			x := g.AddTiled(g.Embedding(in[0], ids), in[1])
			x = ln.Forward(g, x)
			valid := []bool{false, true, true, true, true, true, true, true}
			h := blk.Forward(g, x, batch, length, AttentionMask{Valid: valid})
			h = g.GatherRows(h, []int32{2, 4, 7})
			logits := g.MatMul(h, in[0], false, true)
			return g.CrossEntropy(logits, []int32{4, 0, 6})
		},
	}
}

// evalLoss runs the case forward and returns the scalar loss in float64:
// the output itself when it has one element, else sum(out*w).
func (c gradCase) evalLoss(in []*Tensor, w []float32) float64 {
	g := NewGraph(Config{Threads: 2, Seed: 42})
	g.Train = c.train
	out := c.build(g, in)
	if out.Len() == 1 {
		return float64(out.Data[0])
	}
	var s float64
	for i, v := range out.Data {
		s += float64(v) * float64(w[i])
	}
	return s
}

func TestGradients(t *testing.T) {
	for _, c := range gradCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 11))
			in := c.inputs(r)
			// Analytic gradients.
			g := NewGraph(Config{Threads: 2, Seed: 42})
			g.Train = c.train
			out := c.build(g, in)
			w := make([]float32, out.Len())
			for i := range w {
				w[i] = float32(r.NormFloat64())
			}
			loss := out
			if out.Len() != 1 {
				loss = g.Dot(out, w)
			}
			ZeroGrad(in)
			if err := g.Backward(loss); err != nil {
				t.Fatal(err)
			}
			analytic := make([][]float32, len(in))
			for i, x := range in {
				analytic[i] = append([]float32(nil), x.Grad...)
			}
			tol := c.tol
			if tol == 0 {
				tol = 2e-2
			}
			eps := c.eps
			if eps == 0 {
				eps = 1e-2
			}
			checked := 0
			for ii, x := range in {
				idx := r.Perm(x.Len())
				if len(idx) > 12 {
					idx = idx[:12]
				}
				for _, j := range idx {
					orig := x.Data[j]
					xp, xm := orig+float32(eps), orig-float32(eps)
					x.Data[j] = xp
					fp := c.evalLoss(in, w)
					x.Data[j] = xm
					fm := c.evalLoss(in, w)
					x.Data[j] = orig
					num := (fp - fm) / (float64(xp) - float64(xm))
					got := float64(analytic[ii][j])
					if math.Abs(got-num) > 2e-3+tol*math.Max(math.Abs(got), math.Abs(num)) {
						t.Errorf("input %d (%s) element %d: analytic %.6g, numeric %.6g", ii, x.Name, j, got, num)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("nothing checked")
			}
		})
	}
}
