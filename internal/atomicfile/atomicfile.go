// Package atomicfile writes files so that readers see the old content or
// the new, never a part: a temp file in the same folder, synced, then
// renamed over the target.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// tempSuffix follows the target's name in a temp file's name:
// ".<name>.tmp<random digits>".
const tempSuffix = ".tmp"

// Write stores b at path atomically with mode 0644, creating the folder.
// On failure path is left as it was and no temp file remains.
func Write(path string, b []byte) error {
	return WriteWith(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// WriteWith stores at path, atomically and with mode 0644, whatever write
// writes: for outputs produced as a stream. It creates the folder. On
// failure (write's included) path is left as it was and no temp file
// remains; only a crash can leave a temp file, which [IsTemp] recognises.
func WriteWith(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tempSuffix+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// IsTemp reports whether the file name (or the last element of a path) is
// that of a temp file of [WriteWith]: one an interrupted write may have
// left behind, which a directory listing should skip.
func IsTemp(name string) bool {
	base := filepath.Base(name)
	i := strings.LastIndex(base, tempSuffix)
	if !strings.HasPrefix(base, ".") || i < 2 {
		return false
	}
	digits := base[i+len(tempSuffix):]
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}
