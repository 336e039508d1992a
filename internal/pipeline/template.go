package pipeline

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// templateMatch is one ${...} occurrence in a string.
type templateMatch struct {
	start, end int // byte span including ${ and }
	expr       string
}

// findTemplates finds ${expr} occurrences not preceded by a backslash, like
// DVC's regex (?<!\\)\${(.*?)}.
func findTemplates(s string) []templateMatch {
	var out []templateMatch
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '$' || s[i+1] != '{' {
			continue
		}
		if i > 0 && s[i-1] == '\\' {
			continue
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			break
		}
		out = append(out, templateMatch{start: i, end: i + 2 + j + 1, expr: s[i+2 : i+2+j]})
		i = i + 2 + j
	}
	return out
}

// lookupContext resolves a dotted expression (a.b, a[0], a.0) in ctx.
func lookupContext(ctx *Map, expr string) (any, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, fmt.Errorf("empty interpolation ${}")
	}
	var cur any = ctx
	for _, part := range splitKeyPath(expr) {
		switch x := cur.(type) {
		case *Map:
			v, ok := x.Get(part)
			if !ok {
				return nil, fmt.Errorf("could not find '%s'", expr)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("could not find '%s'", expr)
			}
			cur = x[i]
		default:
			return nil, fmt.Errorf("could not find '%s'", expr)
		}
	}
	return cur, nil
}

// interpolateString resolves ${} in s. A string that is exactly one ${x}
// keeps x's type; otherwise values are stringified the DVC way. Dicts are
// only allowed inside commands (inCmd), where they become --k v arguments.
func interpolateString(s string, ctx *Map, inCmd bool) (any, error) {
	ms := findTemplates(s)
	if len(ms) == 0 {
		return strings.ReplaceAll(s, `\${`, "${"), nil
	}
	if len(ms) == 1 && ms[0].start == 0 && ms[0].end == len(s) {
		v, err := lookupContext(ctx, ms[0].expr)
		if err != nil {
			return nil, fmt.Errorf("failed to parse '%s': %w", s, err)
		}
		if m, ok := v.(*Map); ok && inCmd {
			return dictToArgs(m)
		}
		return v, nil
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(strings.ReplaceAll(s[last:m.start], `\${`, "${"))
		v, err := lookupContext(ctx, m.expr)
		if err != nil {
			return nil, fmt.Errorf("failed to parse '%s': %w", s, err)
		}
		switch x := v.(type) {
		case []any:
			return nil, fmt.Errorf("failed to parse '%s': cannot interpolate data of type 'list'", s)
		case *Map:
			if !inCmd {
				return nil, fmt.Errorf("failed to parse '%s': cannot interpolate data of type 'dict'", s)
			}
			a, err := dictToArgs(x)
			if err != nil {
				return nil, fmt.Errorf("failed to parse '%s': %w", s, err)
			}
			b.WriteString(a)
		default:
			b.WriteString(pyStr(x))
		}
		last = m.end
	}
	b.WriteString(strings.ReplaceAll(s[last:], `\${`, "${"))
	return b.String(), nil
}

// flattenMap flattens nested dicts into dotted keys, in order.
func flattenMap(m *Map, prefix string, out *Map) {
	for _, k := range m.Keys() {
		v, _ := m.Get(k)
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(*Map); ok {
			flattenMap(sub, key, out)
			continue
		}
		out.Set(key, v)
	}
}

// dictToArgs renders a dict the way DVC interpolates it into a command.
func dictToArgs(m *Map) (string, error) {
	flat := NewMap()
	flattenMap(m, "", flat)
	var b strings.Builder
	for _, k := range flat.Keys() {
		v, _ := flat.Get(k)
		switch x := v.(type) {
		case bool:
			if x {
				fmt.Fprintf(&b, "--%s ", k)
			}
		case string:
			fmt.Fprintf(&b, "--%s %s ", k, shellQuote(x))
		case []any:
			for i, e := range x {
				var s string
				switch ev := e.(type) {
				case string:
					s = shellQuote(ev)
				case []any, *Map:
					return "", fmt.Errorf("cannot interpolate nested iterable in '%s'", k)
				default:
					s = pyStr(ev)
				}
				if i == 0 {
					fmt.Fprintf(&b, "--%s %s ", k, s)
				} else {
					fmt.Fprintf(&b, "%s ", s)
				}
			}
		default:
			fmt.Fprintf(&b, "--%s %s ", k, pyStr(x))
		}
	}
	return strings.TrimRight(b.String(), " "), nil
}

var shellSafeRe = regexp.MustCompile(`^[\w@%+=:,./-]+$`)

// shellQuote quotes s like Python's shlex.quote.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if shellSafeRe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// resolveTemplates interpolates every string (keys included) in v.
func resolveTemplates(v any, ctx *Map, inCmd bool) (any, error) {
	switch x := v.(type) {
	case string:
		return interpolateString(x, ctx, inCmd)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := resolveTemplates(e, ctx, inCmd)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case *Map:
		out := NewMap()
		for _, k := range x.Keys() {
			val, _ := x.Get(k)
			rk, err := interpolateString(k, ctx, false)
			if err != nil {
				return nil, err
			}
			rv, err := resolveTemplates(val, ctx, inCmd)
			if err != nil {
				return nil, err
			}
			out.Set(pyStr(rk), rv)
		}
		return out, nil
	}
	return v, nil
}

// mergeContext merges src into dst; redefining a non-dict key is an error.
func mergeContext(dst, src *Map, source string) error {
	for _, k := range src.Keys() {
		sv, _ := src.Get(k)
		dv, exists := dst.Get(k)
		if !exists {
			dst.Set(k, copyValue(sv))
			continue
		}
		dm, ok1 := dv.(*Map)
		sm, ok2 := sv.(*Map)
		if ok1 && ok2 {
			if err := mergeContext(dm, sm, source); err != nil {
				return err
			}
			continue
		}
		return fmt.Errorf("cannot redefine '%s' from '%s' as it already exists in the context", k, source)
	}
	return nil
}

func copyValue(v any) any {
	switch x := v.(type) {
	case *Map:
		out := NewMap()
		for _, k := range x.keys {
			out.Set(k, copyValue(x.vals[k]))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}
