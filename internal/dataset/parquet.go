package dataset

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/moviegenie/genie/internal/atomicfile"
)

// rowGroupRows bounds a row group, and so the memory a writer buffers.
const rowGroupRows = 1 << 20

// writerOptions fixes everything that goes into a file, so the same rows
// always give the same bytes.
func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(fastSnappy{}),
		parquet.CreatedBy("movie-genie", "1", ""),
		parquet.PageBufferSize(1 << 20),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
	}
}

// fastSnappy is Parquet's SNAPPY codec with the fast block encoder:
// parquet-go's default uses the slower "better" encoder, which costs more
// time than its few percent of size save. Any Snappy decoder reads both.
type fastSnappy struct{}

func (fastSnappy) String() string { return "SNAPPY" }

func (fastSnappy) CompressionCodec() format.CompressionCodec { return format.Snappy }

func (fastSnappy) Encode(dst, src []byte) ([]byte, error) {
	if n := s2.MaxEncodedLen(len(src)); cap(dst) < n {
		dst = make([]byte, n)
	}
	return s2.EncodeSnappy(dst[:cap(dst)], src), nil
}

func (fastSnappy) Decode(dst, src []byte) ([]byte, error) {
	n, err := s2.DecodedLen(src)
	if err != nil {
		return dst, err
	}
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	return s2.Decode(dst[:n], src)
}

// WriteParquet writes rows to path atomically: a temp file in the same
// folder, fsynced, then renamed over path. A failure leaves path as it was.
func WriteParquet[T any](path string, rows []T) error {
	return writeParquetBatches(path, len(rows), func(lo, hi int, dst []T) []T { return rows[lo:hi] })
}

// writeRatings writes ratings to path atomically (see encodeRatings).
func writeRatings(path string, rs []Rating) error {
	return atomicfile.WriteWith(path, func(w io.Writer) error { return encodeRatings(w, rs) })
}

// encodeRatings writes ratings as a Parquet file of RatingRow to w,
// converting a batch at a time, so the rows with their strings never exist
// all at once.
func encodeRatings(w io.Writer, rs []Rating) error {
	return encodeParquetBatches(w, len(rs), func(lo, hi int, dst []RatingRow) []RatingRow {
		dst = dst[:0]
		for i := lo; i < hi; i++ {
			dst = append(dst, rs[i].Row())
		}
		return dst
	})
}

// encodeParquet writes rows as a Parquet file to w.
func encodeParquet[T any](w io.Writer, rows []T) error {
	return encodeParquetBatches(w, len(rows), func(lo, hi int, dst []T) []T { return rows[lo:hi] })
}

