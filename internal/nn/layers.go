package nn

import (
	"fmt"
	"math/rand/v2"
)

// Layer is a building block holding trainable parameters. Each layer also
// has a Forward method whose signature fits what it computes; forward
// passes record their gradients on the [Graph] they are given.
type Layer interface {
	// Params returns the layer's trainable tensors, in a stable order.
	Params() []*Tensor
}

// Params concatenates the parameters of layers.
func Params(layers ...Layer) []*Tensor {
	var ps []*Tensor
	for _, l := range layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Linear is a fully connected layer y = x·Wᵀ + b with W of shape [out, in].
type Linear struct {
	W, B *Tensor // B is nil without bias
}

// NewLinear returns a Linear layer named prefix (parameters prefix.weight
// and prefix.bias) with W drawn from truncated normal(0, std) and a zero
// bias when bias is set.
func NewLinear(prefix string, in, out int, bias bool, std float64, rng *rand.Rand) *Linear {
	l := &Linear{W: NewParam(prefix+".weight", out, in)}
	InitNormal(l.W, rng, std)
	if bias {
		l.B = NewParam(prefix+".bias", out)
		l.B.NoDecay = true
	}
	return l
}

// Params implements [Layer].
func (l *Linear) Params() []*Tensor {
	if l.B == nil {
		return []*Tensor{l.W}
	}
	return []*Tensor{l.W, l.B}
}

// Forward applies the layer to x of shape [..., in].
func (l *Linear) Forward(g *Graph, x *Tensor) *Tensor { return g.Linear(x, l.W, l.B) }

// Embedding is a lookup table of shape [n, dim].
type Embedding struct {
	W *Tensor
}

// NewEmbedding returns an n x dim table named prefix.weight drawn from
// truncated normal(0, std), with row-sparse gradients when sparse is set.
func NewEmbedding(prefix string, n, dim int, std float64, sparse bool, rng *rand.Rand) *Embedding {
	e := &Embedding{W: NewParam(prefix+".weight", n, dim)}
	InitNormal(e.W, rng, std)
	e.W.SetSparse(sparse)
	return e
}

// Params implements [Layer].
func (e *Embedding) Params() []*Tensor { return []*Tensor{e.W} }

// Forward looks up ids (negative ids give zero rows).
func (e *Embedding) Forward(g *Graph, ids []int32) *Tensor { return g.Embedding(e.W, ids) }

// LayerNorm normalizes the last dimension with learned scale and shift.
type LayerNorm struct {
	Gamma, Beta *Tensor // scale and shift, one per column
	Eps         float32 // added to the variance
}

// NewLayerNorm returns a LayerNorm over dim columns (prefix.weight = 1,
// prefix.bias = 0, eps 1e-5 as PyTorch's default; BERT uses 1e-12).
func NewLayerNorm(prefix string, dim int) *LayerNorm {
	ln := &LayerNorm{Gamma: NewParam(prefix+".weight", dim), Beta: NewParam(prefix+".bias", dim), Eps: 1e-5}
	InitConst(ln.Gamma, 1)
	ln.Gamma.NoDecay, ln.Beta.NoDecay = true, true
	return ln
}

// Params implements [Layer].
func (l *LayerNorm) Params() []*Tensor { return []*Tensor{l.Gamma, l.Beta} }

// Forward normalizes x.
func (l *LayerNorm) Forward(g *Graph, x *Tensor) *Tensor {
	return g.LayerNorm(x, l.Gamma, l.Beta, l.Eps)
}

// MultiHeadAttention is self-attention with a fused query/key/value
// projection (QKV, [3D, D]) and an output projection (Out, [D, D]).
type MultiHeadAttention struct {
	QKV, Out *Linear // fused input projection [3D, D], output projection [D, D]
	Heads    int     // number of heads; divides D
	// Dropout is the attention-probability dropout rate.
	Dropout float32
}

// NewMultiHeadAttention returns attention over dim features with heads
// heads; weights are drawn from truncated normal(0, std).
func NewMultiHeadAttention(prefix string, dim, heads int, dropout float32, std float64, rng *rand.Rand) *MultiHeadAttention {
	return &MultiHeadAttention{
		QKV:     NewLinear(prefix+".qkv", dim, 3*dim, true, std, rng),
		Out:     NewLinear(prefix+".out", dim, dim, true, std, rng),
		Heads:   heads,
		Dropout: dropout,
	}
}

// Params implements [Layer].
func (a *MultiHeadAttention) Params() []*Tensor { return Params(a.QKV, a.Out) }

// Forward attends over x of shape [batch*length, D].
func (a *MultiHeadAttention) Forward(g *Graph, x *Tensor, batch, length int, mask AttentionMask) *Tensor {
	qkv := a.QKV.Forward(g, x)
	return a.Out.Forward(g, g.Attention(qkv, batch, length, a.Heads, mask, a.Dropout))
}

// Activation selects the nonlinearity of a [FeedForward] layer.
type Activation int

// Activations.
const (
	GELU Activation = iota // tanh-approximated GELU (BERT4Rec)
	ReLU                   // ReLU (SASRec)
)

// FeedForward is the position-wise two-layer network of a transformer.
type FeedForward struct {
	Up, Down *Linear    // dim -> hidden, hidden -> dim
	Act      Activation // nonlinearity between them
}

// NewFeedForward returns dim -> hidden -> dim with the given activation.
func NewFeedForward(prefix string, dim, hidden int, act Activation, std float64, rng *rand.Rand) *FeedForward {
	return &FeedForward{
		Up:   NewLinear(prefix+".up", dim, hidden, true, std, rng),
		Down: NewLinear(prefix+".down", hidden, dim, true, std, rng),
		Act:  act,
	}
}

// Params implements [Layer].
func (f *FeedForward) Params() []*Tensor { return Params(f.Up, f.Down) }

// Forward applies the network to x of shape [..., dim]; dropout is
// applied to the hidden activations.
func (f *FeedForward) Forward(g *Graph, x *Tensor, dropout float32) *Tensor {
	h := f.Up.Forward(g, x)
	if f.Act == ReLU {
		h = g.ReLU(h)
	} else {
		h = g.GELU(h)
	}
	return f.Down.Forward(g, g.Dropout(h, dropout))
}

// BlockConfig configures a [TransformerBlock].
type BlockConfig struct {
	Dim, Heads, Hidden int     // model width, heads, feed-forward width
	Dropout            float32 // on sub-layer outputs and FFN hidden units
	AttnDropout        float32 // on attention probabilities
	PreLN              bool    // pre-LN (SASRec style) instead of post-LN (BERT)
	Act                Activation
	Eps                float32 // layer-norm epsilon; 0 means 1e-5
	InitStd            float64 // weight init std; 0 means 0.02
}

// TransformerBlock is one encoder layer: self-attention and a feed-forward
// network, each wrapped in dropout, a residual connection and layer norm.
// Post-LN: x = LN(x + Drop(Attn(x))); x = LN(x + Drop(FFN(x))).
// Pre-LN:  x = x + Drop(Attn(LN(x))); x = x + Drop(FFN(LN(x))).
type TransformerBlock struct {
	Cfg      BlockConfig
	Attn     *MultiHeadAttention
	FFN      *FeedForward
	LN1, LN2 *LayerNorm // around attention and feed-forward respectively
}

// NewTransformerBlock returns a block named prefix (e.g. "blocks.0").
func NewTransformerBlock(prefix string, cfg BlockConfig, rng *rand.Rand) (*TransformerBlock, error) {
	if cfg.Dim <= 0 || cfg.Heads <= 0 || cfg.Dim%cfg.Heads != 0 || cfg.Hidden <= 0 {
		return nil, fmt.Errorf("nn: transformer block %s: invalid sizes dim=%d heads=%d hidden=%d", prefix, cfg.Dim, cfg.Heads, cfg.Hidden)
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-5
	}
	if cfg.InitStd == 0 {
		cfg.InitStd = 0.02
	}
	b := &TransformerBlock{
		Cfg:  cfg,
		Attn: NewMultiHeadAttention(prefix+".attn", cfg.Dim, cfg.Heads, cfg.AttnDropout, cfg.InitStd, rng),
		FFN:  NewFeedForward(prefix+".ffn", cfg.Dim, cfg.Hidden, cfg.Act, cfg.InitStd, rng),
		LN1:  NewLayerNorm(prefix+".ln1", cfg.Dim),
		LN2:  NewLayerNorm(prefix+".ln2", cfg.Dim),
	}
	b.LN1.Eps, b.LN2.Eps = cfg.Eps, cfg.Eps
	return b, nil
}

// Params implements [Layer].
func (b *TransformerBlock) Params() []*Tensor { return Params(b.Attn, b.FFN, b.LN1, b.LN2) }

// Forward applies the block to x of shape [batch*length, Dim].
func (b *TransformerBlock) Forward(g *Graph, x *Tensor, batch, length int, mask AttentionMask) *Tensor {
	c := b.Cfg
	if c.PreLN {
		h := b.Attn.Forward(g, b.LN1.Forward(g, x), batch, length, mask)
		x = g.Add(x, g.Dropout(h, c.Dropout))
		h = b.FFN.Forward(g, b.LN2.Forward(g, x), c.Dropout)
		return g.Add(x, g.Dropout(h, c.Dropout))
	}
	h := b.Attn.Forward(g, x, batch, length, mask)
	x = b.LN1.Forward(g, g.Add(x, g.Dropout(h, c.Dropout)))
	h = b.FFN.Forward(g, x, c.Dropout)
	return b.LN2.Forward(g, g.Add(x, g.Dropout(h, c.Dropout)))
}
