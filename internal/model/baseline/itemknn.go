package baseline

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/moviegenie/genie/internal/model"
)

// ItemKNN is cosine item-item collaborative filtering on the binary
// user-item matrix. Each item i keeps its K most similar items N(i) (ties
// towards the lower index); a user with history H scores item i as
// sum over distinct j in H ∩ N(i) of cos(i, j).
type ItemKNN struct {
	// K is the neighbourhood size.
	K int
	// Shrink is added to the cosine's denominator (0: plain cosine).
	Shrink float64

	cache *SimilarityCache
	n     int
	rows  [][]neighbour // rows[j]: the items i with j in N(i), and cos(i, j)
}

// neighbour is an item and its similarity to another item.
type neighbour struct {
	item int32
	sim  float32
}

// NewItemKNN returns an unfitted ItemKNN with neighbourhood size k.
func NewItemKNN(k int) *ItemKNN { return &ItemKNN{K: k} }

// WithCache makes the model take its similarity lists from c, so that
// models of different K fitted on the same training data compute the
// similarities once. It returns m.
func (m *ItemKNN) WithCache(c *SimilarityCache) *ItemKNN {
	m.cache = c
	return m
}

// Fit computes (or takes from the cache) each item's similarity list and
// keeps the top K.
func (m *ItemKNN) Fit(ctx context.Context, train *model.TrainData) error {
	if m.K <= 0 {
		return fmt.Errorf("itemknn: neighbourhood size %d: must be positive", m.K)
	}
	lists, err := m.cache.lists(ctx, train, m.Shrink)
	if err != nil {
		return fmt.Errorf("itemknn: %w", err)
	}
	n := train.NumItems
	counts := make([]int, n)
	for _, l := range lists {
		for _, c := range l[:min(m.K, len(l))] {
			counts[c.item]++
		}
	}
	rows := make([][]neighbour, n)
	for j, c := range counts {
		rows[j] = make([]neighbour, 0, c)
	}
	for i, l := range lists {
		for _, c := range l[:min(m.K, len(l))] {
			rows[c.item] = append(rows[c.item], neighbour{int32(i), float32(c.sim)})
		}
	}
	m.n, m.rows = n, rows
	return nil
}

// Score sums the pruned similarities of the user's distinct history items.
func (m *ItemKNN) Score(_ int, history []int32, dst []float32) {
	seen := make([]bool, m.n)
	for _, j := range history {
		if seen[j] {
			continue
		}
		seen[j] = true
		for _, e := range m.rows[j] {
			dst[e.item] += e.sim
		}
	}
}

// Neighbours calls fn for each item i whose neighbourhood holds j, with
// their similarity: what a history of j alone adds to each score, without
// a score vector (for explanations).
func (m *ItemKNN) Neighbours(j int32, fn func(item int32, sim float32)) {
	for _, e := range m.rows[j] {
		fn(e.item, e.sim)
	}
}

// simEntry is one candidate neighbour with its full-precision similarity.
type simEntry struct {
	item int32
	sim  float64
}

// SimilarityCache keeps the cosine similarity lists of the last training
// set it saw, for ItemKNN models that differ only in K. It is safe for
// concurrent use; a nil cache caches nothing.
type SimilarityCache struct {
	mu     sync.Mutex
	train  *model.TrainData
	shrink float64
	sims   [][]simEntry
}

// NewSimilarityCache returns an empty cache.
func NewSimilarityCache() *SimilarityCache { return &SimilarityCache{} }

// lists returns, per item i, every item j != i with a positive cosine,
// sorted by decreasing similarity (ties towards the lower index).
func (c *SimilarityCache) lists(ctx context.Context, train *model.TrainData, shrink float64) ([][]simEntry, error) {
	if c == nil {
		return similarityLists(ctx, train, shrink)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.train == train && c.shrink == shrink && c.sims != nil {
		return c.sims, nil
	}
	s, err := similarityLists(ctx, train, shrink)
	if err != nil {
		return nil, err
	}
	c.train, c.shrink, c.sims = train, shrink, s
	return s, nil
}

// similarityLists computes the sorted cosine lists of every item.
func similarityLists(ctx context.Context, train *model.TrainData, shrink float64) ([][]simEntry, error) {
	n := train.NumItems
	g, err := cooccurrence(ctx, distinctSeqs(train), n)
	if err != nil {
		return nil, err
	}
	norm := make([]float64, n)
	for i := range n {
		norm[i] = math.Sqrt(float64(g[i*n+i]))
	}
	out := make([][]simEntry, n)
	parallelFor(n, func(i int) {
		var l []simEntry
		for j, c := range g[i*n : i*n+n] {
			if j != i && c > 0 {
				l = append(l, simEntry{int32(j), float64(c) / (norm[i]*norm[j] + shrink)})
			}
		}
		// Plain comparisons: similarities are finite (no NaN handling
		// needed), and this sort is most of a server's start-up CPU.
		slices.SortFunc(l, func(a, b simEntry) int {
			switch {
			case a.sim > b.sim:
				return -1
			case a.sim < b.sim:
				return 1
			}
			return int(a.item - b.item)
		})
		out[i] = slices.Clip(l)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
