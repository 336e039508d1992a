package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlstore"
)

// SetupOptions tune Setup.
type SetupOptions struct {
	// Fresh discards the rows the app wrote (users, feedback, model
	// versions) instead of carrying them over.
	Fresh bool
	// Progress, when set, receives a line per table loaded (and every
	// million rows).
	Progress func(format string, args ...any)
}

// loadTables are the tables Setup empties and refills (model_versions is
// app data, carried over like feedback).
const loadTables = `interactions, tags, search_documents, movie_genres, movies, genres, users, model_versions`

// loadTableNames are the same tables, as a query parameter.
var loadTableNames = []string{"interactions", "tags", "search_documents", "movie_genres", "movies", "genres", "users", "model_versions"}

// Setup replaces the database's contents with the processed tables in one
// transaction: it sets the app's rows aside (unless opt.Fresh), empties the
// tables, COPYs the dataset in, puts the app rows back, validates, and
// commits only if every check passed, so readers see either the old or the
// new data (TRUNCATE makes them wait for the commit). The report is returned
// whenever the validation ran, with an error wrapping store.ErrValidation
// when a check failed.
func Setup(ctx context.Context, dsn string, t *dataset.Tables, opt SetupOptions) (*store.Report, error) {
	start := time.Now()
	s, err := Open(ctx, dsn, Options{MaxConns: 2})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	conn, err := s.Writer().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres setup: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("postgres setup: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, migrationLock); err != nil {
		return nil, fmt.Errorf("postgres setup: lock: %w", err)
	}
	if !opt.Fresh {
		for _, q := range []string{
			`CREATE TEMP TABLE keep_users ON COMMIT DROP AS SELECT * FROM users WHERE source = 'app'`,
			`CREATE TEMP TABLE keep_interactions ON COMMIT DROP AS SELECT * FROM interactions WHERE source = 'app'`,
			`CREATE TEMP TABLE keep_model_versions ON COMMIT DROP AS SELECT * FROM model_versions`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return nil, fmt.Errorf("postgres setup: set app rows aside: %w", err)
			}
		}
	}
	rep := &store.Report{Backend: "postgres", Database: Redact(dsn), Created: start.UTC(), Method: "transaction"}
	phase := time.Now()
	if _, err := tx.ExecContext(ctx, `TRUNCATE `+loadTables+` RESTART IDENTITY`); err != nil {
		return nil, fmt.Errorf("postgres setup: truncate: %w", err)
	}
	deferred, err := deferIndexes(ctx, tx)
	if err != nil {
		return nil, err
	}
	for _, td := range sqlstore.Plan(t) {
		if err := copyTable(ctx, conn, td.WithProgress(opt.Progress)); err != nil {
			return nil, err
		}
	}
	for _, q := range deferred {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("postgres setup: %s: %w", q, err)
		}
	}
	phase = rep.Time("load", phase)
	var kept map[string]int64
	if !opt.Fresh {
		if kept, err = sqlstore.CarryApp(ctx, tx, func(table string) string { return "keep_" + table }); err != nil {
			return nil, fmt.Errorf("postgres setup: %w", err)
		}
	}
	// Identity columns continue after the largest id, whoever inserted it.
	for _, q := range []string{
		`SELECT setval(pg_get_serial_sequence('users', 'user_id'), COALESCE((SELECT max(user_id) FROM users), 0) + 1, false)`,
		`SELECT setval(pg_get_serial_sequence('interactions', 'id'), COALESCE((SELECT max(id) FROM interactions), 0) + 1, false)`,
		`SELECT setval(pg_get_serial_sequence('tags', 'id'), COALESCE((SELECT max(id) FROM tags), 0) + 1, false)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("postgres setup: %w", err)
		}
	}
	phase = rep.Time("carry", phase)
	if err := Validate(ctx, tx, t, rep); err != nil {
		return nil, err
	}
	phase = rep.Time("validate", phase)
	if !opt.Fresh {
		sqlstore.CheckAppRows(rep, kept)
		rep.Finish()
	}
	if err := rep.Err(); err != nil {
		return rep, err
	}
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("postgres setup: commit: %w", err)
	}
	phase = rep.Time("commit", phase)
	if _, err := conn.ExecContext(ctx, `ANALYZE `+loadTables); err != nil {
		return rep, fmt.Errorf("postgres setup: analyze: %w", err)
	}
	rep.Time("analyze", phase)
	rep.Time("total", start)
	return rep, nil
}

// deferIndexes drops the foreign keys and secondary indexes of the loaded
// tables inside tx, as PostgreSQL's "Populating a Database" advises, and
// returns the statements that recreate them (indexes first) from their
// catalog definitions: one bulk index build and one anti-join per foreign
// key instead of per-row index inserts and trigger lookups. The schema
// stays defined by the migrations alone.
func deferIndexes(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var drop, indexes, fks []string
	rows, err := tx.QueryContext(ctx, `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
		format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
		FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
		WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1)
		ORDER BY 1`, loadTableNames)
	if err != nil {
		return nil, fmt.Errorf("postgres setup: foreign keys: %w", err)
	}
	for rows.Next() {
		var d, c string
		if err := rows.Scan(&d, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres setup: foreign keys: %w", err)
		}
		drop, fks = append(drop, d), append(fks, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres setup: foreign keys: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
		WHERE NOT i.indisprimary AND NOT i.indisunique AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1)
		ORDER BY 1`, loadTableNames)
	if err != nil {
		return nil, fmt.Errorf("postgres setup: indexes: %w", err)
	}
	for rows.Next() {
		var d, c string
		if err := rows.Scan(&d, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres setup: indexes: %w", err)
		}
		drop, indexes = append(drop, d), append(indexes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres setup: indexes: %w", err)
	}
	for _, q := range drop {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("postgres setup: %s: %w", q, err)
		}
	}
	return append(indexes, fks...), nil
}

