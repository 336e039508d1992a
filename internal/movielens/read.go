package movielens

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LoadOptions controls Load.
type LoadOptions struct {
	// OnBadLine says whether a malformed line fails the load or is skipped.
	OnBadLine BadLinePolicy
}

// DetectFormat tells a release's layout from the files in dir.
func DetectFormat(dir string) (Format, error) {
	has := func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, name))
		return err == nil && st.Mode().IsRegular()
	}
	switch {
	case has("u.data"):
		return Format100K, nil
	case has("ratings.dat"):
		return FormatDat, nil
	case has("ratings.csv"):
		return FormatCSV, nil
	}
	if st, err := os.Stat(dir); err != nil {
		return 0, fmt.Errorf("dataset folder %s: %w", dir, err)
	} else if !st.IsDir() {
		return 0, fmt.Errorf("dataset folder %s: not a directory", dir)
	}
	hint := ""
	if has("movies.dat") {
		hint = " (movies.dat is there but ratings.dat is missing: the release is incomplete)"
	}
	return 0, fmt.Errorf("%s is not a MovieLens release: expected u.data (ml-100k), ratings.dat (ml-1m, ml-10m) or ratings.csv (ml-20m and later)%s", dir, hint)
}

// Load reads the release in dir. Ratings come back in source order with
// duplicates of a (user, movie) pair rejected (or, with Skip, dropped after
// the first).
func Load(ctx context.Context, dir string, opt LoadOptions) (*Dataset, error) {
	f, err := DetectFormat(dir)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Format: f, Skipped: map[string]int{}, FirstSkipped: map[string]string{}}
	r := &reader{dir: dir, ds: ds, policy: opt.OnBadLine, movieLines: map[int32]int{}, userLines: map[int32]int{}}
	switch f {
	case Format100K:
		err = r.load100K(ctx)
	case FormatDat:
		err = r.loadDat(ctx)
	case FormatCSV:
		err = r.loadCSV(ctx)
	}
	if err != nil {
		return nil, err
	}
	ratingsFile := map[Format]string{Format100K: "u.data", FormatDat: "ratings.dat", FormatCSV: "ratings.csv"}[f]
	dups, first := findDuplicates(ds.Ratings)
	if first != nil {
		first.File = ratingsFile
		first.Line, first.FirstLine = r.ratingLines.line(first.Row), r.ratingLines.line(first.FirstRow)
		if r.policy == Fail {
			return nil, first
		}
		r.skip(ratingsFile, first)
		ds.Skipped[ratingsFile] += len(dups) - 1
		ds.Ratings = removeRows(ds.Ratings, dups)
	}
	return ds, nil
}

// removeRows drops the given increasing rows and renumbers Row.
func removeRows(rs []Rating, rows []int32) []Rating {
	out := rs[:0]
	k := 0
	for i := range rs {
		if k < len(rows) && int32(i) == rows[k] {
			k++
			continue
		}
		out = append(out, rs[i])
	}
	for i := range out {
		out[i].Row = int32(i)
	}
	return out
}

type reader struct {
	dir    string
	ds     *Dataset
	policy BadLinePolicy
	// ratingLines maps ds.Ratings rows to lines of the ratings file.
	ratingLines rowLines
	// movieLines and userLines hold the line each accepted movie and user
	// id was listed on, to report a repeat.
	movieLines, userLines map[int32]int
}

// read returns the bytes of a file that must exist and hold something,
// without a leading UTF-8 BOM.
func (r *reader) read(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	b = trimBOM(b)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("read %s: file is empty", name)
	}
	return b, nil
}

