package recommend

import (
	"context"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
)

// ratingsOf builds ratings where every user watches movies in the given
// order (one per second).
func ratingsOf(histories map[int32][]int32) []dataset.Rating {
	var out []dataset.Rating
	ts := int64(1000)
	for u := int32(1); u <= int32(len(histories)); u++ {
		for _, m := range histories[u] {
			ts++
			out = append(out, dataset.Rating{UserID: u, MovieID: m, Rating: 4, Timestamp: ts, SourceRow: int32(len(out))})
		}
	}
	return out
}

func TestEngine(t *testing.T) {
	// Everyone who watches 1 then 2 goes on to 3; 4 is popular but
	// unrelated to the chain; 5 is seen only with 4.
	h := map[int32][]int32{}
	for u := int32(1); u <= 20; u++ {
		h[u] = []int32{1, 2, 3}
	}
	for u := int32(21); u <= 45; u++ {
		h[u] = []int32{4, 5}
	}
	e, err := Build(context.Background(), ratingsOf(h), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		history []int32
		exclude map[int32]bool
		want    int32
	}{
		{"follows the chain", []int32{1, 2}, nil, 3},
		{"other cluster", []int32{4}, nil, 5},
		{"empty history gets popular", nil, nil, 4},
		{"exclusions respected", []int32{1, 2}, map[int32]bool{3: true}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := e.Recommend(tc.history, 3, tc.exclude)
			if len(got) == 0 || got[0].MovieID != tc.want {
				t.Fatalf("Recommend(%v) = %v, want %d first", tc.history, got, tc.want)
			}
			for _, s := range got {
				for _, m := range tc.history {
					if s.MovieID == m {
						t.Errorf("recommended seen movie %d", m)
					}
				}
				if tc.exclude[s.MovieID] {
					t.Errorf("recommended excluded movie %d", s.MovieID)
				}
			}
		})
	}
	if sim := e.Similar(1, 5, nil); len(sim) != 2 || sim[0].MovieID != 2 && sim[0].MovieID != 3 {
		t.Errorf("Similar(1) = %v, want 2 and 3 only", sim)
	}
	if sim := e.Similar(999, 5, nil); sim != nil {
		t.Errorf("Similar(unknown) = %v", sim)
	}
	recs := e.Recommend([]int32{1, 2}, 1, nil)
	if why := e.Explain([]int32{1, 2}, recs); why[0] != 1 && why[0] != 2 {
		t.Errorf("Explain = %v, want a movie of the chain", why)
	}
	e2, _ := Build(context.Background(), ratingsOf(h), DefaultOptions())
	if e.Version != e2.Version {
		t.Error("same ratings gave different versions")
	}
}
