package enrich

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseKeywords reads a keywords field. A field starting with "[" is a list
// in JSON or Python-literal syntax (single or double quotes): a list of
// strings (["toy", "friendship"]) or of objects whose "name" is the keyword
// ([{"id": 931, "name": "jealousy"}], the Kaggle TMDB files' layout); other
// keys, numbers, null/None/True are ignored. Anything else is plain text
// separated by "|", else ";", else ",". Keywords are trimmed; empty and
// repeated ones are dropped.
func ParseKeywords(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var raw []string
	if s[0] == '[' {
		var err error
		if raw, err = scanList(s); err != nil {
			return nil, err
		}
	} else {
		sep := ","
		for _, c := range []string{"|", ";"} {
			if strings.Contains(s, c) {
				sep = c
				break
			}
		}
		raw = strings.Split(s, sep)
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range raw {
		k = strings.Join(strings.Fields(k), " ")
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out, nil
}

// scanList extracts the keywords of a JSON-ish list: the strings directly
// in the top-level list, and the "name" values of the objects directly in
// it.
func scanList(s string) ([]string, error) {
	type frame struct {
		object bool
		key    string // the current key of an object
		inVal  bool   // after the key's ':'
	}
	var stack []frame
	var out []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '[' || c == '{':
			if len(stack) == 0 && i != 0 {
				return nil, fmt.Errorf("text after the list at byte %d", i)
			}
			stack = append(stack, frame{object: c == '{'})
			i++
		case c == ']' || c == '}':
			if len(stack) == 0 || stack[len(stack)-1].object != (c == '}') {
				return nil, fmt.Errorf("unbalanced %q at byte %d", c, i)
			}
			stack = stack[:len(stack)-1]
			i++
			if len(stack) > 0 {
				stack[len(stack)-1].inVal = stack[len(stack)-1].object // a value was completed
			}
		case c == ':':
			if len(stack) == 0 || !stack[len(stack)-1].object {
				return nil, fmt.Errorf("unexpected ':' at byte %d", i)
			}
			stack[len(stack)-1].inVal = true
			i++
		case c == ',':
			if len(stack) == 0 {
				return nil, fmt.Errorf("unexpected ',' at byte %d", i)
			}
			top := &stack[len(stack)-1]
			top.key, top.inVal = "", false
			i++
		case c == '"' || c == '\'':
			if len(stack) == 0 {
				return nil, fmt.Errorf("text after the list at byte %d", i)
			}
			str, n, err := scanString(s[i:])
			if err != nil {
				return nil, fmt.Errorf("%w at byte %d", err, i)
			}
			i += n
			top := &stack[len(stack)-1]
			switch {
			case !top.object:
				if len(stack) == 1 {
					out = append(out, str)
				}
			case !top.inVal:
				top.key = str
			case top.key == "name" && len(stack) == 2 && !stack[0].object:
				out = append(out, str)
			}
		default:
			// a bare value: number, null, None, true, True, ...
			j := i
			for j < len(s) && (isBare(s[j])) {
				j++
			}
			if j == i || len(stack) == 0 {
				r, _ := utf8.DecodeRuneInString(s[i:])
				return nil, fmt.Errorf("unexpected %q at byte %d", r, i)
			}
			i = j
		}
	}
	if len(stack) != 0 {
		return nil, errors.New("unterminated list")
	}
	return out, nil
}

// isBare reports whether c may be part of a bare literal.
func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == '_'
}

// scanString reads a quoted string at the start of s (quote ' or ") with
// backslash escapes (\n, \t, \uXXXX, \xXX, \<char>) and returns it and the
// bytes consumed.
func scanString(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '\\' && i+1 < len(s):
			i++
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'u', 'x':
				n := 4
				if e == 'x' {
					n = 2
				}
				if i+n < len(s) {
					if v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil {
						r := rune(v)
						if !utf8.ValidRune(r) {
							r = utf8.RuneError
						}
						b.WriteRune(r)
						i += n
						continue
					}
				}
				b.WriteByte(e)
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("unterminated string")
}
