package twotower

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/atomicfile/atomicfiletest"
)

// TestWriteFileConcurrent checks that concurrent writers of one path all
// succeed and leave one writer's whole content, and no temporary file.
func TestWriteFileConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, HistoryFile)
	const writers, rounds = 8, 10
	contents := make([][]byte, writers)
	for w := range contents {
		contents[w] = bytes.Repeat([]byte(fmt.Sprintf("writer %d\n", w)), 4096)
	}
	atomicfiletest.Concurrent(t, path, rounds, contents, func(w int) error { return writeFile(path, contents[w]) })
}

// TestWriteJSONFailure checks that a failed write leaves the folder as it
// was, with an error naming the file and no temporary file.
func TestWriteJSONFailure(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, path string)
		v       any
		wantErr string
	}{
		{"encoder error", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, math.NaN(), "two-tower: save " + HistoryFile + ": json: unsupported value: NaN"},
		{"directory in the way", func(t *testing.T, path string) {
			if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, []int{1}, "two-tower: save: write "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, HistoryFile)
			tc.setup(t, path)
			before, _ := os.ReadDir(dir)
			err := writeJSON(path, tc.v)
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Fatalf("writeJSON = %v, want %q…", err, tc.wantErr)
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("left behind: %v", after)
			}
			if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
				if b, _ := os.ReadFile(path); string(b) != "old" {
					t.Errorf("content %q, want the old one", b)
				}
			}
		})
	}
}
