package synth

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/moviegenie/genie/internal/movielens"
)

// TestReadableByMovielens loads every layout with the real readers: the
// synthetic files must parse cleanly and hold what Generate reports.
func TestReadableByMovielens(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			o := Options{Users: 50, Items: 120, Ratings: 3000, Format: format, Seed: 11, Out: filepath.Join(t.TempDir(), "d")}
			st := gen(t, o)
			ds, err := movielens.Load(context.Background(), st.Dir, movielens.LoadOptions{OnBadLine: movielens.Fail})
			if err != nil {
				t.Fatal(err)
			}
			if len(ds.Ratings) != int(o.Ratings) || len(ds.Movies) != o.Items {
				t.Fatalf("read %d ratings, %d movies; want %d, %d", len(ds.Ratings), len(ds.Movies), o.Ratings, o.Items)
			}
			if format != FormatML25M && len(ds.Users) != o.Users {
				t.Fatalf("read %d users, want %d", len(ds.Users), o.Users)
			}
			if format == FormatML25M && (len(ds.Tags) != int(st.Tags) || len(ds.Links) != o.Items) {
				t.Fatalf("read %d tags, %d links; want %d, %d", len(ds.Tags), len(ds.Links), st.Tags, o.Items)
			}
			m := ds.Movies[0]
			if m.Title != "Synthetic Movie 1" || m.Year < 1902 || len(m.Genres) == 0 {
				t.Fatalf("movie 1 read as %+v", m)
			}
		})
	}
}
