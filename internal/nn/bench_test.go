package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkBERT4RecStep times one training step (forward, backward, clip,
// AdamW) of the seed's BERT4Rec: batch 256, length 50, hidden 128, 4
// layers, 8 heads, 1,700 items, loss over the masked positions.
func BenchmarkBERT4RecStep(b *testing.B) {
	const batch, length, items = 256, 50, 1700
	m := newSeqModel(b, items, length, 128, 8, 4, 0.1, 1)
	params := m.Params()
	opt := NewAdamW(params, 0.01)
	opt.Threads = 2
	g := NewGraph(Config{Threads: 2, Seed: 1})
	r := rand.New(rand.NewPCG(1, 2))
	ids, valid, pos, tgt := synthBatch(r, batch, length, items)
	b.ReportAllocs()
	for b.Loop() {
		g.Reset()
		loss := m.loss(g, ids, valid, pos, tgt)
		ZeroGrad(params)
		if err := g.Backward(loss); err != nil {
			b.Fatal(err)
		}
		ClipGradNorm(params, 5)
		opt.Step(1e-3)
	}
}

// BenchmarkBERT4RecInference times scoring every item for one history of
// 50 items on one thread (the serving path): 4 layers, hidden 128.
func BenchmarkBERT4RecInference(b *testing.B) {
	const length, items = 50, 1700
	m := newSeqModel(b, items, length, 128, 8, 4, 0.1, 1)
	g := NewGraph(Config{Threads: 1})
	g.Train, g.NoGrad = false, true
	r := rand.New(rand.NewPCG(1, 2))
	ids, valid, _, _ := synthBatch(r, 1, length, items)
	ids[length-1] = 0 // [mask] at the end: predict the next item
	b.ReportAllocs()
	for b.Loop() {
		g.Reset()
		x := g.AddTiled(g.Embedding(m.items.W, ids), m.pos.W)
		x = m.ln.Forward(g, x)
		for _, blk := range m.blocks {
			x = blk.Forward(g, x, 1, length, AttentionMask{Valid: valid})
		}
		h := g.GatherRows(x, []int32{length - 1})
		scores := g.MatMul(h, m.items.W, false, true)
		_ = scores.Data[0]
	}
}

// BenchmarkSASRecStep times one training step of a SASRec-shaped model:
// batch 256, length 50, hidden 64, 2 pre-LN causal layers with 2 heads,
// full cross-entropy over 1,700 items at every position (12,800 x 1,700
// logits).
func BenchmarkSASRecStep(b *testing.B) {
	const batch, length, items, dim = 256, 50, 1700, 64
	rng := rand.New(rand.NewPCG(3, 3))
	emb := NewEmbedding("items", items, dim, 0.02, false, rng)
	pos := NewEmbedding("pos", length, dim, 0.02, false, rng)
	ln := NewLayerNorm("ln", dim)
	var blocks []*TransformerBlock
	for i := range 2 {
		blk, err := NewTransformerBlock(fmt.Sprintf("blocks.%d", i), BlockConfig{
			Dim: dim, Heads: 2, Hidden: dim, Dropout: 0.2, AttnDropout: 0.2, PreLN: true, Act: ReLU,
		}, rng)
		if err != nil {
			b.Fatal(err)
		}
		blocks = append(blocks, blk)
	}
	params := Params(emb, pos, ln)
	for _, blk := range blocks {
		params = append(params, blk.Params()...)
	}
	opt := NewAdamW(params, 0)
	opt.Threads = 2
	g := NewGraph(Config{Threads: 2, Seed: 1})
	ids := make([]int32, batch*length)
	targets := make([]int32, batch*length)
	valid := make([]bool, batch*length)
	for i := range ids {
		ids[i] = int32(rng.IntN(items))
		targets[i] = int32(rng.IntN(items))
		valid[i] = true
	}
	b.ReportAllocs()
	for b.Loop() {
		g.Reset()
		x := g.Dropout(g.AddTiled(emb.Forward(g, ids), pos.W), 0.2)
		for _, blk := range blocks {
			x = blk.Forward(g, x, batch, length, AttentionMask{Valid: valid, Causal: true})
		}
		x = ln.Forward(g, x)
		loss := g.CrossEntropy(g.MatMul(x, emb.W, false, true), targets)
		ZeroGrad(params)
		if err := g.Backward(loss); err != nil {
			b.Fatal(err)
		}
		opt.Step(1e-3)
	}
}

// BenchmarkHistoryPooling times the forward and backward pass of the
// Two-Tower user tower's history mean (batch 512, 100 items per history,
// width 64) both ways: EmbeddingBag, and the dense [batch, items] pooling
// matrix times the table it replaced, for the ml-100k catalogue (1,349
// movies after filtering) and one of ml-25m's size (32,720).
func BenchmarkHistoryPooling(b *testing.B) {
	const batch, hist, d = 512, 100, 64
	for _, items := range []int{1349, 32720} {
		r := rand.New(rand.NewPCG(1, 2))
		table := NewParam("hist", items, d)
		ids := make([]int32, batch*hist)
		offsets := make([]int32, batch+1)
		weights := make([]float32, len(ids))
		pool := make([]float32, batch*items)
		for k := range ids {
			ids[k] = int32(r.IntN(items))
			weights[k] = 1.0 / hist
		}
		for bag := range batch {
			offsets[bag+1] = int32((bag + 1) * hist)
		}
		g := NewGraph(Config{Threads: 2})
		for _, way := range []string{"bag", "matmul"} {
			b.Run(fmt.Sprintf("%s/items=%d", way, items), func(b *testing.B) {
				for b.Loop() {
					g.Reset()
					var y *Tensor
					if way == "bag" {
						y = g.EmbeddingBag(table, ids, offsets, weights)
					} else {
						clear(pool) // the per-step rebuild of the pooling matrix
						for k, id := range ids {
							pool[k/hist*items+int(id)] += weights[k]
						}
						y = g.MatMul(NewTensor(pool, batch, items), table, false, false)
					}
					ZeroGrad([]*Tensor{table})
					if err := g.Backward(g.Dot(y, weights[:y.Len()])); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
