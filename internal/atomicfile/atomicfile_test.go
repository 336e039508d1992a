package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.json")
	for _, content := range []string{"one", "two"} {
		if err := Write(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Fatalf("read %q, want %q", b, content)
		}
	}
	// A directory in the way: the write fails and leaves no temp file.
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(blocked, []byte("x")); err == nil {
		t.Fatal("write over a non-empty directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestWriteWithFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	if err := Write(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteWith(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "write "+path) {
		t.Fatalf("err = %v, want write %s: boom", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("content %q, want the old one", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestIsTemp(t *testing.T) {
	// The temp file WriteWith writes through is recognised.
	dir := t.TempDir()
	var temps []string
	err := WriteWith(filepath.Join(dir, "model.safetensors"), func(w io.Writer) error {
		entries, err := os.ReadDir(dir)
		for _, e := range entries {
			temps = append(temps, e.Name())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(temps) != 1 || !IsTemp(temps[0]) || !IsTemp(filepath.Join(dir, temps[0])) {
		t.Errorf("temp files during the write %v: want one that IsTemp accepts", temps)
	}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{".f.json.tmp123", true},
		{".a.tmp.tmp0", true},
		{"f.json", false},
		{"f.json.tmp123", false}, // no leading dot
		{".f.json.tmp", false},   // no random part
		{".f.json.tmp12x", false},
		{".tmp123", false}, // no target name
		{"cdef0123", false},
	} {
		if got := IsTemp(tc.name); got != tc.want {
			t.Errorf("IsTemp(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
