package nn

import (
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
