package baseline

import (
	"context"
	"fmt"

	"github.com/moviegenie/genie/internal/model"
)

// EASE is EASE^R (Steck, 2019): the closed-form item-item model
// B = I - P / diag(P) with P = (X^T X + Lambda I)^-1 on the binary user-item
// matrix X, whose diagonal is zero; a user with history H scores item i as
// sum over j in H of B[j][i].
type EASE struct {
	// Lambda is the L2 regularisation on the diagonal.
	Lambda float64

	n int
	b []float32
}

// NewEASE returns an unfitted EASE^R with regularisation lambda.
func NewEASE(lambda float64) *EASE { return &EASE{Lambda: lambda} }

// Fit computes B in float64 (Cholesky inverse) and keeps it in float32.
func (m *EASE) Fit(ctx context.Context, train *model.TrainData) error {
	if !(m.Lambda > 0) {
		return fmt.Errorf("ease: lambda %v: must be positive", m.Lambda)
	}
	n := train.NumItems
	co, err := cooccurrence(ctx, distinctSeqs(train), n)
	if err != nil {
		return fmt.Errorf("ease: %w", err)
	}
	g := make([]float64, n*n)
	for i, v := range co {
		g[i] = float64(v)
	}
	for i := range n {
		g[i*n+i] += m.Lambda
	}
	if err := invertSPD(ctx, g, n); err != nil {
		return fmt.Errorf("ease: lambda %v: %w", m.Lambda, err)
	}
	b := make([]float32, n*n)
	for i := range n {
		for j := range n {
			if i != j {
				// B[i][j] = -P[i][j] / P[j][j]
				b[i*n+j] = float32(-g[i*n+j] / g[j*n+j])
			}
		}
	}
	m.n, m.b = n, b
	return nil
}

// Score sums the rows of B of the user's distinct history.
func (m *EASE) Score(_ int, history []int32, dst []float32) {
	addRows(dst, m.b, m.n, history)
}
