package movielens

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
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

// parseRatings reads a whole ratings file. Lines are parsed in parallel
// chunks; the result is in source order with Row numbered from 0. With
// Skip, malformed lines are counted in skipped and the first is described
// in firstErr.
func parseRatings(ctx context.Context, name string, data []byte, syn ratingSyntax, policy BadLinePolicy) (rs []Rating, skipped int, firstErr error, err error) {
	startLine := 1
	if syn.header != "" {
		i := bytes.IndexByte(data, '\n')
		first := data
		if i >= 0 {
			first = data[:i]
		}
		first = bytes.TrimSuffix(first, []byte{'\r'})
		first = bytes.TrimPrefix(first, []byte("\xef\xbb\xbf"))
		if string(first) != syn.header {
			return nil, 0, nil, &ParseError{File: name, Line: 1, Expected: "header " + strconv.Quote(syn.header), Found: quote(first)}
		}
		if i < 0 {
			data = nil
		} else {
			data = data[i+1:]
		}
		startLine = 2
	}
	chunks := splitChunks(data, runtime.GOMAXPROCS(0)*2)
	// Every chunk parses into its own region of one slice sized by the
	// line count, so the ratings are never copied (25M ratings: 600 MB).
	type result struct {
		lines    int // lines seen
		n        int // ratings written
		skipped  int
		firstErr *ParseError
		err      *ParseError
	}
	starts := make([]int, len(chunks)+1)
	for i, c := range chunks {
		starts[i+1] = starts[i] + bytes.Count(c, []byte{'\n'}) + 1
	}
	rs = make([]Rating, starts[len(chunks)])
	results := make([]result, len(chunks))
	var wg sync.WaitGroup
	for ci, chunk := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[ci]
			dst := rs[starts[ci]:starts[ci+1]]
			_ = lines(chunk, func(line []byte, n int) error {
				r.lines = n
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
				dst[r.n] = rt
				r.n++
				return nil
			})
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, 0, nil, err
	}
	offset := startLine - 1
	total := 0
	for i := range results {
		r := &results[i]
		if r.err != nil {
			r.err.Line += offset
			return nil, 0, nil, r.err
		}
		if r.firstErr != nil {
			r.firstErr.Line += offset
			if firstErr == nil {
				firstErr = r.firstErr
			}
		}
		skipped += r.skipped
		// close the gap left by skipped lines and line-count slack
		total += copy(rs[total:], rs[starts[i]:starts[i]+r.n])
		offset += r.lines
	}
	rs = rs[:total:total]
	for i := range rs {
		rs[i].Row = int32(i)
	}
	return rs, skipped, firstErr, nil
}

// splitChunks cuts data into about n pieces that each end at a line end.
func splitChunks(data []byte, n int) [][]byte {
	if n < 1 || len(data) < 1<<16 {
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
}

// Error names the pair and both rows.
func (e *DuplicateError) Error() string {
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
