package dataset

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

// writerOptions fixes everything that goes into a file, so the same rows
// always give the same bytes.
func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(&parquet.Snappy),
		parquet.CreatedBy("movie-genie", "1", ""),
		parquet.PageBufferSize(1 << 20),
	}
}

// WriteParquet writes rows to path atomically: a temp file in the same
// folder, fsynced, then renamed over path. A failure leaves path as it was.
func WriteParquet[T any](path string, rows []T) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := parquet.NewGenericWriter[T](f, writerOptions()...)
	const batch = 1 << 16
	for i := 0; i < len(rows); i += batch {
		if _, err := w.Write(rows[i:min(i+batch, len(rows))]); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := w.Close(); err != nil {
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

// ReadParquet reads all rows of a file written by WriteParquet.
func ReadParquet[T any](path string) ([]T, error) {
	rows, err := parquet.ReadFile[T](path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, nil
}

// Write stores all tables in dir.
func (t *Tables) Write(dir string) error {
	steps := []func() error{
		func() error { return WriteParquet(filepath.Join(dir, MoviesFile), t.Movies) },
		func() error { return WriteParquet(filepath.Join(dir, UsersFile), t.Users) },
		func() error { return WriteParquet(filepath.Join(dir, RatingsFile), t.Ratings) },
		func() error { return WriteParquet(filepath.Join(dir, LinksFile), t.Links) },
		func() error { return WriteParquet(filepath.Join(dir, TagsFile), t.Tags) },
	}
	errs := make(chan error, len(steps))
	for _, s := range steps {
		go func() { errs <- s() }()
	}
	var first error
	for range steps {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
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
	if t.Ratings, err = ReadParquet[RatingRow](filepath.Join(dir, RatingsFile)); err != nil {
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
