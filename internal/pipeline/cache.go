package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moviegenie/genie/internal/download"
)

// Cache is DVC's local content-addressed cache.
type Cache struct {
	Root  string   // e.g. <repo>/.dvc/cache
	Types []string // link types tried in order
}

// defaultCacheTypes returns DVC's default cache.type.
func defaultCacheTypes() []string { return []string{"reflink", "copy"} }

// OpenCache returns the cache configured for the repository at root.
func OpenCache(root string, cfg *Config) *Cache {
	c := &Cache{Root: filepath.Join(root, ".dvc", "cache"), Types: defaultCacheTypes()}
	if d, ok := cfg.Get("cache", "dir"); ok && d != "" {
		if filepath.IsAbs(d) {
			c.Root = d
		} else {
			c.Root = filepath.Join(root, ".dvc", filepath.FromSlash(d))
		}
	}
	if t, ok := cfg.Get("cache", "type"); ok && t != "" {
		c.Types = nil
		for _, x := range strings.Split(t, ",") {
			c.Types = append(c.Types, strings.TrimSpace(x))
		}
	}
	return c
}

// ValidMD5 reports whether s can name a cache object: 32 lower-case
// hexadecimal digits, with ".dir" after them for a directory's manifest.
// Hashes read from dvc.lock, .dvc files and .dir objects come from whoever
// wrote them; anything else could name a path outside the cache.
func ValidMD5(s string) bool {
	s = strings.TrimSuffix(s, ".dir")
	return len(s) == 32 && isHex(s)
}

// errBadMD5 is the error for a hash ValidMD5 refuses.
func errBadMD5(s string) error {
	return fmt.Errorf("md5 %q: expected 32 hexadecimal digits (with .dir for a directory)", s)
}

// ObjectPath returns where an object lives in the DVC 3 layout. md5 must
// satisfy ValidMD5.
func (c *Cache) ObjectPath(md5 string) string {
	if len(md5) < 3 {
		return filepath.Join(c.Root, "files", "md5", md5)
	}
	return filepath.Join(c.Root, "files", "md5", md5[:2], md5[2:])
}

// LegacyPath returns where an object lives in the DVC 2 layout. md5 must
// satisfy ValidMD5.
func (c *Cache) LegacyPath(md5 string) string {
	if len(md5) < 3 {
		return filepath.Join(c.Root, md5)
	}
	return filepath.Join(c.Root, md5[:2], md5[2:])
}

// find returns the path of an existing, valid object (either layout).
func (c *Cache) find(ctx context.Context, md5 string) (string, bool) {
	if !ValidMD5(md5) {
		return "", false // names no object, and perhaps a path outside the cache
	}
	for i, p := range []string{c.ObjectPath(md5), c.LegacyPath(md5)} {
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() {
			continue
		}
		if fi.Mode().Perm()&0o222 == 0 {
			return p, true // read-only objects are trusted, like DVC
		}
		want := strings.TrimSuffix(md5, ".dir")
		got, err := FileMD5(ctx, p)
		if err == nil && got != want && i == 1 {
			// DVC 2 named objects by their md5-dos2unix hash
			got, err = FileMD5Dos2Unix(ctx, p)
		}
		if err == nil && got == want {
			_ = os.Chmod(p, 0o444)
			return p, true
		}
		if err == nil {
			_ = os.Remove(p) // corrupted
		}
	}
	return "", false
}

// Has reports whether an object (and, for .dir, every file it lists) is cached.
func (c *Cache) Has(ctx context.Context, md5 string) bool {
	p, ok := c.find(ctx, md5)
	if !ok {
		return false
	}
	if !strings.HasSuffix(md5, ".dir") {
		return true
	}
	entries, err := c.readManifestAt(p)
	if err != nil {
		return false
	}
	return c.hasAll(ctx, entries)
}

// HasEntries is Has for a .dir object whose entries are already known (the
// workspace manifest that hashed to md5): it skips re-reading the object.
func (c *Cache) HasEntries(ctx context.Context, md5 string, entries []DirEntry) bool {
	if _, ok := c.find(ctx, md5); !ok {
		return false
	}
	return c.hasAll(ctx, entries)
}

func (c *Cache) hasAll(ctx context.Context, entries []DirEntry) bool {
	if len(entries) > 256 {
		// one directory listing per prefix instead of a stat per object
		listed := map[string]bool{}
		present := map[string]bool{}
		for _, e := range entries {
			if len(e.MD5) < 3 {
				return false
			}
			pre := e.MD5[:2]
			if !listed[pre] {
				listed[pre] = true
				for _, dir := range []string{filepath.Dir(c.ObjectPath(e.MD5)), filepath.Dir(c.LegacyPath(e.MD5))} {
					f, err := os.Open(dir)
					if err != nil {
						continue
					}
					names, _ := f.Readdirnames(-1)
					f.Close()
					for _, n := range names {
						present[pre+n] = true
					}
				}
			}
			if !present[e.MD5] {
				return false
			}
		}
		return true
	}
	for _, e := range entries {
		if _, ok := c.find(ctx, e.MD5); !ok {
			return false
		}
	}
	return true
}

