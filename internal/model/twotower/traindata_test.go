package twotower

import (
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
)

func TestTrainDataFromTables(t *testing.T) {
	tables := &dataset.Tables{
		Users:  []dataset.UserRow{{UserID: 7}, {UserID: 3}},
		Movies: []dataset.MovieRow{{MovieID: 30}, {MovieID: 10}, {MovieID: 20}, {MovieID: 40}}, // 40: never rated
		Ratings: []dataset.Rating{
			{UserID: 7, MovieID: 20, UserSeq: 1},
			{UserID: 3, MovieID: 30, UserSeq: 0},
			{UserID: 7, MovieID: 10, UserSeq: 0},
			{UserID: 9, MovieID: 10, UserSeq: 0}, // user not in the users table: dropped
			{UserID: 3, MovieID: 99, UserSeq: 1}, // movie not in the catalogue: dropped
			{UserID: 7, MovieID: 30, UserSeq: 2},
		},
	}
	td := TrainDataFromTables(tables)
	tests := []struct {
		name      string
		got, want any
	}{
		{"user ids ascending", td.UserIDs, []int64{3, 7}},
		{"item ids ascending, unrated included", td.ItemIDs, []int64{10, 20, 30, 40}},
		{"user 3: item 30 only", td.Seqs[0], []int32{2}},
		{"user 7 in UserSeq order: 10, 20, 30", td.Seqs[1], []int32{0, 1, 2}},
	}
	for _, tc := range tests {
		switch g := tc.got.(type) {
		case []int64:
			if !slices.Equal(g, tc.want.([]int64)) {
				t.Errorf("%s: %v, want %v", tc.name, g, tc.want)
			}
		case []int32:
			if !slices.Equal(g, tc.want.([]int32)) {
				t.Errorf("%s: %v, want %v", tc.name, g, tc.want)
			}
		}
	}
	if td.NumUsers != 2 || td.NumItems != 4 || len(td.Seqs) != 2 {
		t.Errorf("sizes: %d users, %d items, %d sequences", td.NumUsers, td.NumItems, len(td.Seqs))
	}
}
