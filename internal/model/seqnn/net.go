package seqnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/moviegenie/genie/internal/nn"
)

// Token values of an input sequence besides item indices 0..NumItems-1.
const (
	// Pad is an empty (left-padding) position.
	Pad int32 = -1
	// Mask is BERT4Rec's [mask] token.
	Mask int32 = -2
)

// Net is the network: parameters only, no training state. Its methods
// build computations on a caller's [nn.Graph].
type Net struct {
	Cfg      Config
	NumItems int

	Items  *nn.Embedding // [NumItems, Dim], also the tied output layer
	MaskE  *nn.Embedding // [1, Dim], BERT4Rec's mask token (nil for SASRec)
	Pos    *nn.Embedding // [MaxLen, Dim]
	EmbLN  *nn.LayerNorm // post-LN: after the embeddings
	Blocks []*nn.TransformerBlock
	OutLN  *nn.LayerNorm // pre-LN: after the blocks
	Dense  *nn.Linear    // head transform (Head)
	HeadLN *nn.LayerNorm // head layer norm (Head)
	Bias   *nn.Tensor    // output bias [NumItems] (Head)
}

// NewNet returns a freshly initialized network for numItems items.
func NewNet(cfg Config, numItems int) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if numItems < 1 {
		return nil, fmt.Errorf("%w: %s: %d items", ErrConfig, cfg.Name, numItems)
	}
	std := cfg.InitStd
	if std <= 0 {
		std = 0.02
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5e9))
	n := &Net{Cfg: cfg, NumItems: numItems}
	n.Items = nn.NewEmbedding("items", numItems, cfg.Dim, std, false, rng)
	if cfg.Bidirectional {
		n.MaskE = nn.NewEmbedding("mask", 1, cfg.Dim, std, false, rng)
	}
	n.Pos = nn.NewEmbedding("pos", cfg.MaxLen, cfg.Dim, std, false, rng)
	if !cfg.PreLN {
		n.EmbLN = nn.NewLayerNorm("emb_ln", cfg.Dim)
	}
	for i := range cfg.Layers {
		b, err := nn.NewTransformerBlock(fmt.Sprintf("blocks.%d", i), nn.BlockConfig{
			Dim: cfg.Dim, Heads: cfg.Heads, Hidden: cfg.ffn(),
			Dropout: float32(cfg.Dropout), AttnDropout: float32(cfg.AttnDropout),
			PreLN: cfg.PreLN, Act: cfg.act(), InitStd: std,
		}, rng)
		if err != nil {
			return nil, fmt.Errorf("seqnn: %s: %w", cfg.Name, err)
		}
		n.Blocks = append(n.Blocks, b)
	}
	if cfg.PreLN {
		n.OutLN = nn.NewLayerNorm("out_ln", cfg.Dim)
	}
	if cfg.Head {
		n.Dense = nn.NewLinear("head.dense", cfg.Dim, cfg.Dim, true, std, rng)
		n.HeadLN = nn.NewLayerNorm("head.ln", cfg.Dim)
		n.Bias = nn.NewParam("out.bias", numItems)
		n.Bias.NoDecay = true
	}
	return n, nil
}

// Params returns every trainable tensor, in a fixed order.
func (n *Net) Params() []*nn.Tensor {
	ps := n.Items.Params()
	if n.MaskE != nil {
		ps = append(ps, n.MaskE.Params()...)
	}
	ps = append(ps, n.Pos.Params()...)
	if n.EmbLN != nil {
		ps = append(ps, n.EmbLN.Params()...)
	}
	for _, b := range n.Blocks {
		ps = append(ps, b.Params()...)
	}
	if n.OutLN != nil {
		ps = append(ps, n.OutLN.Params()...)
	}
	if n.Dense != nil {
		ps = append(ps, n.Dense.Params()...)
		ps = append(ps, n.HeadLN.Params()...)
		ps = append(ps, n.Bias)
	}
	return ps
}

// Batch is a batch of right-aligned token sequences of a common length L
// (at most MaxLen): Tokens[b*L+j] is an item index, Pad or Mask. The last
// slot of every sequence takes the last position embedding, so a sequence
// reads the same whatever L its batch has.
type Batch struct {
	B, L   int
	Tokens []int32
	// scratch derived from Tokens
	itemIDs, maskIDs, posIDs []int32
	valid                    []bool
}

// reset sizes the batch for b sequences of length l, all padding.
func (bt *Batch) reset(b, l int) {
	bt.B, bt.L = b, l
	n := b * l
	bt.Tokens = grow(bt.Tokens, n)
	for i := range bt.Tokens {
		bt.Tokens[i] = Pad
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// prepare derives the embedding ids and the padding mask from Tokens.
func (bt *Batch) prepare(maxLen int) {
	n := bt.B * bt.L
	bt.itemIDs = grow(bt.itemIDs, n)
	bt.maskIDs = grow(bt.maskIDs, n)
	bt.posIDs = grow(bt.posIDs, n)
	bt.valid = grow(bt.valid, n)
	off := int32(maxLen - bt.L)
	for i, t := range bt.Tokens {
		bt.itemIDs[i], bt.maskIDs[i], bt.posIDs[i], bt.valid[i] = -1, -1, -1, t != Pad
		switch {
		case t >= 0:
			bt.itemIDs[i] = t
		case t == Mask:
			bt.maskIDs[i] = 0
		}
		if t != Pad {
			bt.posIDs[i] = off + int32(i%bt.L)
		}
	}
}

// Encode returns the final hidden states [B*L, Dim] of a prepared batch.
func (n *Net) Encode(g *nn.Graph, bt *Batch) *nn.Tensor {
	bt.prepare(n.Cfg.MaxLen)
	c := &n.Cfg
	x := g.Embedding(n.Items.W, bt.itemIDs)
	if c.PreLN { // SASRec scales item embeddings by sqrt(d); BERT does not
		x = g.Scale(x, float32(math.Sqrt(float64(c.Dim))))
	}
	if n.MaskE != nil {
		x = g.Add(x, g.Embedding(n.MaskE.W, bt.maskIDs))
	}
	x = g.Add(x, g.Embedding(n.Pos.W, bt.posIDs))
	if n.EmbLN != nil {
		x = n.EmbLN.Forward(g, x)
	}
	x = g.Dropout(x, float32(c.Dropout))
	mask := nn.AttentionMask{Valid: bt.valid, Causal: !c.Bidirectional}
	for _, b := range n.Blocks {
		x = b.Forward(g, x, bt.B, bt.L, mask)
	}
	if n.OutLN != nil {
		x = n.OutLN.Forward(g, x)
	}
	return x
}

// Logits maps hidden states [N, Dim] to item scores [N, NumItems] through
// the head (if any) and the tied item embedding.
func (n *Net) Logits(g *nn.Graph, h *nn.Tensor) *nn.Tensor {
	if n.Dense != nil {
		h = n.HeadLN.Forward(g, g.GELU(n.Dense.Forward(g, h)))
		return g.Linear(h, n.Items.W, n.Bias)
	}
	return g.Linear(h, n.Items.W, nil)
}