// ReadRatings reads ratings.parquet, converting a batch of stored rows at a
// time, so only the compact []Rating exists for the whole file (ReadParquet
// of every RatingRow, with its two strings, then the conversion peaked at
// ~400 bytes a rating: 9.3 GiB of RSS for 25M ratings).
func ReadRatings(path string) ([]Rating, error) {
	f, r, err := openParquet[RatingRow](path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer r.Close()
	out := make([]Rating, 0, r.NumRows())
	buf := make([]RatingRow, min(readBatch, max(r.NumRows(), 1)))
	for {
		n, rerr := r.Read(buf)
		for i := range buf[:n] {
			x, err := fromRow(&buf[i])
			if err != nil {
				return nil, fmt.Errorf("read %s: row %d: %w", path, len(out), err)
			}
			out = append(out, x)
		}
		if rerr == io.EOF {
			return out, nil
		}
		if rerr != nil {
			return nil, fmt.Errorf("read %s: %w", path, rerr)
		}
	}
}

// writeParquetBatches writes n rows obtained batch by batch from rows,
// atomically.
func writeParquetBatches[T any](path string, n int, rows func(lo, hi int, dst []T) []T) error {
	return atomicfile.WriteWith(path, func(f io.Writer) error { return encodeParquetBatches(f, n, rows) })
}

// encodeParquetBatches writes n rows obtained batch by batch from rows as
// a Parquet file to f.
func encodeParquetBatches[T any](f io.Writer, n int, rows func(lo, hi int, dst []T) []T) error {
	w := parquet.NewGenericWriter[T](f, writerOptions()...)
	const batch = 1 << 16
	var buf []T
	for i := 0; i < n; i += batch {
		buf = rows(i, min(i+batch, n), buf)
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return w.Close()
}

// readBatch is how many rows one Read decodes. parquet-go's reader buffers
// its decoded values per call (a parquet.Value, 24 bytes, per column of
// every row asked for), so one Read of a whole 25M-row file costs gigabytes
// besides the rows themselves.
const readBatch = 1 << 14

// ReadParquet reads all rows of a file written by WriteParquet, readBatch
// rows per Read straight into the result.
func ReadParquet[T any](path string) ([]T, error) {
	f, r, err := openParquet[T](path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer r.Close()
	rows := make([]T, r.NumRows())
	n := 0
	for n < len(rows) {
		k, err := r.Read(rows[n:min(n+readBatch, len(rows))])
		n += k
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if k == 0 {
			return nil, fmt.Errorf("read %s: no progress at row %d of %d", path, n, len(rows))
		}
	}
	return rows[:n], nil
}

// openParquet opens path for reading rows of type T.
func openParquet[T any](path string) (*os.File, *parquet.GenericReader[T], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return f, parquet.NewGenericReader[T](pf), nil
}

// Write stores all tables in dir, all or nothing as far as the file system
// allows. It first checks that no table's path is a directory, then writes
// and syncs every table to a temporary file in dir, and only when all of
// them are complete renames them over the previous tables. A failure up to
// that point (a directory in the way, a full disk, a write error) leaves
// every previous table as it was and no temporary file behind. Each rename
// is atomic but the renames together are not: should one of them fail
// (dir changed meanwhile), the tables renamed before it are new, the
// others still the previous ones, and the error says which are which.
func (t *Tables) Write(dir string) error {
	return writeTables(dir, []tableFile{
		{MoviesFile, func(w io.Writer) error { return encodeParquet(w, t.Movies) }},
		{UsersFile, func(w io.Writer) error { return encodeParquet(w, t.Users) }},
		{RatingsFile, func(w io.Writer) error { return encodeRatings(w, t.Ratings) }},
		{LinksFile, func(w io.Writer) error { return encodeParquet(w, t.Links) }},
		{TagsFile, func(w io.Writer) error { return encodeParquet(w, t.Tags) }},
	})
}

// tableFile is one file of a table set: its name and how to encode it.
type tableFile struct {
	name   string
	encode func(w io.Writer) error
}

// writeTables writes files into dir as Write describes.
func writeTables(dir string, files []tableFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write tables: %w", err)
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		st, err := os.Lstat(path)
		if err == nil && st.IsDir() {
			return fmt.Errorf("write %s: a directory is in the way; no table was written", path)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("write %s: %w; no table was written", path, err)
		}
	}
	tmps := make([]string, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() { tmps[i], errs[i] = writeTemp(dir, f.name, f.encode) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			for _, tmp := range tmps {
				if tmp != "" {
					os.Remove(tmp)
				}
			}
			return fmt.Errorf("%w; no table was written", err)
		}
	}
	for i, f := range files {
		if err := os.Rename(tmps[i], filepath.Join(dir, f.name)); err != nil {
			for _, tmp := range tmps[i:] {
				os.Remove(tmp)
			}
			var done, left []string
			for _, g := range files[:i] {
				done = append(done, g.name)
			}
			for _, g := range files[i:] {
				left = append(left, g.name)
			}
			return fmt.Errorf("write %s: %w; the tables in %s are now mixed: new %v, previous %v", f.name, err, dir, done, left)
		}
	}
	return nil
}

// writeTemp writes a temporary file in dir for the file name with encode,
// syncs it and returns its path. On failure no file remains.
func writeTemp(dir, name string, encode func(w io.Writer) error) (_ string, err error) {
	path := filepath.Join(dir, name)
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := encode(f); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return f.Name(), nil
}

// ReadTables loads the processed tables from dir.
func ReadTables(dir string) (*Tables, error) {
	var t Tables
	var err error
	if t.Movies, err = ReadParquet[MovieRow](filepath.Join(dir, MoviesFile)); err != nil {
		return nil, err
	}
	if t.Users, err = ReadParquet[UserRow](filepath.Join(dir, UsersFile)); err != nil {
		return nil, err
	}
	if t.Ratings, err = ReadRatings(filepath.Join(dir, RatingsFile)); err != nil {
		return nil, err
	}
	if t.Links, err = ReadParquet[LinkRow](filepath.Join(dir, LinksFile)); err != nil {
		return nil, err
	}
	if t.Tags, err = ReadParquet[TagRow](filepath.Join(dir, TagsFile)); err != nil {
		return nil, err
	}
	return &t, nil
}
