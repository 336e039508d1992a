package baseline

import (
	"context"
	"fmt"

	"github.com/moviegenie/genie/internal/model"
)

// Markov is a first-order Markov chain: transition counts between
// consecutive training items of each user, normalised per source item; a
// user is scored from the last item of the history, P(next | last).
type Markov struct {
	n int
	p []float32 // p[a*n+b] = P(b | a)
}

// NewMarkov returns an unfitted Markov chain.
func NewMarkov() *Markov { return &Markov{} }

// Fit counts the transitions of every training sequence.
func (m *Markov) Fit(ctx context.Context, train *model.TrainData) error {
	n := train.NumItems
	counts := make([]float64, n*n)
	out := make([]float64, n)
	for u, s := range train.Seqs {
		if u%256 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("markov: %w", err)
			}
		}
		for k := 1; k < len(s); k++ {
			a, b := int(s[k-1]), int(s[k])
			counts[a*n+b]++
			out[a]++
		}
	}
	m.n = n
	m.p = make([]float32, n*n)
	for a := range n {
		if out[a] == 0 {
			continue
		}
		for b := range n {
			m.p[a*n+b] = float32(counts[a*n+b] / out[a])
		}
	}
	return nil
}

// Score writes P(item | last history item); all zeros for an empty history.
func (m *Markov) Score(_ int, history []int32, dst []float32) {
	if len(history) == 0 {
		return
	}
	last := int(history[len(history)-1])
	copy(dst, m.p[last*m.n:last*m.n+m.n])
}

// MarkovKNN blends the Markov chain with ItemKNN linearly, without
// normalisation: score(i) = itemknn(i) + Weight * P(i | last item). With a
// large Weight the chain orders the items it knows a transition to and
// ItemKNN orders the rest and breaks the chain's ties.
type MarkovKNN struct {
	// K is the ItemKNN neighbourhood size.
	K int
	// Weight multiplies the Markov transition probability; >= 0.
	Weight float32
	// Window, when positive, restricts the ItemKNN part to the last Window
	// history items (a recency-aware variant); 0 uses the whole history.
	Window int

	markov Markov
	knn    ItemKNN
	cache  *SimilarityCache
}

// NewMarkovKNN returns an unfitted blend with neighbourhood size k and
// Markov weight w over the whole history.
func NewMarkovKNN(k int, w float32) *MarkovKNN { return &MarkovKNN{K: k, Weight: w} }

// WithCache makes the ItemKNN part take its similarity lists from c (see
// ItemKNN.WithCache). It returns m.
func (m *MarkovKNN) WithCache(c *SimilarityCache) *MarkovKNN {
	m.cache = c
	return m
}

// Fit fits both components.
func (m *MarkovKNN) Fit(ctx context.Context, train *model.TrainData) error {
	if !(m.Weight >= 0) {
		return fmt.Errorf("markov_itemknn: weight %v: must be >= 0", m.Weight)
	}
	if m.Window < 0 {
		return fmt.Errorf("markov_itemknn: window %d: must be >= 0", m.Window)
	}
	if err := m.markov.Fit(ctx, train); err != nil {
		return fmt.Errorf("markov_itemknn: %w", err)
	}
	m.knn.K = m.K
	m.knn.cache = m.cache
	if err := m.knn.Fit(ctx, train); err != nil {
		return fmt.Errorf("markov_itemknn: %w", err)
	}
	return nil
}

// Score writes itemknn + Weight * P(item | last history item).
func (m *MarkovKNN) Score(u int, history []int32, dst []float32) {
	h := history
	if m.Window > 0 && len(h) > m.Window {
		h = h[len(h)-m.Window:]
	}
	clear(dst)
	m.knn.Score(u, h, dst)
	if len(history) == 0 {
		return
	}
	last := int(history[len(history)-1])
	p := m.markov.p[last*m.markov.n : last*m.markov.n+m.markov.n]
	for i, v := range p {
		dst[i] += m.Weight * v
	}
}
