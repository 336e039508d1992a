package twotower

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/moviegenie/genie/internal/nn"
)

// net holds the parameters of both towers.
//
// Each tower's first layer reads the concatenation of its inputs; it is
// written as a sum of one Linear per input (W·[a; b] = W_a·a + W_b·b),
// since the engine has no concatenation op.
type net struct {
	dim, out                  int
	numUsers, numItems        int
	featDim, contentDim       int
	userID, itemID            *nn.Embedding // sparse [U, D], [I, D]
	hist                      *nn.Tensor    // [I, D], mean-pooled per user by EmbeddingBag
	uInID, uInFeat, uInHist   *nn.Linear
	iInID, iInContent         *nn.Linear
	uMLP, iMLP                []*nn.Linear
	logScale                  *nn.Tensor // [1], the learned inverse temperature's log
	maxLogScale, initLogScale float32
	params                    []*nn.Tensor
	userFeats, content        *nn.Tensor // constants [U, F], [I, C]
}

// newNet builds a member's towers; prefix is put before every parameter
// name ("" for a single model, "members.K." in an ensemble).
func newNet(cfg Config, prefix string, numUsers, numItems, featDim, contentDim int, rng *rand.Rand) *net {
	d, h := cfg.EmbeddingDim, cfg.HiddenDims
	n := &net{dim: d, out: h[len(h)-1], numUsers: numUsers, numItems: numItems, featDim: featDim, contentDim: contentDim}
	lin := func(name string, in, out int, bias bool) *nn.Linear {
		return nn.NewLinear(prefix+name, in, out, bias, 1/math.Sqrt(float64(in)), rng)
	}
	n.userID = nn.NewEmbedding(prefix+"user.id", numUsers, d, 0.05, true, rng)
	n.itemID = nn.NewEmbedding(prefix+"item.id", numItems, d, 0.05, true, rng)
	n.hist = nn.NewParam(prefix+"user.history.weight", numItems, d)
	nn.InitNormal(n.hist, rng, 0.05)
	n.uInID = lin("user.in.id", d, h[0], true)
	n.uInHist = lin("user.in.history", d, h[0], false)
	n.iInID = lin("item.in.id", d, h[0], true)
	n.params = nn.Params(n.userID, n.itemID, n.uInID, n.uInHist, n.iInID)
	n.params = append(n.params, n.hist)
	if featDim > 0 {
		n.uInFeat = lin("user.in.features", featDim, h[0], false)
		n.params = append(n.params, n.uInFeat.Params()...)
	}
	if contentDim > 0 {
		n.iInContent = lin("item.in.content", contentDim, h[0], false)
		n.params = append(n.params, n.iInContent.Params()...)
	}
	for k := 1; k < len(h); k++ {
		u := lin(fmt.Sprintf("user.mlp.%d", k), h[k-1], h[k], true)
		it := lin(fmt.Sprintf("item.mlp.%d", k), h[k-1], h[k], true)
		n.uMLP, n.iMLP = append(n.uMLP, u), append(n.iMLP, it)
		n.params = append(n.params, u.Params()...)
		n.params = append(n.params, it.Params()...)
	}
	n.initLogScale = float32(math.Log(1 / cfg.Temperature))
	n.maxLogScale = float32(math.Log(100))
	n.logScale = nn.NewParam(prefix+"log_scale", 1)
	n.logScale.Data[0] = n.initLogScale
	n.logScale.NoDecay = true
	n.params = append(n.params, n.logScale)
	return n
}

// mlp applies ReLU then the hidden layers, ReLU between them, none after
// the last, then L2-normalises.
func mlp(g *nn.Graph, h *nn.Tensor, layers []*nn.Linear) *nn.Tensor {
	if len(layers) > 0 {
		h = g.ReLU(h)
	}
	for k, l := range layers {
		h = l.Forward(g, h)
		if k+1 < len(layers) {
			h = g.ReLU(h)
		}
	}
	return g.L2Normalize(h)
}

// historyBags holds a batch's pooled histories in nn.EmbeddingBag's form:
// bag b is user b's history items, each weighted 1/len (the mean).
type historyBags struct {
	ids, offsets []int32
	weights      []float32
}

// reset empties the bags for the next batch.
func (h *historyBags) reset() {
	h.ids, h.weights, h.offsets = h.ids[:0], h.weights[:0], append(h.offsets[:0], 0)
}

// add appends the next user's bag (empty: no history).
func (h *historyBags) add(items []int32) {
	w := 1 / float32(max(len(items), 1))
	for _, it := range items {
		h.ids, h.weights = append(h.ids, it), append(h.weights, w)
	}
	h.offsets = append(h.offsets, int32(len(h.ids)))
}

