package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlstore"
)

// SetupOptions tune Setup.
type SetupOptions struct {
	// Fresh discards the rows the app wrote into an existing database
	// (users, feedback, model versions) instead of carrying them over.
	Fresh bool
	// Progress, when set, receives a line per table loaded (and every
	// million rows).
	Progress func(format string, args ...any)
}

// Setup builds the database at path from the processed tables, atomically:
// it loads everything into a temporary file next to path in one
// transaction, carries over the app's rows from the existing database
// (unless opt.Fresh), validates the result, and only if every check passes
// renames it over path. On any failure path is left as it was. The report
// is returned whenever the validation ran, with an error wrapping
// store.ErrValidation when a check failed.
//
// When another process (a running server) has the database open, a rename
// would corrupt it (its WAL belongs to the old file), so Setup rebuilds it
// in place instead, in one write transaction with the same checks
// (Report.Method says which was done).
func Setup(ctx context.Context, path string, t *dataset.Tables, opt SetupOptions) (rep *store.Report, err error) {
	start := time.Now()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite setup: %w", err)
	}
	old := ""
	if _, err := os.Stat(path); err == nil {
		switch err := quiesce(ctx, path); {
		case err == nil:
			if !opt.Fresh {
				old = path
			}
		case isBusy(err):
			// A server has it open: renaming a new file over a live WAL
			// database would corrupt it, so rebuild inside it instead.
			rep = &store.Report{Backend: "sqlite", Database: path, Created: start.UTC(), Method: "in-place"}
			if err := rebuildInPlace(ctx, path, t, opt, rep); err != nil {
				if rep.Checks == nil {
					rep = nil
				}
				return rep, err
			}
			rep.Time("total", start)
			return rep, nil
		case opt.Fresh && !isBusy(err):
			// Unreadable (not a database, corrupt): --fresh replaces it, but
			// its side files must go so they are not applied to the new one.
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
		default:
			return nil, err
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".setup-*")
	if err != nil {
		return nil, fmt.Errorf("sqlite setup: %w", err)
	}
	tmp := f.Name()
	f.Close()
	defer func() {
		if err != nil {
			for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
				os.Remove(tmp + suffix)
			}
		}
	}()
	rep = &store.Report{Backend: "sqlite", Database: path, Created: start.UTC(), Method: "rebuild"}
	if err := build(ctx, tmp, old, t, rep, opt.Progress); err != nil {
		if rep.Checks == nil {
			rep = nil
		}
		return rep, err
	}
	phase := time.Now()
	if err := syncFile(tmp); err != nil {
		return rep, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return rep, fmt.Errorf("sqlite setup: %w", err)
	}
	if err := syncFile(filepath.Dir(path)); err != nil {
		return rep, err
	}
	rep.Time("rename", phase)
	rep.Time("total", start)
	return rep, nil
}

