package baseline

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/moviegenie/genie/internal/model"
)

// distinctSeqs returns each user's training items without repeats, first
// occurrence order: the binary user-item matrix, row by row.
func distinctSeqs(train *model.TrainData) [][]int32 {
	seen := make([]bool, train.NumItems)
	out := make([][]int32, len(train.Seqs))
	for u, s := range train.Seqs {
		r := make([]int32, 0, len(s))
		for _, it := range s {
			if !seen[it] {
				seen[it] = true
				r = append(r, it)
			}
		}
		for _, it := range r {
			seen[it] = false
		}
		out[u] = r
	}
	return out
}

// cooccurrence returns the dense item-item co-occurrence matrix X^T X of the
// binary user-item matrix (row-major, n*n), with the item counts on the
// diagonal. Counts are exact in float32 up to 2^24 users.
func cooccurrence(ctx context.Context, rows [][]int32, n int) ([]float32, error) {
	g := make([]float32, n*n)
	for u, r := range rows {
		if u%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("co-occurrence: %w", err)
			}
		}
		for _, a := range r {
			ga := g[int(a)*n : int(a)*n+n]
			for _, b := range r {
				ga[b]++
			}
		}
	}
	return g, nil
}

// parallelFor runs f(i) for i in [0, n) on GOMAXPROCS goroutines, items
// interleaved so that triangular workloads balance.
func parallelFor(n int, f func(i int)) {
	w := min(runtime.GOMAXPROCS(0), n)
	if w <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	for k := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += w {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// addRows adds rows m[j*n:(j+1)*n] for each distinct j in history to dst.
func addRows(dst []float32, m []float32, n int, history []int32) {
	seen := make([]bool, n)
	for _, j := range history {
		if seen[j] {
			continue
		}
		seen[j] = true
		row := m[int(j)*n : int(j)*n+n]
		for i, v := range row {
			dst[i] += v
		}
	}
}
