package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/moviegenie/genie/internal/pipeline/remote"
)

func TestLocalRemote(t *testing.T) {
	ctx := context.Background()
	r := New(t.TempDir())
	src := filepath.Join(t.TempDir(), "x")
	os.WriteFile(src, []byte("hi"), 0o644)
	if err := r.Upload(ctx, "files/md5/ab/cd", src); err != nil {
		t.Fatal(err)
	}
	if ok, _ := r.Exists(ctx, "files/md5/ab/cd"); !ok {
		t.Error("not stored")
	}
	dst := filepath.Join(t.TempDir(), "y")
	if err := r.Download(ctx, "files/md5/ab/cd", dst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "hi" {
		t.Errorf("got %q", b)
	}
	if err := r.Download(ctx, "files/md5/zz/zz", dst); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("err %v", err)
	}
	keys, _ := r.List(ctx, "files")
	if len(keys) != 1 || keys[0] != "files/md5/ab/cd" {
		t.Errorf("keys %v", keys)
	}
}