// quiesce checkpoints the existing database and switches it to rollback
// journal mode, so no -wal file outlives it (a stale WAL next to the new
// file would be replayed into it). It fails while another process has the
// database open.
func quiesce(ctx context.Context, path string) error {
	d, err := dsn(path, "", "busy_timeout(2000)")
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", d)
	if err != nil {
		return fmt.Errorf("sqlite setup: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&mode); err != nil {
		if isBusy(err) {
			return fmt.Errorf("sqlite setup: %s is in use: stop genie serve first: %w", path, err)
		}
		return fmt.Errorf("sqlite setup: previous database %s is unreadable (--fresh replaces it): %w", path, err)
	}
	if mode != "delete" {
		return fmt.Errorf("sqlite setup: %s is in use (journal mode stays %q): stop genie serve first", path, mode)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("sqlite setup: close %s: %w", path, err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(path + side); err == nil && fi.Size() > 0 && side == "-wal" {
			return fmt.Errorf("sqlite setup: %s%s is still there after a checkpoint: is the database in use?", path, side)
		}
		os.Remove(path + side)
	}
	return nil
}

// openMigrated opens the database at path on one connection, with the
// transaction lock mode txlock ("" or "immediate") and the pragmas given, and
// brings its schema up to date. The caller closes it.
func openMigrated(ctx context.Context, path, txlock string, pragmas ...string) (*sql.DB, error) {
	d, err := dsn(path, txlock, pragmas...)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", d)
	if err != nil {
		return nil, fmt.Errorf("sqlite setup: %w", err)
	}
	db.SetMaxOpenConns(1)
	ms, err := Migrations()
	if err == nil {
		_, err = sqlstore.Migrate(ctx, db, Dialect, ms, "")
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite setup: %w", err)
	}
	return db, nil
}

// build creates the schema in tmp, loads t (and old's app rows) in one
// transaction, validates inside it and commits only if every check passed.
func build(ctx context.Context, tmp, old string, t *dataset.Tables, rep *store.Report, logf func(string, ...any)) error {
	db, err := openMigrated(ctx, tmp, "", "foreign_keys(1)", "journal_mode(MEMORY)", "synchronous(OFF)", "cache_size(-65536)")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite setup: %w", err)
	}
	defer conn.Close()
	if old != "" {
		// The previous database gets our migrations too, so its tables have the
		// columns CarryApp copies.
		prev, err := Open(ctx, old, Options{ReadConns: 1, NoCreate: true})
		if err != nil {
			return fmt.Errorf("sqlite setup: previous database: %w", err)
		}
		if err := prev.Close(); err != nil {
			return fmt.Errorf("sqlite setup: previous database: %w", err)
		}
		if err := quiesce(ctx, old); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS old`, old); err != nil {
			return fmt.Errorf("sqlite setup: attach %s: %w", old, err)
		}
		defer conn.ExecContext(context.Background(), `DETACH DATABASE old`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite setup: %w", err)
	}
	defer tx.Rollback()
	var src func(string) string
	if old != "" {
		src = func(table string) string { return "old." + table }
	}
	if err := fill(ctx, tx, t, src, rep, logf); err != nil {
		return err
	}
	phase := time.Now()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite setup: commit: %w", err)
	}
	defer rep.Time("finish", phase)
	if old != "" {
		if _, err := conn.ExecContext(ctx, `DETACH DATABASE old`); err != nil {
			return fmt.Errorf("sqlite setup: detach: %w", err)
		}
	}
	// WAL is a property of the file: set it now so servers open it in WAL mode.
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return fmt.Errorf("sqlite setup: set WAL mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("sqlite setup: set WAL mode: the file stays in %q mode (WAL needs a local filesystem with shared memory)", mode)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA optimize`); err != nil {
		return fmt.Errorf("sqlite setup: optimize: %w", err)
	}
	if err := conn.Close(); err != nil {
		return fmt.Errorf("sqlite setup: %w", err)
	}
	return db.Close()
}

// fill loads t into the empty tables inside tx, copies the app's rows from
// the tables src names (nil: none), validates, and returns nil only if
// every check passed. logf (may be nil) receives the load's progress.
func fill(ctx context.Context, tx *sql.Tx, t *dataset.Tables, src func(string) string, rep *store.Report, logf func(string, ...any)) error {
	phase := time.Now()
	for _, td := range sqlstore.Plan(t) {
		if err := insertAll(ctx, tx, td.WithProgress(logf)); err != nil {
			return err
		}
	}
	phase = rep.Time("load", phase)
	var kept map[string]int64
	if src != nil {
		var err error
		if kept, err = sqlstore.CarryApp(ctx, tx, src); err != nil {
			return fmt.Errorf("sqlite setup: %w", err)
		}
		phase = rep.Time("carry", phase)
	}
	if err := Validate(ctx, tx, t, rep); err != nil {
		return err
	}
	rep.Time("validate", phase)
	if src != nil {
		sqlstore.CheckAppRows(rep, kept)
		rep.Finish()
	}
	return rep.Err()
}

// rebuildTables are emptied by an in-place rebuild, children first.
var rebuildTables = []string{"interactions", "tags", "search_documents", "movie_genres", "movies", "genres", "users", "model_versions"}

// rebuildInPlace replaces the contents of the live database at path in one
// write transaction: readers (a running server) keep their snapshot until
// the commit and then see the new data; the server's writes wait (up to the
// busy timeout) until it ends. App rows are set aside in temporary tables
// and put back, as PostgreSQL's Setup does.
func rebuildInPlace(ctx context.Context, path string, t *dataset.Tables, opt SetupOptions, rep *store.Report) error {
	db, err := openMigrated(ctx, path, "immediate", "foreign_keys(1)", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS), "synchronous(FULL)")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock until commit
	if err != nil {
		return fmt.Errorf("sqlite setup: %w", err)
	}
	defer tx.Rollback()
	stmts := []string{`PRAGMA defer_foreign_keys = ON`} // app rows come back before the commit
	if !opt.Fresh {
		stmts = append(stmts,
			`CREATE TEMP TABLE keep_users AS SELECT * FROM users WHERE source = 'app'`,
			`CREATE TEMP TABLE keep_interactions AS SELECT * FROM interactions WHERE source = 'app'`,
			`CREATE TEMP TABLE keep_model_versions AS SELECT * FROM model_versions`)
	}
	for _, table := range rebuildTables {
		stmts = append(stmts, `DELETE FROM `+table)
	}
	phase := time.Now()
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite setup: %s: %w", q, err)
		}
	}
	rep.Time("clear", phase)
	var src func(string) string
	if !opt.Fresh {
		src = func(table string) string { return "temp.keep_" + table }
	}
	if err := fill(ctx, tx, t, src, rep, opt.Progress); err != nil {
		return err
	}
	phase = time.Now()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite setup: commit: %w", err)
	}
	rep.Time("commit", phase)
	if _, err := db.ExecContext(ctx, `PRAGMA optimize`); err != nil {
		return fmt.Errorf("sqlite setup: optimize: %w", err)
	}
	return db.Close()
}