// userTower runs the user tower on a batch: uids (negative: no id
// embedding), feats [B, F] and the batch's histories.
func (n *net) userTower(g *nn.Graph, uids []int32, feats *nn.Tensor, hist *historyBags) *nn.Tensor {
	h := n.uInID.Forward(g, g.Embedding(n.userID.W, uids))
	if n.uInFeat != nil {
		h = g.Add(h, n.uInFeat.Forward(g, feats))
	}
	h = g.Add(h, n.uInHist.Forward(g, g.EmbeddingBag(n.hist, hist.ids, hist.offsets, hist.weights)))
	return mlp(g, h, n.uMLP)
}

// itemTower runs the item tower on items (dense indices); idIDs are the
// id-embedding rows (negative: hidden id).
func (n *net) itemTower(g *nn.Graph, items, idIDs []int32) *nn.Tensor {
	h := n.iInID.Forward(g, g.Embedding(n.itemID.W, idIDs))
	if n.iInContent != nil {
		h = g.Add(h, n.iInContent.Forward(g, g.GatherRows(n.content, items)))
	}
	return mlp(g, h, n.iMLP)
}

// The inference path below is plain Go over the same parameters: it is
// safe for concurrent use and needs no graph, so a loaded model serves
// without the training engine's buffers.

// linearInto writes W·x (+ b) into dst, or adds it when add is set.
//
// When most of x is zero (content vectors are ~4 % non-zero, ReLU outputs
// about half) only its non-zero entries are visited, in the same order.
// That is bit-identical: s starts at +0 and a float sum of non-zero terms
// is never -0, so s + (±0) == s for every skipped term.
func linearInto(dst []float32, l *nn.Linear, x []float32, add bool) {
	in := len(x)
	w := l.W.Data
	nnz := 0
	for _, v := range x {
		if v != 0 {
			nnz++
		}
	}
	var nz []int32
	if 2*nnz < in {
		nz = make([]int32, 0, nnz)
		for j, v := range x {
			if v != 0 {
				nz = append(nz, int32(j))
			}
		}
	}
	for o := range dst {
		var s float32
		row := w[o*in : (o+1)*in]
		if nz != nil {
			for _, j := range nz {
				s += row[j] * x[j]
			}
		} else {
			for j, v := range x {
				s += row[j] * v
			}
		}
		if l.B != nil {
			s += l.B.Data[o]
		}
		if add {
			dst[o] += s
		} else {
			dst[o] = s
		}
	}
}

// tail applies mlp's ReLU, hidden layers and L2 normalisation to h.
func tail(h []float32, layers []*nn.Linear) []float32 {
	relu := func(v []float32) {
		for i, x := range v {
			if x < 0 {
				v[i] = 0
			}
		}
	}
	if len(layers) > 0 {
		relu(h)
	}
	for k, l := range layers {
		next := make([]float32, l.W.Shape[0])
		linearInto(next, l, h, false)
		if k+1 < len(layers) {
			relu(next)
		}
		h = next
	}
	var s float32
	for _, x := range h {
		s += x * x
	}
	norm := float32(math.Max(math.Sqrt(float64(s)), 1e-12))
	for i := range h {
		h[i] /= norm
	}
	return h
}

// userVec returns the user tower's output for dense user u (negative: no
// id embedding) with features feats and history items hist (dense, already
// cut to the pooled window).
func (n *net) userVec(u int32, feats []float32, hist []int32) []float32 {
	h := make([]float32, n.uInID.W.Shape[0])
	e := make([]float32, n.dim)
	if u >= 0 {
		copy(e, n.userID.W.Data[int(u)*n.dim:int(u+1)*n.dim])
	}
	linearInto(h, n.uInID, e, false)
	if n.uInFeat != nil {
		linearInto(h, n.uInFeat, feats, true)
	}
	clear(e)
	if len(hist) > 0 {
		w := 1 / float32(len(hist))
		for _, it := range hist {
			row := n.hist.Data[int(it)*n.dim : int(it+1)*n.dim]
			for j, v := range row {
				e[j] += w * v
			}
		}
	}
	linearInto(h, n.uInHist, e, true)
	return tail(h, n.uMLP)
}

// itemVec returns the item tower's output for dense item i.
func (n *net) itemVec(i int32) []float32 {
	h := make([]float32, n.iInID.W.Shape[0])
	linearInto(h, n.iInID, n.itemID.W.Data[int(i)*n.dim:int(i+1)*n.dim], false)
	if n.iInContent != nil {
		linearInto(h, n.iInContent, n.content.Data[int(i)*n.contentDim:int(i+1)*n.contentDim], true)
	}
	return tail(h, n.iMLP)
}
