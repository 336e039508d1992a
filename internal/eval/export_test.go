package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteExport checks the export file: its lines, its mode (0644,
// whatever it replaces) and that a failed write leaves the folder as it
// was, with no temporary file.
func TestWriteExport(t *testing.T) {
	d := &Dataset{UserIDs: []int64{7, 9, 12}, ItemIDs: []int64{100, 200, 300}}
	ph := &Phase{Targets: [][]int32{{1}, nil, {0}}} // user 9 is not evaluated
	out := []userOutput{{top: []int32{2, 0}}, {top: []int32{1}}, {top: []int32{1}}}
	const want = `{"user":7,"items":[300,100]}` + "\n" + `{"user":12,"items":[200]}` + "\n"
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir, path string) // path is the export's
		wantErr bool
	}{
		{"new", func(*testing.T, string, string) {}, false},
		{"replaces a 0600 file", func(t *testing.T, _, path string) {
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"directory in the way", func(t *testing.T, _, path string) {
			if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := ExportPath(dir, "m", RecBole)
			tc.setup(t, dir, path)
			before, _ := os.ReadDir(dir)
			err := writeExport(dir, "m", RecBole, d, ph, out)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "write "+path) {
					t.Fatalf("writeExport = %v, want an error naming %s", err, path)
				}
				if after, _ := os.ReadDir(dir); len(after) != len(before) {
					t.Errorf("left behind: %v", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(path); string(b) != want {
				t.Errorf("export:\n%s\nwant\n%s", b, want)
			}
			if fi, err := os.Stat(path); err != nil {
				t.Error(err)
			} else if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want -rw-r--r--", fi.Mode().Perm())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}