// insertBatch is the rows per INSERT statement of insertAll: multi-row
// VALUES cut the per-statement overhead of database/sql and the VDBE setup
// (SQLite allows 32766 parameters).
const insertBatch = 256

// insertAll inserts td's rows with prepared multi-row INSERTs.
func insertAll(ctx context.Context, tx *sql.Tx, td sqlstore.TableData) error {
	ncol := len(td.Columns)
	prepare := func(rows int) (*sql.Stmt, error) {
		one := "(?" + strings.Repeat(", ?", ncol-1) + ")"
		q := `INSERT INTO ` + td.Table + ` (` + strings.Join(td.Columns, ", ") + `) VALUES ` +
			one + strings.Repeat(", "+one, rows-1)
		return tx.PrepareContext(ctx, q)
	}
	full, err := prepare(insertBatch)
	if err != nil {
		return fmt.Errorf("sqlite setup: load %s: %w", td.Table, err)
	}
	defer full.Close()
	args := make([]any, 0, insertBatch*ncol)
	n := 0
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		stmt := full
		if rows := len(args) / ncol; rows < insertBatch {
			var err error
			if stmt, err = prepare(rows); err != nil {
				return err
			}
			defer stmt.Close()
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
		args = args[:0]
		return nil
	}
	for row := range td.Rows {
		args = append(args, row...)
		n++
		if n%insertBatch == 0 {
			if err := flush(); err != nil {
				return fmt.Errorf("sqlite setup: load %s: rows %d-%d: %w", td.Table, n-insertBatch, n-1, err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("sqlite setup: load %s: rows %d-%d: %w", td.Table, n-n%insertBatch, n-1, err)
	}
	return nil
}

// Validate checks the database q (a loading transaction or an open
// database) against the processed tables t and adds the checks to rep:
// sqlstore.Validate's, plus PRAGMA foreign_key_check and PRAGMA
// integrity_check. It returns an error only when a check could not run;
// failed checks are in rep (see rep.Err).
func Validate(ctx context.Context, q sqlstore.Querier, t *dataset.Tables, rep *store.Report) error {
	return validate(ctx, q, store.Expect(t), rep)
}

// validate checks q against want: sqlstore.Validate's checks plus SQLite's
// foreign_key_check and integrity_check.
func validate(ctx context.Context, q sqlstore.Querier, want store.Expected, rep *store.Report) error {
	if err := sqlstore.Validate(ctx, q, Dialect, want, rep); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	start := time.Now()
	rows, err := q.QueryContext(ctx, `PRAGMA main.foreign_key_check`)
	if err != nil {
		return fmt.Errorf("sqlite: validate: foreign_key_check: %w", err)
	}
	var bad []string
	n := 0
	for rows.Next() {
		var (
			table, parent string
			rowid, fkid   sql.NullInt64
		)
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: validate: foreign_key_check: %w", err)
		}
		if n < 5 {
			bad = append(bad, fmt.Sprintf("%s row %d -> %s", table, rowid.Int64, parent))
		}
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: validate: foreign_key_check: %w", err)
	}
	if n == 0 {
		rep.AddCheck("foreign_key_check", true, "no violations")
	} else {
		rep.AddCheck("foreign_key_check", false, "%d violations, first: %s", n, strings.Join(bad, "; "))
	}
	start = rep.Time("check_foreign_keys", start)
	rows, err = q.QueryContext(ctx, `PRAGMA main.integrity_check(20)`)
	if err != nil {
		return fmt.Errorf("sqlite: validate: integrity_check: %w", err)
	}
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: validate: integrity_check: %w", err)
		}
		msgs = append(msgs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: validate: integrity_check: %w", err)
	}
	rep.Time("check_integrity", start)
	ok := len(msgs) == 1 && msgs[0] == "ok"
	rep.AddCheck("integrity_check", ok, strings.Join(msgs, "; "))
	rep.Finish()
	return nil
}

// ValidateFile validates an existing database file against t.
func ValidateFile(ctx context.Context, path string, t *dataset.Tables) (*store.Report, error) {
	db, err := Open(ctx, path, Options{ReadConns: 1, NoCreate: true})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rep := &store.Report{Backend: "sqlite", Database: path, Created: time.Now().UTC()}
	if err := Validate(ctx, db.Reader(), t, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// isBusy reports whether err is SQLite's "database is locked" (another
// connection holds it).
func isBusy(err error) bool {
	var se *msqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff // primary result code
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sqlite setup: sync: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sqlite setup: sync %s: %w", path, err)
	}
	return nil
}
