package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
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
	// DroppedOrphans counts ratings of unlisted movies or users dropped by
	// design (Options.DropOrphans); they are in neither the processed
	// ratings nor Filter.RemovedRatings.
	DroppedOrphans     int     `json:"dropped_orphan_ratings"`
	FirstDroppedOrphan string  `json:"first_dropped_orphan,omitempty"`
	Checks             []Check `json:"checks"`
	Passed             bool    `json:"passed"`

	// orphans counts ratings of unlisted movies or users, dropped or not:
	// they never reach the processed ratings.
	orphans int
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

// FilterSummary says what the minimum-ratings filter removed (dropped
// orphan ratings are counted in Report.DroppedOrphans instead).
type FilterSummary struct {
	Iterations     int `json:"iterations"`
	RemovedRatings int `json:"removed_ratings"`
	RemovedUsers   int `json:"removed_users"`
	RemovedMovies  int `json:"removed_movies"`
}

// Check is one data-quality check with its measured value. Threshold
// reads "OP LIMIT" with OP one of == != >= > <= <; a check passes only when
// Passed is set and Value meets the threshold (see newCheck).
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

// newCheck builds a check whose threshold is "op limit" and whose Passed
// is computed from value, so the two cannot disagree.
func newCheck(name, description string, value float64, op string, limit float64, detail string) Check {
	c := Check{Name: name, Description: description, Value: value,
		Threshold: op + " " + strconv.FormatFloat(limit, 'f', -1, 64), Detail: detail, Passed: true}
	c.Passed = c.ok()
	return c
}

// meets reports whether Value satisfies Threshold; known is false when the
// threshold does not read "OP LIMIT".
func (c Check) meets() (ok, known bool) {
	op, lim, found := strings.Cut(strings.TrimSpace(c.Threshold), " ")
	limit, err := strconv.ParseFloat(strings.TrimSpace(lim), 64)
	if !found || err != nil {
		return false, false
	}
	switch op {
	case "==":
		return c.Value == limit, true
	case "!=":
		return c.Value != limit, true
	case ">=":
		return c.Value >= limit, true
	case ">":
		return c.Value > limit, true
	case "<=":
		return c.Value <= limit, true
	case "<":
		return c.Value < limit, true
	}
	return false, false
}

