package baseline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
)

// errNotPositiveDefinite is returned when a Cholesky factorisation fails.
var errNotPositiveDefinite = errors.New("matrix is not positive definite")

// invertSPD replaces the symmetric positive definite n*n row-major matrix a
// by its inverse, through a Cholesky factorisation a = L L^T, M = L^-1 and
// a^-1 = M^T M. All three steps are row-oriented (contiguous inner loops),
// blocked for cache reuse and run on GOMAXPROCS goroutines; about n^3/2 multiply-adds in float64.
func invertSPD(ctx context.Context, a []float64, n int) error {
	if len(a) != n*n {
		return fmt.Errorf("invert: matrix has %d entries, want %d", len(a), n*n)
	}
	// 1. Cholesky, row-oriented and blocked: for a block of rows, first
	// every column left of the block (each finished row j is read once per
	// block, the block's rows stay in cache), then the block's own
	// triangle. L overwrites the lower triangle of a.
	const block = 64
	w := min(runtime.GOMAXPROCS(0), block)
	for i0 := 0; i0 < n; i0 += block {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("invert: %w", err)
		}
		i1 := min(n, i0+block)
		parallelFor(w, func(k int) {
			for j := range i0 {
				lj := a[j*n : j*n+j]
				d := a[j*n+j]
				for i := i0 + k; i < i1; i += w {
					a[i*n+j] = (a[i*n+j] - dot(a[i*n:i*n+j], lj)) / d
				}
			}
		})
		for i := i0; i < i1; i++ {
			li := a[i*n : i*n+i]
			for j := i0; j < i; j++ {
				a[i*n+j] = (a[i*n+j] - dot(li[:j], a[j*n:j*n+j])) / a[j*n+j]
			}
			d := a[i*n+i] - dot(li, li)
			if !(d > 0) {
				return fmt.Errorf("invert: pivot %d is %g: %w", i, d, errNotPositiveDefinite)
			}
			a[i*n+i] = math.Sqrt(d)
		}
	}
	// 2. M = L^-1, lower triangular, row by row: row i of M is
	// (e_i - sum_{k<i} L[i][k] M[k]) / L[i][i]. Columns are independent, so
	// the work is split by column blocks.
	m := make([]float64, n*n)
	nb := (n + block - 1) / block
	parallelFor(nb, func(b int) {
		c0, c1 := b*block, min(n, (b+1)*block)
		for i := c0; i < n; i++ {
			mi := m[i*n : i*n+n]
			if i < c1 {
				mi[i] = 1
			}
			hi := min(i, c1) // columns c0..hi-1 of row i are below the diagonal
			for k := c0; k < i; k++ {
				lik := a[i*n+k]
				if lik == 0 {
					continue
				}
				mk := m[k*n : k*n+n]
				top := min(k+1, hi) // M[k] is zero beyond column k
				axpy(-lik, mk[c0:top], mi[c0:top])
			}
			inv := 1 / a[i*n+i]
			for c := c0; c < min(i+1, c1); c++ {
				mi[c] *= inv
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("invert: %w", err)
	}
	// 3. a^-1 = M^T M: entry (r, c) = sum_{k >= max(r,c)} M[k][r] M[k][c].
	// Row r accumulates M[k][r] * M[k][0..r] for k >= r (lower triangle);
	// rows are processed in blocks so that each row of M is streamed once
	// per block.
	clear(a)
	parallelFor(nb, func(b int) {
		r0, r1 := b*block, min(n, (b+1)*block)
		for k := r0; k < n; k++ {
			mk := m[k*n : k*n+n]
			for r := r0; r < min(r1, k+1); r++ {
				if mkr := mk[r]; mkr != 0 {
					axpy(mkr, mk[:r+1], a[r*n:r*n+r+1])
				}
			}
		}
	})
	for r := range n {
		for c := r + 1; c < n; c++ {
			a[r*n+c] = a[c*n+r]
		}
	}
	return ctx.Err()
}

func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy computes y += alpha*x.
func axpy(alpha float64, x, y []float64) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}