// ReadManifest loads a cached .dir object.
func (c *Cache) ReadManifest(ctx context.Context, md5 string) ([]DirEntry, error) {
	p, ok := c.find(ctx, md5)
	if !ok {
		return nil, fmt.Errorf("dir object %s is not in the cache", md5)
	}
	return c.readManifestAt(p)
}

func (c *Cache) readManifestAt(p string) ([]DirEntry, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read dir object: %w", err)
	}
	return ParseManifest(data)
}

// writeObject atomically stores data produced by fill at the object path.
func (c *Cache) writeObject(md5 string, fill func(tmp string) error) error {
	dst := c.ObjectPath(md5)
	if fi, err := os.Stat(dst); err == nil && fi.Mode().Perm()&0o222 == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("cache: create dir: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cache: create temp: %w", err)
	}
	tmp := f.Name()
	f.Close()
	if err := fill(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o444); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cache: chmod: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cache: rename into place: %w", err)
	}
	return nil
}

// AddFile copies (or reflinks) src into the cache as object md5.
func (c *Cache) AddFile(ctx context.Context, src, md5 string) error {
	return c.writeObject(md5, func(tmp string) error {
		os.Remove(tmp)
		if err := reflinkOrCopy(ctx, src, tmp); err != nil {
			return fmt.Errorf("cache: add %s: %w", src, err)
		}
		return nil
	})
}

// AddBytes stores data as object md5.
func (c *Cache) AddBytes(md5 string, data []byte) error {
	return c.writeObject(md5, func(tmp string) error {
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return fmt.Errorf("cache: write object: %w", err)
		}
		return nil
	})
}

// Commit stores a workspace output (file or directory) whose hash is hi.
func (c *Cache) Commit(ctx context.Context, path string, hi HashInfo, entries []DirEntry) error {
	if !hi.IsDir {
		if err := c.AddFile(ctx, path, hi.MD5); err != nil {
			return err
		}
		return c.relinkIfShared(ctx, path, hi)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, ok := c.find(ctx, e.MD5); ok {
			continue
		}
		if err := c.AddFile(ctx, filepath.Join(path, filepath.FromSlash(e.RelPath)), e.MD5); err != nil {
			return err
		}
	}
	if err := c.AddBytes(hi.MD5, ManifestBytes(entries)); err != nil {
		return err
	}
	return c.relinkIfShared(ctx, path, hi)
}

// relinkIfShared replaces workspace copies with links when the configured
// link type shares the object (hardlink or symlink first).
func (c *Cache) relinkIfShared(ctx context.Context, path string, hi HashInfo) error {
	if len(c.Types) == 0 || (c.Types[0] != "hardlink" && c.Types[0] != "symlink") {
		return nil
	}
	if !hi.IsDir {
		return c.linkFile(ctx, hi.MD5, path, hi.IsExec, true)
	}
	entries, err := c.ReadManifest(ctx, hi.MD5)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(path, filepath.FromSlash(e.RelPath))
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if err := c.linkFile(ctx, e.MD5, p, fi.Mode()&0o111 != 0, true); err != nil {
			return err
		}
	}
	return nil
}

