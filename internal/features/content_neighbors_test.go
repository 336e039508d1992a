package features

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
)

// naiveContentNeighbors is the definition ContentNeighbors implements: every
// pair's dot product, all candidates sorted by topK.
func naiveContentNeighbors(ids []int32, vecs [][]float32, k int) [][]Neighbor {
	out := make([][]Neighbor, len(ids))
	for i := range ids {
		var cands []Neighbor
		for j := range ids {
			if j != i {
				var s float64
				for d := range vecs[i] {
					s += float64(vecs[i][d]) * float64(vecs[j][d])
				}
				cands = append(cands, Neighbor{ids[j], s})
			}
		}
		out[i] = topK(cands, k)
	}
	return out
}

func randomUnitVectors(r *rand.Rand, n, dim int) [][]float32 {
	vs := make([][]float32, n)
	for i := range vs {
		v := make([]float32, dim)
		var norm float64
		for d := range v {
			// Mostly non-negative, like TF-IDF and genre features, with a
			// few negative entries so that some cosines are <= 0.
			v[d] = float32(r.Float64() - 0.1)
			norm += float64(v[d]) * float64(v[d])
		}
		for d := range v {
			v[d] /= float32(math.Sqrt(norm))
		}
		vs[i] = v
	}
	return vs
}

// TestContentNeighborsMatchesNaive checks the blocked product against every
// pair's dot product on more movies than one block, and that the result
// does not depend on the thread count.
func TestContentNeighborsMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n, dim, k := 2*contentBlock+37, 40, 7
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(3*i + 1)
	}
	vecs := randomUnitVectors(r, n, dim)
	want := naiveContentNeighbors(ids, vecs, k)
	var first [][]Neighbor
	for _, threads := range []int{1, 3} {
		got, err := ContentNeighbors(context.Background(), ids, vecs, k, threads)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = got
		} else if !slices.EqualFunc(got, first, slices.Equal) {
			t.Fatalf("threads=%d gave a different result than threads=1", threads)
		}
		for i := range want {
			if len(got[i]) != len(want[i]) {
				t.Fatalf("movie %d: %d neighbours, want %d", ids[i], len(got[i]), len(want[i]))
			}
			for rk := range want[i] {
				g, w := got[i][rk], want[i][rk]
				if math.Abs(g.Score-w.Score) > 1e-5 {
					t.Fatalf("movie %d rank %d: %v, want %v", ids[i], rk, g, w)
				}
				// Rounding may swap two neighbours whose scores differ by
				// less than float32 precision, nothing else.
				if g.ID != w.ID && !nearTie(want[i], g, w) {
					t.Fatalf("movie %d rank %d: %v, want %v", ids[i], rk, g, w)
				}
			}
		}
	}
}

func nearTie(list []Neighbor, g, w Neighbor) bool {
	for _, x := range list {
		if x.ID == g.ID {
			return math.Abs(x.Score-w.Score) < 1e-5
		}
	}
	return false
}

// TestContentNeighborsOrder checks topK's rules on exact scores: ties to the
// lower id, scores <= 0 and the movie itself dropped, at most k.
func TestContentNeighborsOrder(t *testing.T) {
	ids := []int32{10, 20, 30, 40, 50}
	vecs := [][]float32{
		{1, 0}, // 10
		{1, 0}, // 20: same as 10
		{0, 1}, // 30: orthogonal to 10 and 20 (score 0, dropped)
		{1, 0}, // 40: same as 10
		{-1, 0},
	}
	got, err := ContentNeighbors(context.Background(), ids, vecs, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]Neighbor{
		{{20, 1}, {40, 1}},
		{{10, 1}, {40, 1}},
		nil,
		{{10, 1}, {20, 1}},
		nil,
	}
	for i := range want {
		if len(got[i]) != len(want[i]) || (len(want[i]) > 0 && !slices.Equal(got[i], want[i])) {
			t.Errorf("movie %d: %v, want %v", ids[i], got[i], want[i])
		}
	}
	if got, err := ContentNeighbors(context.Background(), nil, nil, 3, 1); err != nil || len(got) != 0 {
		t.Errorf("no movies: %v, %v", got, err)
	}
}

