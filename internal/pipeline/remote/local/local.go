// Package local is a remote in a local (or mounted) directory.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/download"
	"github.com/moviegenie/genie/internal/pipeline/remote"
)

// Remote stores objects as files under Root.
type Remote struct {
	Root string
}

// New returns a directory remote rooted at root.
func New(root string) *Remote { return &Remote{Root: root} }

func (r *Remote) path(key string) string { return filepath.Join(r.Root, filepath.FromSlash(key)) }

// Exists reports whether key is stored.
func (r *Remote) Exists(ctx context.Context, key string) (bool, error) {
	_, err := os.Stat(r.path(key))
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, fmt.Errorf("local remote: stat %s: %w", key, err)
}

// Upload copies localPath to key atomically: on failure or cancellation
// (checked between chunks) the stored object is left as it was.
func (r *Remote) Upload(ctx context.Context, key, localPath string) error {
	if err := copyAtomic(ctx, localPath, r.path(key)); err != nil {
		return fmt.Errorf("local remote: upload %s: %w", key, err)
	}
	return nil
}

// Download copies key to localPath atomically: on failure or cancellation
// (checked between chunks) localPath is left as it was.
func (r *Remote) Download(ctx context.Context, key, localPath string) error {
	src := r.path(key)
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local remote: %s: %w", key, remote.ErrNotFound)
	}
	if err := copyAtomic(ctx, src, localPath); err != nil {
		return fmt.Errorf("local remote: download %s: %w", key, err)
	}
	return nil
}

// List returns keys under prefix.
func (r *Remote) List(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	base := r.path(prefix)
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		// Skip temp files of interrupted writes: atomicfile's and, from
		// earlier versions, ".<name>.tmp-<n>".
		if d.IsDir() || atomicfile.IsTemp(d.Name()) || strings.Contains(d.Name(), ".tmp-") {
			return nil
		}
		rel, _ := filepath.Rel(r.Root, p)
		out = append(out, filepath.ToSlash(rel))
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("local remote: list %s: %w", prefix, err)
	}
	return out, nil
}

// copyAtomic copies src to dst with [atomicfile.WriteWith] (mode 0644,
// the folder created), stopping with ctx's error as soon as ctx is done.
func copyAtomic(ctx context.Context, src, dst string) error {
	s, err := os.Open(src)
	if err != nil {
		return err
	}
	defer s.Close()
	return atomicfile.WriteWith(dst, func(w io.Writer) error {
		if _, err := io.Copy(w, download.ContextReader(ctx, s)); err != nil {
			return fmt.Errorf("copy %s: %w", src, err)
		}
		return ctx.Err()
	})
}
