package pipeline

import (
	"cmp"
	"encoding/json"
	"path/filepath"
	"slices"
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

// FuzzParseManifest: a .dir object may come from a remote. Whatever it
// holds, the fast path agrees with encoding/json, every accepted entry
// names a file inside the directory and an object by md5, and DVC's
// serialization of the entries reads back the same.
func FuzzParseManifest(f *testing.F) {
	const good = "764efa883dda1e11db47671c4a3bbd9e"
	for _, s := range []string{
		`[]`,
		`[{"md5": "` + good + `", "relpath": "a/b.txt"}, {"md5": "` + good + `", "relpath": "c"}]`,
		`[{"md5": "` + good + `", "relpath": "caf\u00e9"}]`,
		`[{"relpath": "x", "md5": "` + good + `"}]`,
		`[{"md5": "` + good + `", "relpath": "../x"}]`,
		`[{"md5": "../../x", "relpath": "x"}]`,
		`[{"md5": "` + good + `", "relpath": "a\\/b"}]`,
		`[{"md5": "` + good + `"}]`, `{}`, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseManifest(data)
		if fast, ok := parseManifestFast(data); ok {
			var slow []DirEntry
			if json.Unmarshal(data, &slow) == nil && !slices.Equal(fast, slow) {
				t.Errorf("fast path %v, encoding/json %v", fast, slow)
			}
		}
		if err != nil {
			return
		}
		for _, e := range entries {
			if !validRelPath(e.RelPath) || !ValidMD5(e.MD5) || strings.HasSuffix(e.MD5, ".dir") {
				t.Errorf("accepted entry %+v", e)
			}
			if p := filepath.Join("/out", filepath.FromSlash(e.RelPath)); !strings.HasPrefix(p, "/out/") {
				t.Errorf("entry %q checks out at %s", e.RelPath, p)
			}
		}
		back, err := ParseManifest(ManifestBytes(entries))
		if err != nil {
			t.Fatalf("serialized entries do not parse: %v", err)
		}
		byPath := func(a, b DirEntry) int {
			return cmp.Or(strings.Compare(a.RelPath, b.RelPath), strings.Compare(a.MD5, b.MD5))
		}
		slices.SortFunc(entries, byPath)
		slices.SortFunc(back, byPath)
		if !slices.Equal(back, entries) {
			t.Errorf("round trip: %v, want %v", back, entries)
		}
	})
}

// FuzzParseLockfile: dvc.lock is read from the commit. Parsing never
// panics, and every hash it accepts names an object inside the cache.
func FuzzParseLockfile(f *testing.F) {
	for _, s := range []string{
		"schema: '2.0'\nstages:\n  s:\n    cmd: echo\n    deps:\n    - path: a\n      hash: md5\n      md5: 764efa883dda1e11db47671c4a3bbd9e\n      size: 3\n    outs:\n    - path: d\n      hash: md5\n      md5: d751713988987e9331980363e24189ce.dir\n      size: 0\n      nfiles: 0\n",
		"stages:\n  s:\n    outs:\n    - path: x\n      md5: ../../etc/passwd\n",
		"stages:\n  s:\n    params:\n      params.yaml:\n        lr: 0.1\n",
		"stages: [1]", "stages:\n  s: 3\n", "- a",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lf := &Lockfile{Stages: map[string]*StageLock{}}
		if lf.parse(data) != nil {
			return
		}
		c := &Cache{Root: "/cache"}
		for _, n := range lf.Names {
			sl := lf.Stages[n]
			for _, e := range append(slices.Clone(sl.Deps), sl.Outs...) {
				if e.MD5 == "" {
					continue
				}
				if !ValidMD5(e.MD5) {
					t.Errorf("stage %q: accepted md5 %q", n, e.MD5)
				}
				for _, p := range []string{c.ObjectPath(e.MD5), c.LegacyPath(e.MD5)} {
					if !strings.HasPrefix(p, "/cache/") {
						t.Errorf("md5 %q names %s", e.MD5, p)
					}
				}
			}
		}
	})
}

// FuzzParseConfig: .dvc/config is read from the commit. Parsing never
// panics, and what genie writes back reads back the same.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/path\n",
		"[cache]\ntype = hardlink,symlink\ndir = ../c\n; comment\n# comment\n",
		"[remote \"x\"]\nurl = /tmp/r\n", "key = no section\n", "[", "[]\n=\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		out := c.Bytes()
		back, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("written config does not parse: %v\n%s", err, out)
		}
		if again := back.Bytes(); string(again) != string(out) {
			t.Errorf("round trip changed the config:\n%s\nthen\n%s", out, again)
		}
	})
}

// FuzzParseIgnore: .dvcignore is read from the commit. Every line either
// compiles to a rule or is skipped, and matching never panics.
func FuzzParseIgnore(f *testing.F) {
	for _, s := range []string{
		"*_test.go\n/internal/**/testdata/\n!keep.txt\n# comment\n",
		"a/**\n**/b\n[!a-c]?.txt\n\\#literal\n[unclosed\n", "/\n!\n\\\n",
	} {
		f.Add(s, "internal/x/testdata/a_test.go")
	}
	f.Fuzz(func(t *testing.T, text, path string) {
		for _, r := range parseIgnore(text) {
			if r.re == nil {
				t.Fatalf("rule without a pattern from %q", text)
			}
			r.re.MatchString(path)
		}
	})
}
