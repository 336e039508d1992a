// Package postgres is the store backend for scale: PostgreSQL through
// github.com/jackc/pgx/v5, with the same schema and the same queries
// (store/sqlstore) as the SQLite backend, and COPY for bulk loads.
//
// Durability comes from PostgreSQL's defaults (fsync=on,
// synchronous_commit=on): a committed feedback row is in the WAL on disk.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the embedded schema migrations.
func Migrations() ([]store.Migration, error) {
	return store.ReadMigrations(migrationFS, "migrations")
}

// Dialect is PostgreSQL's: $n placeholders.
var Dialect = sqlstore.Dialect{Name: "postgres", Dollar: true}

// migrationLock is the advisory lock key that serializes migrations and
// setups across processes ("genie" in ASCII).
const migrationLock = `SELECT pg_advisory_xact_lock(1734962281)`

// Options tune Open.
type Options struct {
	// MaxConns bounds the connection pool; 0 means 10.
	MaxConns int
}

// IsURL reports whether s is a PostgreSQL connection URL.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns the URL without its password, for logs and reports.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Open connects to the database at dsn (a postgres:// URL or a libpq
// key=value string), applies pending migrations and returns the store.
func Open(ctx context.Context, dsn string, opt Options) (*sqlstore.DB, error) {
	db, err := openDB(ctx, dsn, opt)
	if err != nil {
		return nil, err
	}
	ms, err := Migrations()
	if err != nil {
		db.Close()
		return nil, err
	}
	if _, err := sqlstore.Migrate(ctx, db, Dialect, ms, migrationLock); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	return sqlstore.New(db, db, Dialect, db.Close), nil
}

func openDB(ctx context.Context, dsn string, opt Options) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", Redact(dsn), err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	db := sql.OpenDB(stdlib.GetConnector(*cfg))
	n := opt.MaxConns
	if n <= 0 {
		n = 10
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect %s: %w", Redact(dsn), err)
	}
	return db, nil
}
