package search

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/moviegenie/genie/internal/dataset"
)

// Neighbour is a movie similar to another by who watched them.
type Neighbour struct {
	// Movie is the neighbour's position in the catalogue.
	Movie int32
	// Score is the shrunk cosine similarity of the two movies' audiences.
	Score float32
}

// NeighboursPerMovie is how many item-item neighbours the index keeps.
const NeighboursPerMovie = 50

// neighbourShrink damps similarities resting on few common users.
const neighbourShrink = 10

// interactions groups ratings (as implicit feedback) by catalogue position:
// the users of each movie and the movies of each user.
type interactions struct {
	itemUsers [][]int32
	userItems [][]int32
}

// groupRatings maps ratings onto catalogue positions. Ratings of movies
// missing from the catalogue are ignored.
func groupRatings(movies []Movie, ratings []dataset.Rating) interactions {
	pos := make(map[int32]int32, len(movies))
	for i, m := range movies {
		pos[m.ID] = int32(i)
	}
	userIdx := map[int32]int32{}
	var in interactions
	in.itemUsers = make([][]int32, len(movies))
	for _, r := range ratings {
		i, ok := pos[r.MovieID]
		if !ok {
			continue
		}
		u, ok := userIdx[r.UserID]
		if !ok {
			u = int32(len(in.userItems))
			userIdx[r.UserID] = u
			in.userItems = append(in.userItems, nil)
		}
		in.userItems[u] = append(in.userItems[u], i)
		in.itemUsers[i] = append(in.itemUsers[i], u)
	}
	return in
}

// computeNeighbours returns each movie's top-k neighbours by shrunk cosine
// similarity of the binary user vectors: co / sqrt(n_i n_j) * co / (co +
// shrink). Ties go to the lower catalogue position.
func computeNeighbours(ctx context.Context, in interactions, k int) ([][]Neighbour, error) {
	n := len(in.itemUsers)
	out := make([][]Neighbour, n)
	acc := make([]int32, n)
	var touched []int32
	var cand []Neighbour
	for i := range n {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("item neighbours: %w", err)
			}
		}
		touched = touched[:0]
		for _, u := range in.itemUsers[i] {
			for _, j := range in.userItems[u] {
				if acc[j] == 0 {
					touched = append(touched, j)
				}
				acc[j]++
			}
		}
		ni := float64(len(in.itemUsers[i]))
		cand = cand[:0]
		for _, j := range touched {
			co := float64(acc[j])
			acc[j] = 0
			if int(j) == i {
				continue
			}
			nj := float64(len(in.itemUsers[j]))
			s := co / math.Sqrt(ni*nj) * co / (co + neighbourShrink)
			cand = append(cand, Neighbour{Movie: j, Score: float32(s)})
		}
		out[i] = topNeighbours(cand, k)
	}
	return out, nil
}

// nbBetter orders neighbours: higher score, then lower catalogue position.
func nbBetter(a, b Neighbour) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Movie < b.Movie
}

// topNeighbours returns a fresh slice of the k best candidates, best first,
// by a bounded min-heap (popular movies co-occur with most of a catalogue).
func topNeighbours(cand []Neighbour, k int) []Neighbour {
	h := make([]Neighbour, 0, min(k, len(cand)))
	for _, x := range cand {
		if len(h) < k {
			h = append(h, x)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !nbBetter(h[p], h[i]) {
					break
				}
				h[p], h[i] = h[i], h[p]
				i = p
			}
			continue
		}
		if !nbBetter(x, h[0]) {
			continue
		}
		h[0] = x
		for i := 0; ; {
			l, r, w := 2*i+1, 2*i+2, i
			if l < len(h) && nbBetter(h[w], h[l]) {
				w = l
			}
			if r < len(h) && nbBetter(h[w], h[r]) {
				w = r
			}
			if w == i {
				break
			}
			h[w], h[i] = h[i], h[w]
			i = w
		}
	}
	sort.Slice(h, func(a, b int) bool { return nbBetter(h[a], h[b]) })
	return h
}
