package movielens

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
)

// ratingSyntax describes how one release writes a ratings line.
type ratingSyntax struct {
	sep       []byte
	header    string // expected first line, "" when none
	halfStars bool   // ratings may be x.5
}

var (
	syntax100K = ratingSyntax{sep: []byte{'\t'}}
	syntaxDat  = ratingSyntax{sep: []byte("::")}
	syntaxCSV  = ratingSyntax{sep: []byte{','}, header: "userId,movieId,rating,timestamp", halfStars: true}
)

var ratingFields = [4]string{"user", "movie", "rating", "timestamp"}

// parsedRatings is a whole ratings file read by parseRatings.
type parsedRatings struct {
	ratings []Rating // source order, Row numbered from 0
	skipped int      // malformed lines passed over (Skip)
	// firstErr describes the first skipped line, nil when none.
	firstErr error
	// lines maps each rating's Row to its line in the file.
	lines rowLines
}

// rowLine anchors a ratings row to the file line it came from.
type rowLine struct {
	row  int32
	line int
}

// rowLines maps ratings rows to 1-based file lines. Ratings sit on
// consecutive lines except where a header, blank or skipped line comes
// between, so only the row after each such gap is anchored.
type rowLines []rowLine

// line returns the file line of the rating in row, 0 when unknown.
func (a rowLines) line(row int32) int {
	i := sort.Search(len(a), func(i int) bool { return a[i].row > row }) - 1
	if i < 0 {
		return 0
	}
	return a[i].line + int(row-a[i].row)
}

// parseRatings reads a whole ratings file. A leading UTF-8 BOM is dropped
// and blank lines are skipped wherever they are (see isBlank); with a
// header, the first non-blank line must be it. Lines are parsed in
// parallel chunks; the result is in source order with Row numbered from 0.
// With Skip, malformed lines are counted and the first is described.
func parseRatings(ctx context.Context, name string, data []byte, syn ratingSyntax, policy BadLinePolicy) (parsedRatings, error) {
	return parseRatingsChunked(ctx, name, data, syn, policy, runtime.GOMAXPROCS(0)*2, minChunked)
}

// minChunked is the size below which a ratings file is parsed in one piece.
const minChunked = 1 << 16

// parseRatingsChunked is parseRatings with the data after the header cut
// into about n chunks when it holds at least minSize bytes.
func parseRatingsChunked(ctx context.Context, name string, data []byte, syn ratingSyntax, policy BadLinePolicy, n, minSize int) (parsedRatings, error) {
	data = trimBOM(data)
	startLine := 1
	if syn.header != "" {
		// Skip blank lines before the header, then the header itself.
		for {
			i := bytes.IndexByte(data, '\n')
			first := data
			if i >= 0 {
				first = data[:i]
			}
			if i < 0 {
				data = nil
			} else {
				data = data[i+1:]
			}
			if isBlank(first) && data != nil {
				startLine++
				continue
			}
			first = bytes.TrimSuffix(first, []byte{'\r'})
			if string(first) != syn.header {
				return parsedRatings{}, &ParseError{File: name, Line: startLine, Expected: "header " + strconv.Quote(syn.header), Found: quote(first)}
			}
			startLine++
			break
		}
	}
	chunks := splitChunks(data, n, minSize)
	// Every chunk parses into its own region of one slice sized by the
	// line count, so the ratings are never copied (25M ratings: 600 MB).
	type result struct {
		n        int // ratings written
		lastLine int // chunk line of the last rating written
		anchors  rowLines
		skipped  int
		firstErr *ParseError
		err      *ParseError
	}
	starts := make([]int, len(chunks)+1)
	for i, c := range chunks {
		starts[i+1] = starts[i] + bytes.Count(c, []byte{'\n'}) + 1
	}
	rs := make([]Rating, starts[len(chunks)])
	results := make([]result, len(chunks))
	var wg sync.WaitGroup
	for ci, chunk := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[ci]
			dst := rs[starts[ci]:starts[ci+1]]
			_ = lines(chunk, func(line []byte, n int) error {
				if n&0xffff == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
				rt, perr := parseRatingLine(line, syn)
				if perr != nil {
					perr.File, perr.Line = name, n
					if policy == Fail {
						r.err = perr
						return perr
					}
					r.skipped++
					if r.firstErr == nil {
						r.firstErr = perr
					}
					return nil
				}
				if r.n == 0 || n != r.lastLine+1 {
					r.anchors = append(r.anchors, rowLine{row: int32(r.n), line: n})
				}
				r.lastLine = n
				dst[r.n] = rt
				r.n++
				return nil
			})
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return parsedRatings{}, err
	}
	var out parsedRatings
	offset := startLine - 1
	total := 0
	for i := range results {
		r := &results[i]
		if r.err != nil {
			r.err.Line += offset
			return parsedRatings{}, r.err
		}
		if r.firstErr != nil {
			r.firstErr.Line += offset
			if out.firstErr == nil {
				out.firstErr = r.firstErr
			}
		}
		out.skipped += r.skipped
		for _, a := range r.anchors {
			out.lines = append(out.lines, rowLine{row: a.row + int32(total), line: a.line + offset})
		}
		// close the gap left by skipped lines and line-count slack
		total += copy(rs[total:], rs[starts[i]:starts[i]+r.n])
		// every chunk but the last ends with its last line's '\n'
		offset += bytes.Count(chunks[i], []byte{'\n'})
	}
	rs = rs[:total:total]
	for i := range rs {
		rs[i].Row = int32(i)
	}
	out.ratings = rs
	return out, nil
}

