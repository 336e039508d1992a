package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlstore"
)

// catalogTables are copied from the catalogue, parents first.
var catalogTables = []string{"genres", "movies", "movie_genres", "users", "interactions", "tags", "search_documents"}

// CatalogVersion identifies one build of a catalogue file: Setup writes a
// new file and renames it into place, so its size and modification time
// change with every build.
func CatalogVersion(catalog string) (string, error) {
	st, err := os.Stat(catalog)
	if err != nil {
		return "", fmt.Errorf("sqlite sync: catalogue: %w (run genie repro setup_database)", err)
	}
	return fmt.Sprintf("%d:%d", st.Size(), st.ModTime().UnixNano()), nil
}

// Sync brings the app database at live up to date with the catalogue at
// catalog, a database that Setup built from the processed tables with no
// app rows (the pipeline's setup_database output). Keeping the two apart
// means the pipeline's output never changes when users rate movies, and
// the app's rows never live in a pipeline output.
//
// When live was last synced from this very catalogue version Sync only
// checks that and returns (nil, nil): a few milliseconds. Otherwise, in one
// write transaction (a running server's reads keep their snapshot until
// the commit), it replaces live's dataset rows with the catalogue's, puts
// the app's rows (users it created, feedback, model versions) back, checks
// the result against the catalogue's counts and checksums and commits only
// if every check passed. live is created when missing.
func Sync(ctx context.Context, live, catalog string) (*store.Report, error) {
	version, err := CatalogVersion(catalog)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	// Open creates the file and applies our migrations.
	db, err := Open(ctx, live, Options{ReadConns: 1})
	if err != nil {
		return nil, fmt.Errorf("sqlite sync: %w", err)
	}
	defer db.Close()
	w := db.Writer()
	var synced string
	switch err := w.QueryRowContext(ctx, `SELECT version FROM catalog_sync WHERE id = 1`).Scan(&synced); {
	case err == sql.ErrNoRows:
	case err != nil:
		return nil, fmt.Errorf("sqlite sync: %s: %w", live, err)
	case synced == version:
		return nil, nil
	}
	conn, err := w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite sync: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS cat`, catalog); err != nil {
		return nil, fmt.Errorf("sqlite sync: catalogue %s: %w", catalog, err)
	}
	defer conn.ExecContext(context.Background(), `DETACH DATABASE cat`)
	if err := sameSchema(ctx, conn, catalog); err != nil {
		return nil, err
	}
	rep := &store.Report{Backend: "sqlite", Method: "sync", Database: live, Processed: catalog, Created: start.UTC()}
	if err := syncTx(ctx, conn, catalog, version, rep); err != nil {
		if rep.Checks == nil {
			rep = nil
		}
		return rep, err
	}
	rep.Time("total", start)
	return rep, nil
}

// sameSchema fails unless the attached catalogue has exactly our
// migrations.
func sameSchema(ctx context.Context, conn *sql.Conn, catalog string) error {
	var ours, theirs sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT max(version) FROM main.schema_migrations`).Scan(&ours); err != nil {
		return fmt.Errorf("sqlite sync: schema version: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT max(version) FROM cat.schema_migrations`).Scan(&theirs); err != nil {
		return fmt.Errorf("sqlite sync: %s is not a genie catalogue: %w", catalog, err)
	}
	if ours != theirs {
		return fmt.Errorf("sqlite sync: %s has schema version %d, this genie %d: rebuild it with genie repro setup_database", catalog, theirs.Int64, ours.Int64)
	}
	return nil
}

func syncTx(ctx context.Context, conn *sql.Conn, catalog, version string, rep *store.Report) error {
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE (the writer's _txlock)
	if err != nil {
		return fmt.Errorf("sqlite sync: %w", err)
	}
	defer tx.Rollback()
	phase := time.Now()
	want, err := catalogExpect(ctx, tx)
	if err != nil {
		return err
	}
	stmts := []string{
		`PRAGMA defer_foreign_keys = ON`, // app rows come back before the commit
		`CREATE TEMP TABLE keep_users AS SELECT * FROM main.users WHERE source = 'app'`,
		`CREATE TEMP TABLE keep_interactions AS SELECT * FROM main.interactions WHERE source = 'app'`,
		`CREATE TEMP TABLE keep_model_versions AS SELECT * FROM main.model_versions`,
	}
	for _, table := range rebuildTables {
		stmts = append(stmts, `DELETE FROM main.`+table)
	}
	for _, table := range catalogTables {
		cols, err := columns(ctx, tx, table)
		if err != nil {
			return err
		}
		stmts = append(stmts, `INSERT INTO main.`+table+` (`+cols+`) SELECT `+cols+` FROM cat.`+table)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("sqlite sync: %.60s: %w", q, err)
		}
	}
	phase = rep.Time("copy", phase)
	kept, err := sqlstore.CarryApp(ctx, tx, func(table string) string { return "temp.keep_" + table })
	if err != nil {
		return fmt.Errorf("sqlite sync: %w", err)
	}
	for _, table := range []string{"users", "interactions", "model_versions"} {
		if _, err := tx.ExecContext(ctx, `DROP TABLE temp.keep_`+table); err != nil {
			return fmt.Errorf("sqlite sync: %w", err)
		}
	}
	phase = rep.Time("carry", phase)
	if err := validate(ctx, tx, want, rep); err != nil {
		return err
	}
	sqlstore.CheckAppRows(rep, kept)
	rep.Finish()
	if err := rep.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO main.catalog_sync (id, catalog, version, synced_at) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET catalog = excluded.catalog, version = excluded.version, synced_at = excluded.synced_at`,
		catalog, version, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlite sync: %w", err)
	}
	phase = rep.Time("validate", phase)
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite sync: commit: %w", err)
	}
	rep.Time("commit", phase)
	return nil
}

// columns lists main.table's columns, for an INSERT … SELECT that does not
// depend on column order.
func columns(ctx context.Context, q sqlstore.Querier, table string) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM pragma_table_info(?, 'main')`, table)
	if err != nil {
		return "", fmt.Errorf("sqlite sync: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", fmt.Errorf("sqlite sync: columns of %s: %w", table, err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("sqlite sync: columns of %s: %w", table, err)
	}
	if len(cols) == 0 {
		return "", fmt.Errorf("sqlite sync: table %s has no columns (is it there?)", table)
	}
	return strings.Join(cols, ", "), nil
}

// catalogExpect is what the synced database must hold: the attached
// catalogue's counts and checksums.
func catalogExpect(ctx context.Context, q sqlstore.Querier) (store.Expected, error) {
	want := store.Expected{Counts: map[string]int64{}}
	for _, table := range []string{store.TableMovies, store.TableGenres, store.TableMovieGenres, store.TableUsers,
		store.TableInteractions, store.TableTags, store.TableSearchDocuments} {
		query := `SELECT count(*) FROM cat.` + table // our own constants
		if table == store.TableInteractions || table == store.TableUsers {
			query += ` WHERE source = 'dataset'`
		}
		var n int64
		if err := q.QueryRowContext(ctx, query).Scan(&n); err != nil {
			return want, fmt.Errorf("sqlite sync: catalogue %s: %w", table, err)
		}
		want.Counts[table] = n
	}
	var sum sql.NullFloat64
	var counts sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT (SELECT sum(value) FROM cat.interactions WHERE source = 'dataset'),
		(SELECT sum(rating_count) FROM cat.movies)`).Scan(&sum, &counts); err != nil {
		return want, fmt.Errorf("sqlite sync: catalogue checksums: %w", err)
	}
	want.RatingSum, want.MovieRatingCounts = sum.Float64, counts.Int64
	return want, nil
}
