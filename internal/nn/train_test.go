package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/moviegenie/genie/internal/nn/blas"
)

// seqModel is a BERT4Rec-shaped test model: item and position embeddings,
// transformer blocks, full softmax over the tied item table at the masked
// positions.
type seqModel struct {
	items, pos *Embedding
	ln         *LayerNorm
	blocks     []*TransformerBlock
	length     int
	dropout    float32
}

func newSeqModel(t testing.TB, items, length, dim, heads, layers int, dropout float32, seed uint64) *seqModel {
	rng := rand.New(rand.NewPCG(seed, 0))
	m := &seqModel{
		items:   NewEmbedding("items", items, dim, 0.02, true, rng),
		pos:     NewEmbedding("pos", length, dim, 0.02, false, rng),
		ln:      NewLayerNorm("ln", dim),
		length:  length,
		dropout: dropout,
	}
	for i := range layers {
		b, err := NewTransformerBlock("blocks."+string(rune('0'+i)), BlockConfig{
			Dim: dim, Heads: heads, Hidden: 4 * dim, Dropout: dropout, AttnDropout: dropout,
		}, rng)
		if err != nil {
			t.Fatal(err)
		}
		m.blocks = append(m.blocks, b)
	}
	return m
}

func (m *seqModel) Params() []*Tensor {
	ps := Params(m.items, m.pos, m.ln)
	for _, b := range m.blocks {
		ps = append(ps, b.Params()...)
	}
	return ps
}

// loss builds the masked-item loss for a batch: ids (batch*length, -1 =
// padding), masked positions and their target items.
func (m *seqModel) loss(g *Graph, ids []int32, valid []bool, positions, targets []int32) *Tensor {
	batch := len(ids) / m.length
	x := g.AddTiled(g.Embedding(m.items.W, ids), m.pos.W)
	x = g.Dropout(m.ln.Forward(g, x), m.dropout)
	for _, b := range m.blocks {
		x = b.Forward(g, x, batch, m.length, AttentionMask{Valid: valid})
	}
	h := g.GatherRows(x, positions)
	return g.CrossEntropy(g.MatMul(h, m.items.W, false, true), targets)
}

// batch makes a deterministic synthetic batch where item i+1 follows item i.
func synthBatch(r *rand.Rand, batch, length, items int) (ids []int32, valid []bool, pos, tgt []int32) {
	ids = make([]int32, batch*length)
	valid = make([]bool, batch*length)
	const mask = 0 // item 0 is the [mask] token
	for b := 0; b < batch; b++ {
		n := 2 + r.IntN(length-1)
		start := 1 + r.IntN(items-1)
		for t := 0; t < length; t++ {
			i := b*length + t
			if t < length-n {
				ids[i] = -1
				continue
			}
			valid[i] = true
			item := int32(1 + (start+t)%(items-1))
			ids[i] = item
			if r.Float32() < 0.2 || t == length-1 {
				ids[i] = mask
				pos = append(pos, int32(i))
				tgt = append(tgt, item)
			}
		}
	}
	return
}

func trainSteps(t testing.TB, threads, steps int, dropout, lr float32) (*seqModel, []float32) {
	m := newSeqModel(t, 30, 8, 16, 2, 2, dropout, 1)
	params := m.Params()
	opt := NewAdamW(params, 0.01)
	opt.Threads = threads
	sched := Schedule{Peak: lr, Warmup: 3, Total: steps + 100, Decay: CosineDecay}
	g := NewGraph(Config{Threads: threads, Seed: 5})
	r := rand.New(rand.NewPCG(9, 9))
	var losses []float32
	for s := range steps {
		g.Reset()
		ids, valid, pos, tgt := synthBatch(r, 16, 8, 30)
		loss := m.loss(g, ids, valid, pos, tgt)
		losses = append(losses, loss.Data[0])
		ZeroGrad(params)
		if err := g.Backward(loss); err != nil {
			t.Fatal(err)
		}
		ClipGradNorm(params, 5)
		opt.Step(sched.LR(s))
	}
	return m, losses
}

func TestDeterministicTraining(t *testing.T) {
	a, la := trainSteps(t, 2, 5, 0.1, 0.01)
	b, lb := trainSteps(t, 2, 5, 0.1, 0.01)
	for i := range la {
		if math.Float32bits(la[i]) != math.Float32bits(lb[i]) {
			t.Fatalf("step %d loss %v vs %v", i, la[i], lb[i])
		}
	}
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		for j := range pa[i].Data {
			if math.Float32bits(pa[i].Data[j]) != math.Float32bits(pb[i].Data[j]) {
				t.Fatalf("%s[%d]: %v vs %v", pa[i].Name, j, pa[i].Data[j], pb[i].Data[j])
			}
		}
	}
}

func TestTrainingReducesLoss(t *testing.T) {
	_, losses := trainSteps(t, 2, 300, 0, 0.005)
	first, last := mean(losses[:10]), mean(losses[len(losses)-10:])
	t.Logf("loss %.3f -> %.3f", first, last)
	if !(last < 0.8*first) {
		t.Fatalf("loss went from %.3f to %.3f", first, last)
	}
}

func mean(xs []float32) float64 {
	var s float64
	for _, x := range xs {
		s += float64(x)
	}
	return s / float64(len(xs))
}

func TestEvalModeIsDeterministicAndDropoutFree(t *testing.T) {
	m := newSeqModel(t, 30, 8, 16, 2, 1, 0.5, 3)
	r := rand.New(rand.NewPCG(1, 1))
	ids, valid, pos, tgt := synthBatch(r, 4, 8, 30)
	var got []float32
	for seed := range uint64(2) {
		g := NewGraph(Config{Threads: 2, Seed: seed})
		g.Train, g.NoGrad = false, true
		got = append(got, m.loss(g, ids, valid, pos, tgt).Data[0])
	}
	if got[0] != got[1] {
		t.Fatalf("eval losses differ across dropout seeds: %v", got)
	}
}

func TestThreadCountInvariance(t *testing.T) {
	if blas.Backend != "purego" {
		t.Skip("OpenBLAS results may depend on its thread count")
	}
	a, _ := trainSteps(t, 1, 4, 0.1, 0.01)
	b, _ := trainSteps(t, 3, 4, 0.1, 0.01)
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		for j := range pa[i].Data {
			if math.Float32bits(pa[i].Data[j]) != math.Float32bits(pb[i].Data[j]) {
				t.Fatalf("%s[%d]: %v (1 thread) vs %v (3 threads)", pa[i].Name, j, pa[i].Data[j], pb[i].Data[j])
			}
		}
	}
}
