package eval

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRankAndTopKTies(t *testing.T) {
	//                 0    1    2    3    4    5
	scores := []float32{0.5, 0.9, 0.5, 0.1, 0.9, 0.5}
	tests := []struct {
		name     string
		excluded []bool
		want     []int32
	}{
		{"nothing excluded", nil, []int32{1, 4, 0, 2, 5, 3}},
		{"excluded", []bool{false, true, false, false, false, true}, []int32{4, 0, 2, 3}},
	}
	for _, tc := range tests {
		got := TopK(nil, scores, 10, tc.excluded)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: TopK = %v, want %v", tc.name, got, tc.want)
		}
		for r, it := range tc.want {
			if got := Rank(scores, it, tc.excluded); got != r {
				t.Errorf("%s: Rank(%d) = %d, want %d", tc.name, it, got, r)
			}
		}
		if got := TopK(nil, scores, 2, tc.excluded); !slices.Equal(got, tc.want[:2]) {
			t.Errorf("%s: TopK(2) = %v, want %v", tc.name, got, tc.want[:2])
		}
	}
	if got := RankAmong(scores, 2, []int32{0, 3, 5, 1}); got != 2 {
		t.Errorf("RankAmong = %d, want 2 (items 1 and 0 beat 2)", got)
	}
}

func TestTopKMatchesSortAndRank(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		n := 1 + r.IntN(300)
		scores := make([]float32, n)
		for i := range scores {
			scores[i] = float32(r.IntN(20)) // many ties
		}
		ex := make([]bool, n)
		for i := range ex {
			ex[i] = r.IntN(4) == 0
		}
		var all []int32
		for i := range n {
			if !ex[i] {
				all = append(all, int32(i))
			}
		}
		slices.SortStableFunc(all, func(a, b int32) int {
			switch {
			case scores[a] > scores[b]:
				return -1
			case scores[a] < scores[b]:
				return 1
			}
			return 0
		})
		k := r.IntN(n + 5)
		got := TopK(nil, scores, k, ex)
		if !slices.Equal(got, all[:min(k, len(all))]) {
			t.Fatalf("trial %d: TopK mismatch", trial)
		}
		for pos, it := range all {
			if Rank(scores, it, ex) != pos {
				t.Fatalf("trial %d: Rank(%d) != %d", trial, it, pos)
			}
		}
	}
}

func TestSanitizeNaN(t *testing.T) {
	s := []float32{float32(math.NaN()), 1, 0}
	sanitize(s)
	if got := TopK(nil, s, 3, nil); !slices.Equal(got, []int32{1, 2, 0}) {
		t.Errorf("NaN must rank last, got %v", got)
	}
}
