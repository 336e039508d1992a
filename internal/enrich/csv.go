// Package enrich joins optional movie metadata from a TMDB-style CSV
// (overview, tagline, keywords, runtime, poster path) to a processed
// MovieLens catalogue: by the dataset's links (TMDB id, else IMDb id) where
// it has them, else by normalised title and release year. The result is
// enrichment.parquet beside the processed tables, which the feature stage
// (content text) and the search index (documents) read when it is present,
// and a coverage report.
package enrich

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/moviegenie/genie/internal/movielens"
)

// Record is one movie of a TMDB-style metadata file. Zero values mean the
// file did not give the field.
type Record struct {
	// TMDbID is the TMDB movie id (column id or tmdb_id).
	TMDbID int64
	// IMDbID is the numeric IMDb id ("tt0114709" is 114709).
	IMDbID int64
	// Title and OriginalTitle are the display and original-language titles.
	Title, OriginalTitle string
	// Year is the release year (from release_date or a year column).
	Year              int32
	Overview, Tagline string
	// Keywords are trimmed, deduplicated, in file order.
	Keywords []string
	// Runtime is in whole minutes (rounded).
	Runtime int32
	// PosterPath is the TMDB poster path as given ("/abc.jpg").
	PosterPath string
	// Line is the 1-based line the record starts on.
	Line int
}

// Column is a field a metadata file may have.
type Column int

// The columns Parse understands.
const (
	ColTMDbID Column = iota
	ColIMDbID
	ColTitle
	ColOriginalTitle
	ColReleaseDate
	ColYear
	ColOverview
	ColTagline
	ColKeywords
	ColRuntime
	ColPosterPath
	numColumns
)

var columnNames = [numColumns]string{"tmdb_id", "imdb_id", "title", "original_title", "release_date", "year",
	"overview", "tagline", "keywords", "runtime", "poster_path"}

// String is the column's canonical name.
func (c Column) String() string {
	if c >= 0 && c < numColumns {
		return columnNames[c]
	}
	return "Column(" + strconv.Itoa(int(c)) + ")"
}

// headerAliases maps a header name, lower-cased with everything but letters
// and digits removed, to its column. Where two headers give the same column
// the one listed first in preferred wins.
var headerAliases = map[string]Column{
	"tmdbid": ColTMDbID, "tmdb": ColTMDbID, "id": ColTMDbID,
	"imdbid": ColIMDbID, "imdb": ColIMDbID,
	"title": ColTitle, "originaltitle": ColOriginalTitle,
	"releasedate": ColReleaseDate, "released": ColReleaseDate, "date": ColReleaseDate,
	"year": ColYear, "releaseyear": ColYear,
	"overview": ColOverview, "plot": ColOverview, "synopsis": ColOverview, "description": ColOverview,
	"tagline":  ColTagline,
	"keywords": ColKeywords, "keyword": ColKeywords,
	"runtime": ColRuntime, "runtimeminutes": ColRuntime,
	"posterpath": ColPosterPath, "poster": ColPosterPath, "posterurl": ColPosterPath,
}

// preferred ranks header names of one column: a lower rank wins ("tmdb_id"
// over "id", which some files use for their own row ids).
var preferred = map[string]int{"tmdbid": 0, "tmdb": 1, "id": 2, "imdbid": 0, "imdb": 1}

// Options configure Parse.
type Options struct {
	// Name is the file name used in errors ("movies.csv").
	Name string
	// SkipBad passes over malformed rows, counting them in Result.Skipped,
	// instead of failing at the first. CSV syntax errors (an unterminated
	// quote) always fail: the rest of the file cannot be trusted.
	SkipBad bool
}

// Result is a parsed metadata file.
type Result struct {
	Records []Record
	// Columns says which columns the header provided.
	Columns [numColumns]bool
	// Duplicates counts rows whose TMDB id (or, without one, IMDb id)
	// repeats an earlier row's; the first is kept.
	Duplicates int
	// Skipped counts malformed rows passed over with SkipBad; FirstSkipped
	// describes the first.
	Skipped      int
	FirstSkipped string
}

