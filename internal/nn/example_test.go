package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/moviegenie/genie/internal/nn"
)

// Example trains a one-block causal transformer (SASRec-shaped) to predict
// the next item of sequences where item i is always followed by item i+1.
func Example() {
	const (
		items, length, dim, batch = 20, 6, 16, 32
	)
	rng := rand.New(rand.NewPCG(1, 2))
	emb := nn.NewEmbedding("items", items, dim, 0.1, true, rng)
	pos := nn.NewEmbedding("pos", length, dim, 0.1, false, rng)
	block, err := nn.NewTransformerBlock("blocks.0", nn.BlockConfig{
		Dim: dim, Heads: 2, Hidden: 2 * dim, PreLN: true, Act: nn.ReLU,
	}, rng)
	if err != nil {
		panic(err)
	}
	params := nn.Params(emb, pos, block)
	opt := nn.NewAdamW(params, 0.01)
	sched := nn.Schedule{Peak: 0.01, Warmup: 10, Total: 200, Decay: nn.CosineDecay}
	g := nn.NewGraph(nn.Config{Threads: 2, Seed: 7})

	ids := make([]int32, batch*length)
	targets := make([]int32, batch*length)
	var first, last float32
	for step := 0; step < 200; step++ {
		for b := 0; b < batch; b++ {
			start := rng.IntN(items)
			for t := 0; t < length; t++ {
				ids[b*length+t] = int32((start + t) % items)
				targets[b*length+t] = int32((start + t + 1) % items)
			}
		}
		g.Reset()
		x := g.AddTiled(emb.Forward(g, ids), pos.W)
		h := block.Forward(g, x, batch, length, nn.AttentionMask{Causal: true})
		loss := g.CrossEntropy(g.MatMul(h, emb.W, false, true), targets) // tied output
		nn.ZeroGrad(params)
		if err := g.Backward(loss); err != nil {
			panic(err)
		}
		nn.ClipGradNorm(params, 5)
		opt.Step(sched.LR(step))
		if step == 0 {
			first = loss.Data[0]
		}
		last = loss.Data[0]
	}
	fmt.Printf("loss fell below a tenth: %v\n", last < first/10)
	// Output: loss fell below a tenth: true
}
