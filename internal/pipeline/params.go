package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// DefaultParamsFile is the params file read when a stage lists bare keys.
const DefaultParamsFile = "params.yaml"

// ReadParamsFile reads a params file into an ordered Map. The format follows
// the extension: .json, .toml, .py, anything else YAML (1.2 rules).
func ReadParamsFile(path string) (*Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read params %s: %w", path, err)
	}
	m, err := ParseParams(data, filepath.Ext(path))
	if err != nil {
		return nil, fmt.Errorf("parse params %s: %w", path, err)
	}
	return m, nil
}

// ParseParams parses params text whose format is given by a file extension
// (".yaml", ".json", ".toml", ".py"; anything else is read as YAML).
func ParseParams(data []byte, ext string) (*Map, error) {
	var v any
	var err error
	switch strings.ToLower(ext) {
	case ".json":
		v, err = parseOrderedJSON(data)
	case ".toml":
		v, err = parseOrderedTOML(data)
	case ".py":
		v, err = parsePyParams(data)
	default:
		v, err = parseYAMLValue(data)
	}
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return NewMap(), nil
	case *Map:
		return x, nil
	}
	return nil, fmt.Errorf("top level is %s, not a mapping", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int64, int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case *Map:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// LookupParam returns the value at a dotted key ("a.b.0" or "a.b[0]").
func LookupParam(m *Map, key string) (any, bool) {
	if v, ok := m.Get(key); ok {
		return v, true
	}
	var cur any = m
	for _, part := range splitKeyPath(key) {
		switch x := cur.(type) {
		case *Map:
			v, ok := x.Get(part)
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

var indexRe = regexp.MustCompile(`\[(\d+)\]`)

func splitKeyPath(key string) []string {
	key = indexRe.ReplaceAllString(key, ".$1")
	return strings.Split(key, ".")
}

func parseOrderedJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeJSONValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func decodeJSONValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := NewMap()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string")
				}
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				m.Set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			out := []any{}
			for dec.More() {
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return out, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", s, err)
		}
		return f, nil
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func parseOrderedTOML(data []byte) (any, error) {
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, err
	}
	order := map[string][]string{}
	seen := map[string]bool{}
	for _, k := range md.Keys() {
		for i := range k {
			full := strings.Join(k[:i+1], "\x00")
			if seen[full] {
				continue
			}
			seen[full] = true
			parent := strings.Join(k[:i], "\x00")
			order[parent] = append(order[parent], k[i])
		}
	}
	return convertTOML(raw, "", order), nil
}

func convertTOML(v any, path string, order map[string][]string) any {
	switch x := v.(type) {
	case map[string]any:
		m := NewMap()
		for _, k := range order[path] {
			if val, ok := x[k]; ok {
				m.Set(k, convertTOML(val, joinTOML(path, k), order))
			}
		}
		var rest []string
		for k := range x {
			if _, ok := m.Get(k); !ok {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		for _, k := range rest {
			m.Set(k, convertTOML(x[k], joinTOML(path, k), order))
		}
		return m
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convertTOML(e, path, order)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convertTOML(e, path, order)
		}
		return out
	case int64, float64, string, bool:
		return x
	case time.Time:
		return x.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func joinTOML(path, k string) string {
	if path == "" {
		return k
	}
	return path + "\x00" + k
}

var pyAssignRe = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=\s*(.+?)\s*$`)
var pyTokenRe = regexp.MustCompile(`\bTrue\b|\bFalse\b|\bNone\b`)

// parsePyParams reads top-level NAME = <literal> assignments of a Python
// params file. Literals are scalars, lists and dicts.
func parsePyParams(data []byte) (any, error) {
	m := NewMap()
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		sm := pyAssignRe.FindStringSubmatch(line)
		if sm == nil {
			continue
		}
		lit := pyTokenRe.ReplaceAllStringFunc(sm[2], func(t string) string {
			switch t {
			case "True":
				return "true"
			case "False":
				return "false"
			}
			return "null"
		})
		v, err := parseYAMLValue([]byte("v: " + lit))
		if err != nil {
			continue
		}
		if mm, ok := v.(*Map); ok {
			val, _ := mm.Get("v")
			m.Set(sm[1], val)
		}
	}
	return m, nil
}
