// Package backend picks the store backend from a --db value: a
// postgres:// or postgresql:// URL selects PostgreSQL, anything else is a
// SQLite file path. It is what commands and the server call; the backends
// themselves do not know about each other.
package backend

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/postgres"
	"github.com/moviegenie/genie/internal/store/sqlite"
)

// DefaultDB is the default --db of the server: the embedded SQLite file
// that holds the catalogue and the app's rows.
const DefaultDB = "data/genie.db"

// DefaultCatalog is the default --db of genie db setup: the SQLite
// catalogue the pipeline builds from the processed tables, which the
// server copies into DefaultDB (see Sync). Kept apart so that ratings
// written by the app never change a pipeline output.
const DefaultCatalog = "data/catalog.db"

// Name returns "postgres" or "sqlite" for a --db value.
func Name(db string) string {
	if postgres.IsURL(db) {
		return "postgres"
	}
	return "sqlite"
}

// Display returns db fit for logs and reports (a URL without its password).
func Display(db string) string {
	if postgres.IsURL(db) {
		return postgres.Redact(db)
	}
	return db
}

// check refuses a --db that is neither a SQLite path nor a PostgreSQL URL:
// empty, or a URL of another scheme (mysql://x would otherwise become the
// SQLite file ./mysql:/x).
func check(db string) error {
	if db == "" {
		return fmt.Errorf("%w: no database given (--db takes a SQLite file path or a postgres:// URL)", store.ErrInvalid)
	}
	if scheme, _, ok := strings.Cut(db, "://"); ok && !postgres.IsURL(db) {
		return fmt.Errorf("%w: database URL scheme %q is not supported: --db takes a SQLite file path or a postgres:// URL", store.ErrInvalid, scheme)
	}
	return nil
}

// Open opens an existing database for serving. A SQLite file must exist
// (run `genie db setup` first); pending migrations are applied.
func Open(ctx context.Context, db string) (store.Store, error) {
	if err := check(db); err != nil {
		return nil, err
	}
	if postgres.IsURL(db) {
		return postgres.Open(ctx, db, postgres.Options{})
	}
	return sqlite.Open(ctx, db, sqlite.Options{NoCreate: true})
}

// SetupOptions tune Setup.
type SetupOptions struct {
	// Fresh discards the app's rows (users it created, feedback, model
	// versions) instead of carrying them into the rebuilt database.
	Fresh bool
	// Progress, when set, receives a line per table loaded.
	Progress func(format string, args ...any)
}

// Setup loads the processed tables into db atomically and validates it (see
// sqlite.Setup and postgres.Setup). The report is non-nil whenever the
// validation ran, also when it failed.
func Setup(ctx context.Context, db string, t *dataset.Tables, opt SetupOptions) (*store.Report, error) {
	if err := check(db); err != nil {
		return nil, err
	}
	if postgres.IsURL(db) {
		return postgres.Setup(ctx, db, t, postgres.SetupOptions{Fresh: opt.Fresh, Progress: opt.Progress})
	}
	return sqlite.Setup(ctx, db, t, sqlite.SetupOptions{Fresh: opt.Fresh, Progress: opt.Progress})
}

// Sync brings the SQLite app database db up to date with the catalogue file
// catalog (see sqlite.Sync): it returns a report when it copied a new
// catalogue version and (nil, nil) when there was nothing to do. A
// PostgreSQL db is loaded by Setup directly, and a missing catalogue means
// db was set up directly (genie db setup --db db): both are left alone.
func Sync(ctx context.Context, db, catalog string) (*store.Report, error) {
	if postgres.IsURL(db) || catalog == "" {
		return nil, nil
	}
	if _, err := os.Stat(catalog); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return sqlite.Sync(ctx, db, catalog)
}

// Validate checks an existing database against the processed tables.
func Validate(ctx context.Context, db string, t *dataset.Tables) (*store.Report, error) {
	if err := check(db); err != nil {
		return nil, err
	}
	if postgres.IsURL(db) {
		return postgres.ValidateDB(ctx, db, t)
	}
	return sqlite.ValidateFile(ctx, db, t)
}
