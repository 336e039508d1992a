package pipeline

import (
	"context"
	"path/filepath"
	"testing"
)

func TestIgnorePatterns(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, ".dvcignore"), "# comment\n*.tmp\n/top.txt\nbuild/\ndocs/**/draft*\n!keep.tmp\n")
	writeFile(t, filepath.Join(root, "sub", ".dvcignore"), "local.bin\n")
	ig := NewIgnore(root)
	tests := []struct {
		rel   string
		dir   bool
		match bool
	}{
		{"a.tmp", false, true}, {"x/y/a.tmp", false, true}, {"keep.tmp", false, false},
		{"top.txt", false, true}, {"x/top.txt", false, false},
		{"build", true, true}, {"build", false, false}, {"x/build", true, true},
		{"docs/a/b/draft1.md", false, true}, {"docs/draft2.md", false, true}, {"docs/final.md", false, false},
		{"sub/local.bin", false, true}, {"local.bin", false, false}, {"sub/deeper/local.bin", false, true},
		{"data.csv", false, false},
	}
	for _, tt := range tests {
		if got := ig.Match(filepath.Join(root, filepath.FromSlash(tt.rel)), tt.dir); got != tt.match {
			t.Errorf("Match(%s, dir=%v) = %v", tt.rel, tt.dir, got)
		}
	}
	var nilIg *Ignore
	if nilIg.Match(filepath.Join(root, "a.tmp"), false) {
		t.Error("nil Ignore matched")
	}
}

func TestDirHashHonoursRootDvcignore(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, ".dvcignore"), "*.log\n")
	writeFile(t, filepath.Join(root, "d", "foo"), "foo")
	writeFile(t, filepath.Join(root, "d", "bar"), "bar")
	writeFile(t, filepath.Join(root, "d", "x", "run.log"), "noise")
	h := NewHasher(nil)
	h.Ignore = NewIgnore(root)
	hi, err := h.Hash(context.Background(), filepath.Join(root, "d"))
	if err != nil {
		t.Fatal(err)
	}
	if hi.MD5 != "5ea40360f5b4ec688df672a4db9c17d1.dir" || hi.NFiles != 2 {
		t.Errorf("got %+v: the repo-root .dvcignore must apply inside d/", hi)
	}
}
