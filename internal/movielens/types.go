// Package movielens reads the MovieLens releases published by GroupLens
// (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m, ml-latest-small), fetches
// and verifies them, and reports malformed input precisely.
package movielens

import (
	"fmt"
	"strconv"
)

// Format is the file layout of a MovieLens release.
type Format int

// The three layouts GroupLens has used.
const (
	// Format100K is ml-100k: u.data (tab), u.item/u.user (pipe, ISO-8859-1).
	Format100K Format = iota + 1
	// FormatDat is ml-1m and ml-10m: "::"-separated .dat files.
	FormatDat
	// FormatCSV is ml-20m, ml-25m, ml-32m and ml-latest(-small): quoted CSV.
	FormatCSV
)

// String names the format after its first release.
func (f Format) String() string {
	switch f {
	case Format100K:
		return "ml-100k"
	case FormatDat:
		return "ml-1m"
	case FormatCSV:
		return "ml-25m"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Movie is one catalogue entry.
type Movie struct {
	ID    int32
	Title string // without the trailing "(year)"
	// Year is the release year parsed from the title, 0 when unknown.
	Year int32
	// Genres are canonical genre names (see Genres), in source order.
	Genres []string
	// ReleaseDate is ml-100k's release date text ("01-Jan-1995"), else "".
	ReleaseDate string
	// IMDbURL is ml-100k's IMDb link, else "".
	IMDbURL string
}

// Rating is one user-movie interaction.
type Rating struct {
	User      int32
	Movie     int32
	Rating    float32
	Timestamp int64 // Unix seconds
	// Row is the 0-based position of the rating in the source file; it
	// breaks timestamp ties in source-file order.
	Row int32
}

// User holds the demographics a release provides (ml-100k and ml-1m only).
type User struct {
	ID         int32
	Age        int32 // 0 when unknown
	Gender     string
	Occupation string
	Zip        string
}

// Tag is a free-text tag a user put on a movie.
type Tag struct {
	User      int32
	Movie     int32
	Tag       string
	Timestamp int64
}

// Link maps a movie to IMDb and TMDB ids (0 when unknown).
type Link struct {
	Movie  int32
	IMDbID int64
	TMDbID int64
}

// Dataset is a whole release read into memory.
type Dataset struct {
	Format  Format
	Movies  []Movie
	Ratings []Rating // in source-file order
	Users   []User   // empty when the release has no demographics
	Tags    []Tag
	Links   []Link
	// Skipped counts the lines passed over per file with OnBadLine Skip.
	Skipped map[string]int
	// FirstSkipped holds the first error seen per file with OnBadLine Skip.
	FirstSkipped map[string]string
}

// BadLinePolicy says what a reader does with a malformed line.
type BadLinePolicy int

// Bad-line policies.
const (
	// Fail stops at the first malformed line with a *ParseError.
	Fail BadLinePolicy = iota
	// Skip passes over malformed lines and counts them in Dataset.Skipped.
	Skip
)

// ParsePolicy reads "fail" or "skip".
func ParsePolicy(s string) (BadLinePolicy, error) {
	switch s {
	case "fail", "":
		return Fail, nil
	case "skip":
		return Skip, nil
	}
	return Fail, fmt.Errorf("unknown bad-line policy %q: want fail or skip", s)
}

// ParseError locates one malformed line.
type ParseError struct {
	File     string
	Line     int // 1-based
	Field    string
	Expected string
	Found    string
}

// Error reads like "u.data:5: field item: expected integer, found \"x\"".
func (e *ParseError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: expected %s, found %s", e.File, e.Line, e.Expected, e.Found)
	}
	return fmt.Sprintf("%s:%d: field %s: expected %s, found %s", e.File, e.Line, e.Field, e.Expected, e.Found)
}
