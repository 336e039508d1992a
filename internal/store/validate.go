package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/dataset"
)

// Expected is what a database loaded from processed tables must contain:
// the row counts of every table and a checksum of the rating values.
type Expected struct {
	Counts    map[string]int64 // table -> rows (users, interactions: dataset rows only)
	RatingSum float64          // sum of all dataset rating values
	// MovieRatingCounts is the sum of movies.parquet's rating_count column.
	MovieRatingCounts int64
}

// Table names, as used in counts and reports.
const (
	TableMovies          = "movies"
	TableGenres          = "genres"
	TableMovieGenres     = "movie_genres"
	TableUsers           = "users"
	TableInteractions    = "interactions"
	TableTags            = "tags"
	TableSearchDocuments = "search_documents"
)

// Expect computes what loading t must produce.
func Expect(t *dataset.Tables) Expected {
	genres := map[string]bool{}
	var mg int64
	for i := range t.Movies {
		for _, g := range t.Movies[i].Genres {
			genres[g] = true
		}
		mg += int64(len(UniqueGenres(t.Movies[i].Genres)))
	}
	var sum float64
	var movieCounts int64
	for i := range t.Movies {
		movieCounts += int64(t.Movies[i].RatingCount)
	}
	for i := range t.Ratings {
		sum += float64(t.Ratings[i].Rating)
	}
	return Expected{
		Counts: map[string]int64{
			TableMovies: int64(len(t.Movies)), TableGenres: int64(len(genres)), TableMovieGenres: mg,
			TableUsers: int64(len(t.Users)), TableInteractions: int64(len(t.Ratings)), TableTags: int64(len(t.Tags)),
			TableSearchDocuments: int64(len(t.Movies)),
		},
		RatingSum:         sum,
		MovieRatingCounts: movieCounts,
	}
}

// UniqueGenres returns gs without repeats, in first-seen order.
func UniqueGenres(gs []string) []string {
	out := gs[:0:0]
	for _, g := range gs {
		dup := false
		for _, o := range out {
			dup = dup || o == g
		}
		if !dup && g != "" {
			out = append(out, g)
		}
	}
	return out
}

// RatingSumTolerance is the relative difference allowed between the rating
// sums of the Parquet file and the database (float32 vs float64 sums).
const RatingSumTolerance = 1e-6

// Check is one validation check and its outcome.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Count compares a table's rows with the Parquet count.
type Count struct {
	Expected int64 `json:"expected"`
	Actual   int64 `json:"actual"`
}

// Report is the outcome of loading and validating a database, written as
// JSON by `genie db setup --report`.
type Report struct {
	Backend string `json:"backend"`
	// Method is how setup replaced the data: "rebuild" (SQLite: a new file
	// renamed over the old one), "in-place" (SQLite in use: one write
	// transaction) or "transaction" (PostgreSQL); empty for validate.
	Method    string    `json:"method,omitempty"`
	Database  string    `json:"database"` // path or URL without password
	Processed string    `json:"processed,omitempty"`
	Created   time.Time `json:"created"`
	// TimingsMS are the durations of the setup's phases (load, carry,
	// validate, commit, total) in milliseconds.
	TimingsMS map[string]int64 `json:"timings_ms,omitempty"`
	Counts    map[string]Count `json:"counts"`
	// AppRows are rows written by the app (users, feedback, model versions)
	// kept from the previous database.
	AppRows map[string]int64 `json:"app_rows,omitempty"`
	Checks  []Check          `json:"checks"`
	OK      bool             `json:"ok"`
}

// Time records the duration of a phase since start and returns now.
func (r *Report) Time(phase string, start time.Time) time.Time {
	now := time.Now()
	if r.TimingsMS == nil {
		r.TimingsMS = map[string]int64{}
	}
	r.TimingsMS[phase] += now.Sub(start).Milliseconds()
	return now
}

// AddCheck appends a check.
func (r *Report) AddCheck(name string, ok bool, detail string, args ...any) {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: detail})
}

// CompareCounts adds the row-count check from actual counts.
func (r *Report) CompareCounts(want Expected, actual map[string]int64) {
	r.Counts = map[string]Count{}
	var bad []string
	for _, table := range sortedKeys(want.Counts) {
		c := Count{Expected: want.Counts[table], Actual: actual[table]}
		r.Counts[table] = c
		if c.Expected != c.Actual {
			bad = append(bad, fmt.Sprintf("%s has %d rows, Parquet %d", table, c.Actual, c.Expected))
		}
	}
	if len(bad) == 0 {
		r.AddCheck("row_counts", true, "%d tables match the Parquet counts", len(want.Counts))
	} else {
		r.AddCheck("row_counts", false, strings.Join(bad, "; "))
	}
}

// CompareRatingSum adds the rating checksum check.
func (r *Report) CompareRatingSum(want, got float64) {
	ok := math.Abs(want-got) <= RatingSumTolerance*math.Max(1, math.Abs(want))
	r.AddCheck("rating_checksum", ok, "sum of dataset ratings %.1f, Parquet %.1f", got, want)
}

// Finish sets OK from the checks.
func (r *Report) Finish() {
	r.OK = true
	for _, c := range r.Checks {
		r.OK = r.OK && c.OK
	}
}

// ErrValidation is wrapped by Report.Err.
var ErrValidation = errors.New("database validation failed")

// Err returns nil when every check passed, else an error naming each failed
// check with its details.
func (r *Report) Err() error {
	var bad []string
	for _, c := range r.Checks {
		if !c.OK {
			bad = append(bad, c.Name+": "+c.Detail)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%w (%s %s):\n  %s", ErrValidation, r.Backend, r.Database, strings.Join(bad, "\n  "))
}

// WriteJSON writes the report to path (creating its folder) atomically
// with mode 0644 (see [atomicfile.Write]): on failure path is left as it
// was and no temporary file remains, and concurrent writers of one path
// each write whole.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := atomicfile.Write(path, append(b, '\n')); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
