package dataset

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/movielens"
)

// Report is the data-quality report: counts before and after processing,
// what filtering removed, lines skipped, and every check with its measured
// value.
type Report struct {
	Dataset   string            `json:"dataset"`
	Params    ReportParams      `json:"params"`
	Raw       Counts            `json:"raw"`
	Processed Counts            `json:"processed"`
	Filter    FilterSummary     `json:"filter"`
	Skipped   map[string]int    `json:"skipped_lines"`
	FirstBad  map[string]string `json:"first_skipped,omitempty"`
	Checks    []Check           `json:"checks"`
	Passed    bool              `json:"passed"`
}

// ReportParams echoes the parameters the report was measured with.
type ReportParams struct {
	MinRatingsPerUser  int     `json:"min_ratings_per_user"`
	MinRatingsPerMovie int     `json:"min_ratings_per_movie"`
	TestSplitRatio     float64 `json:"test_split_ratio"`
	RandomSeed         uint64  `json:"random_seed"`
}

// Counts sizes a dataset. Users and Movies count those with ratings;
// CatalogMovies counts the whole catalogue.
type Counts struct {
	Users         int     `json:"users"`
	Movies        int     `json:"movies"`
	CatalogMovies int     `json:"catalog_movies"`
	Ratings       int     `json:"ratings"`
	Genres        int     `json:"genres"`
	Sparsity      float64 `json:"sparsity"`
	Tags          int     `json:"tags"`
}

// FilterSummary says what the minimum-ratings filter removed.
type FilterSummary struct {
	Iterations     int `json:"iterations"`
	RemovedRatings int `json:"removed_ratings"`
	RemovedUsers   int `json:"removed_users"`
	RemovedMovies  int `json:"removed_movies"`
}

// Check is one data-quality check with its measured value.
type Check struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Value       float64 `json:"value"`
	Threshold   string  `json:"threshold"`
	Passed      bool    `json:"passed"`
	Detail      string  `json:"detail"`
}

func newReport(opt Options, ds *movielens.Dataset, maxU, maxM int32) *Report {
	r := &Report{
		Dataset: opt.Dataset,
		Params: ReportParams{MinRatingsPerUser: opt.MinRatingsPerUser, MinRatingsPerMovie: opt.MinRatingsPerMovie,
			TestSplitRatio: opt.TestSplitRatio, RandomSeed: opt.Seed},
		Skipped:  map[string]int{},
		FirstBad: map[string]string{},
	}
	for k, v := range ds.Skipped {
		r.Skipped[k] = v
	}
	for k, v := range ds.FirstSkipped {
		r.FirstBad[k] = v
	}
	r.Raw = countRaw(ds, maxU, maxM)
	return r
}

func (r *Report) addCheck(c Check) { r.Checks = append(r.Checks, c) }

func countRaw(ds *movielens.Dataset, maxU, maxM int32) Counts {
	users := make([]int32, maxU+1)
	movies := make([]int32, maxM+1)
	for _, x := range ds.Ratings {
		users[x.User]++
		movies[x.Movie]++
	}
	genres := map[string]struct{}{}
	for _, m := range ds.Movies {
		for _, g := range m.Genres {
			genres[g] = struct{}{}
		}
	}
	c := Counts{Users: nonZero(users), Movies: nonZero(movies), CatalogMovies: len(ds.Movies), Ratings: len(ds.Ratings), Genres: len(genres), Tags: len(ds.Tags)}
	if ds.Format == movielens.Format100K {
		c.Genres = len(movielens.Genres()) // u.genre lists "unknown" too
	}
	c.Sparsity = sparsity(c.Ratings, c.Users, c.CatalogMovies)
	return c
}

func sparsity(ratings, users, movies int) float64 {
	if users == 0 || movies == 0 {
		return 0
	}
	return 1 - float64(ratings)/(float64(users)*float64(movies))
}

