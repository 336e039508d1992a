package dataset

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteAllOrNothing: when one table cannot be written, every previous
// table stays as it was and no temporary file remains.
func TestWriteAllOrNothing(t *testing.T) {
	names := []string{MoviesFile, UsersFile, RatingsFile, LinksFile, TagsFile}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		write func(dir string) error
		want  string
	}{
		{
			name: "directory in the way",
			setup: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, RatingsFile))
				if err := os.Mkdir(filepath.Join(dir, RatingsFile), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			write: func(dir string) error {
				return (&Tables{Ratings: syntheticRatings(100), Tags: []TagRow{{UserID: 1, MovieID: 1, Tag: "x"}}}).Write(dir)
			},
			want: "ratings.parquet: a directory is in the way; no table was written",
		},
		{
			name: "one table fails to encode",
			write: func(dir string) error {
				var files []tableFile
				for _, n := range names {
					encode := func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }
					if n == LinksFile {
						encode = func(io.Writer) error { return errors.New("disk full") }
					}
					files = append(files, tableFile{n, encode})
				}
				return writeTables(dir, files)
			},
			want: "links.parquet: disk full; no table was written",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, n := range names {
				if err := os.WriteFile(filepath.Join(dir, n), []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			err := tc.write(dir)
			if err == nil {
				t.Fatal("the write succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.IsDir() {
					continue
				}
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("temporary file left: %s", e.Name())
					continue
				}
				if b, _ := os.ReadFile(filepath.Join(dir, e.Name())); string(b) != "old" {
					t.Errorf("%s was replaced although the set failed", e.Name())
				}
			}
		})
	}
	// Success replaces every table.
	dir := t.TempDir()
	if err := (&Tables{}).Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTables(dir); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != len(names) {
		t.Errorf("wrote %d files, want the %d tables: %v", len(entries), len(names), entries)
	}
}
