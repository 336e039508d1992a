package pipeline

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// yamlEmitter writes block-style YAML the way DVC's ruamel.yaml dumper does
// (default_flow_style=False, indent 2, sequences at the parent key's column,
// best width 80 with plain/single-quoted scalars folded at spaces).
type yamlEmitter struct {
	b      strings.Builder
	column int
	width  int
}

// marshalYAML renders v (a *Map at the top) as DVC would.
func marshalYAML(v any) []byte {
	e := &yamlEmitter{width: 80}
	switch x := v.(type) {
	case *Map:
		if x.Len() == 0 {
			e.write("{}")
		} else {
			e.emitMap(x, 0, true)
		}
	case []any:
		if len(x) == 0 {
			e.write("[]")
		} else {
			e.emitSeq(x, 0, true)
		}
	default:
		e.emitScalar(v, 0, false)
	}
	e.write("\n")
	return []byte(e.b.String())
}

func (e *yamlEmitter) write(s string) {
	e.b.WriteString(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		e.column = len([]rune(s[i+1:]))
	} else {
		e.column += len([]rune(s))
	}
}

func (e *yamlEmitter) newline(indent int) {
	e.b.WriteByte('\n')
	e.b.WriteString(strings.Repeat(" ", indent))
	e.column = indent
}

func isEmptyCollection(v any) (string, bool) {
	switch x := v.(type) {
	case *Map:
		if x.Len() == 0 {
			return "{}", true
		}
	case []any:
		if len(x) == 0 {
			return "[]", true
		}
	}
	return "", false
}

func (e *yamlEmitter) emitMap(m *Map, indent int, first bool) {
	for i, k := range m.Keys() {
		if i > 0 || !first {
			e.newline(indent)
		}
		e.emitScalar(k, indent, true)
		e.write(":")
		v, _ := m.Get(k)
		if s, ok := isEmptyCollection(v); ok {
			e.write(" " + s)
			continue
		}
		switch x := v.(type) {
		case *Map:
			e.newline(indent + 2)
			e.emitMap(x, indent+2, true)
		case []any:
			e.newline(indent)
			e.emitSeq(x, indent, true)
		case nil:
		default:
			e.write(" ")
			e.emitScalar(x, indent+2, false)
		}
	}
}

func (e *yamlEmitter) emitSeq(l []any, indent int, first bool) {
	for i, v := range l {
		if i > 0 || !first {
			e.newline(indent)
		}
		e.write("- ")
		if s, ok := isEmptyCollection(v); ok {
			e.write(s)
			continue
		}
		switch x := v.(type) {
		case *Map:
			e.emitMap(x, indent+2, true)
		case []any:
			e.emitSeq(x, indent+2, true)
		case nil:
			e.write("null")
		default:
			e.emitScalar(x, indent+2, false)
		}
	}
}

func (e *yamlEmitter) emitScalar(v any, indent int, simpleKey bool) {
	switch x := v.(type) {
	case nil:
		e.write("null")
	case bool:
		if x {
			e.write("true")
		} else {
			e.write("false")
		}
	case int64:
		e.write(strconv.FormatInt(x, 10))
	case int:
		e.write(strconv.Itoa(x))
	case float64:
		switch {
		case math.IsNaN(x):
			e.write(".nan")
		case math.IsInf(x, 1):
			e.write(".inf")
		case math.IsInf(x, -1):
			e.write("-.inf")
		default:
			e.write(strings.ToLower(pyFloatRepr(x)))
		}
	case string:
		e.emitString(x, indent, simpleKey)
	default:
		e.emitString(fmt.Sprint(v), indent, simpleKey)
	}
}

