package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// HashInfo is the hash and metadata of a file or directory.
type HashInfo struct {
	MD5    string // hex, with ".dir" suffix for directories
	Size   int64
	NFiles int  // directories only
	IsDir  bool // MD5 ends in .dir
	IsExec bool // files only: some x bit set
}

// DirEntry is one file of a directory manifest.
type DirEntry struct {
	RelPath string // posix path relative to the directory
	MD5     string
	Size    int64
	IsExec  bool
}

// EmptyDirMD5 is the hash of an empty directory manifest "[]".
const EmptyDirMD5 = "d751713988987e9331980363e24189ce.dir"

// ManifestBytes serializes entries exactly like DVC's
// json.dumps(sorted list, sort_keys=True).
func ManifestBytes(entries []DirEntry) []byte {
	sorted := append([]DirEntry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].RelPath < sorted[j].RelPath })
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range sorted {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`{"md5": `)
		writePyJSONString(&b, e.MD5)
		b.WriteString(`, "relpath": `)
		writePyJSONString(&b, e.RelPath)
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// DirHash returns the HashInfo of a manifest.
func DirHash(entries []DirEntry) HashInfo {
	sum := md5.Sum(ManifestBytes(entries))
	hi := HashInfo{MD5: hex.EncodeToString(sum[:]) + ".dir", IsDir: true, NFiles: len(entries)}
	for _, e := range entries {
		hi.Size += e.Size
	}
	return hi
}

// ParseManifest reads a .dir object. A manifest may come from a remote, so
// every entry must name a file inside the directory (a relative path
// without "." or ".." parts) and an object by a valid md5 (ValidMD5,
// without .dir).
func ParseManifest(data []byte) ([]DirEntry, error) {
	out, err := parseManifest(data)
	if err != nil {
		return nil, err
	}
	for i, e := range out {
		if !ValidMD5(e.MD5) || strings.HasSuffix(e.MD5, ".dir") {
			return nil, fmt.Errorf("parse dir manifest: entry %d (%q): %w", i, e.RelPath, errBadMD5(e.MD5))
		}
		if !validRelPath(e.RelPath) {
			return nil, fmt.Errorf("parse dir manifest: entry %d: relpath %q: expected a relative path inside the directory, without empty, . or .. parts", i, e.RelPath)
		}
	}
	return out, nil
}