// splitChunks cuts data into about n pieces that each end at a line end,
// or leaves it whole when it is shorter than minSize.
func splitChunks(data []byte, n, minSize int) [][]byte {
	if n < 1 || len(data) < minSize {
		n = 1
	}
	var out [][]byte
	size := len(data)/n + 1
	for len(data) > 0 {
		if len(data) <= size {
			out = append(out, data)
			break
		}
		i := bytes.IndexByte(data[size:], '\n')
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:size+i+1])
		data = data[size+i+1:]
	}
	return out
}

// parseRatingLine parses "user SEP movie SEP rating SEP timestamp".
func parseRatingLine(line []byte, syn ratingSyntax) (Rating, *ParseError) {
	var f [4][]byte
	rest := line
	for i := 0; i < 3; i++ {
		j := bytes.Index(rest, syn.sep)
		if j < 0 {
			return Rating{}, &ParseError{Expected: fmt.Sprintf("4 fields separated by %q", syn.sep), Found: fmt.Sprintf("%d field(s) in %s", i+1, quote(line))}
		}
		f[i], rest = rest[:j], rest[j+len(syn.sep):]
	}
	f[3] = rest
	if bytes.Contains(rest, syn.sep) {
		return Rating{}, &ParseError{Expected: fmt.Sprintf("4 fields separated by %q", syn.sep), Found: fmt.Sprintf("more in %s", quote(line))}
	}
	var r Rating
	u, err := parseID(f[0])
	if err != nil {
		return r, &ParseError{Field: ratingFields[0], Expected: "a positive integer id", Found: quote(f[0])}
	}
	m, err := parseID(f[1])
	if err != nil {
		return r, &ParseError{Field: ratingFields[1], Expected: "a positive integer id", Found: quote(f[1])}
	}
	v, ok := parseStars(f[2], syn.halfStars)
	if !ok {
		exp := "a whole number of stars from 1 to 5"
		if syn.halfStars {
			exp = "a number of stars from 0.5 to 5 in steps of 0.5"
		}
		return r, &ParseError{Field: ratingFields[2], Expected: exp, Found: quote(f[2])}
	}
	ts, err := strconv.ParseInt(string(bytes.TrimSpace(f[3])), 10, 64)
	if err != nil || ts < 0 {
		return r, &ParseError{Field: ratingFields[3], Expected: "Unix seconds (a non-negative integer)", Found: quote(f[3])}
	}
	return Rating{User: u, Movie: m, Rating: v, Timestamp: ts}, nil
}