// TestNeighborListsOwnTheirMemory guards the out-of-memory fix: a neighbour
// list must not be a prefix of a per-movie candidate slice (that kept every
// movie's candidates, ~1 MB a movie at 59k movies, alive to the end).
func TestNeighborListsOwnTheirMemory(t *testing.T) {
	const n, k = 300, 5
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i + 1)
	}
	// Every user rates every movie: each movie touches all the others.
	var rs []dataset.Rating
	for u := range 4 {
		for _, id := range ids {
			rs = append(rs, dataset.Rating{UserID: int32(u + 1), MovieID: id, Rating: 4})
		}
	}
	co, err := CooccurrenceNeighbors(context.Background(), ids, rs, k, 2)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := ContentNeighbors(context.Background(), ids, randomUnitVectors(rand.New(rand.NewPCG(3, 4)), n, 8), k, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		for _, l := range [][]Neighbor{co[i], ct[i]} {
			if len(l) != k || cap(l) > k {
				t.Fatalf("movie %d: %d neighbours in a slice of capacity %d, want %d in at most %d", ids[i], len(l), cap(l), k, k)
			}
		}
	}
	// All cosines are 1: ties go to the lower ids.
	if w := []Neighbor{{2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}}; !slices.Equal(co[0], w) {
		t.Errorf("co-occurrence neighbours of 1: %v, want %v", co[0], w)
	}
	if got := topK([]Neighbor{{9, 0.5}, {3, 0.5}, {4, -1}, {7, 0.9}, {2, 0}}, 2); !slices.Equal(got, []Neighbor{{7, 0.9}, {3, 0.5}}) || cap(got) > 2 {
		t.Errorf("topK: %v (cap %d)", got, cap(got))
	}
}

// TestNeighborListsCapK checks that a similarity_top_k far above the number
// of movies allocates only what the candidates need: k per movie used to be
// allocated up front, and a k of 100,000,000 ran out of memory.
func TestNeighborListsCapK(t *testing.T) {
	const n = 6
	ids := make([]int32, n)
	var rs []dataset.Rating
	for i := range ids {
		ids[i] = int32(i + 1)
		for u := range 3 { // movie 6 is rated by nobody: no co-occurrence candidates
			if i < n-1 {
				rs = append(rs, dataset.Rating{UserID: int32(u + 1), MovieID: ids[i], Rating: 4})
			}
		}
	}
	vecs := randomUnitVectors(rand.New(rand.NewPCG(5, 6)), n, 8)
	tests := []struct {
		name string
		k    int
		want int // most neighbours a movie can have
	}{
		{"k below movies", 3, 3},
		{"k of all others", n - 1, n - 1},
		{"k above movies", 1000, n - 1},
		{"k of 100 million", 100_000_000, n - 1},
		{"largest int", math.MaxInt, n - 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			co, err := CooccurrenceNeighbors(context.Background(), ids, rs, tc.k, 2)
			if err != nil {
				t.Fatal(err)
			}
			ct, err := ContentNeighbors(context.Background(), ids, vecs, tc.k, 2)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ids {
				for kind, l := range map[string][]Neighbor{KindCooccurrence: co[i], KindContent: ct[i]} {
					if cap(l) > tc.want || len(l) > tc.want {
						t.Errorf("%s neighbours of movie %d: %d in a slice of capacity %d, want at most %d", kind, ids[i], len(l), cap(l), tc.want)
					}
				}
			}
			if len(co[n-1]) != 0 || cap(co[n-1]) != 0 {
				t.Errorf("unrated movie: %d co-occurrence neighbours, capacity %d", len(co[n-1]), cap(co[n-1]))
			}
			if len(ct[0]) == 0 {
				t.Error("no content neighbours")
			}
			if got := topK([]Neighbor{{9, 0.5}, {3, 0.7}}, tc.k); len(got) != 2 || cap(got) > 2 {
				t.Errorf("topK of 2 candidates: %v (capacity %d)", got, cap(got))
			}
		})
	}
}
