package baseline

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/moviegenie/genie/internal/model"
)

// ItemKNN is cosine item-item collaborative filtering on the binary
// user-item matrix. Each item i keeps its K most similar items N(i) (ties
// towards the lower index); a user with history H scores item i as
// sum over j in H ∩ N(i) of cos(i, j).
type ItemKNN struct {
	// K is the neighbourhood size.
	K int
	// Shrink is added to the cosine's denominator (0: plain cosine).
	Shrink float64

	n int
	w []float32 // w[j*n+i] = cos(i, j) when j is in N(i)
}

// NewItemKNN returns an unfitted ItemKNN with neighbourhood size k.
func NewItemKNN(k int) *ItemKNN { return &ItemKNN{K: k} }

// Fit computes the cosine similarities and keeps each item's top K.
func (m *ItemKNN) Fit(ctx context.Context, train *model.TrainData) error {
	if m.K <= 0 {
		return fmt.Errorf("itemknn: neighbourhood size %d: must be positive", m.K)
	}
	w, err := knnMatrix(ctx, train, m.K, m.Shrink)
	if err != nil {
		return fmt.Errorf("itemknn: %w", err)
	}
	m.n, m.w = train.NumItems, w
	return nil
}

// Score sums the pruned similarity rows of the user's distinct history.
func (m *ItemKNN) Score(_ int, history []int32, dst []float32) {
	addRows(dst, m.w, m.n, history)
}

// knnMatrix returns the pruned similarity matrix w[j*n+i] = cos(i, j) for
// the k nearest neighbours j of each item i.
func knnMatrix(ctx context.Context, train *model.TrainData, k int, shrink float64) ([]float32, error) {
	n := train.NumItems
	g, err := cooccurrence(ctx, distinctSeqs(train), n)
	if err != nil {
		return nil, err
	}
	norm := make([]float64, n)
	for i := range n {
		norm[i] = math.Sqrt(g[i*n+i])
	}
	w := make([]float32, n*n)
	// Each item's neighbour selection only writes column i of w: safe to
	// run in parallel.
	parallelFor(n, func(i int) {
		type nb struct {
			j   int32
			sim float64
		}
		cands := make([]nb, 0, n)
		row := g[i*n : i*n+n]
		for j, c := range row {
			if j == i || c == 0 {
				continue
			}
			cands = append(cands, nb{int32(j), c / (norm[i]*norm[j] + shrink)})
		}
		slices.SortFunc(cands, func(a, b nb) int {
			if c := cmp.Compare(b.sim, a.sim); c != 0 {
				return c
			}
			return cmp.Compare(a.j, b.j)
		})
		for _, c := range cands[:min(k, len(cands))] {
			w[int(c.j)*n+i] = float32(c.sim)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return w, nil
}
