package movielens

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// zipEntryT is one entry of a zip built by buildFetchZip.
type zipEntryT struct {
	name string
	body string
	mode fs.FileMode // 0 means a regular 0644 file
}

// buildFetchZip builds a zip archive in memory.
func buildFetchZip(t testing.TB, entries ...zipEntryT) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lyingZip has one entry that declares 5 bytes but inflates to n zeros.
func lyingZip(t testing.TB, n int) []byte {
	t.Helper()
	data := make([]byte, n)
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{
		Name: "bomb.csv", Method: zip.Deflate,
		CRC32:              crc32.ChecksumIEEE(data),
		CompressedSize64:   uint64(comp.Len()),
		UncompressedSize64: 5,
	}
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestExtractZip(t *testing.T) {
	good := buildFetchZip(t,
		zipEntryT{name: "ml-x/", mode: fs.ModeDir | 0o755},
		zipEntryT{name: "ml-x/ratings.csv", body: "userId,movieId\n1,2\n"},
		zipEntryT{name: "ml-x/sub/README.txt", body: "hello"},
	)
	corrupt := slices.Clone(good)
	idx := bytes.Index(corrupt, []byte("ml-x/ratings.csv")) + len("ml-x/ratings.csv") + 2
	corrupt[idx] ^= 0xff

	tests := []struct {
		name    string
		zip     []byte
		limits  ExtractLimits
		wantErr error
		want    []string
		msg     string // substring of the error
	}{
		{name: "ok", zip: good, want: []string{"ml-x/ratings.csv", "ml-x/sub/README.txt"}},
		{name: "dotdot", zip: buildFetchZip(t, zipEntryT{name: "../evil.txt", body: "x"}), wantErr: ErrUnsafeArchive, msg: ".."},
		{name: "nested dotdot", zip: buildFetchZip(t, zipEntryT{name: "ml-x/../../evil.txt", body: "x"}), wantErr: ErrUnsafeArchive, msg: ".."},
		{name: "absolute", zip: buildFetchZip(t, zipEntryT{name: "/tmp/evil.txt", body: "x"}), wantErr: ErrUnsafeArchive, msg: "absolute"},
		{name: "drive letter", zip: buildFetchZip(t, zipEntryT{name: "C:/evil.txt", body: "x"}), wantErr: ErrUnsafeArchive, msg: "drive"},
		{name: "backslash", zip: buildFetchZip(t, zipEntryT{name: `..\evil.txt`, body: "x"}), wantErr: ErrUnsafeArchive, msg: "backslash"},
		{name: "symlink", zip: buildFetchZip(t, zipEntryT{name: "ml-x/link", body: "/etc/passwd", mode: fs.ModeSymlink | 0o777}), wantErr: ErrUnsafeArchive, msg: "symlink"},
		{name: "named pipe", zip: buildFetchZip(t, zipEntryT{name: "ml-x/fifo", mode: fs.ModeNamedPipe | 0o644}), wantErr: ErrUnsafeArchive, msg: "not a regular file"},
		{name: "duplicate", zip: buildFetchZip(t, zipEntryT{name: "a.csv", body: "1"}, zipEntryT{name: "a.csv", body: "2"}), wantErr: ErrUnsafeArchive, msg: "duplicate"},
		{name: "oversized entry", zip: buildFetchZip(t, zipEntryT{name: "big.csv", body: strings.Repeat("x", 101)}), limits: ExtractLimits{MaxFileSize: 100}, wantErr: ErrUnsafeArchive, msg: "declares 101 bytes"},
		// archive/zip itself refuses to inflate past the declared size.
		{name: "bomb with lying header", zip: lyingZip(t, 1<<20), limits: ExtractLimits{MaxFileSize: 1000}, wantErr: ErrCorruptArchive, msg: "bomb.csv"},
		{name: "bomb", zip: buildFetchZip(t, zipEntryT{name: "bomb.csv", body: strings.Repeat("\x00", 1<<20)}), limits: ExtractLimits{MaxFileSize: 1000}, wantErr: ErrUnsafeArchive, msg: "declares 1048576 bytes"},
		{name: "total size", zip: buildFetchZip(t, zipEntryT{name: "a", body: strings.Repeat("x", 60)}, zipEntryT{name: "b", body: strings.Repeat("x", 60)}), limits: ExtractLimits{MaxTotalSize: 100}, wantErr: ErrUnsafeArchive, msg: "in total"},
		{name: "too many files", zip: buildFetchZip(t, zipEntryT{name: "a"}, zipEntryT{name: "b"}, zipEntryT{name: "c"}), limits: ExtractLimits{MaxFiles: 2}, wantErr: ErrUnsafeArchive, msg: "3 entries"},
		{name: "truncated", zip: good[:len(good)/2], wantErr: ErrCorruptArchive},
		{name: "empty input", zip: nil, wantErr: ErrCorruptArchive},
		{name: "corrupt data", zip: corrupt, wantErr: ErrCorruptArchive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "out")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			got, err := ExtractZip(context.Background(), bytes.NewReader(tc.zip), int64(len(tc.zip)), dir, tc.limits)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("err = %q, want it to mention %q", err, tc.msg)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if !slices.Equal(got, tc.want) {
				t.Errorf("files = %v, want %v", got, tc.want)
			}
			assertConfined(t, base, dir)
		})
	}
}

func TestExtractZipCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	z := buildFetchZip(t, zipEntryT{name: "a.csv", body: "1"})
	_, err := ExtractZip(ctx, bytes.NewReader(z), int64(len(z)), t.TempDir(), ExtractLimits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// assertConfined checks that base holds only dir and that nothing under dir
// is a symlink or other non-regular file.
func assertConfined(t testing.TB, base, dir string) {
	t.Helper()
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != filepath.Base(dir) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("extraction wrote outside its folder: %v", names)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			t.Errorf("%s is not a regular file (%v)", p, d.Type())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(buildFetchZip(f, zipEntryT{name: "ml-x/ratings.csv", body: "1,2,3\n"}))
	f.Add(buildFetchZip(f, zipEntryT{name: "../evil", body: "x"}))
	f.Add(buildFetchZip(f, zipEntryT{name: "/abs", body: "x"}))
	f.Add(buildFetchZip(f, zipEntryT{name: "l", body: "/etc", mode: fs.ModeSymlink | 0o777}))
	f.Add(buildFetchZip(f, zipEntryT{name: "d/", mode: fs.ModeDir | 0o755}, zipEntryT{name: "d/a", body: "a"}))
	f.Add(lyingZip(f, 4096))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		base := t.TempDir()
		dir := filepath.Join(base, "out")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		limits := ExtractLimits{MaxFileSize: 1 << 16, MaxTotalSize: 1 << 18, MaxFiles: 64}
		files, err := ExtractZip(context.Background(), bytes.NewReader(data), int64(len(data)), dir, limits)
		assertConfined(t, base, dir)
		if err != nil {
			if !errors.Is(err, ErrUnsafeArchive) && !errors.Is(err, ErrCorruptArchive) {
				// File-system errors (e.g. a file and a folder with the same
				// name) are allowed but must still say which entry.
				if !strings.Contains(err.Error(), "extract ") {
					t.Fatalf("unclassified error: %v", err)
				}
			}
			return
		}
		for _, name := range files {
			info, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
			if err != nil || !info.Mode().IsRegular() {
				t.Fatalf("reported file %q: %v, %v", name, info, err)
			}
		}
	})
}