// validRelPath reports whether rel is a slash-separated relative path that
// stays inside its directory: not absolute, no empty, "." or ".." parts,
// no NUL byte.
func validRelPath(rel string) bool {
	if rel == "" || strings.IndexByte(rel, 0) >= 0 {
		return false
	}
	for part := range strings.SplitSeq(rel, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// parseManifest decodes a .dir object's entries without checking them.
func parseManifest(data []byte) ([]DirEntry, error) {
	if out, ok := parseManifestFast(data); ok {
		return out, nil
	}
	var raw []struct {
		MD5     *string `json:"md5"`
		RelPath *string `json:"relpath"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse dir manifest: %w", err)
	}
	out := make([]DirEntry, len(raw))
	for i, e := range raw {
		if e.MD5 == nil || e.RelPath == nil {
			return nil, fmt.Errorf("parse dir manifest: entry %d lacks md5/relpath", i)
		}
		out[i] = DirEntry{RelPath: *e.RelPath, MD5: *e.MD5}
	}
	return out, nil
}

// Hasher hashes workspace paths, each at most once per invocation, backed
// by a persistent stat cache. It is safe for concurrent use.
type Hasher struct {
	Workers  int        // parallel file hashing; 0 means GOMAXPROCS
	Stat     *StatCache // optional persistent cache
	Progress Progress   // optional
	// Ignore holds the repository's .dvcignore rules (optional).
	Ignore *Ignore
	// Manifests loads a cached .dir object's entries (optional); with the
	// stat cache's directory records it lets an unchanged tree skip
	// per-file lookups.
	Manifests func(md5 string) ([]DirEntry, error)

	mu    sync.Mutex
	files map[string]*call[fileResult]
	dirs  map[string]*call[dirResult]
}

type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

type fileResult struct {
	md5  string
	size int64
	exec bool
}

type dirResult struct {
	info    HashInfo
	entries []DirEntry
}

// NewHasher returns a Hasher using stat (may be nil).
func NewHasher(stat *StatCache) *Hasher {
	return &Hasher{Stat: stat, files: map[string]*call[fileResult]{}, dirs: map[string]*call[dirResult]{}}
}

func (h *Hasher) workers() int {
	if h.Workers > 0 {
		return h.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Invalidate forgets memoized results for path and everything under it
// (and the directories containing it), after a stage rewrote it.
func (h *Hasher) Invalidate(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := range h.files {
		if pathWithin(p, path) {
			delete(h.files, p)
		}
	}
	for p := range h.dirs {
		if pathWithin(p, path) || pathWithin(path, p) {
			delete(h.dirs, p)
		}
	}
}

// pathWithin reports whether p is base or inside base.
func pathWithin(p, base string) bool {
	return p == base || strings.HasPrefix(p, base+string(filepath.Separator))
}

// Hash returns the hash of a file or directory.
func (h *Hasher) Hash(ctx context.Context, path string) (HashInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return HashInfo{}, err
	}
	if fi.IsDir() {
		r, err := h.dir(ctx, path)
		return r.info, err
	}
	r, err := h.file(ctx, path, fi, false)
	if err != nil {
		return HashInfo{}, err
	}
	return HashInfo{MD5: r.md5, Size: r.size, IsExec: r.exec}, nil
}

// smallFile is the size under which a lone file is simply re-read: cheaper
// than loading the per-file stat table.
const smallFile = 256 << 10

// Manifest returns the entries of a directory (hashing it if needed).
func (h *Hasher) Manifest(ctx context.Context, path string) (HashInfo, []DirEntry, error) {
	r, err := h.dir(ctx, path)
	return r.info, r.entries, err
}

func (h *Hasher) file(ctx context.Context, path string, fi os.FileInfo, inDir bool) (fileResult, error) {
	h.mu.Lock()
	if c, ok := h.files[path]; ok {
		h.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &call[fileResult]{done: make(chan struct{})}
	h.files[path] = c
	h.mu.Unlock()
	defer close(c.done)
	c.val.size = fi.Size()
	c.val.exec = fi.Mode()&0o111 != 0
	useStat := h.Stat != nil && (inDir || fi.Size() >= smallFile)
	if useStat {
		if sum, ok := h.Stat.Lookup(path, fi); ok {
			c.val.md5 = sum
			return c.val, nil
		}
	}
	sum, err := FileMD5(ctx, path)
	if err != nil {
		c.err = err
		h.mu.Lock()
		delete(h.files, path)
		h.mu.Unlock()
		return c.val, err
	}
	c.val.md5 = sum
	if useStat {
		h.Stat.Store(path, fi, sum)
	}
	if h.Progress != nil {
		h.Progress.Add(fi.Size())
	}
	return c.val, nil
}

func (h *Hasher) dir(ctx context.Context, path string) (dirResult, error) {
	h.mu.Lock()
	if c, ok := h.dirs[path]; ok {
		h.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &call[dirResult]{done: make(chan struct{})}
	h.dirs[path] = c
	h.mu.Unlock()
	defer close(c.done)
	c.val, c.err = h.hashDir(ctx, path)
	if c.err != nil {
		h.mu.Lock()
		delete(h.dirs, path)
		h.mu.Unlock()
	}
	return c.val, c.err
}

type walkedFile struct {
	abs, rel string
	fi       os.FileInfo
}

// walkDir lists the files DVC includes in a directory hash, with their
// stat (symlinks followed).
func walkDir(root string, ign *Ignore) ([]walkedFile, error) {
	files, err := listDir(root, ign)
	if err != nil {
		return nil, err
	}
	out := files[:0]
	for _, f := range files {
		fi, err := os.Stat(f.abs)
		if err != nil {
			return nil, fmt.Errorf("stat %s: %w", f.abs, err)
		}
		if fi.Mode().IsRegular() {
			f.fi = fi
			out = append(out, f)
		}
	}
	return out, nil
}

// listDir lists candidate files (directory reads only, no stat): the
// caller stats them, possibly in parallel.
func listDir(root string, ign *Ignore) ([]walkedFile, error) {
	var files []walkedFile
	var walk func(dir, relDir string) error
	walk = func(dir, relDir string) error {
		f, err := os.Open(dir)
		if err != nil {
			return err
		}
		ents, err := f.ReadDir(-1)
		f.Close()
		if err != nil {
			return err
		}
		for _, d := range ents {
			name := d.Name()
			rel := name
			if relDir != "" {
				rel = relDir + "/" + name
			}
			abs := dir + string(filepath.Separator) + name
			if d.IsDir() {
				if name == ".git" || name == ".hg" || name == ".dvc" || ign.Match(abs, true) {
					continue
				}
				if err := walk(abs, rel); err != nil {
					return err
				}
				continue
			}
			if name == ".dvcignore" || ign.Match(abs, false) {
				continue
			}
			if !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
				continue
			}
			files = append(files, walkedFile{abs: abs, rel: rel})
		}
		return nil
	}
	return files, walk(filepath.Clean(root), "")
}

func (h *Hasher) hashDir(ctx context.Context, path string) (dirResult, error) {
	files, err := listDir(path, h.Ignore)
	if err != nil {
		return dirResult{}, fmt.Errorf("walk %s: %w", path, err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	// Phase 1: stat every file (in parallel).
	if err := h.parallel(ctx, len(files), func(i int) error {
		fi, err := os.Stat(files[i].abs) // symlinks followed
		if err != nil {
			return fmt.Errorf("stat %s: %w", files[i].abs, err)
		}
		if fi.Mode().IsRegular() {
			files[i].fi = fi
		}
		return nil
	}); err != nil {
		return dirResult{}, err
	}
	kept := files[:0]
	for _, f := range files {
		if f.fi != nil {
			kept = append(kept, f)
		}
	}
	files = kept
	// Phase 2: an unchanged tree (same names, inodes, mtimes, sizes) has
	// the manifest recorded last time: no per-file lookups at all.
	fp, racy := dirFingerprint(files, h.now())
	if h.Stat != nil && h.Manifests != nil {
		if md5, ok := h.Stat.LookupDir(path, fp); ok {
			if entries, err := h.Manifests(md5); err == nil && len(entries) == len(files) {
				match := true
				for i := range entries {
					if entries[i].RelPath != files[i].rel {
						match = false
						break
					}
					entries[i].Size = files[i].fi.Size()
					entries[i].IsExec = files[i].fi.Mode()&0o111 != 0
				}
				if match {
					hi := DirHash(entries)
					if hi.MD5 == md5 {
						return dirResult{info: hi, entries: entries}, nil
					}
				}
			}
		}
	}
	// Phase 3: hash (or look up) each file.
	entries := make([]DirEntry, len(files))
	if err := h.parallel(ctx, len(files), func(i int) error {
		r, err := h.file(ctx, files[i].abs, files[i].fi, true)
		if err != nil {
			return err
		}
		entries[i] = DirEntry{RelPath: files[i].rel, MD5: r.md5, Size: r.size, IsExec: r.exec}
		return nil
	}); err != nil {
		return dirResult{}, err
	}
	res := dirResult{info: DirHash(entries), entries: entries}
	if h.Stat != nil && !racy {
		h.Stat.StoreDir(path, fp, res.info.MD5)
	}
	return res, nil
}

// parallel runs fn(0..n-1) on the hasher's workers; the first error wins.
func (h *Hasher) parallel(ctx context.Context, n int, fn func(i int) error) error {
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := 0; w < min(h.workers(), max(1, n)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := fn(i); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case err := <-errs:
		return err
	default:
	}
	return nil
}

func (h *Hasher) now() time.Time {
	if h.Stat != nil {
		return h.Stat.now()
	}
	return time.Now()
}

// dirFingerprint digests the (name, inode, mtime, size, mode) of sorted
// files; racy reports a file modified within the racy window.
func dirFingerprint(files []walkedFile, now time.Time) (string, bool) {
	d := md5.New()
	racy := false
	var buf []byte
	for _, f := range files {
		buf = buf[:0]
		buf = append(buf, f.rel...)
		buf = append(buf, 0)
		buf = strconv.AppendUint(buf, inode(f.fi), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, f.fi.ModTime().UnixNano(), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, f.fi.Size(), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendUint(buf, uint64(f.fi.Mode()), 10)
		buf = append(buf, '\n')
		d.Write(buf)
		if now.Sub(f.fi.ModTime()) < racyWindow {
			racy = true
		}
	}
	return hex.EncodeToString(d.Sum(nil)), racy
}

const hashBufSize = 1 << 20

var bufPool = sync.Pool{New: func() any { b := make([]byte, hashBufSize); return &b }}

// FileMD5 returns the lowercase hex MD5 of a file's raw bytes.
func FileMD5(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// isTextChunk applies DVC's text heuristic to the first 512 bytes of a chunk.
func isTextChunk(chunk []byte) bool {
	if len(chunk) == 0 {
		return true
	}
	block := chunk
	if len(block) > 512 {
		block = block[:512]
	}
	if bytes.IndexByte(block, 0) >= 0 {
		return false
	}
	nontext := 0
	for _, c := range block {
		if (c >= 32 && c <= 126) || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\b' {
			continue
		}
		nontext++
	}
	return float64(nontext)/float64(len(block)) <= 0.30
}

// FileMD5Dos2Unix returns DVC 2's md5-dos2unix hash: read in 1 MiB chunks,
// CRLF turned into LF in chunks that look like text.
func FileMD5Dos2Unix(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	r := bufio.NewReaderSize(f, hashBufSize)
	buf := make([]byte, hashBufSize)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := io.ReadFull(r, buf)
		chunk := buf[:n]
		if n > 0 {
			if isTextChunk(chunk) {
				chunk = bytes.ReplaceAll(chunk, []byte("\r\n"), []byte("\n"))
			}
			h.Write(chunk)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// LegacyHash computes DVC 2's md5-dos2unix hash of a file or directory
// (ign may be nil).
func LegacyHash(ctx context.Context, path string, ign *Ignore) (HashInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return HashInfo{}, err
	}
	if !fi.IsDir() {
		sum, err := FileMD5Dos2Unix(ctx, path)
		return HashInfo{MD5: sum, Size: fi.Size(), IsExec: fi.Mode()&0o111 != 0}, err
	}
	files, err := walkDir(path, ign)
	if err != nil {
		return HashInfo{}, err
	}
	entries := make([]DirEntry, 0, len(files))
	for _, f := range files {
		sum, err := FileMD5Dos2Unix(ctx, f.abs)
		if err != nil {
			return HashInfo{}, err
		}
		entries = append(entries, DirEntry{RelPath: f.rel, MD5: sum, Size: f.fi.Size()})
	}
	return DirHash(entries), nil
}

// inode returns the inode number of fi (0 if unknown).
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// parseManifestFast parses the exact form DVC writes
// ([{"md5": "…", "relpath": "…"}, …]) without reflection; it reports false
// for anything else (escapes or bytes that are not UTF-8 included),
// leaving it to encoding/json.
func parseManifestFast(data []byte) ([]DirEntry, bool) {
	const pre, mid, post = `{"md5": "`, `", "relpath": "`, `"}`
	s := string(data)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' || strings.IndexByte(s, '\\') >= 0 || !utf8.ValidString(s) {
		return nil, false
	}
	s = s[1 : len(s)-1]
	out := make([]DirEntry, 0, strings.Count(s, pre))
	for len(s) > 0 {
		if !strings.HasPrefix(s, pre) {
			return nil, false
		}
		s = s[len(pre):]
		i := strings.Index(s, mid)
		if i < 0 {
			return nil, false
		}
		md := s[:i]
		s = s[i+len(mid):]
		j := strings.Index(s, post)
		if j < 0 {
			return nil, false
		}
		rel := s[:j]
		if strings.IndexByte(md, '"') >= 0 || strings.IndexByte(rel, '"') >= 0 {
			return nil, false
		}
		out = append(out, DirEntry{MD5: md, RelPath: rel})
		s = s[j+len(post):]
		if strings.HasPrefix(s, ", ") {
			s = s[2:]
			if len(s) == 0 {
				return nil, false
			}
		} else if len(s) > 0 {
			return nil, false
		}
	}
	return out, true
}