// linkFile materializes object md5 at dst using the configured link types.
func (c *Cache) linkFile(ctx context.Context, md5, dst string, exec, replace bool) error {
	obj, ok := c.find(ctx, md5)
	if !ok {
		return fmt.Errorf("checkout %s: object %s is not in the cache", dst, md5)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("checkout %s: %w", dst, err)
	}
	tmp := dst + ".genie-tmp"
	os.Remove(tmp)
	fi, err := os.Stat(obj)
	if err != nil {
		return fmt.Errorf("checkout %s: %w", dst, err)
	}
	var lastErr error
	done := false
	if fi.Size() == 0 {
		lastErr = os.WriteFile(tmp, nil, 0o644)
		done = lastErr == nil
	}
	for _, t := range c.Types {
		if done {
			break
		}
		switch t {
		case "reflink":
			lastErr = reflink(obj, tmp)
		case "hardlink":
			lastErr = os.Link(obj, tmp)
		case "symlink":
			lastErr = os.Symlink(obj, tmp)
		case "copy":
			lastErr = copyFile(ctx, obj, tmp)
		default:
			lastErr = fmt.Errorf("unknown cache.type %q", t)
		}
		if lastErr == nil {
			done = true
			if t == "reflink" || t == "copy" {
				mode := os.FileMode(0o644)
				if exec {
					mode = 0o755
				}
				_ = os.Chmod(tmp, mode)
			}
			break
		}
		os.Remove(tmp)
	}
	if !done {
		return fmt.Errorf("checkout %s: no cache.type worked (%v): %w", dst, c.Types, lastErr)
	}
	if exec {
		if st, err := os.Lstat(tmp); err == nil && st.Mode()&os.ModeSymlink == 0 && st.Mode()&0o111 == 0 {
			_ = os.Chmod(tmp, st.Mode()|0o111)
		}
	}
	if fi, err := os.Lstat(dst); err == nil && fi.IsDir() {
		if err := os.RemoveAll(dst); err != nil {
			return fmt.Errorf("checkout %s: remove: %w", dst, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("checkout %s: %w", dst, err)
	}
	return nil
}

// Checkout makes the workspace path match the cached object hi.
func (c *Cache) Checkout(ctx context.Context, h *Hasher, path string, hi HashInfo) error {
	defer h.Invalidate(path)
	if !hi.IsDir {
		if cur, err := h.Hash(ctx, path); err == nil && cur.MD5 == hi.MD5 {
			return nil
		}
		if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
			if err := os.RemoveAll(path); err != nil {
				return fmt.Errorf("checkout %s: %w", path, err)
			}
		}
		return c.linkFile(ctx, hi.MD5, path, hi.IsExec, true)
	}
	entries, err := c.ReadManifest(ctx, hi.MD5)
	if err != nil {
		return fmt.Errorf("checkout %s: %w", path, err)
	}
	if fi, err := os.Lstat(path); err == nil && !fi.IsDir() {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("checkout %s: %w", path, err)
		}
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return fmt.Errorf("checkout %s: %w", path, err)
	}
	want := map[string]DirEntry{}
	for _, e := range entries {
		want[e.RelPath] = e
	}
	have, err := walkDir(path, h.Ignore)
	if err != nil {
		return fmt.Errorf("checkout %s: %w", path, err)
	}
	for _, f := range have {
		e, ok := want[f.rel]
		if !ok {
			if err := os.Remove(f.abs); err != nil {
				return fmt.Errorf("checkout %s: remove extra file: %w", f.abs, err)
			}
			continue
		}
		r, err := h.file(ctx, f.abs, f.fi, true)
		if err == nil && r.md5 == e.MD5 {
			delete(want, f.rel)
		}
	}
	rels := make([]string, 0, len(want))
	for r := range want {
		rels = append(rels, r)
	}
	sort.Strings(rels)
	for _, r := range rels {
		p := filepath.Join(path, filepath.FromSlash(r))
		if err := c.linkFile(ctx, want[r].MD5, p, false, true); err != nil {
			return err
		}
	}
	removeEmptyDirs(path)
	return nil
}

func removeEmptyDirs(root string) {
	var dirs []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != root {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(dirs[i]) // fails (kept) when not empty
	}
}

func reflink(src, dst string) error {
	s, err := os.Open(src)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if err := unix.IoctlFileClone(int(d.Fd()), int(s.Fd())); err != nil {
		d.Close()
		os.Remove(dst)
		return fmt.Errorf("reflink: %w", err)
	}
	return d.Close()
}

func reflinkOrCopy(ctx context.Context, src, dst string) error {
	if err := reflink(src, dst); err == nil {
		return nil
	}
	return copyFile(ctx, src, dst)
}

func copyFile(ctx context.Context, src, dst string) error {
	s, err := os.Open(src)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(d, download.ContextReader(ctx, s)); err != nil {
		d.Close()
		os.Remove(dst)
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// gitignoreEscape makes a file name match itself as a .gitignore pattern:
// wildcard and special characters get a backslash, as DVC writes them
// (pathspec's GitWildMatchPattern.escape), and so does a trailing space,
// which git would otherwise trim.
func gitignoreEscape(name string) string {
	var b strings.Builder
	for _, c := range name {
		if strings.ContainsRune(`[]!*#?\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	e := b.String()
	if t := strings.TrimRight(e, " "); len(t) < len(e) {
		e = t + strings.Repeat(`\ `, len(e)-len(t))
	}
	return e
}

// addGitignore appends "/name" to the .gitignore beside path (name
// escaped so that it matches only itself), once.
func addGitignore(root, path string) error {
	dir, name := filepath.Dir(path), filepath.Base(path)
	if rel, err := filepath.Rel(root, dir); err != nil || strings.HasPrefix(rel, "..") {
		return nil
	}
	gi := filepath.Join(dir, ".gitignore")
	entry := "/" + gitignoreEscape(name)
	data, err := os.ReadFile(gi)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", gi, err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == entry {
			return nil
		}
	}
	if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		data = append(data, '\n')
	}
	data = append(data, []byte(entry+"\n")...)
	if err := os.WriteFile(gi, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", gi, err)
	}
	return nil
}
