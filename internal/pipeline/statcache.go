package pipeline

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StatCacheFile is where the stat cache lives, relative to the repo root.
const StatCacheFile = ".dvc/tmp/genie-md5s.tsv"

// StatCache maps (path, inode, mtime, size) to an MD5 so unchanged files are
// not read again. It is persisted as a TSV under .dvc/tmp.
type StatCache struct {
	path    string
	mu      sync.Mutex
	entries map[string]statEntry
	dirty   bool
	now     func() time.Time
}

type statEntry struct {
	ino   uint64
	mtime int64
	size  int64
	md5   string
}

// racyWindow: files modified this recently are not cached, since a later
// write within the same mtime tick would go unnoticed.
const racyWindow = 2 * time.Second

// OpenStatCache loads the stat cache at path (missing file: empty cache).
func OpenStatCache(path string) (*StatCache, error) {
	sc := &StatCache{path: path, entries: map[string]statEntry{}, now: time.Now}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return sc, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open stat cache: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 1<<20)
	for s.Scan() {
		parts := strings.SplitN(s.Text(), "\t", 5)
		if len(parts) != 5 || len(parts[0]) != 32 {
			continue
		}
		size, e1 := strconv.ParseInt(parts[1], 10, 64)
		mt, e2 := strconv.ParseInt(parts[2], 10, 64)
		ino, e3 := strconv.ParseUint(parts[3], 10, 64)
		if e1 != nil || e2 != nil || e3 != nil {
			continue
		}
		sc.entries[parts[4]] = statEntry{ino: ino, mtime: mt, size: size, md5: parts[0]}
	}
	return sc, nil
}

// Lookup returns the cached MD5 if path's stat matches.
func (c *StatCache) Lookup(path string, fi os.FileInfo) (string, bool) {
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
	c.mu.Lock()
	c.entries[path] = statEntry{ino: inode(fi), mtime: fi.ModTime().UnixNano(), size: fi.Size(), md5: md5}
	c.dirty = true
	c.mu.Unlock()
}

// Save writes the cache atomically if it changed. Entries for files that no
// longer exist are dropped lazily by size of the map only.
func (c *StatCache) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("save stat cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".statcache-*")
	if err != nil {
		return fmt.Errorf("save stat cache: %w", err)
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	for p, e := range c.entries {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%s\n", e.md5, e.size, e.mtime, e.ino, p)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save stat cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save stat cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("save stat cache: %w", err)
	}
	c.dirty = false
	return nil
}
