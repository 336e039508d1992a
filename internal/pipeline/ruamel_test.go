package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmitterMatchesRuamel compares our YAML emitter byte-for-byte with
// ruamel.yaml dumping the same data with DVC's settings (goldens made by
// testdata/ruamel/gen.py).
func TestEmitterMatchesRuamel(t *testing.T) {
	files, _ := filepath.Glob("testdata/ruamel/*.json")
	if len(files) == 0 {
		t.Fatal("no goldens")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v, err := parseOrderedJSON(in)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			got := string(marshalYAML(v))
			if got == string(want) {
				return
			}
			gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
			for i := 0; i < max(len(gl), len(wl)); i++ {
				var g, w string
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				if g != w {
					t.Errorf("line %d:\n got  %q\n want %q", i+1, g, w)
				}
			}
		})
	}
}
