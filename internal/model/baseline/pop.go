package baseline

import (
	"context"
	"fmt"

	"github.com/moviegenie/genie/internal/model"
)

// Popularity scores every item by its number of training interactions, the
// same list for every user.
type Popularity struct {
	counts []float32
}

// NewPopularity returns an unfitted Popularity model.
func NewPopularity() *Popularity { return &Popularity{} }

// Fit counts the training interactions per item.
func (p *Popularity) Fit(ctx context.Context, train *model.TrainData) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("popularity: %w", err)
	}
	p.counts = make([]float32, train.NumItems)
	for i, c := range train.ItemCounts() {
		p.counts[i] = float32(c)
	}
	return nil
}

// Score writes the item counts into dst.
func (p *Popularity) Score(_ int, _ []int32, dst []float32) {
	copy(dst, p.counts)
}
