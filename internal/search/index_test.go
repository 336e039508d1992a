package search

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestIndexWriteFailure checks what a failed Write leaves: the files
// before the failing one new, the rest as they were, no temporary file, and
// an error naming the file.
func TestIndexWriteFailure(t *testing.T) {
	all := []string{CatalogFile, DenseFile, ManifestFile, NeighboursFile} // sorted
	block := func(name string) func(t *testing.T, dir string, ix *Index) {
		return func(t *testing.T, dir string, _ *Index) {
			if err := os.MkdirAll(filepath.Join(dir, name, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name     string
		previous bool // dir holds an index already (written with "old" titles)
		setup    func(t *testing.T, dir string, ix *Index)
		failing  string
		newFiles []string // files holding the new index afterwards
	}{
		{"encoder error", false, func(_ *testing.T, _ string, ix *Index) {
			ix.movies[0].RatingMean = float32(math.NaN())
		}, CatalogFile, nil},
		{"neighbours blocked", false, block(NeighboursFile), NeighboursFile, []string{CatalogFile}},
		{"manifest blocked over an index", true, block(ManifestFile), ManifestFile,
			[]string{CatalogFile, NeighboursFile, DenseFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			old := map[string][]byte{}
			if tc.previous {
				prev := tinyIndex(t)
				for i := range prev.movies {
					prev.movies[i].Title = "old " + prev.movies[i].Title
				}
				if err := prev.Write(dir); err != nil {
					t.Fatal(err)
				}
				for _, f := range all {
					old[f], _ = os.ReadFile(filepath.Join(dir, f))
				}
				os.Remove(filepath.Join(dir, tc.failing))
			}
			ix := tinyIndex(t)
			tc.setup(t, dir, ix)
			err := ix.Write(dir)
			if want := "write " + filepath.Join(dir, tc.failing); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Write = %v, want an error containing %q", err, want)
			}
			// What a successful write of the same index gives.
			want := t.TempDir()
			if err := tinyIndex(t).Write(want); err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				name := e.Name()
				if name == tc.failing {
					continue
				}
				if !slices.Contains(all, name) {
					t.Errorf("left behind: %s", name)
					continue
				}
				got, _ := os.ReadFile(filepath.Join(dir, name))
				ref, _ := os.ReadFile(filepath.Join(want, name))
				switch isNew := slices.Contains(tc.newFiles, name); {
				case isNew && !bytes.Equal(got, ref):
					t.Errorf("%s is not the new one", name)
				case !isNew && !bytes.Equal(got, old[name]):
					t.Errorf("%s changed", name)
				}
			}
			if !tc.previous {
				if _, err := Open(context.Background(), dir); !errors.Is(err, ErrNoIndex) {
					t.Errorf("Open = %v, want ErrNoIndex", err)
				}
			}
		})
	}
}