// parseID parses a positive int32 id without allocating.
func parseID(b []byte) (int32, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > 10 {
		return 0, strconv.ErrSyntax
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, strconv.ErrSyntax
		}
		v = v*10 + int64(c-'0')
	}
	if v <= 0 || v > 1<<31-1 {
		return 0, strconv.ErrRange
	}
	return int32(v), nil
}

// parseStars accepts "4", "4.0" and, with half stars, "3.5" and "0.5".
func parseStars(b []byte, half bool) (float32, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 32)
	if err != nil {
		return 0, false
	}
	twice := v * 2
	if twice != float64(int(twice)) {
		return 0, false
	}
	if half {
		if v < 0.5 || v > 5 {
			return 0, false
		}
	} else if v < 1 || v > 5 || v != float64(int(v)) {
		return 0, false
	}
	return float32(v), true
}

// DuplicateError reports a second rating of the same movie by the same user.
type DuplicateError struct {
	File        string
	User, Movie int32
	// Row and FirstRow are 0-based ratings rows (not file lines).
	Row, FirstRow int32
	// Line and FirstLine are the 1-based file lines of the two ratings,
	// 0 when unknown.
	Line, FirstLine int
}

// Error reads like "u.data:21: duplicate rating of movie 5 by user 1 (first
// rated on line 6)", or names ratings rows when the lines are unknown.
func (e *DuplicateError) Error() string {
	if e.Line > 0 && e.FirstLine > 0 {
		return fmt.Sprintf("%s:%d: duplicate rating of movie %d by user %d (first rated on line %d)",
			e.File, e.Line, e.Movie, e.User, e.FirstLine)
	}
	return fmt.Sprintf("%s: duplicate rating of movie %d by user %d: rating #%d repeats rating #%d (counting from 1)",
		e.File, e.Movie, e.User, e.Row+1, e.FirstRow+1)
}

// findDuplicates returns the rows (in increasing order) of ratings whose
// (user, movie) pair appeared earlier in rs, with the first offending pair.
// Ratings are bucketed by user (a counting sort), then each user's few
// ratings are sorted by movie: linear in practice even for 25M ratings.
func findDuplicates(rs []Rating) (dups []int32, first *DuplicateError) {
	if len(rs) == 0 {
		return nil, nil
	}
	var maxUser int32
	for i := range rs {
		maxUser = max(maxUser, rs[i].User)
	}
	start := make([]int32, maxUser+2)
	for i := range rs {
		start[rs[i].User+1]++
	}
	for u := 1; u < len(start); u++ {
		start[u] += start[u-1]
	}
	idx := make([]int32, len(rs))
	next := slices.Clone(start[:len(start)-1])
	for i := range rs {
		u := rs[i].User
		idx[next[u]] = int32(i)
		next[u]++
	}
	for u := 0; u+1 < len(start); u++ {
		group := idx[start[u]:start[u+1]]
		if len(group) < 2 {
			continue
		}
		// rows within a group are already increasing; a stable sort by
		// movie keeps the earliest row first.
		slices.SortStableFunc(group, func(a, b int32) int { return int(rs[a].Movie) - int(rs[b].Movie) })
		for k := 1; k < len(group); k++ {
			if rs[group[k]].Movie != rs[group[k-1]].Movie {
				continue
			}
			dups = append(dups, group[k])
			f := k - 1
			for f > 0 && rs[group[f-1]].Movie == rs[group[k]].Movie {
				f--
			}
			if first == nil || group[k] < first.Row {
				first = &DuplicateError{User: rs[group[k]].User, Movie: rs[group[k]].Movie, Row: group[k], FirstRow: group[f]}
			}
		}
	}
	slices.Sort(dups)
	return dups, first
}
