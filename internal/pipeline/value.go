package pipeline

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Map is an insertion-ordered string-keyed map, the shape params files and
// lock entries are read into so their order survives a round trip.
type Map struct {
	keys []string
	vals map[string]any
}

// NewMap returns an empty Map.
func NewMap() *Map { return &Map{vals: map[string]any{}} }

// Len returns the number of keys.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.keys)
}

// Keys returns the keys in insertion order.
func (m *Map) Keys() []string {
	if m == nil {
		return nil
	}
	return append([]string(nil), m.keys...)
}

// Get returns the value stored under k.
func (m *Map) Get(k string) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.vals[k]
	return v, ok
}

// Set stores v under k, appending k if it is new.
func (m *Map) Set(k string, v any) {
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
}

// Delete removes k.
func (m *Map) Delete(k string) {
	if _, ok := m.vals[k]; !ok {
		return
	}
	delete(m.vals, k)
	for i, kk := range m.keys {
		if kk == k {
			m.keys = append(m.keys[:i], m.keys[i+1:]...)
			break
		}
	}
}

// Sorted returns a shallow copy with keys in byte order.
func (m *Map) Sorted() *Map {
	out := NewMap()
	keys := m.Keys()
	sort.Strings(keys)
	for _, k := range keys {
		out.Set(k, m.vals[k])
	}
	return out
}

// valueFromNode converts a YAML node into a generic value (nil, bool, int64,
// float64, string, []any, *Map) following YAML 1.2 core-schema resolution.
func valueFromNode(n *yaml.Node) (any, error) {
	d := &nodeDecoder{budget: maxYAMLNodes}
	return d.value(n, 0)
}

// maxYAMLNodes bounds alias expansion ("billion laughs") and recursion.
const (
	maxYAMLNodes = 1 << 20
	maxYAMLDepth = 500
)

type nodeDecoder struct{ budget int }

func (d *nodeDecoder) value(n *yaml.Node, depth int) (any, error) {
	d.budget--
	if d.budget < 0 {
		return nil, fmt.Errorf("line %d: document too large after alias expansion", n.Line)
	}
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("line %d: document nested too deeply (recursive alias?)", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return d.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: dangling alias", n.Line)
		}
		return d.value(n.Alias, depth+1)
	case yaml.MappingNode:
		m := NewMap()
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Tag == "!!merge" || (kn.Value == "<<" && kn.Style == 0 && kn.ShortTag() == "!!merge") {
				src := vn
				if src.Kind == yaml.AliasNode {
					src = src.Alias
				}
				mv, err := d.value(src, depth+1)
				if err != nil {
					return nil, err
				}
				if mm, ok := mv.(*Map); ok {
					for _, k := range mm.keys {
						if _, exists := m.vals[k]; !exists {
							m.Set(k, mm.vals[k])
						}
					}
				}
				continue
			}
			kv, err := d.value(kn, depth+1)
			if err != nil {
				return nil, err
			}
			v, err := d.value(vn, depth+1)
			if err != nil {
				return nil, err
			}
			m.Set(pyStr(kv), v)
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := d.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		return scalarFromNode(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// leadingZeroInt is a decimal with leading zeros: YAML 1.2 (and ruamel,
// which DVC uses) reads "017" as 17, where yaml.v3 would read octal.
var leadingZeroInt = regexp.MustCompile(`^[-+]?0[0-9_]+$`)

func scalarFromNode(n *yaml.Node) (any, error) {
	if n.Style == 0 && leadingZeroInt.MatchString(n.Value) {
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, 64); err == nil {
			return i, nil
		}
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return f, nil
	default:
		return n.Value, nil
	}
}

// parseYAMLValue parses YAML text into a generic value.
func parseYAMLValue(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 {
		return nil, nil
	}
	return valueFromNode(&doc)
}

// pyNumber reports v as a float when it is a Python number (bool included).
func pyNumber(v any) (float64, bool, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true, true
		}
		return 0, true, true
	case int64:
		return float64(x), true, true
	case int:
		return float64(x), true, true
	case float64:
		return x, false, true
	}
	return 0, false, false
}

// PyEqual compares two generic values with Python's == semantics:
// 1 == 1.0, True == 1, dicts compare regardless of key order.
func PyEqual(a, b any) bool {
	if ai, ok := a.(int64); ok {
		if bi, ok := b.(int64); ok {
			return ai == bi
		}
	}
	if af, _, ok := pyNumber(a); ok {
		bf, _, ok := pyNumber(b)
		return ok && af == bf
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !PyEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for _, k := range x.keys {
			yv, ok := y.vals[k]
			if !ok || !PyEqual(x.vals[k], yv) {
				return false
			}
		}
		return true
	}
	return false
}

// pyFloatRepr formats f exactly like Python's repr(float).
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	epos := strings.IndexByte(s, 'e')
	mant, expS := s[:epos], s[epos+1:]
	exp, _ := strconv.Atoi(expS)
	digits := strings.Replace(mant, ".", "", 1)
	var out string
	if exp >= -4 && exp < 16 {
		if exp < 0 {
			out = "0." + strings.Repeat("0", -exp-1) + digits
		} else if len(digits) > exp+1 {
			out = digits[:exp+1] + "." + digits[exp+1:]
		} else {
			out = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
		}
	} else {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		out = fmt.Sprintf("%se%s%02d", m, sign, exp)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// pyStr renders a scalar like Python's str(), except booleans, which DVC's
// templating renders as true/false.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return pyFloatRepr(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// pyJSON serializes v exactly like Python's json.dumps(v, sort_keys=sortKeys)
// with the default separators and ensure_ascii.
func pyJSON(v any, sortKeys bool) string {
	var b strings.Builder
	writePyJSON(&b, v, sortKeys)
	return b.String()
}

func writePyJSON(b *strings.Builder, v any, sortKeys bool) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloatRepr(x))
		}
	case string:
		writePyJSONString(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyJSON(b, e, sortKeys)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyJSONString(b, e)
		}
		b.WriteByte(']')
	case *Map:
		keys := x.Keys()
		if sortKeys {
			sort.Strings(keys)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyJSONString(b, k)
			b.WriteString(": ")
			writePyJSON(b, x.vals[k], sortKeys)
		}
		b.WriteByte('}')
	default:
		writePyJSONString(b, fmt.Sprint(v))
	}
}

func writePyJSONString(b *strings.Builder, s string) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r >= 0x20 && r <= 0x7e:
				b.WriteRune(r)
			case r > 0xffff:
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			default:
				fmt.Fprintf(b, `\u%04x`, r)
			}
		}
	}
	b.WriteByte('"')
}
