package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/moviegenie/genie/internal/store"
)

// Migrate applies the migrations db has not applied yet, each in its own
// transaction with its row in schema_migrations, so running it again is a
// no-op and a failed migration leaves the previous version intact. lock, if
// not empty, is executed first in each transaction to serialize concurrent
// migrators (PostgreSQL's advisory lock; SQLite's write transactions are
// already exclusive). It returns the versions applied.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, ms []store.Migration, lock string) ([]int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("%s: migrate: %w", d.Name, err)
	}
	var newest sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&newest); err != nil {
		return nil, fmt.Errorf("%s: migrate: %w", d.Name, err)
	}
	if newest.Int64 > int64(len(ms)) {
		return nil, fmt.Errorf("%s: database schema version %d is newer than this binary's %d: upgrade genie", d.Name, newest.Int64, len(ms))
	}
	var applied []int
	for _, m := range ms {
		ok, err := migrateOne(ctx, db, d, m, lock)
		if err != nil {
			return applied, fmt.Errorf("%s: migration %04d_%s: %w", d.Name, m.Version, m.Name, err)
		}
		if ok {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

func migrateOne(ctx context.Context, db *sql.DB, d Dialect, m store.Migration, lock string) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return false, fmt.Errorf("lock: %w", err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, d.Rebind(`SELECT count(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.Version, m.Name, time.Now().Unix()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
