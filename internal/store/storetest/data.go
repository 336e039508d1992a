// Package storetest is the test suite every store.Store backend must pass
// (Run), the small generated dataset it loads (Tables), and helpers to write
// it as processed Parquet.
package storetest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/movielens"
)

// Tables generates a small processed dataset, deterministically: 30 movies
// (named ones for title searches, two unrated, one without a year, one
// with the non-canonical genre IMAX), 12 users with id gaps and one without
// demographics, ~150 ratings with timestamp ties, links and tags.
func Tables() *dataset.Tables {
	type mv struct {
		title  string
		year   int32
		genres []string
	}
	named := []mv{
		{"Toy Story (1995)", 1995, []string{"Animation", "Children's", "Comedy"}},
		{"GoldenEye (1995)", 1995, []string{"Action", "Adventure", "Thriller"}},
		{"Shawshank Redemption, The (1994)", 1994, []string{"Drama"}},
		{"Star Wars (1977)", 1977, []string{"Action", "Adventure", "Romance", "Sci-Fi", "War"}},
		{"Star Trek: First Contact (1996)", 1996, []string{"Action", "Adventure", "Sci-Fi"}},
		{"Amélie (2001)", 2001, []string{"Comedy", "Romance"}},
		{"Unknown Movie", 0, []string{"unknown"}},
		{"Stardust (2007)", 2007, []string{"Fantasy"}},
		{"Clockwork Orange, A (1971)", 1971, []string{"Sci-Fi"}},
		{"Schindler's List (1993)", 1993, []string{"Drama", "War"}},
	}
	cycle := []string{"Action", "Comedy", "Drama", "Horror", "Romance", "Thriller", "Documentary", "Western"}
	t := &dataset.Tables{}
	for id := int32(1); id <= 30; id++ {
		var m mv
		if int(id) <= len(named) {
			m = named[id-1]
		} else {
			y := 1950 + id*2
			m = mv{fmt.Sprintf("Movie %d (%d)", id, y), y, []string{cycle[int(id)%len(cycle)], cycle[int(id+3)%len(cycle)]}}
			if id == 12 {
				m.genres = append(m.genres, "IMAX")
			}
		}
		row := dataset.MovieRow{MovieID: id, Title: m.title, Genres: m.genres}
		if m.year != 0 {
			y := m.year
			row.Year = &y
		}
		t.Movies = append(t.Movies, row)
		if id <= 10 {
			imdb := int64(100000 + id)
			t.Links = append(t.Links, dataset.LinkRow{MovieID: id, IMDbID: &imdb, IMDbURL: fmt.Sprintf("https://www.imdb.com/title/tt%07d/", imdb)})
		}
	}
	userIDs := []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20}
	rng := rand.New(rand.NewPCG(7, 11))
	for _, u := range userIDs {
		n := 5 + rng.IntN(16)
		ts := int64(880000000) + int64(u)*1000
		for _, mi := range rng.Perm(28)[:n] { // movies 29 and 30 stay unrated
			if rng.IntN(4) != 0 {
				ts += int64(rng.IntN(500))
			} // else: a tie with the previous rating
			t.Ratings = append(t.Ratings, dataset.Rating{UserID: u, MovieID: int32(mi + 1),
				Rating: float32(1+rng.IntN(9)) / 2, Timestamp: ts})
		}
	}
	// Source order is not user order: interleave users.
	rng.Shuffle(len(t.Ratings), func(i, j int) { t.Ratings[i], t.Ratings[j] = t.Ratings[j], t.Ratings[i] })
	for i := range t.Ratings {
		t.Ratings[i].SourceRow = int32(i)
	}
	finishTables(t, userIDs)
	t.Tags = []dataset.TagRow{
		{UserID: 1, MovieID: 4, Tag: "space opera", Timestamp: 880000100},
		{UserID: 2, MovieID: 4, Tag: "classic", Timestamp: 880000200},
		{UserID: 99, MovieID: 3, Tag: "prison", Timestamp: 880000300}, // a user filtered out of users
		{UserID: 3, MovieID: 4, Tag: "classic", Timestamp: 880000400},
	}
	return t
}