// measure runs the checks on the processed tables.
func (r *Report) measure(ds *movielens.Dataset, t *Tables, opt Options, maxU, maxM int32) {
	movies := make([]int32, maxM+1)
	users := make([]int32, maxU+1)
	var nullIDs, outOfRange, badTS int
	lo, hi := float32(1), float32(5)
	if ds.Format == movielens.FormatCSV {
		lo = 0.5
	}
	firstBadTS := ""
	for _, x := range t.Ratings {
		if x.UserID <= 0 || x.MovieID <= 0 {
			nullIDs++
		}
		if x.Rating < lo || x.Rating > hi {
			outOfRange++
		}
		if x.Timestamp <= 0 {
			if badTS == 0 {
				firstBadTS = fmt.Sprintf("first: user %d, movie %d, timestamp %d", x.UserID, x.MovieID, x.Timestamp)
			}
			badTS++
		}
		movies[x.MovieID]++
		users[x.UserID]++
	}
	genres := map[string]struct{}{}
	for _, m := range t.Movies {
		for _, g := range m.Genres {
			genres[g] = struct{}{}
		}
	}
	nUsers, nMovies := nonZero(users), nonZero(movies)
	r.Processed = Counts{Users: nUsers, Movies: nMovies, CatalogMovies: len(t.Movies), Ratings: len(t.Ratings),
		Genres: r.Raw.Genres, Sparsity: sparsity(len(t.Ratings), nUsers, nMovies), Tags: len(t.Tags)}
	if ds.Format != movielens.Format100K {
		r.Processed.Genres = len(genres)
	}
	r.Filter.RemovedRatings = r.Raw.Ratings - len(t.Ratings)
	r.Filter.RemovedUsers = r.Raw.Users - nUsers
	r.Filter.RemovedMovies = r.Raw.Movies - nMovies

	r.addCheck(Check{Name: "no_null_ids", Description: "every rating has a user id and a movie id",
		Value: float64(nullIDs), Threshold: "== 0", Passed: nullIDs == 0, Detail: fmt.Sprintf("%d ratings without ids", nullIDs)})
	r.addCheck(Check{Name: "ratings_in_range", Description: fmt.Sprintf("every rating is between %g and %g", lo, hi),
		Value: float64(outOfRange), Threshold: "== 0", Passed: outOfRange == 0, Detail: fmt.Sprintf("%d ratings out of range", outOfRange)})
	r.addCheck(Check{Name: "valid_timestamps", Description: "every timestamp is a positive Unix time",
		Value: float64(badTS), Threshold: "== 0", Passed: badTS == 0, Detail: strings.TrimSpace(fmt.Sprintf("%d invalid timestamps %s", badTS, firstBadTS))})
	r.addCheck(Check{Name: "sufficient_interactions", Description: "enough ratings remain to train on",
		Value: float64(len(t.Ratings)), Threshold: fmt.Sprintf(">= %d", opt.MinInteractions), Passed: len(t.Ratings) >= opt.MinInteractions,
		Detail: shortBy(len(t.Ratings), opt.MinInteractions, "ratings")})

	comp, compDetail := completeness(ds, t)
	r.addCheck(Check{Name: "data_completeness", Description: "share of non-null values in the processed tables' source fields",
		Value: round4(comp), Threshold: fmt.Sprintf("> %g", opt.MinCompleteness), Passed: comp > opt.MinCompleteness, Detail: compDetail})

	minU, whoU := minCount(users)
	r.addCheck(Check{Name: "user_activity", Description: "every user has enough ratings",
		Value: float64(minU), Threshold: fmt.Sprintf(">= %d", opt.MinRatingsPerUser), Passed: nUsers > 0 && int(minU) >= opt.MinRatingsPerUser,
		Detail: fmt.Sprintf("fewest ratings per user: %d (user %d)", minU, whoU)})
	minM, whoM := minCount(movies)
	r.addCheck(Check{Name: "movie_popularity", Description: "every rated movie has enough ratings",
		Value: float64(minM), Threshold: fmt.Sprintf(">= %d", opt.MinRatingsPerMovie), Passed: nMovies > 0 && int(minM) >= opt.MinRatingsPerMovie,
		Detail: fmt.Sprintf("fewest ratings per movie: %d (movie %d)", minM, whoM)})

	r.Passed = true
	for _, c := range r.Checks {
		r.Passed = r.Passed && c.Passed
	}
}

