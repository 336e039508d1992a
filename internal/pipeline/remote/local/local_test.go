package local

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
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

// cancelAfterFirstCheck is a context that is live for its first Err call
// and cancelled from the second on: a copy that checks it before every
// chunk stops after the first chunk, while one that checks it only at the
// end sees it live and succeeds.
type cancelAfterFirstCheck struct {
	context.Context
	cancel context.CancelFunc
	calls  atomic.Int32
}

func newCancelAfterFirstCheck() *cancelAfterFirstCheck {
	ctx, cancel := context.WithCancel(context.Background())
	return &cancelAfterFirstCheck{Context: ctx, cancel: cancel}
}

func (c *cancelAfterFirstCheck) Err() error {
	if c.calls.Add(1) > 1 {
		c.cancel()
	}
	return c.Context.Err()
}

// TestCopyCancelled checks that a cancelled Upload or Download stops with
// context.Canceled, part way through a file too, and leaves neither the
// object nor a temporary file.
func TestCopyCancelled(t *testing.T) {
	const key = "files/md5/ab/cd"
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: many chunks
	cancelled := func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}
	for _, tc := range []struct {
		name string
		ctx  func() context.Context
		copy func(ctx context.Context, r *Remote, local string) error
		dst  func(r *Remote, local string) string // the file that must not appear
	}{
		{"upload mid-file", func() context.Context { return newCancelAfterFirstCheck() },
			func(ctx context.Context, r *Remote, local string) error { return r.Upload(ctx, key, local) },
			func(r *Remote, _ string) string { return r.path(key) }},
		{"upload cancelled before", cancelled,
			func(ctx context.Context, r *Remote, local string) error { return r.Upload(ctx, key, local) },
			func(r *Remote, _ string) string { return r.path(key) }},
		{"download mid-file", func() context.Context { return newCancelAfterFirstCheck() },
			func(ctx context.Context, r *Remote, local string) error { return r.Download(ctx, key, local) },
			func(_ *Remote, local string) string { return local }},
		{"download cancelled before", cancelled,
			func(ctx context.Context, r *Remote, local string) error { return r.Download(ctx, key, local) },
			func(_ *Remote, local string) string { return local }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New(t.TempDir())
			localDir := t.TempDir()
			local := filepath.Join(localDir, "obj")
			if strings.HasPrefix(tc.name, "upload") {
				if err := os.WriteFile(local, big, 0o644); err != nil {
					t.Fatal(err)
				}
			} else if err := r.Upload(context.Background(), key, writeTemp(t, big)); err != nil {
				t.Fatal(err)
			}
			before := [2][]string{tree(t, r.Root), tree(t, localDir)}
			err := tc.copy(tc.ctx(), r, local)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if _, err := os.Stat(tc.dst(r, local)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s exists after a cancelled copy", tc.dst(r, local))
			}
			after := [2][]string{tree(t, r.Root), tree(t, localDir)}
			for i := range after {
				if !slices.Equal(after[i], before[i]) {
					t.Errorf("files %v, want %v", after[i], before[i])
				}
			}
		})
	}
}

// TestListSkipsTemp checks that temp files of an interrupted write are not
// listed as objects.
func TestListSkipsTemp(t *testing.T) {
	r := New(t.TempDir())
	if err := r.Upload(context.Background(), "files/md5/ab/cd", writeTemp(t, []byte("hi"))); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".cd.tmp123456", ".cd.tmp-7"} {
		if err := os.WriteFile(filepath.Join(r.Root, "files", "md5", "ab", name), []byte("h"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := r.List(context.Background(), "files")
	if err != nil || !slices.Equal(keys, []string{"files/md5/ab/cd"}) {
		t.Errorf("List = %v, %v", keys, err)
	}
}

// writeTemp writes b to a new file and returns its path.
func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tree lists the files under dir, relative slash paths.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
