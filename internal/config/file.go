package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The top-level sections of params.yaml, and the sub-sections of
// model_training, one per trained model. A section not listed is an error
// wherever the file is read, so a misspelt section name (sasrc,
// model_trainig, two-tower) fails loudly instead of leaving every key of the
// section at its default.
var (
	sections      = []string{"data", "data_processing", "feature_engineering", "model_training", "serving"}
	modelSections = []string{"sasrec", "bert4rec", "two_tower"}
	// reservedSections are sections of the seed pipeline's params.yaml that
	// no genie stage reads. They are accepted empty (search: {}), so that a
	// file written for the seed layout still loads, and rejected with a
	// key in them, which nothing would read.
	reservedSections = []string{"search", "evaluation"}
)

// Sections returns the names of params.yaml's top-level sections (besides
// the seed pipeline's search and evaluation, accepted only when empty).
func Sections() []string { return slices.Clone(sections) }

// ModelSections returns the names of model_training's sub-sections: the
// models genie train trains (sasrec, bert4rec, two_tower).
func ModelSections() []string { return slices.Clone(modelSections) }

// File is a parsed params.yaml whose section names have been checked. Its
// nodes keep the file's line numbers, so every error it reports names the
// file, the line and the key.
type File struct {
	// Path names the file in errors.
	Path string
	root *yaml.Node // the top-level mapping; nil for an empty document
}

// ReadFile reads and parses the params file at path (see [Parse]). A
// missing file gives an error matching fs.ErrNotExist, for callers that
// fall back to their defaults.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read params: %w", err)
	}
	return Parse(path, b)
}