// optional returns the bytes of a file that may be missing (ok false),
// without a leading UTF-8 BOM.
func (r *reader) optional(name string) (b []byte, ok bool, err error) {
	b, err = os.ReadFile(filepath.Join(r.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", name, err)
	}
	return trimBOM(b), true, nil
}

// bad handles one malformed line: returned as the error under Fail,
// counted under Skip.
func (r *reader) bad(e *ParseError) error {
	return r.badLines(e.File, e, 1)
}

// badLines handles n malformed lines of file described by err: err is
// returned under Fail, the lines are counted under Skip.
func (r *reader) badLines(file string, err error, n int) error {
	if r.policy == Fail {
		return err
	}
	r.skipLines(file, err, n)
	return nil
}

func (r *reader) skip(file string, err error) { r.skipLines(file, err, 1) }

// skipLines counts n lines of file as skipped, remembering the first error.
func (r *reader) skipLines(file string, err error, n int) {
	r.ds.Skipped[file] += n
	if _, ok := r.ds.FirstSkipped[file]; !ok {
		r.ds.FirstSkipped[file] = err.Error()
	}
}

// DuplicateIDError reports a movie or user id listed a second time in a
// movies or users file.
type DuplicateIDError struct {
	File string
	// Kind is "movie" or "user".
	Kind string
	ID   int32
	// Line is the 1-based line of the repeat, FirstLine that of the
	// listing kept.
	Line, FirstLine int
}

// Error reads like "u.item:1683: movie id 5 is listed twice (first at line 5)".
func (e *DuplicateIDError) Error() string {
	return fmt.Sprintf("%s:%d: %s id %d is listed twice (first at line %d)", e.File, e.Line, e.Kind, e.ID, e.FirstLine)
}

// listed records that an otherwise valid entry with id was read on line n
// of file. When the id was listed before, the line is bad: ok is false
// and err is the *DuplicateIDError under Fail, nil under Skip (the first
// listing is kept and the repeat counted as skipped).
func (r *reader) listed(seen map[int32]int, kind, file string, n int, id int32) (ok bool, err error) {
	if first, dup := seen[id]; dup {
		return false, r.badLines(file, &DuplicateIDError{File: file, Kind: kind, ID: id, Line: n, FirstLine: first}, 1)
	}
	seen[id] = n
	return true, nil
}

func (r *reader) ratings(ctx context.Context, name string, syn ratingSyntax) error {
	b, err := r.read(name)
	if err != nil {
		return err
	}
	p, err := parseRatings(ctx, name, b, syn, r.policy)
	if err != nil {
		return err
	}
	if p.skipped > 0 {
		r.ds.Skipped[name] += p.skipped
		r.ds.FirstSkipped[name] = p.firstErr.Error()
	}
	r.ds.Ratings, r.ratingLines = p.ratings, p.lines
	return nil
}

func (r *reader) load100K(ctx context.Context) error {
	if err := r.ratings(ctx, "u.data", syntax100K); err != nil {
		return err
	}
	b, err := r.read("u.item")
	if err != nil {
		return err
	}
	if err := lines(b, func(line []byte, n int) error {
		f := bytes.Split(line, []byte{'|'})
		if len(f) != 5+len(genreNames) {
			return r.bad(&ParseError{File: "u.item", Line: n, Expected: fmt.Sprintf("%d fields separated by |", 5+len(genreNames)), Found: fmt.Sprintf("%d", len(f))})
		}
		id, err := parseID(f[0])
		if err != nil {
			return r.bad(&ParseError{File: "u.item", Line: n, Field: "movie id", Expected: "a positive integer id", Found: quote(f[0])})
		}
		m := Movie{ID: id, ReleaseDate: toUTF8(f[2]), IMDbURL: toUTF8(f[4])}
		m.Title, m.Year = SplitTitle(toUTF8(f[1]))
		if m.Year == 0 && len(m.ReleaseDate) >= 4 {
			if y, err := strconv.Atoi(m.ReleaseDate[len(m.ReleaseDate)-4:]); err == nil {
				m.Year = int32(y)
			}
		}
		for g, flag := range f[5:] {
			switch string(flag) {
			case "1":
				m.Genres = append(m.Genres, genreNames[g])
			case "0":
			default:
				return r.bad(&ParseError{File: "u.item", Line: n, Field: "genre " + genreNames[g], Expected: "0 or 1", Found: quote(flag)})
			}
		}
		if ok, err := r.listed(r.movieLines, "movie", "u.item", n, id); !ok {
			return err
		}
		r.ds.Movies = append(r.ds.Movies, m)
		return nil
	}); err != nil {
		return err
	}
	b, err = r.read("u.user")
	if err != nil {
		return err
	}
	return lines(b, func(line []byte, n int) error {
		f := bytes.Split(line, []byte{'|'})
		if len(f) != 5 {
			return r.bad(&ParseError{File: "u.user", Line: n, Expected: "5 fields separated by |", Found: fmt.Sprintf("%d", len(f))})
		}
		return r.user("u.user", n, f[0], f[1], f[2], f[3], f[4])
	})
}

func (r *reader) user(file string, n int, id, age, gender, occ, zip []byte) error {
	uid, err := parseID(id)
	if err != nil {
		return r.bad(&ParseError{File: file, Line: n, Field: "user id", Expected: "a positive integer id", Found: quote(id)})
	}
	a, err := strconv.Atoi(string(bytes.TrimSpace(age)))
	if err != nil || a < 0 || a > 150 {
		return r.bad(&ParseError{File: file, Line: n, Field: "age", Expected: "an age from 0 to 150", Found: quote(age)})
	}
	g := string(bytes.TrimSpace(gender))
	if g != "M" && g != "F" {
		return r.bad(&ParseError{File: file, Line: n, Field: "gender", Expected: "M or F", Found: quote(gender)})
	}
	if ok, err := r.listed(r.userLines, "user", file, n, uid); !ok {
		return err
	}
	r.ds.Users = append(r.ds.Users, User{ID: uid, Age: int32(a), Gender: g, Occupation: toUTF8(bytes.TrimSpace(occ)), Zip: toUTF8(bytes.TrimSpace(zip))})
	return nil
}

// ml1mOccupations maps ml-1m's occupation codes to names (its README).
var ml1mOccupations = [...]string{
	"other", "academic/educator", "artist", "clerical/admin", "college/grad student",
	"customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
	"K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
	"self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
}

func (r *reader) loadDat(ctx context.Context) error {
	if err := r.ratings(ctx, "ratings.dat", syntaxDat); err != nil {
		return err
	}
	b, err := r.read("movies.dat")
	if err != nil {
		return err
	}
	sep := []byte("::")
	if err := lines(b, func(line []byte, n int) error {
		f := bytes.Split(line, sep)
		if len(f) != 3 {
			return r.bad(&ParseError{File: "movies.dat", Line: n, Expected: "3 fields separated by ::", Found: fmt.Sprintf("%d", len(f))})
		}
		return r.movie("movies.dat", n, f[0], toUTF8(f[1]), toUTF8(f[2]))
	}); err != nil {
		return err
	}
	b, ok, err := r.optional("users.dat") // ml-10m has none
	if err != nil || !ok {
		return err
	}
	if err := lines(b, func(line []byte, n int) error {
		f := bytes.Split(line, sep)
		if len(f) != 5 {
			return r.bad(&ParseError{File: "users.dat", Line: n, Expected: "5 fields separated by ::", Found: fmt.Sprintf("%d", len(f))})
		}
		occ := f[3]
		if c, err := strconv.Atoi(string(occ)); err == nil && c >= 0 && c < len(ml1mOccupations) {
			occ = []byte(ml1mOccupations[c])
		} else {
			return r.bad(&ParseError{File: "users.dat", Line: n, Field: "occupation", Expected: "a code from 0 to 20", Found: quote(occ)})
		}
		return r.user("users.dat", n, f[0], f[2], f[1], occ, f[4])
	}); err != nil {
		return err
	}
	return r.datTags()
}

func (r *reader) datTags() error {
	b, ok, err := r.optional("tags.dat")
	if err != nil || !ok {
		return err
	}
	return lines(b, func(line []byte, n int) error {
		f := bytes.SplitN(line, []byte("::"), 4)
		if len(f) != 4 {
			return r.bad(&ParseError{File: "tags.dat", Line: n, Expected: "4 fields separated by ::", Found: fmt.Sprintf("%d", len(f))})
		}
		return r.tag("tags.dat", n, f[0], f[1], toUTF8(f[2]), f[3])
	})
}

func (r *reader) movie(file string, n int, id []byte, title, genres string) error {
	mid, err := parseID(id)
	if err != nil {
		return r.bad(&ParseError{File: file, Line: n, Field: "movie id", Expected: "a positive integer id", Found: quote(id)})
	}
	m := Movie{ID: mid}
	m.Title, m.Year = SplitTitle(title)
	for _, g := range strings.Split(genres, "|") {
		c, ok := CanonicalGenre(strings.TrimSpace(g))
		if !ok {
			return r.bad(&ParseError{File: file, Line: n, Field: "genres", Expected: "MovieLens genre names separated by |", Found: strconv.Quote(g)})
		}
		m.Genres = append(m.Genres, c)
	}
	if ok, err := r.listed(r.movieLines, "movie", file, n, mid); !ok {
		return err
	}
	r.ds.Movies = append(r.ds.Movies, m)
	return nil
}

func (r *reader) tag(file string, n int, user, movie []byte, text string, ts []byte) error {
	u, err := parseID(user)
	if err != nil {
		return r.bad(&ParseError{File: file, Line: n, Field: "user", Expected: "a positive integer id", Found: quote(user)})
	}
	m, err := parseID(movie)
	if err != nil {
		return r.bad(&ParseError{File: file, Line: n, Field: "movie", Expected: "a positive integer id", Found: quote(movie)})
	}
	t, err := strconv.ParseInt(string(bytes.TrimSpace(ts)), 10, 64)
	if err != nil || t < 0 {
		return r.bad(&ParseError{File: file, Line: n, Field: "timestamp", Expected: "Unix seconds", Found: quote(ts)})
	}
	r.ds.Tags = append(r.ds.Tags, Tag{User: u, Movie: m, Tag: strings.TrimSpace(text), Timestamp: t})
	return nil
}

func (r *reader) loadCSV(ctx context.Context) error {
	if err := r.ratings(ctx, "ratings.csv", syntaxCSV); err != nil {
		return err
	}
	if err := r.csvFile("movies.csv", true, []string{"movieId", "title", "genres"}, func(n int, f []string) error {
		return r.movie("movies.csv", n, []byte(f[0]), f[1], f[2])
	}); err != nil {
		return err
	}
	if err := r.csvFile("tags.csv", false, []string{"userId", "movieId", "tag", "timestamp"}, func(n int, f []string) error {
		return r.tag("tags.csv", n, []byte(f[0]), []byte(f[1]), f[2], []byte(f[3]))
	}); err != nil {
		return err
	}
	return r.csvFile("links.csv", false, []string{"movieId", "imdbId", "tmdbId"}, func(n int, f []string) error {
		m, err := parseID([]byte(f[0]))
		if err != nil {
			return r.bad(&ParseError{File: "links.csv", Line: n, Field: "movieId", Expected: "a positive integer id", Found: strconv.Quote(f[0])})
		}
		l := Link{Movie: m}
		for i, dst := range []*int64{&l.IMDbID, &l.TMDbID} {
			if f[i+1] == "" {
				continue
			}
			v, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil || v < 0 {
				return r.bad(&ParseError{File: "links.csv", Line: n, Field: []string{"imdbId", "tmdbId"}[i], Expected: "an integer id or nothing", Found: strconv.Quote(f[i+1])})
			}
			*dst = v
		}
		r.ds.Links = append(r.ds.Links, l)
		return nil
	})
}

// csvFile reads a UTF-8 CSV with the given header, calling fn per record
// with its 1-based line number. A leading BOM is dropped and blank lines
// are skipped (see isBlank). A CSV syntax error is reported at the line
// its record starts on; under Skip every line from there to the error
// counts as skipped (a quote never closed swallows the lines after it).
func (r *reader) csvFile(name string, required bool, header []string, fn func(n int, f []string) error) error {
	var b []byte
	var err error
	if required {
		b, err = r.read(name)
	} else {
		var ok bool
		b, ok, err = r.optional(name)
		if !ok && err == nil {
			return nil
		}
	}
	if err != nil {
		return err
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				found := fmt.Sprintf("%v at column %d", pe.Err, pe.Column)
				if pe.StartLine != pe.Line {
					found = fmt.Sprintf("%v on line %d, column %d (the record starts on line %d: is a quote never closed?)", pe.Err, pe.Line, pe.Column, pe.StartLine)
				}
				perr := &ParseError{File: name, Line: pe.StartLine, Expected: "valid CSV", Found: found}
				if err := r.badLines(name, perr, pe.Line-pe.StartLine+1); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(rec) == 1 && isBlank([]byte(rec[0])) {
			continue // a line of spaces; encoding/csv skips empty ones itself
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if strings.Join(rec, ",") != strings.Join(header, ",") {
				return &ParseError{File: name, Line: line, Expected: "header " + strconv.Quote(strings.Join(header, ",")), Found: strconv.Quote(strings.Join(rec, ","))}
			}
			continue
		}
		if len(rec) != len(header) {
			if err := r.bad(&ParseError{File: name, Line: line, Expected: fmt.Sprintf("%d fields", len(header)), Found: fmt.Sprintf("%d", len(rec))}); err != nil {
				return err
			}
			continue
		}
		for i := range rec {
			rec[i] = toUTF8([]byte(rec[i]))
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
	if first && required {
		return fmt.Errorf("read %s: file is empty", name)
	}
	return nil
}
