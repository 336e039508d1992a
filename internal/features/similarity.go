package features

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/moviegenie/genie/internal/dataset"
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
// id. Candidates with a score <= 0 are dropped.
func topK(cands []Neighbor, k int) []Neighbor {
	cands = slices.DeleteFunc(cands, func(n Neighbor) bool { return !(n.Score > 0) })
	slices.SortFunc(cands, func(a, b Neighbor) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return cands[:min(k, len(cands))]
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
			cands := make([]Neighbor, 0, len(touched))
			for _, j := range touched {
				if int(j) != i {
					s := counts[j] / math.Sqrt(float64(len(byItem[i]))*float64(len(byItem[j])))
					cands = append(cands, Neighbor{ids[j], s})
				}
				counts[j] = 0
			}
			out[i] = topK(cands, k)
		}
	})
	return out, err
}

// ContentNeighbors returns, for every row of vecs (L2-normalised content
// vectors of the movies ids), the k nearest movies by cosine similarity.
func ContentNeighbors(ctx context.Context, ids []int32, vecs [][]float32, k, threads int) ([][]Neighbor, error) {
	out := make([][]Neighbor, len(ids))
	err := parallelItems(ctx, len(ids), threads, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			cands := make([]Neighbor, 0, len(ids))
			for j := range ids {
				if j != i {
					cands = append(cands, Neighbor{ids[j], float64(dot32(vecs[i], vecs[j]))})
				}
			}
			out[i] = topK(cands, k)
		}
	})
	return out, err
}

func dot32(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
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