// ok reports whether the check passed: Passed is set and, when the
// threshold can be read, the value meets it. A check whose value violates
// its threshold never passes, whatever Passed says.
func (c Check) ok() bool {
	if !c.Passed {
		return false
	}
	met, known := c.meets()
	return met || !known
}

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
	r.Filter.RemovedRatings = r.Raw.Ratings - r.orphans - len(t.Ratings)
	r.Filter.RemovedUsers = r.Raw.Users - nUsers
	r.Filter.RemovedMovies = r.Raw.Movies - nMovies

	r.addCheck(newCheck("no_null_ids", "every rating has a user id and a movie id",
		float64(nullIDs), "==", 0, fmt.Sprintf("%d ratings without ids", nullIDs)))
	r.addCheck(newCheck("ratings_in_range", fmt.Sprintf("every rating is between %g and %g", lo, hi),
		float64(outOfRange), "==", 0, fmt.Sprintf("%d ratings out of range", outOfRange)))
	r.addCheck(newCheck("valid_timestamps", "every timestamp is a positive Unix time",
		float64(badTS), "==", 0, strings.TrimSpace(fmt.Sprintf("%d invalid timestamps %s", badTS, firstBadTS))))
	r.addCheck(newCheck("sufficient_interactions", "enough ratings remain to train on",
		float64(len(t.Ratings)), ">=", float64(opt.MinInteractions), shortBy(len(t.Ratings), opt.MinInteractions, "ratings")))

	comp, compDetail := completeness(ds, t)
	r.addCheck(newCheck("data_completeness", "share of non-null values in the processed tables' source fields",
		round4(comp), ">", opt.MinCompleteness, compDetail))

	minU, whoU := minCount(users)
	userDetail := fmt.Sprintf("fewest ratings per user: %d (user %d)", minU, whoU)
	if nUsers == 0 {
		userDetail = "filtering left no users"
	}
	r.addCheck(newCheck("user_activity", "every user has enough ratings",
		float64(minU), ">=", float64(opt.MinRatingsPerUser), userDetail))
	minM, whoM := minCount(movies)
	movieDetail := fmt.Sprintf("fewest ratings per movie: %d (movie %d)", minM, whoM)
	if nMovies == 0 {
		movieDetail = "filtering left no rated movies"
	}
	r.addCheck(newCheck("movie_popularity", "every rated movie has enough ratings",
		float64(minM), ">=", float64(opt.MinRatingsPerMovie), movieDetail))

	// No ratings never pass, whatever the thresholds (Err says why).
	r.Passed = len(t.Ratings) > 0
	for _, c := range r.Checks {
		r.Passed = r.Passed && c.ok()
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

// ErrNoRatings is wrapped by Report.Err when processing left no ratings.
var ErrNoRatings = errors.New("no ratings remain after processing")

// Err describes every failed check, or returns nil when all passed. When
// no ratings remain it says so first, and why, wrapping ErrNoRatings.
func (r *Report) Err() error {
	var failed []string
	for _, c := range r.Checks {
		if !c.ok() {
			failed = append(failed, fmt.Sprintf("%s: measured %s, expected %s (%s)", c.Name, formatValue(c.Value), c.Threshold, c.Detail))
		}
	}
	list := ""
	if len(failed) > 0 {
		list = fmt.Sprintf("%d check(s) failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	if r.Processed.Ratings == 0 && r.Checks != nil {
		if list != "" {
			list = "\n" + list
		}
		return fmt.Errorf("data quality: %w: %s%s", ErrNoRatings, r.emptyReason(), list)
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("data quality: %s", list)
}

// emptyReason says what removed the raw ratings when none remain.
func (r *Report) emptyReason() string {
	if r.Raw.Ratings == 0 {
		return "the release has no ratings"
	}
	var parts []string
	if r.DroppedOrphans > 0 {
		parts = append(parts, fmt.Sprintf("%d ratings of unlisted movies or users were dropped", r.DroppedOrphans))
	}
	if n := r.Raw.Ratings - r.DroppedOrphans - r.Filter.RemovedRatings - r.Processed.Ratings; n > 0 {
		parts = append(parts, fmt.Sprintf("%d ratings name unlisted movies or users (see referential_integrity)", n))
	}
	if r.Filter.RemovedRatings > 0 {
		parts = append(parts, fmt.Sprintf("the filter (min_ratings_per_user %d, min_ratings_per_movie %d) removed %d ratings of %d users and %d movies",
			r.Params.MinRatingsPerUser, r.Params.MinRatingsPerMovie, r.Filter.RemovedRatings, r.Filter.RemovedUsers, r.Filter.RemovedMovies))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("none of %d raw ratings was kept", r.Raw.Ratings)
	}
	return fmt.Sprintf("of %d raw ratings, %s", r.Raw.Ratings, strings.Join(parts, " and "))
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
	if r.DroppedOrphans > 0 {
		fmt.Fprintf(w, "  dropped:   %d ratings of unlisted movies or users (on_bad_line: skip; first: %s)\n", r.DroppedOrphans, r.FirstDroppedOrphan)
	}
	if r.Processed.Ratings == 0 && r.Checks != nil {
		fmt.Fprintf(w, "  empty:     %s; %s\n", ErrNoRatings, r.emptyReason())
	}
	for _, c := range r.Checks {
		mark := "PASS"
		if !c.ok() {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %-24s %12s  (%s)  %s\n", mark, c.Name, formatValue(c.Value), c.Threshold, c.Detail)
	}
}
