package sequences

import (
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
)

func ptr[T any](v T) *T { return &v }

func TestBuild(t *testing.T) {
	tables := &dataset.Tables{
		Movies: []dataset.MovieRow{
			{MovieID: 10, Year: ptr(int32(1995)), Genres: []string{"Comedy"}},
			{MovieID: 20, Genres: []string{"Action", "Sci-Fi"}},
			{MovieID: 30, Year: ptr(int32(1977)), Genres: []string{"Sci-Fi"}},
		},
		// user 2's ratings of 10 and 30 tie on time: source order decides.
		Ratings: []dataset.Rating{
			{UserID: 2, MovieID: 30, Rating: 5, Timestamp: 100, SourceRow: 0},
			{UserID: 1, MovieID: 20, Rating: 3, Timestamp: 50, SourceRow: 1},
			{UserID: 2, MovieID: 10, Rating: 4, Timestamp: 100, SourceRow: 2},
			{UserID: 2, MovieID: 20, Rating: 1, Timestamp: 90, SourceRow: 3},
		},
	}
	rows, err := Build(tables, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].UserID != 1 || rows[1].UserID != 2 {
		t.Fatalf("rows %+v", rows)
	}
	u2 := rows[1]
	tests := []struct {
		name      string
		got, want any
	}{
		{"movies", u2.MovieIDs, []int32{20, 30, 10}},
		{"source rows", u2.SourceRows, []int32{3, 0, 2}},
		{"years", u2.Years, []int32{0, 1977, 1995}},
		{"genres", u2.Genres, []string{"Action|Sci-Fi", "Sci-Fi", "Comedy"}},
		{"recent", u2.Recent, []int32{30, 10}},
		{"length", u2.Length, int32(3)},
	}
	for _, tc := range tests {
		if !equal(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	dir := t.TempDir()
	if err := Write(dir, rows); err != nil {
		t.Fatal(err)
	}
	back, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back[1].MovieIDs, u2.MovieIDs) || !slices.Equal(back[1].Recent, u2.Recent) {
		t.Errorf("round trip changed user 2: %+v", back[1])
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case []int32:
		return slices.Equal(x, b.([]int32))
	case []string:
		return slices.Equal(x, b.([]string))
	default:
		return a == b
	}
}

func TestBuildRejects(t *testing.T) {
	tables := &dataset.Tables{Ratings: []dataset.Rating{{UserID: 1, MovieID: 9}}}
	if _, err := Build(tables, 50); err == nil {
		t.Error("a rating of an unlisted movie was accepted")
	}
	if _, err := Build(&dataset.Tables{}, 0); err == nil {
		t.Error("max length 0 was accepted")
	}
}
