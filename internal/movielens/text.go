package movielens

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// toUTF8 returns b as a valid UTF-8 string. Bytes that are already valid
// UTF-8 are kept; otherwise the field is read as ISO-8859-1, which the
// older releases use.
func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// SplitTitle splits "Toy Story (1995)" into "Toy Story" and 1995. Titles
// with a year range ("Cosmos (1980-1981)") give the first year; a title
// with no year gives 0.
func SplitTitle(s string) (title string, year int32) {
	t := strings.TrimSpace(s)
	if !strings.HasSuffix(t, ")") {
		return t, 0
	}
	open := strings.LastIndexByte(t, '(')
	if open < 0 {
		return t, 0
	}
	inner := t[open+1 : len(t)-1]
	if len(inner) < 4 {
		return t, 0
	}
	for i := 0; i < 4; i++ {
		if inner[i] < '0' || inner[i] > '9' {
			return t, 0
		}
	}
	rest := inner[4:]
	if rest != "" && !isYearRangeTail(rest) {
		return t, 0
	}
	y, _ := strconv.Atoi(inner[:4])
	return strings.TrimSpace(t[:open]), int32(y)
}

// isYearRangeTail accepts "-", "-1999", "–" and "–1999" after a year.
func isYearRangeTail(s string) bool {
	switch {
	case strings.HasPrefix(s, "-"):
		s = s[1:]
	case strings.HasPrefix(s, "–"):
		s = s[len("–"):]
	default:
		return false
	}
	if s == "" {
		return true
	}
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// bom is the UTF-8 byte order mark some editors put at the start of a file.
var bom = []byte("\xef\xbb\xbf")

// trimBOM drops a UTF-8 byte order mark from the start of a file's bytes.
func trimBOM(data []byte) []byte { return bytes.TrimPrefix(data, bom) }

// isBlank reports whether a line (without its terminator) is empty or
// holds only spaces and tabs. Every reader skips such lines, wherever they
// are in a file, without counting them as bad.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// lines calls fn for each non-blank line of data (see isBlank) with its
// 1-based number, without the line terminator (LF or CRLF). Blank lines are
// not reported but still count, so numbers stay those of the file.
func lines(data []byte, fn func(line []byte, n int) error) error {
	n := 0
	for len(data) > 0 {
		n++
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if isBlank(line) {
			continue
		}
		if err := fn(line, n); err != nil {
			return err
		}
	}
	return nil
}

// quote shows found text in an error, shortened when long.
func quote(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(toUTF8(b[:max])) + "…"
	}
	return strconv.Quote(toUTF8(b))
}