// copyTable streams td into its table with COPY, on conn's open
// transaction.
func copyTable(ctx context.Context, conn *sql.Conn, td sqlstore.TableData) error {
	err := conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		next, stop := iter.Pull(td.Rows)
		defer stop()
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{td.Table}, td.Columns, pgx.CopyFromFunc(func() ([]any, error) {
			row, ok := next()
			if !ok {
				return nil, nil
			}
			return row, nil
		}))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres setup: copy %s: %w", td.Table, err)
	}
	return nil
}

// Validate checks the database q (the loading transaction or an open
// database) against t and adds the checks to rep: sqlstore.Validate's plus
// that every constraint is validated (PostgreSQL enforces foreign keys
// during COPY; there is no PRAGMA integrity_check equivalent without
// extensions). It returns an error only when a check could not run.
func Validate(ctx context.Context, q sqlstore.Querier, t *dataset.Tables, rep *store.Report) error {
	if err := sqlstore.Validate(ctx, q, Dialect, store.Expect(t), rep); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	var fks, invalid int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE contype = 'f'), count(*) FILTER (WHERE NOT convalidated)
		FROM pg_constraint WHERE connamespace = current_schema()::regnamespace`).Scan(&fks, &invalid); err != nil {
		return fmt.Errorf("postgres: validate: constraints: %w", err)
	}
	rep.AddCheck("foreign_keys_enforced", fks >= 6 && invalid == 0, "%d foreign keys, %d constraints not validated", fks, invalid)
	rep.Finish()
	return nil
}

// ValidateDB validates an existing database against t.
func ValidateDB(ctx context.Context, dsn string, t *dataset.Tables) (*store.Report, error) {
	s, err := Open(ctx, dsn, Options{MaxConns: 2})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	rep := &store.Report{Backend: "postgres", Database: Redact(dsn), Created: time.Now().UTC()}
	if err := Validate(ctx, s.Reader(), t, rep); err != nil {
		return nil, err
	}
	return rep, nil
}
