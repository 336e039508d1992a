package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// StatCacheFile is where the stat cache lives, relative to the repo root;
// directory records go to the same path with a ".dirs" suffix.
const StatCacheFile = ".dvc/tmp/genie-md5s.tsv"

// StatCache maps (path, inode, mtime, size) to an MD5 so unchanged files are
// not read again, and a directory's stat fingerprint to its .dir hash so an
// unchanged tree needs no per-file lookups. It is persisted as TSV files
// under .dvc/tmp; the per-file table is loaded on first use.
type StatCache struct {
	path string
	now  func() time.Time

	mu        sync.Mutex
	loadOnce  sync.Once
	entries   map[string]statEntry
	dirty     bool
	dirs      map[string]dirRecord
	dirsDirty bool
}

type statEntry struct {
	ino   uint64
	mtime int64
	size  int64
	md5   string
}

type dirRecord struct{ fp, md5 string }

// racyWindow: files modified this recently are not cached, since a later
// write within the same mtime tick would go unnoticed.
const racyWindow = 2 * time.Second

// OpenStatCache opens the stat cache at path (missing files: empty cache).
func OpenStatCache(path string) (*StatCache, error) {
	sc := &StatCache{path: path, now: time.Now, dirs: map[string]dirRecord{}}
	data, err := os.ReadFile(path + ".dirs")
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("open stat cache: %w", err)
	}
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		parts := bytes.SplitN(line, []byte{'\t'}, 3)
		if len(parts) == 3 {
			sc.dirs[string(parts[2])] = dirRecord{fp: string(parts[0]), md5: string(parts[1])}
		}
	}
	return sc, nil
}

func (c *StatCache) load() {
	c.loadOnce.Do(func() {
		c.entries = map[string]statEntry{}
		data, err := os.ReadFile(c.path)
		if err != nil {
			return
		}
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			var f [5][]byte
			n := 0
			for n < 4 {
				i := bytes.IndexByte(line, '\t')
				if i < 0 {
					break
				}
				f[n], line = line[:i], line[i+1:]
				n++
			}
			if n != 4 || len(f[0]) != 32 {
				continue
			}
			f[4] = line
			size, e1 := strconv.ParseInt(string(f[1]), 10, 64)
			mt, e2 := strconv.ParseInt(string(f[2]), 10, 64)
			ino, e3 := strconv.ParseUint(string(f[3]), 10, 64)
			if e1 != nil || e2 != nil || e3 != nil {
				continue
			}
			c.entries[string(f[4])] = statEntry{ino: ino, mtime: mt, size: size, md5: string(f[0])}
		}
	})
}

// Lookup returns the cached MD5 if path's stat matches.
func (c *StatCache) Lookup(path string, fi os.FileInfo) (string, bool) {
	c.load()
	c.mu.Lock()
	e, ok := c.entries[path]
	c.mu.Unlock()
	if !ok || e.size != fi.Size() || e.mtime != fi.ModTime().UnixNano() || e.ino != inode(fi) {
		return "", false
	}
	return e.md5, true
}

// Store records path's MD5 for its current stat.
func (c *StatCache) Store(path string, fi os.FileInfo, md5 string) {
	if c.now().Sub(fi.ModTime()) < racyWindow {
		return
	}
	c.load()
	c.mu.Lock()
	c.entries[path] = statEntry{ino: inode(fi), mtime: fi.ModTime().UnixNano(), size: fi.Size(), md5: md5}
	c.dirty = true
	c.mu.Unlock()
}

// LookupDir returns the .dir hash recorded for a directory whose files had
// the stat fingerprint fp.
func (c *StatCache) LookupDir(path, fp string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.dirs[path]
	if !ok || r.fp != fp {
		return "", false
	}
	return r.md5, true
}

// StoreDir records a directory's fingerprint and .dir hash.
func (c *StatCache) StoreDir(path, fp, md5 string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.dirs[path]; ok && r.fp == fp && r.md5 == md5 {
		return
	}
	c.dirs[path] = dirRecord{fp: fp, md5: md5}
	c.dirsDirty = true
}

// Save writes what changed, atomically, leaving out the records of paths
// that no longer exist (so the files do not grow with deleted outputs).
func (c *StatCache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	gone := func(p string) bool {
		_, err := os.Lstat(p)
		return errors.Is(err, fs.ErrNotExist)
	}
	if c.dirty {
		var b bytes.Buffer
		for p, e := range c.entries {
			if gone(p) {
				delete(c.entries, p)
				continue
			}
			fmt.Fprintf(&b, "%s\t%d\t%d\t%d\t%s\n", e.md5, e.size, e.mtime, e.ino, p)
		}
		if err := c.write(c.path, b.Bytes()); err != nil {
			return err
		}
		c.dirty = false
	}
	if c.dirsDirty {
		var b bytes.Buffer
		for p, r := range c.dirs {
			if gone(p) {
				delete(c.dirs, p)
				continue
			}
			fmt.Fprintf(&b, "%s\t%s\t%s\n", r.fp, r.md5, p)
		}
		if err := c.write(c.path+".dirs", b.Bytes()); err != nil {
			return err
		}
		c.dirsDirty = false
	}
	return nil
}

func (c *StatCache) write(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save stat cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".statcache-*")
	if err != nil {
		return fmt.Errorf("save stat cache: %w", err)
	}
	w := bufio.NewWriter(tmp)
	_, werr := w.Write(data)
	if werr == nil {
		werr = w.Flush()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save stat cache: %w", werr)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save stat cache: %w", err)
	}
	return nil
}