// Parse parses b, the content of the params file path, and checks that the
// document is a mapping of the known sections ([Sections]) and that
// model_training holds only the known models ([ModelSections]). The keys
// inside a section are checked by whoever decodes it ([File.Decode]).
func Parse(path string, b []byte) (*File, error) {
	f := &File{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, f.wrap(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return f, nil
	}
	root := resolve(doc.Content[0])
	if isNull(root) {
		return f, nil
	}
	pairs, err := mappingPairs(root, "")
	if err != nil {
		return nil, f.wrap(err)
	}
	var errs []error
	for _, p := range pairs {
		if slices.Contains(reservedSections, p.key) {
			if !isNull(p.value) && (resolve(p.value).Kind != yaml.MappingNode || len(resolve(p.value).Content) > 0) {
				errs = append(errs, fmt.Errorf("line %d: section %q is read by no stage: expected it empty or absent, got %s (known sections: %s)",
					p.line, p.key, describeNode(p.value), strings.Join(sections, ", ")))
			}
			continue
		}
		if !slices.Contains(sections, p.key) {
			errs = append(errs, fmt.Errorf("line %d: unknown section %q (known sections: %s)", p.line, p.key, strings.Join(sections, ", ")))
			continue
		}
		if p.key != "model_training" || isNull(p.value) {
			continue
		}
		models, err := mappingPairs(p.value, "model_training")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, m := range models {
			if !slices.Contains(modelSections, m.key) {
				errs = append(errs, fmt.Errorf("line %d: unknown section \"model_training.%s\" (known sections of model_training: %s)",
					m.line, m.key, strings.Join(modelSections, ", ")))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, f.wrap(err)
	}
	f.root = root
	return f, nil
}

// wrap prefixes err with the file's path, when there is one.
func (f *File) wrap(err error) error {
	if err == nil || f == nil || f.Path == "" {
		return err
	}
	return fmt.Errorf("%s: %w", f.Path, err)
}

// Section returns the value node of the section at keys (such as
// "model_training", "sasrec"), or nil when the file does not have it or it
// is empty (null). f may be nil (no file).
func (f *File) Section(keys ...string) *yaml.Node {
	if f == nil {
		return nil
	}
	n := f.root
	for _, k := range keys {
		n = resolve(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		pairs, err := mappingPairs(n, "")
		if err != nil {
			return nil
		}
		n = nil
		for _, p := range pairs {
			if p.key == k {
				n = p.value
			}
		}
	}
	if n == nil || isNull(n) {
		return nil
	}
	return n
}

// Decode reads the section at keys into v, a pointer to a struct whose
// yaml tags name the section's keys, keeping v's values for the keys the
// file does not set. A key without a field is an error, as is a value of
// the wrong type; both name the file, the line and the key. A missing or
// empty section leaves v unchanged. f may be nil (no file).
func (f *File) Decode(v any, keys ...string) error {
	n := f.Section(keys...)
	if n == nil {
		return nil
	}
	return f.wrap(DecodeNode(n, strings.Join(keys, "."), v))
}

// Line returns the line of the dotted key (such as
// "model_training.sasrec.hidden_size") in the file, or 0 when the file does
// not set it. f may be nil.
func (f *File) Line(key string) int {
	if f == nil || f.root == nil {
		return 0
	}
	parts := strings.Split(key, ".")
	n := f.Section(parts[:len(parts)-1]...)
	if n == nil {
		return 0
	}
	pairs, err := mappingPairs(n, "")
	if err != nil {
		return 0
	}
	line := 0
	for _, p := range pairs {
		if p.key == parts[len(parts)-1] {
			line = p.line
		}
	}
	return line
}

// Locate sets the line of every [ValueError] in err (and in the errors it
// wraps or joins) to the line of its key in f, and returns err prefixed
// with f's path, so that a validation error reads like
// "params.yaml: line 37: model_training.sasrec.hidden_size: expected 1 to
// 4096, got 100000000". It returns nil for a nil err.
func (f *File) Locate(err error) error {
	if err == nil {
		return nil
	}
	var walk func(error)
	walk = func(e error) {
		if ve, ok := e.(*ValueError); ok && ve.Line == 0 {
			ve.Line = f.Line(ve.Key)
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			if c := u.Unwrap(); c != nil {
				walk(c)
			}
		}
	}
	walk(err)
	return f.wrap(err)
}

// ValueError is an out-of-range value of one key.
type ValueError struct {
	// Key is the dotted key, such as model_training.sasrec.hidden_size.
	Key string
	// Want says what is expected ("1 to 4096", "a finite number > 0").
	Want string
	// Got is the value.
	Got any
	// Line is the key's line in the params file, 0 when unknown (the
	// value is a default, or came from a command-line flag).
	Line int
	// Err, when set, is what the error wraps (a package's ErrConfig).
	Err error
}

// Error reads like "line 37: model_training.sasrec.hidden_size: expected
// 1 to 4096, got 100000000" (without "line N: " when the line is unknown).
func (e *ValueError) Error() string {
	s := fmt.Sprintf("%s: expected %s, got %v", e.Key, e.Want, e.Got)
	if e.Line > 0 {
		s = fmt.Sprintf("line %d: %s", e.Line, s)
	}
	return s
}

// Unwrap returns e.Err.
func (e *ValueError) Unwrap() error { return e.Err }

// DecodeNode reads the mapping n into v, a pointer to a struct, as
// [File.Decode] does; section is the dotted name of the mapping, used in
// errors, which carry n's line numbers.
func DecodeNode(n *yaml.Node, section string, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: decode %s: %T is not a pointer to a struct", section, v)
	}
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	pairs, err := mappingPairs(n, section)
	if err != nil {
		return err
	}
	fields, names := yamlFields(rv.Elem().Type())
	s := rv.Elem()
	var errs []error
	for _, p := range pairs {
		idx, ok := fields[p.key]
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: field %s not found in %s (known keys: %s)", p.line, p.key, section, strings.Join(names, ", ")))
			continue
		}
		fv := s.FieldByIndex(idx)
		tmp := reflect.New(fv.Type())
		tmp.Elem().Set(fv)
		if err := p.value.Decode(tmp.Interface()); err != nil {
			line, got := badValue(p.value, fv.Type(), err)
			errs = append(errs, fmt.Errorf("line %d: %s.%s: expected %s, got %s", line, section, p.key, describeType(fv.Type()), got))
			continue
		}
		fv.Set(tmp.Elem())
	}
	return errors.Join(errs...)
}

// badValue says where and what the value n is that did not decode into
// type t (err): the line and the value, or for a list the line and value of
// its first bad item.
func badValue(n *yaml.Node, t reflect.Type, err error) (line int, got string) {
	n = resolve(n)
	if n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice {
		for i, item := range n.Content {
			if item.Decode(reflect.New(t.Elem()).Interface()) != nil {
				return resolve(item).Line, fmt.Sprintf("%s as item %d", describeNode(item), i+1)
			}
		}
	}
	var te *yaml.TypeError
	if n.Kind != yaml.ScalarNode && errors.As(err, &te) {
		return n.Line, fmt.Sprintf("%s (%s)", describeNode(n), strings.Join(te.Errors, "; "))
	}
	return n.Line, describeNode(n)
}

// pair is one key of a mapping node with its value and the key's line.
type pair struct {
	key   string
	line  int
	value *yaml.Node
}

// mappingPairs returns the keys of the mapping n in order, with merge keys
// (<<) expanded (keys set explicitly win over merged ones); a key set twice
// is an error, as is n not being a mapping. section names n in errors ("":
// the top level).
func mappingPairs(n *yaml.Node, section string) ([]pair, error) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		what := "a mapping of keys"
		if section == "" {
			what = "a mapping of sections"
			return nil, fmt.Errorf("line %d: expected %s, got %s", n.Line, what, describeNode(n))
		}
		return nil, fmt.Errorf("line %d: %s: expected %s, got %s", n.Line, section, what, describeNode(n))
	}
	var explicit, merged []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			srcs := []*yaml.Node{resolve(v)}
			if srcs[0].Kind == yaml.SequenceNode {
				srcs = srcs[0].Content
			}
			for _, src := range srcs {
				ps, err := mappingPairs(src, section)
				if err != nil {
					return nil, err
				}
				merged = append(merged, ps...)
			}
			continue
		}
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			key = describeNode(k)
		}
		if at, dup := seen[key]; dup {
			where := "at the top level"
			if section != "" {
				where = "in " + section
			}
			return nil, fmt.Errorf("line %d: key %s set twice %s (first at line %d)", k.Line, key, where, at)
		}
		seen[key] = k.Line
		explicit = append(explicit, pair{key: key, line: k.Line, value: v})
	}
	out := explicit
	for _, p := range merged {
		if _, ok := seen[p.key]; !ok {
			seen[p.key] = p.line
			out = append(out, p)
		}
	}
	return out, nil
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an empty value (a key with nothing after it,
// or null / ~).
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// yamlFields maps the yaml keys of struct type t to field indexes, and
// lists the keys in field order. Fields tagged "-" and unexported fields
// have no key.
func yamlFields(t reflect.Type) (map[string][]int, []string) {
	fields := map[string][]int{}
	var names []string
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		fields[name] = sf.Index
		names = append(names, name)
	}
	return fields, names
}

// describeType says what a value of type t looks like in YAML.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "an "), "a ") + "s"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Pointer:
		return describeType(t.Elem())
	}
	return t.String()
}

// describeNode shows a YAML value in an error: a scalar quoted, anything
// else by its kind.
func describeNode(n *yaml.Node) string {
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "nothing"
}
