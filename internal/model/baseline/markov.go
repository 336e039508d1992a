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

// MarkovKNN blends the Markov chain with ItemKNN: each model's scores are
// divided by their maximum for the user (when positive), then
// Alpha*markov + (1-Alpha)*itemknn.
type MarkovKNN struct {
	// K is the ItemKNN neighbourhood size.
	K int
	// Alpha is the Markov chain's weight in [0, 1].
	Alpha float32

	markov Markov
	knn    ItemKNN
}

// NewMarkovKNN returns an unfitted blend with neighbourhood size k and
// Markov weight alpha.
func NewMarkovKNN(k int, alpha float32) *MarkovKNN { return &MarkovKNN{K: k, Alpha: alpha} }

// Fit fits both components.
func (m *MarkovKNN) Fit(ctx context.Context, train *model.TrainData) error {
	if m.Alpha < 0 || m.Alpha > 1 {
		return fmt.Errorf("markov_itemknn: alpha %v: must be in [0, 1]", m.Alpha)
	}
	if err := m.markov.Fit(ctx, train); err != nil {
		return fmt.Errorf("markov_itemknn: %w", err)
	}
	m.knn.K = m.K
	if err := m.knn.Fit(ctx, train); err != nil {
		return fmt.Errorf("markov_itemknn: %w", err)
	}
	return nil
}

// Score writes the blended, per-user normalised scores.
func (m *MarkovKNN) Score(u int, history []int32, dst []float32) {
	mk := make([]float32, len(dst))
	m.markov.Score(u, history, mk)
	clear(dst)
	m.knn.Score(u, history, dst)
	a := 1 - m.Alpha
	if mx := maxOf(dst); mx > 0 {
		a /= mx
	}
	b := m.Alpha
	if mx := maxOf(mk); mx > 0 {
		b /= mx
	}
	for i := range dst {
		dst[i] = a*dst[i] + b*mk[i]
	}
}

func maxOf(x []float32) float32 {
	var m float32
	for _, v := range x {
		m = max(m, v)
	}
	return m
}