// Parse reads a TMDB-style CSV: a header row naming the columns (in any
// order; unknown columns are ignored), then one movie per row. Fields may
// be quoted and span lines; a UTF-8 byte-order mark is ignored; a field
// that is not valid UTF-8 is read as ISO-8859-1. The header must name at
// least one key to match on: an id (tmdb_id or id), imdb_id, or title.
//
// Accepted values: ids as integers ("862", "862.0"), IMDb ids as "tt0114709"
// or digits; release_date as YYYY-MM-DD, YYYY-MM, YYYY or D/M/YYYY (only
// the year is kept); runtime in minutes ("81", "81.0"; 0 means unknown);
// keywords as a JSON or Python-literal list of strings or of objects with a
// "name" ([{"id": 1, "name": "toy"}]), or plain text separated by "|", ";"
// or ",". Errors name the file, line and field: "movies.csv:7: field
// runtime: expected minutes (a non-negative number), found \"long\"".
func Parse(r io.Reader, opt Options) (*Result, error) {
	if opt.Name == "" {
		opt.Name = "tmdb.csv"
	}
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &movielens.ParseError{File: opt.Name, Line: 1, Expected: "a header row", Found: "an empty file"}
	}
	if err != nil {
		return nil, csvError(opt.Name, err)
	}
	res := &Result{}
	var idx [numColumns]int
	var rank [numColumns]int
	for c := range idx {
		idx[c] = -1
	}
	width := len(header)
	for i, h := range header {
		key := headerKey(h)
		c, ok := headerAliases[key]
		if !ok {
			continue
		}
		if idx[c] < 0 || preferred[key] < rank[c] {
			idx[c], rank[c] = i, preferred[key]
			res.Columns[c] = true
		}
	}
	if idx[ColTMDbID] < 0 && idx[ColIMDbID] < 0 && idx[ColTitle] < 0 {
		return nil, &movielens.ParseError{File: opt.Name, Line: 1, Field: "header",
			Expected: "a column to match on: id (or tmdb_id), imdb_id or title", Found: quoteField(strings.Join(header, ","))}
	}
	seenTMDb := map[int64]bool{}
	seenIMDb := map[int64]bool{}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(opt.Name, err)
		}
		line, _ := cr.FieldPos(0)
		rec, perr := parseRow(opt.Name, cr, row, width, &idx, line)
		if perr != nil {
			if !opt.SkipBad {
				return nil, perr
			}
			res.Skipped++
			if res.FirstSkipped == "" {
				res.FirstSkipped = perr.Error()
			}
			continue
		}
		switch {
		case rec.TMDbID > 0:
			if seenTMDb[rec.TMDbID] {
				res.Duplicates++
				continue
			}
			seenTMDb[rec.TMDbID] = true
		case rec.IMDbID > 0:
			if seenIMDb[rec.IMDbID] {
				res.Duplicates++
				continue
			}
		}
		if rec.IMDbID > 0 {
			seenIMDb[rec.IMDbID] = true
		}
		res.Records = append(res.Records, rec)
	}
	return res, nil
}

