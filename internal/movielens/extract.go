package movielens

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moviegenie/genie/internal/download"
)

// Default extraction limits. The largest real entry (ml-32m ratings.csv) is
// under 1 GiB and the largest release unpacks to about 1.2 GiB.
const (
	DefaultMaxFileSize  int64 = 4 << 30
	DefaultMaxTotalSize int64 = 8 << 30
	DefaultMaxFiles           = 1000
)

// ErrUnsafeArchive marks an archive refused for safety: an entry that would
// land outside the destination, a symlink or other non-regular file, or
// sizes beyond ExtractLimits (a zip bomb).
var ErrUnsafeArchive = errors.New("unsafe archive")

// ErrCorruptArchive marks an archive that cannot be read: truncated, not a
// zip, or with an entry whose data or CRC is bad.
var ErrCorruptArchive = errors.New("corrupt or truncated archive")

// ExtractLimits bounds what ExtractZip writes. Zero fields take the Default
// values.
type ExtractLimits struct {
	MaxFileSize  int64 // uncompressed bytes of one entry
	MaxTotalSize int64 // uncompressed bytes of all entries together
	MaxFiles     int   // number of entries
}

func (l ExtractLimits) withDefaults() ExtractLimits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	return l
}

// ExtractZip unpacks the zip archive in r (size bytes long) into the
// existing directory dir and returns the slash-separated paths of the files
// it wrote, sorted.
//
// Only directories and regular files are accepted. Entries with absolute
// paths, ".." elements or backslashes, symlinks, devices, duplicate names and
// anything beyond limits fail with an error wrapping ErrUnsafeArchive; bad
// archive data fails with ErrCorruptArchive. Sizes are enforced on the bytes
// actually decompressed, not on the sizes the archive declares. On error,
// files already written stay in dir: extract into a temporary directory and
// remove it on failure.
func ExtractZip(ctx context.Context, r io.ReaderAt, size int64, dir string, limits ExtractLimits) ([]string, error) {
	limits = limits.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %w", ErrCorruptArchive, err)
	}
	if len(zr.File) > limits.MaxFiles {
		return nil, fmt.Errorf("%w: %d entries, limit %d", ErrUnsafeArchive, len(zr.File), limits.MaxFiles)
	}
	// Check every name before writing anything.
	for _, f := range zr.File {
		if _, err := entryPath(f.Name); err != nil {
			return nil, err
		}
		if err := entryMode(f); err != nil {
			return nil, err
		}
		if f.UncompressedSize64 > uint64(limits.MaxFileSize) {
			return nil, fmt.Errorf("%w: entry %q declares %d bytes, limit %d",
				ErrUnsafeArchive, f.Name, f.UncompressedSize64, limits.MaxFileSize)
		}
	}
	var (
		written []string
		total   int64
	)
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rel, _ := entryPath(f.Name)
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if f.Mode().IsDir() || strings.HasSuffix(f.Name, "/") {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return nil, fmt.Errorf("extract %s: %w", f.Name, err)
			}
			continue
		}
		budget := min(limits.MaxFileSize, limits.MaxTotalSize-total)
		n, err := extractFile(ctx, f, target, budget)
		total += n
		if err != nil {
			return nil, err
		}
		if n > budget {
			if budget < limits.MaxFileSize {
				return nil, fmt.Errorf("%w: entries unpack to more than %d bytes in total", ErrUnsafeArchive, limits.MaxTotalSize)
			}
			return nil, fmt.Errorf("%w: entry %q unpacks to more than %d bytes", ErrUnsafeArchive, f.Name, limits.MaxFileSize)
		}
		written = append(written, rel)
	}
	sort.Strings(written)
	return written, nil
}

// extractFile writes one entry to target, reading at most budget+1 bytes,
// and returns how many bytes it read.
func extractFile(ctx context.Context, f *zip.File, target string, budget int64) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return 0, fmt.Errorf("extract %s: %w", f.Name, err)
	}
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("%w: open entry %q: %w", ErrCorruptArchive, f.Name, err)
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return 0, fmt.Errorf("%w: duplicate entry %q", ErrUnsafeArchive, f.Name)
		}
		return 0, fmt.Errorf("extract %s: %w", f.Name, err)
	}
	n, err := io.Copy(out, io.LimitReader(download.ContextReader(ctx, rc), budget+1))
	if cerr := out.Close(); err == nil && cerr != nil {
		return n, fmt.Errorf("extract %s: %w", f.Name, cerr)
	}
	if err != nil {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return n, fmt.Errorf("extract %s: %w", f.Name, err)
		}
		return n, fmt.Errorf("%w: entry %q: %w", ErrCorruptArchive, f.Name, err)
	}
	return n, nil
}

// entryPath validates a zip entry name and returns it cleaned, relative and
// slash-separated.
func entryPath(name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: entry %q %s", ErrUnsafeArchive, name, why)
	}
	switch {
	case name == "":
		return bad("has an empty name")
	case strings.ContainsRune(name, 0):
		return bad("contains a NUL byte")
	case strings.Contains(name, `\`):
		return bad("contains a backslash")
	case strings.HasPrefix(name, "/"):
		return bad("is an absolute path")
	case len(name) >= 2 && name[1] == ':':
		return bad("has a drive letter")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return bad("escapes the destination with ..")
		}
	}
	clean := path.Clean(name)
	if clean == "." || !filepath.IsLocal(filepath.FromSlash(clean)) {
		return bad("is not a local path")
	}
	return clean, nil
}

// entryMode accepts directories and regular files only.
func entryMode(f *zip.File) error {
	m := f.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: entry %q is a symlink", ErrUnsafeArchive, f.Name)
	case m.IsDir(), m.IsRegular():
		return nil
	}
	return fmt.Errorf("%w: entry %q is not a regular file (mode %v)", ErrUnsafeArchive, f.Name, m)
}
