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

// Upload copies localPath to key atomically.
func (r *Remote) Upload(ctx context.Context, key, localPath string) error {
	dst := r.path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("local remote: %w", err)
	}
	return copyAtomic(ctx, localPath, dst)
}

// Download copies key to localPath.
func (r *Remote) Download(ctx context.Context, key, localPath string) error {
	src := r.path(key)
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local remote: %s: %w", key, remote.ErrNotFound)
	}
	return copyAtomic(ctx, src, localPath)
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
		if d.IsDir() || strings.Contains(d.Name(), ".tmp-") {
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

func copyAtomic(ctx context.Context, src, dst string) error {
	s, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("local remote: %w", err)
	}
	defer s.Close()
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return fmt.Errorf("local remote: %w", err)
	}
	if _, err := io.Copy(f, s); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("local remote: copy %s: %w", src, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("local remote: %w", err)
	}
	if err := ctx.Err(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("local remote: %w", err)
	}
	return nil
}