func shortBy(got, want int, what string) string {
	if got >= want {
		return fmt.Sprintf("%d %s", got, what)
	}
	return fmt.Sprintf("%d %s, short by %d", got, what, want-got)
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// minCount returns the smallest non-zero count in counts (indexed by id)
// and, for ties, the lowest id.
func minCount(counts []int32) (int32, int32) {
	var best, who int32 = math.MaxInt32, 0
	for id, n := range counts {
		if n > 0 && n < best {
			best, who = n, int32(id)
		}
	}
	if best == math.MaxInt32 {
		return 0, 0
	}
	return best, who
}

func nonZero(counts []int32) int {
	n := 0
	for _, c := range counts {
		if c > 0 {
			n++
		}
	}
	return n
}

// completeness measures non-null cells over the fields a release provides:
// every rating field, each movie's title, year and genres, and the
// demographics of users where the release has them.
func completeness(ds *movielens.Dataset, t *Tables) (float64, string) {
	total := float64(len(t.Ratings)) * 4
	present := total
	var missingYear, missingGenres, missingDemo int
	for _, m := range t.Movies {
		total += 3
		present++ // title is always set (possibly "unknown")
		if m.Year != nil {
			present++
		} else {
			missingYear++
		}
		if len(m.Genres) > 0 && !m.GenreUnknown {
			present++
		} else {
			missingGenres++
		}
	}
	if len(ds.Users) > 0 {
		for _, u := range t.Users {
			total += 4
			for _, ok := range []bool{u.Age != nil, u.Gender != nil && *u.Gender != "", u.Occupation != nil && *u.Occupation != "", u.ZipCode != nil && *u.ZipCode != ""} {
				if ok {
					present++
				} else {
					missingDemo++
				}
			}
		}
	}
	if total == 0 {
		return 0, "no data"
	}
	return present / total, fmt.Sprintf("%d movies without a year, %d without a genre, %d missing demographic fields", missingYear, missingGenres, missingDemo)
}

// Err describes every failed check, or returns nil when all passed.
func (r *Report) Err() error {
	var failed []string
	for _, c := range r.Checks {
		if !c.Passed {
			failed = append(failed, fmt.Sprintf("%s: measured %s, expected %s (%s)", c.Name, formatValue(c.Value), c.Threshold, c.Detail))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("data quality: %d check(s) failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
}

func formatValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.4f", v)
}

// WriteJSON stores the report at path atomically.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	return atomicfile.Write(path, append(b, '\n'))
}

// Summary prints the report for a person.
func (r *Report) Summary(w io.Writer) {
	fmt.Fprintf(w, "Data quality report: %s\n", r.Dataset)
	fmt.Fprintf(w, "  raw:       %d users, %d movies (%d in catalogue), %d ratings, %d genres, sparsity %.1f%%\n",
		r.Raw.Users, r.Raw.Movies, r.Raw.CatalogMovies, r.Raw.Ratings, r.Raw.Genres, 100*r.Raw.Sparsity)
	fmt.Fprintf(w, "  processed: %d users, %d movies, %d ratings (filter: %d passes removed %d ratings, %d users, %d movies)\n",
		r.Processed.Users, r.Processed.Movies, r.Processed.Ratings, r.Filter.Iterations, r.Filter.RemovedRatings, r.Filter.RemovedUsers, r.Filter.RemovedMovies)
	files := make([]string, 0, len(r.Skipped))
	for f := range r.Skipped {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		fmt.Fprintf(w, "  skipped:   %d bad lines in %s (first: %s)\n", r.Skipped[f], f, r.FirstBad[f])
	}
	for _, c := range r.Checks {
		mark := "PASS"
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %-24s %12s  (%s)  %s\n", mark, c.Name, formatValue(c.Value), c.Threshold, c.Detail)
	}
}