// headerKey lower-cases a header name and keeps only letters and digits.
func headerKey(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// csvError turns an encoding/csv error into a located ParseError.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		found := fmt.Sprintf("%v at column %d", pe.Err, pe.Column)
		if pe.StartLine != pe.Line {
			found = fmt.Sprintf("%v on line %d, column %d (the row starts on line %d: is a quote never closed?)", pe.Err, pe.Line, pe.Column, pe.StartLine)
		}
		return &movielens.ParseError{File: name, Line: pe.StartLine, Expected: "well-formed CSV (quotes doubled inside a quoted field)",
			Found: found}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// parseRow converts one CSV row.
func parseRow(name string, cr *csv.Reader, row []string, width int, idx *[numColumns]int, line int) (Record, *movielens.ParseError) {
	rec := Record{Line: line}
	if len(row) != width {
		return rec, &movielens.ParseError{File: name, Line: line, Expected: fmt.Sprintf("%d fields as in the header", width),
			Found: strconv.Itoa(len(row))}
	}
	field := func(c Column) (string, int) {
		i := idx[c]
		if i < 0 {
			return "", line
		}
		l, _ := cr.FieldPos(i)
		return strings.TrimSpace(toUTF8(row[i])), l
	}
	bad := func(c Column, l int, expected, found string) *movielens.ParseError {
		return &movielens.ParseError{File: name, Line: l, Field: c.String(), Expected: expected, Found: quoteField(found)}
	}
	if s, l := field(ColTMDbID); s != "" {
		v, ok := parseID(s)
		if !ok {
			return rec, bad(ColTMDbID, l, "a positive integer TMDB id", s)
		}
		rec.TMDbID = v
	}
	if s, l := field(ColIMDbID); s != "" {
		v, ok := ParseIMDbID(s)
		if !ok {
			return rec, bad(ColIMDbID, l, `an IMDb id ("tt0114709" or digits)`, s)
		}
		rec.IMDbID = v
	}
	rec.Title, _ = field(ColTitle)
	rec.OriginalTitle, _ = field(ColOriginalTitle)
	if s, l := field(ColReleaseDate); s != "" {
		y, ok := parseYear(s)
		if !ok {
			return rec, bad(ColReleaseDate, l, "a date (YYYY-MM-DD, YYYY-MM, YYYY or D/M/YYYY)", s)
		}
		rec.Year = y
	}
	if s, l := field(ColYear); s != "" && rec.Year == 0 {
		y, ok := parseYear(s)
		if !ok || strings.ContainsAny(s, "-/") {
			return rec, bad(ColYear, l, "a four-digit year", s)
		}
		rec.Year = y
	}
	rec.Overview, _ = field(ColOverview)
	rec.Tagline, _ = field(ColTagline)
	if s, l := field(ColKeywords); s != "" {
		kw, err := ParseKeywords(s)
		if err != nil {
			return rec, bad(ColKeywords, l, `a keyword list (["a", "b"], [{"id": 1, "name": "a"}] or a|b): `+err.Error(), s)
		}
		rec.Keywords = kw
	}
	if s, l := field(ColRuntime); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f > 100000 || math.IsNaN(f) {
			return rec, bad(ColRuntime, l, "minutes (a non-negative number)", s)
		}
		rec.Runtime = int32(math.Round(f))
	}
	rec.PosterPath, _ = field(ColPosterPath)
	if rec.TMDbID == 0 && rec.IMDbID == 0 && rec.Title == "" {
		return rec, &movielens.ParseError{File: name, Line: line, Field: "row", Expected: "an id, imdb_id or title to match on", Found: "none"}
	}
	return rec, nil
}

// parseID reads a positive integer id, allowing a ".0" suffix (files that
// went through a spreadsheet or pandas).
func parseID(s string) (int64, bool) {
	s = strings.TrimSuffix(s, ".0")
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v > 0
}

// ParseIMDbID reads "tt0114709", "0114709" or "114709" as 114709.
func ParseIMDbID(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "tt" || s[:2] == "TT") {
		s = s[2:]
	}
	if s == "" || len(s) > 12 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v > 0
}

// parseYear takes the year of YYYY-MM-DD, YYYY-MM, YYYY (optionally
// "YYYY.0") or D/M/YYYY (and M/D/YYYY).
func parseYear(s string) (int32, bool) {
	digits := func(t string) bool {
		for i := 0; i < len(t); i++ {
			if t[i] < '0' || t[i] > '9' {
				return false
			}
		}
		return t != ""
	}
	var y string
	switch {
	case strings.Contains(s, "/"):
		parts := strings.Split(s, "/")
		if len(parts) != 3 || !digits(parts[0]) || !digits(parts[1]) || len(parts[0]) > 2 || len(parts[1]) > 2 {
			return 0, false
		}
		y = parts[2]
	case strings.Contains(s, "-"):
		parts := strings.Split(s, "-")
		if len(parts) > 3 {
			return 0, false
		}
		for _, p := range parts[1:] {
			if !digits(p) || len(p) > 2 {
				return 0, false
			}
		}
		y = parts[0]
	default:
		y = strings.TrimSuffix(s, ".0")
	}
	if len(y) != 4 || !digits(y) {
		return 0, false
	}
	v, _ := strconv.Atoi(y)
	if v < 1800 || v > 2200 {
		return 0, false
	}
	return int32(v), true
}

// toUTF8 keeps valid UTF-8 and reads anything else as ISO-8859-1.
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// quoteField quotes a value for an error message, shortened to 60 runes.
func quoteField(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		r := []rune(s)
		s = string(r[:60]) + "…"
	}
	return strconv.Quote(s)
}