// YAML 1.2 implicit resolvers as in ruamel.yaml.
var (
	yamlBoolRe  = regexp.MustCompile(`^(?:true|True|TRUE|false|False|FALSE)$`)
	yamlNullRe  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	yamlIntRe   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$`)
	yamlFloatRe = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yamlTimeRe  = regexp.MustCompile(`^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?`)
)

func resolvesNonString(s string) bool {
	return yamlBoolRe.MatchString(s) || yamlNullRe.MatchString(s) || yamlIntRe.MatchString(s) ||
		yamlFloatRe.MatchString(s) || yamlTimeRe.MatchString(s) || s == "<<" || s == "="
}

type scalarAnalysis struct {
	multiline, plainOK, singleOK bool
}

// analyzeScalar follows PyYAML/ruamel's Emitter.analyze_scalar for block context.
func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{singleOK: true}
	}
	r := []rune(s)
	blockInd, lineBreaks, special := false, false, false
	leadSpace, leadBreak, trailSpace, trailBreak := false, false, false, false
	breakSpace, spaceBreak := false, false
	prevSpace, prevBreak := false, false
	precededByWS := true
	for i, ch := range r {
		followedByWS := i+1 >= len(r) || strings.ContainsRune(" \t\n\r\u0085\u2028\u2029", r[i+1])
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				blockInd = true
			}
			if (ch == '?' || ch == ':' || ch == '-') && followedByWS {
				blockInd = true
			}
		} else {
			if ch == ':' && followedByWS {
				blockInd = true
			}
			if ch == '#' && precededByWS {
				blockInd = true
			}
		}
		isBreak := ch == '\n' || ch == '\u0085' || ch == '\u2028' || ch == '\u2029'
		if isBreak {
			lineBreaks = true
		}
		if !(ch == '\n' || (ch >= 0x20 && ch <= 0x7e)) {
			if ch == '\u0085' || (ch >= 0xa0 && ch <= 0xd7ff) || (ch >= 0xe000 && ch <= 0xfffd) || (ch >= 0x10000 && ch <= 0x10ffff) {
				if ch == '\ufeff' {
					special = true
				}
			} else {
				special = true
			}
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadSpace = true
			}
			if i == len(r)-1 {
				trailSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isBreak:
			if i == 0 {
				leadBreak = true
			}
			if i == len(r)-1 {
				trailBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWS = strings.ContainsRune(" \t\n\r\u0085\u2028\u2029", ch)
	}
	a := scalarAnalysis{multiline: lineBreaks, plainOK: true, singleOK: true}
	if leadSpace || leadBreak || trailSpace || trailBreak {
		a.plainOK = false
	}
	if breakSpace {
		a.plainOK, a.singleOK = false, false
	}
	if spaceBreak || special {
		a.plainOK, a.singleOK = false, false
	}
	if lineBreaks || blockInd {
		a.plainOK = false
	}
	return a
}

func (e *yamlEmitter) emitString(s string, indent int, simpleKey bool) {
	a := analyzeScalar(s)
	if a.plainOK && !resolvesNonString(s) && !(simpleKey && a.multiline) {
		e.writeFolded(s, indent, !simpleKey, false)
		return
	}
	// ruamel prefers double quotes for strings holding ' or a line break
	if !strings.ContainsAny(s, "'\n") && a.singleOK && !(simpleKey && a.multiline) {
		e.write("'")
		e.writeFolded(s, indent, !simpleKey, true)
		e.write("'")
		return
	}
	e.writeDoubleQuoted(s, indent, !simpleKey)
}

var yamlEscapes = map[rune]string{
	0: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0a: "n", 0x0b: "v", 0x0c: "f", 0x0d: "r", 0x1b: "e",
	'"': "\"", '\\': "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P",
}

// writeDoubleQuoted ports ruamel's Emitter.write_double_quoted (escapes and
// folding with a trailing backslash past the best width).
func (e *yamlEmitter) writeDoubleQuoted(s string, indent int, split bool) {
	r := []rune(s)
	e.write("\"")
	start, end := 0, 0
	for end <= len(r) {
		var ch rune = -1
		if end < len(r) {
			ch = r[end]
		}
		printable := (ch >= 0x20 && ch <= 0x7e) || (ch >= 0xa0 && ch <= 0xd7ff) || (ch >= 0xe000 && ch <= 0xfffd)
		if ch == -1 || strings.ContainsRune("\"\\\u0085\u2028\u2029\ufeff", ch) || !printable {
			if start < end {
				e.write(string(r[start:end]))
				start = end
			}
			if ch != -1 {
				var data string
				if esc, ok := yamlEscapes[ch]; ok {
					data = "\\" + esc
				} else if ch <= 0xff {
					data = fmt.Sprintf("\\x%02X", ch)
				} else if ch <= 0xffff {
					data = fmt.Sprintf("\\u%04X", ch)
				} else {
					data = fmt.Sprintf("\\U%08X", ch)
				}
				e.write(data)
				start = end + 1
			}
		}
		if end > 0 && end < len(r)-1 && (ch == ' ' || start >= end) && e.column+(end-start) > e.width && split {
			data := string(r[start:end]) + "\\"
			if start < end {
				start = end
			}
			e.write(data)
			e.newline(indent)
			if r[start] == ' ' {
				e.write("\\")
			}
		}
		end++
	}
	e.write("\"")
}

// writeFolded writes a plain or single-quoted scalar body, replacing a lone
// space by a line break once past the best width, like PyYAML's write_plain
// and write_single_quoted.
func (e *yamlEmitter) writeFolded(s string, indent int, split, quoted bool) {
	r := []rune(s)
	start, end := 0, 0
	spaces, breaks := false, false
	for end <= len(r) {
		var ch rune = -1
		if end < len(r) {
			ch = r[end]
		}
		isBreak := ch == '\n' || ch == '\u0085' || ch == '\u2028' || ch == '\u2029'
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > e.width && split && (!quoted || (start != 0 && end != len(r))) {
					e.newline(indent)
				} else {
					e.write(string(r[start:end]))
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isBreak {
				if r[start] == '\n' {
					e.b.WriteByte('\n')
				}
				for range r[start:end] {
					e.b.WriteByte('\n')
				}
				e.b.WriteString(strings.Repeat(" ", indent))
				e.column = indent
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isBreak || (quoted && ch == '\'') {
				if start < end {
					e.write(string(r[start:end]))
					start = end
				}
			}
		}
		if quoted && ch == '\'' {
			e.write("''")
			start = end + 1
		}
		if ch != -1 {
			spaces = ch == ' '
			breaks = isBreak
		}
		end++
	}
}
