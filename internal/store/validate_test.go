package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/atomicfile/atomicfiletest"
)

// TestReportWriteJSON checks the report file: mode 0644 whatever it
// replaces, its folder created, and on failure the folder as it was, with
// an error naming the file and no temporary file.
func TestReportWriteJSON(t *testing.T) {
	good := &Report{Backend: "sqlite", Database: "genie.db", Created: time.Unix(0, 0).UTC(), OK: true}
	for _, tc := range []struct {
		name    string
		report  *Report
		setup   func(t *testing.T, path string)
		wantErr string // prefix; "" for success
	}{
		{"new folder", good, func(*testing.T, string) {}, ""},
		{"replaces a 0600 file", good, func(t *testing.T, path string) {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"encoder error", &Report{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, func(t *testing.T, path string) {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "write report "},
		{"directory in the way", good, func(t *testing.T, path string) {
			if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "write report: write "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "reports", "db.json")
			tc.setup(t, path)
			before, _ := os.ReadDir(filepath.Dir(path))
			err := tc.report.WriteJSON(path)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr+path) {
					t.Fatalf("WriteJSON = %v, want %q…", err, tc.wantErr+path)
				}
				if after, _ := os.ReadDir(filepath.Dir(path)); len(after) != len(before) {
					t.Errorf("left behind: %v", after)
				}
				if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
					if b, _ := os.ReadFile(path); string(b) != "old" {
						t.Errorf("content %q, want the old one", b)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			var got Report
			if err := json.Unmarshal(b, &got); err != nil || got.Backend != "sqlite" || !got.OK {
				t.Errorf("read back %+v, %v", got, err)
			}
			if fi, err := os.Stat(path); err != nil {
				t.Error(err)
			} else if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want -rw-r--r--", fi.Mode().Perm())
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}

// TestReportWriteJSONConcurrent checks that concurrent writers of one
// report path all succeed and leave one writer's whole report, and no
// temporary file.
func TestReportWriteJSONConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db.json")
	const writers, rounds = 8, 10
	reports := make([]*Report, writers)
	want := make([][]byte, writers)
	for w := range reports {
		reports[w] = &Report{Backend: fmt.Sprintf("writer %d", w), Database: strings.Repeat("x", 16<<10)}
		b, _ := json.MarshalIndent(reports[w], "", "  ")
		want[w] = append(b, '\n')
	}
	atomicfiletest.Concurrent(t, path, rounds, want, func(w int) error { return reports[w].WriteJSON(path) })
}
