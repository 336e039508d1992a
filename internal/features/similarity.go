package features

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/nn/blas"
)

// Similarity kinds stored in item_similarity.parquet.
const (
	KindCooccurrence = "cooccurrence"
	KindContent      = "content"
)

// SimilarityRow is one row of item_similarity.parquet: neighbour Rank
// (0 = most similar) of MovieID under Kind, with its cosine Score.
type SimilarityRow struct {
	MovieID    int32   `parquet:"movie_id"`
	NeighborID int32   `parquet:"neighbor_id"`
	Score      float32 `parquet:"score"`
	Rank       int32   `parquet:"rank"`
	Kind       string  `parquet:"kind,dict"`
}

// Neighbor is a similar item and its score.
type Neighbor struct {
	ID    int32
	Score float64
}

// topK keeps the k best candidates: higher score first, ties to the lower
// id. Candidates with a score <= 0 are dropped. The result is a new slice
// of at most k: it never holds on to cands.
func topK(cands []Neighbor, k int) []Neighbor {
	b := newBest(k, len(cands))
	for _, c := range cands {
		b.add(c.ID, c.Score)
	}
	return b.list
}

// best collects the k best neighbours offered one at a time (topK's order)
// in a sorted buffer of at most k, so no candidate list is built or sorted.
// Each neighbour list must own its memory: returning a k-prefix of a per-movie
// candidate slice kept every movie's whole candidate array alive: ~1 MB a
// movie and pass at ml-25m's 59k movies, ~100 GiB in all (the 25M-rating
// scale run was at 10.2 GiB and climbing when stopped).
type best struct {
	k    int
	list []Neighbor
}

// newBest returns an empty best of k for at most n candidates: the buffer
// holds min(k, n), so a huge k (similarity_top_k is user input) costs no
// more than the candidates there are.
func newBest(k, n int) best {
	k = max(min(k, n), 0)
	return best{k: k, list: make([]Neighbor, 0, k)}
}

func (b *best) add(id int32, s float64) {
	if !(s > 0) || b.k <= 0 {
		return
	}
	better := func(n Neighbor) bool { return s > n.Score || (s == n.Score && id < n.ID) }
	l := b.list
	if len(l) == b.k {
		if !better(l[len(l)-1]) {
			return
		}
	} else {
		l = append(l, Neighbor{})
	}
	i := len(l) - 1
	for ; i > 0 && better(l[i-1]); i-- {
		l[i] = l[i-1]
	}
	l[i] = Neighbor{id, s}
	b.list = l
}

// CooccurrenceNeighbors returns, for every movie id in ids (ascending), its
// k nearest movies by cosine similarity of their binary user vectors over
// ratings: |U_i ∩ U_j| / sqrt(|U_i| |U_j|). Work is split over threads
// goroutines by movie; the result does not depend on threads.
func CooccurrenceNeighbors(ctx context.Context, ids []int32, ratings []dataset.Rating, k, threads int) ([][]Neighbor, error) {
	idx := make(map[int32]int32, len(ids))
	for i, id := range ids {
		idx[id] = int32(i)
	}
	userIdx := map[int32]int32{}
	var byUser [][]int32
	byItem := make([][]int32, len(ids))
	for _, r := range ratings {
		i, ok := idx[r.MovieID]
		if !ok {
			continue
		}
		u, ok := userIdx[r.UserID]
		if !ok {
			u = int32(len(byUser))
			userIdx[r.UserID] = u
			byUser = append(byUser, nil)
		}
		byUser[u] = append(byUser[u], i)
		byItem[i] = append(byItem[i], u)
	}
	out := make([][]Neighbor, len(ids))
	err := parallelItems(ctx, len(ids), threads, func(lo, hi int) {
		counts := make([]float64, len(ids))
		var touched []int32
		for i := lo; i < hi; i++ {
			touched = touched[:0]
			for _, u := range byItem[i] {
				for _, j := range byUser[u] {
					if counts[j] == 0 {
						touched = append(touched, j)
					}
					counts[j]++
				}
			}
			b := newBest(k, len(touched))
			for _, j := range touched {
				if int(j) != i {
					b.add(ids[j], counts[j]/math.Sqrt(float64(len(byItem[i]))*float64(len(byItem[j]))))
				}
				counts[j] = 0
			}
			out[i] = b.list
		}
	})
	return out, err
}

// ContentNeighbors returns, for every row of vecs (L2-normalised content
// vectors of the movies ids, ascending), the k nearest movies by cosine
// similarity. The similarities of a block of contentBlock movies against
// all movies are one matrix product (blas.PureGo: packed and
// register-tiled, bit-identical for any thread count), then each row keeps
// its top k in one pass: O(movies²·D) as before, but at GEMM speed and
// without building and sorting every candidate (on 59k movies, ml-25m's
// size, that took hours of CPU and, see best, far more memory than RAM).
func ContentNeighbors(ctx context.Context, ids []int32, vecs [][]float32, k, threads int) ([][]Neighbor, error) {
	n := len(ids)
	out := make([][]Neighbor, n)
	if n == 0 || k <= 0 {
		return out, ctx.Err()
	}
	dim := len(vecs[0])
	m := make([]float32, n*dim)
	for i, v := range vecs {
		if len(v) != dim {
			return nil, fmt.Errorf("content neighbours: movie %d has %d dims, want %d", ids[i], len(v), dim)
		}
		copy(m[i*dim:], v)
	}
	gemm := blas.NewPureGo(threads)
	scores := make([]float32, min(contentBlock, n)*n)
	for lo := 0; lo < n; lo += contentBlock {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("item similarity: %w", err)
		}
		hi := min(lo+contentBlock, n)
		// scores[r, j] = vecs[lo+r] · vecs[j]
		gemm.Sgemm(false, true, hi-lo, n, dim, 1, m[lo*dim:hi*dim], dim, m, dim, 0, scores, n)
		err := parallelItems(ctx, hi-lo, threads, func(a, b int) {
			for r := a; r < b; r++ {
				out[lo+r] = topKScores(scores[r*n:(r+1)*n], lo+r, ids, k)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// contentBlock is how many movies' similarity rows one product computes.
const contentBlock = 256

// topKScores keeps the k best of row (scores of movie self against every
// movie), self excluded.
func topKScores(row []float32, self int, ids []int32, k int) []Neighbor {
	b := newBest(k, len(row)-1)
	for j, v := range row {
		if j != self {
			b.add(ids[j], float64(v))
		}
	}
	return b.list
}

// parallelItems runs fn over chunks of [0, n) on threads goroutines,
// checking ctx between chunks.
func parallelItems(ctx context.Context, n, threads int, fn func(lo, hi int)) error {
	const chunk = 64
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range max(threads, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				lo := next
				next += chunk
				mu.Unlock()
				if lo >= n {
					return
				}
				fn(lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("item similarity: %w", err)
	}
	return nil
}

// SimilarityRows flattens neighbour lists into the long Parquet format.
func SimilarityRows(ids []int32, kind string, nbrs [][]Neighbor) []SimilarityRow {
	var out []SimilarityRow
	for i, ns := range nbrs {
		for r, n := range ns {
			out = append(out, SimilarityRow{MovieID: ids[i], NeighborID: n.ID, Score: float32(n.Score), Rank: int32(r), Kind: kind})
		}
	}
	return out
}
