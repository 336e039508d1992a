package pipeline

import (
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseDvcYAML(f *testing.F) {
	for _, s := range []string{
		chainYAML, logYAML, diamondYAML, killYAML,
		"stages:\n  a:\n    foreach: [1, 2]\n    do:\n      cmd: echo ${item}\n",
		"vars: [{x: {y: [1, 2]}}]\nstages:\n  m:\n    matrix: {a: [1, 2], b: [x]}\n    cmd: echo ${item.a} ${x.y[1]}\n",
		"stages:\n  s:\n    cmd: x\n    params: [{p.json: null}, a.b]\n    outs: [{o: {cache: false}}]\n",
		"stages: [1]", "- a", "stages:\n  s: 3\n", "stages:\n  s:\n    cmd: ${",
	} {
		f.Add([]byte(s))
	}
	root := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		stages, err := ParseDvcYAML(data, root, root)
		if err != nil {
			return
		}
		for _, s := range stages {
			if s.Name == "" {
				t.Errorf("stage without a name")
			}
			for _, d := range s.Deps {
				if rel, err := filepath.Rel(root, d.Abs); err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("dep %q escapes the repo", d.Path)
				}
			}
			for _, o := range s.Outs {
				if rel, err := filepath.Rel(root, o.Abs); err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("out %q escapes the repo", o.Path)
				}
			}
			_ = s.Lines()
		}
	})
}

func FuzzParseParams(f *testing.F) {
	seeds := []struct{ ext, text string }{
		{".yaml", "lr: 0.1\ntrain:\n  epochs: 10\n  layers: [1, 2]\n"},
		{".json", `{"a": {"b": [1, 2.5, true, null, "x"]}}`},
		{".toml", "a = 1\n[t]\nb = 'x'\n[[arr]]\nc = 2\n"},
		{".py", "LR = 0.1\nNAME = 'm'\nLAYERS = [1, 2]\n"},
		{".yaml", "a: &x {b: 1}\nc: *x\n<<: *x\n"},
	}
	for _, s := range seeds {
		f.Add(s.ext, []byte(s.text))
	}
	f.Fuzz(func(t *testing.T, ext string, data []byte) {
		m, err := ParseParams(data, ext)
		if err != nil {
			return
		}
		// every value must serialize, and the lock YAML must read back equal
		for _, k := range m.Keys() {
			v, _ := m.Get(k)
			if !PyEqual(v, v) && !containsNaN(v) {
				t.Errorf("value of %q not equal to itself", k)
			}
			_ = pyJSON(v, true)
		}
		out := marshalYAML(m)
		back, err := parseYAMLValue(out)
		if err != nil {
			t.Fatalf("emitted YAML does not parse: %v\n%s", err, out)
		}
		bm, ok := back.(*Map)
		if m.Len() == 0 {
			return
		}
		if !ok || !PyEqual(bm, m) && !containsNaN(m) {
			t.Errorf("YAML round trip changed the params:\n%s", out)
		}
	})
}

func containsNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return x != x
	case []any:
		for _, e := range x {
			if containsNaN(e) {
				return true
			}
		}
	case *Map:
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			if containsNaN(e) {
				return true
			}
		}
	}
	return false
}
