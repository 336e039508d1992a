// Package sqlite is the embedded store backend: one SQLite file through
// modernc.org/sqlite (pure Go), in WAL mode with foreign keys on and
// synchronous=FULL, so every acknowledged feedback row is fsynced.
//
// Reads use a pool of connections (WAL readers never block the writer);
// writes go through a single connection with BEGIN IMMEDIATE, so concurrent
// writers in one process queue in Go instead of failing with SQLITE_BUSY.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the embedded schema migrations.
func Migrations() ([]store.Migration, error) {
	return store.ReadMigrations(migrationFS, "migrations")
}

// Dialect is SQLite's: ? placeholders.
var Dialect = sqlstore.Dialect{Name: "sqlite"}

// busyTimeoutMS is how long a connection waits for another process's lock.
const busyTimeoutMS = 10000

// Options tune Open.
type Options struct {
	// ReadConns is the size of the read pool; 0 means max(4, GOMAXPROCS).
	ReadConns int
	// NoCreate makes Open fail when the file does not exist, instead of
	// creating an empty database.
	NoCreate bool
}

// dsn builds a modernc.org/sqlite data source name for path.
func dsn(path string, txlock string, pragmas ...string) (string, error) {
	if strings.ContainsAny(path, "?#") {
		return "", fmt.Errorf("sqlite: path %q: ? and # are not allowed in database paths", path)
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if txlock != "" {
		q.Set("_txlock", txlock)
	}
	return path + "?" + q.Encode(), nil
}

// Open opens (creating if needed, unless opt.NoCreate) the database at path,
// applies pending migrations and returns the store.
func Open(ctx context.Context, path string, opt Options) (*sqlstore.DB, error) {
	if opt.NoCreate {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w (run genie db setup)", path, err)
		}
	}
	read, write, err := openPools(path, opt.ReadConns)
	if err != nil {
		return nil, err
	}
	closeBoth := func() error { return errors.Join(read.Close(), write.Close()) }
	ms, err := Migrations()
	if err != nil {
		closeBoth()
		return nil, err
	}
	if _, err := sqlstore.Migrate(ctx, write, Dialect, ms, ""); err != nil {
		closeBoth()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := sqlstore.New(read, write, Dialect, closeBoth)
	// One read connection (beyond opt.ReadConns) answers DataVersion.
	conn, err := read.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetChangeCounter(conn, "PRAGMA data_version")
	return db, nil
}

func openPools(path string, readConns int) (read, write *sql.DB, err error) {
	common := []string{"foreign_keys(1)", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS)}
	wdsn, err := dsn(path, "immediate", append(common, "journal_mode(WAL)", "synchronous(FULL)")...)
	if err != nil {
		return nil, nil, err
	}
	write, err = sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	// The writer connects first, so the file exists and is in WAL mode
	// before any reader opens it.
	if err := write.PingContext(context.Background()); err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	rdsn, _ := dsn(path, "", append(common, "query_only(1)")...)
	read, err = sql.Open("sqlite", rdsn)
	if err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if readConns <= 0 {
		readConns = max(4, runtime.GOMAXPROCS(0))
	}
	read.SetMaxOpenConns(readConns + 1) // + the change counter's
	read.SetMaxIdleConns(readConns + 1)
	return read, write, nil
}