// finishTables derives user sequences, splits, and movie and user
// statistics from t.Ratings, as `genie process` does.
func finishTables(t *dataset.Tables, userIDs []int32) {
	byUser := map[int32][]int{}
	for i, r := range t.Ratings {
		byUser[r.UserID] = append(byUser[r.UserID], i)
	}
	for i := range t.Ratings {
		t.Ratings[i].Random = dataset.SplitTrain
		if i%5 == 0 {
			t.Ratings[i].Random = dataset.SplitTest
		}
	}
	for _, u := range userIDs {
		idx := byUser[u]
		slices.SortFunc(idx, func(a, b int) int {
			ra, rb := t.Ratings[a], t.Ratings[b]
			return cmp.Or(cmp.Compare(ra.Timestamp, rb.Timestamp), cmp.Compare(ra.SourceRow, rb.SourceRow))
		})
		var sum, sq float64
		for seq, i := range idx {
			r := &t.Ratings[i]
			r.UserSeq = int32(seq)
			switch seq {
			case len(idx) - 1:
				r.Temporal = dataset.SplitTest
			case len(idx) - 2:
				r.Temporal = dataset.SplitValidation
			}
			sum += float64(r.Rating)
			sq += float64(r.Rating) * float64(r.Rating)
		}
		n := float64(len(idx))
		mean := sum / n
		row := dataset.UserRow{UserID: u, RatingCount: int32(len(idx)), RatingMean: float32(mean),
			RatingStd:      float32(math.Sqrt(max(0, sq/n-mean*mean))),
			FirstTimestamp: t.Ratings[idx[0]].Timestamp, LastTimestamp: t.Ratings[idx[len(idx)-1]].Timestamp}
		if u != 20 {
			age, gender, occ, zip := 20+u, "F", "engineer", fmt.Sprintf("%05d", u)
			if u%2 == 0 {
				gender = "M"
			}
			row.Age, row.Gender, row.Occupation, row.ZipCode = &age, &gender, &occ, &zip
		}
		t.Users = append(t.Users, row)
	}
	type stat struct {
		n   int32
		sum float64
	}
	stats := map[int32]*stat{}
	for _, r := range t.Ratings {
		s := stats[r.MovieID]
		if s == nil {
			s = &stat{}
			stats[r.MovieID] = s
		}
		s.n++
		s.sum += float64(r.Rating)
	}
	for i := range t.Movies {
		if s := stats[t.Movies[i].MovieID]; s != nil {
			mean := float32(s.sum / float64(s.n))
			t.Movies[i].RatingCount, t.Movies[i].RatingMean = s.n, &mean
		}
	}
}

// WriteProcessed writes t as the processed Parquet files `genie process`
// writes, into dir.
func WriteProcessed(tb testing.TB, dir string, t *dataset.Tables) {
	tb.Helper()
	ratings := make([]dataset.RatingRow, len(t.Ratings))
	for i := range t.Ratings {
		ratings[i] = t.Ratings[i].Row()
	}
	for _, err := range []error{
		dataset.WriteParquet(filepath.Join(dir, dataset.MoviesFile), t.Movies),
		dataset.WriteParquet(filepath.Join(dir, dataset.UsersFile), t.Users),
		dataset.WriteParquet(filepath.Join(dir, dataset.RatingsFile), ratings),
		dataset.WriteParquet(filepath.Join(dir, dataset.LinksFile), t.Links),
		dataset.WriteParquet(filepath.Join(dir, dataset.TagsFile), t.Tags),
	} {
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// Processed writes the generated dataset as Parquet into a temporary folder
// and reads it back, as `genie db setup` does; it returns the folder and
// the tables read.
func Processed(tb testing.TB) (string, *dataset.Tables) {
	tb.Helper()
	dir := tb.TempDir()
	WriteProcessed(tb, dir, Tables())
	t, err := dataset.ReadTables(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return dir, t
}

// SharedDataset returns the path of a MovieLens release under
// /work/shared/datasets (found relative to the module root, or
// $GENIE_DATASETS), skipping the test when it is absent.
func SharedDataset(tb testing.TB, name string) string {
	tb.Helper()
	roots := []string{os.Getenv("GENIE_DATASETS")}
	for dir, _ := os.Getwd(); dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		roots = append(roots, filepath.Join(dir, "..", "shared", "datasets"), filepath.Join(dir, "shared", "datasets"))
	}
	for _, r := range roots {
		if r == "" {
			continue
		}
		p := filepath.Join(r, name)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
	}
	tb.Skipf("dataset %s not present (set GENIE_DATASETS)", name)
	return ""
}

// ML100K processes the ml-100k release with the default parameters
// (20/5 filters), skipping the test when the release is absent.
func ML100K(tb testing.TB) *dataset.Tables {
	tb.Helper()
	dir := SharedDataset(tb, "ml-100k")
	ds, err := movielens.Load(context.Background(), dir, movielens.LoadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	t, _, err := dataset.Process(context.Background(), ds, dataset.Options{Dataset: "ml-100k", MinRatingsPerUser: 20,
		MinRatingsPerMovie: 5, TestSplitRatio: 0.2, Seed: 42, MinInteractions: 10000, MinCompleteness: 0.95})
	if err != nil {
		tb.Fatal(err)
	}
	return t
}
