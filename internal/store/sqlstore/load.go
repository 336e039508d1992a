package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/movielens"
	"github.com/moviegenie/genie/internal/store"
)

// TableData is one table's rows to bulk-load: the column names and an
// iterator over rows (the yielded slice is reused: copy it to keep it).
type TableData struct {
	Table   string
	Columns []string
	Rows    iter.Seq[[]any]
}

// progressEvery is how many rows pass between WithProgress's lines.
const progressEvery = 1_000_000

// WithProgress returns td whose rows, as they are read, report to logf
// (nil: td as it is): a line every million rows and one when the table is
// done ("loaded ratings: 100000 rows in 1.2s").
func (td TableData) WithProgress(logf func(format string, args ...any)) TableData {
	if logf == nil {
		return td
	}
	rows := td.Rows
	td.Rows = func(yield func([]any) bool) {
		start, n := time.Now(), 0
		for row := range rows {
			if !yield(row) {
				return
			}
			if n++; n%progressEvery == 0 {
				logf("loading %s: %d rows…", td.Table, n)
			}
		}
		logf("loaded %s: %d rows in %s", td.Table, n, time.Since(start).Round(time.Millisecond))
	}
	return td
}

// Plan returns the rows loading t produces, in load order (parents before
// children). Interactions are ordered by user, then by the user's sequence,
// so ids increase along each history and (ts, id) reproduces UserSeq order.
func Plan(t *dataset.Tables) []TableData {
	genreID := genreIDs(t.Movies)
	links := make(map[int32]*dataset.LinkRow, len(t.Links))
	for i := range t.Links {
		links[t.Links[i].MovieID] = &t.Links[i]
	}
	tagsByMovie := map[int32][]string{}
	for _, tg := range t.Tags {
		if tags := tagsByMovie[tg.MovieID]; !slices.Contains(tags, tg.Tag) {
			tagsByMovie[tg.MovieID] = append(tags, tg.Tag)
		}
	}
	order := make([]int32, len(t.Ratings))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ra, rb := &t.Ratings[a], &t.Ratings[b]
		return cmp.Or(cmp.Compare(ra.UserID, rb.UserID), cmp.Compare(ra.UserSeq, rb.UserSeq))
	})
	return []TableData{
		{store.TableGenres, []string{"genre_id", "name"}, func(yield func([]any) bool) {
			for _, g := range sortedGenres(genreID) {
				if !yield([]any{genreID[g], g}) {
					return
				}
			}
		}},
		{store.TableMovies, []string{"movie_id", "title", "year", "genres", "rating_count", "rating_mean",
			"imdb_id", "tmdb_id", "imdb_url", "title_key", "sort_key"}, func(yield func([]any) bool) {
			row := make([]any, 11)
			for i := range t.Movies {
				m := &t.Movies[i]
				full, sortKey := store.TitleKeys(m.Title)
				row[0], row[1], row[2], row[3], row[4] = m.MovieID, m.Title, nullable(m.Year), strings.Join(store.UniqueGenres(m.Genres), "|"), m.RatingCount
				row[5] = nil
				if m.RatingMean != nil {
					row[5] = float64(*m.RatingMean)
				}
				row[6], row[7], row[8] = nil, nil, ""
				if l := links[m.MovieID]; l != nil {
					row[6], row[7], row[8] = nullable(l.IMDbID), nullable(l.TMDbID), l.IMDbURL
				}
				row[9], row[10] = full, sortKey
				if !yield(row) {
					return
				}
			}
		}},
		{store.TableMovieGenres, []string{"movie_id", "genre_id"}, func(yield func([]any) bool) {
			for i := range t.Movies {
				for _, g := range store.UniqueGenres(t.Movies[i].Genres) {
					if !yield([]any{t.Movies[i].MovieID, genreID[g]}) {
						return
					}
				}
			}
		}},
		{store.TableSearchDocuments, []string{"movie_id", "title", "body"}, func(yield func([]any) bool) {
			for i := range t.Movies {
				m := &t.Movies[i]
				if !yield([]any{m.MovieID, m.Title, store.DocumentText(m.Title, m.Year, store.UniqueGenres(m.Genres), tagsByMovie[m.MovieID])}) {
					return
				}
			}
		}},
		{store.TableUsers, []string{"user_id", "age", "gender", "occupation", "zip_code", "source"}, func(yield func([]any) bool) {
			row := make([]any, 6)
			for i := range t.Users {
				u := &t.Users[i]
				row[0], row[1], row[2], row[3], row[4], row[5] = u.UserID, nullable(u.Age), nullable(u.Gender), nullable(u.Occupation), nullable(u.ZipCode), string(store.SourceDataset)
				if !yield(row) {
					return
				}
			}
		}},
		{store.TableInteractions, []string{"user_id", "movie_id", "kind", "value", "ts", "source"}, func(yield func([]any) bool) {
			row := make([]any, 6)
			row[2], row[5] = string(store.KindRating), string(store.SourceDataset)
			for _, i := range order {
				r := &t.Ratings[i]
				row[0], row[1], row[3], row[4] = r.UserID, r.MovieID, float64(r.Rating), r.Timestamp
				if !yield(row) {
					return
				}
			}
		}},
		{store.TableTags, []string{"user_id", "movie_id", "tag", "ts"}, func(yield func([]any) bool) {
			row := make([]any, 4)
			for i := range t.Tags {
				tg := &t.Tags[i]
				row[0], row[1], row[2], row[3] = tg.UserID, tg.MovieID, tg.Tag, tg.Timestamp
				if !yield(row) {
					return
				}
			}
		}},
	}
}

// genreIDs numbers genres: the canonical ones in ml-100k's order, then any
// others (IMAX) by name.
func genreIDs(movies []dataset.MovieRow) map[string]int32 {
	seen := map[string]bool{}
	for i := range movies {
		for _, g := range movies[i].Genres {
			if g != "" {
				seen[g] = true
			}
		}
	}
	ids := map[string]int32{}
	for _, g := range movielens.Genres() {
		if seen[g] {
			ids[g] = int32(len(ids) + 1)
			delete(seen, g)
		}
	}
	rest := make([]string, 0, len(seen))
	for g := range seen {
		rest = append(rest, g)
	}
	slices.Sort(rest)
	for _, g := range rest {
		ids[g] = int32(len(ids) + 1)
	}
	return ids
}

func sortedGenres(ids map[string]int32) []string {
	names := make([]string, 0, len(ids))
	for g := range ids {
		names = append(names, g)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(ids[a], ids[b]) })
	return names
}

// Querier runs read queries: *sql.DB, *sql.Conn and *sql.Tx are Queriers.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// maxListed bounds the offending rows a check names.
const maxListed = 5

// Validate runs the checks both backends share against q (typically the
// loading transaction) and adds them to r: row counts against want, the
// rating checksum, movie statistics, referential integrity (no orphan
// interactions, genre links, tags or search documents, by explicit
// anti-joins, whatever the backend's constraints say) and the app rows kept.
func Validate(ctx context.Context, q Querier, d Dialect, want store.Expected, r *store.Report) error {
	start := time.Now()
	actual := map[string]int64{}
	for table := range want.Counts {
		query := `SELECT count(*) FROM ` + table // table names come from our own constants
		if table == store.TableInteractions || table == store.TableUsers {
			query += ` WHERE source = 'dataset'`
		}
		var n int64
		if err := q.QueryRowContext(ctx, query).Scan(&n); err != nil {
			return fmt.Errorf("validate: count %s: %w", table, err)
		}
		actual[table] = n
	}
	r.CompareCounts(want, actual)
	start = r.Time("check_counts", start)

	var sum sql.NullFloat64
	if err := q.QueryRowContext(ctx, `SELECT CAST(sum(value) AS DOUBLE PRECISION) FROM interactions WHERE source = 'dataset'`).Scan(&sum); err != nil {
		return fmt.Errorf("validate: rating checksum: %w", err)
	}
	r.CompareRatingSum(want.RatingSum, sum.Float64)

	var stats sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT sum(rating_count) FROM movies`).Scan(&stats); err != nil {
		return fmt.Errorf("validate: movie stats: %w", err)
	}
	wantRatings := want.Counts[store.TableInteractions]
	r.AddCheck("movie_rating_counts", stats.Int64 == wantRatings && stats.Int64 == want.MovieRatingCounts,
		"movies' rating_count sums to %d, in movies.parquet to %d, dataset ratings %d", stats.Int64, want.MovieRatingCounts, wantRatings)
	start = r.Time("check_sums", start)

	orphans := []struct{ name, query string }{
		{"orphan_interactions_user", `SELECT i.id, i.user_id FROM interactions i LEFT JOIN users u ON u.user_id = i.user_id WHERE u.user_id IS NULL ORDER BY i.id`},
		{"orphan_interactions_movie", `SELECT i.id, i.movie_id FROM interactions i LEFT JOIN movies m ON m.movie_id = i.movie_id WHERE m.movie_id IS NULL ORDER BY i.id`},
		{"orphan_movie_genres", `SELECT mg.movie_id, mg.genre_id FROM movie_genres mg LEFT JOIN movies m ON m.movie_id = mg.movie_id LEFT JOIN genres g ON g.genre_id = mg.genre_id WHERE m.movie_id IS NULL OR g.genre_id IS NULL ORDER BY mg.movie_id`},
		{"orphan_tags", `SELECT t.id, t.movie_id FROM tags t LEFT JOIN movies m ON m.movie_id = t.movie_id WHERE m.movie_id IS NULL ORDER BY t.id`},
		{"orphan_search_documents", `SELECT s.movie_id, s.movie_id FROM search_documents s LEFT JOIN movies m ON m.movie_id = s.movie_id WHERE m.movie_id IS NULL ORDER BY s.movie_id`},
	}
	for _, o := range orphans {
		bad, n, err := listPairs(ctx, q, o.query)
		if err != nil {
			return fmt.Errorf("validate: %s: %w", o.name, err)
		}
		if n == 0 {
			r.AddCheck(o.name, true, "none")
		} else {
			r.AddCheck(o.name, false, "%d rows, first (row, missing parent id): %s", n, bad)
		}
	}

	start = r.Time("check_orphans", start)
	var genresMismatch int64
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM movies m WHERE m.genres <> '' AND
		(SELECT count(*) FROM movie_genres mg WHERE mg.movie_id = m.movie_id) = 0`).Scan(&genresMismatch); err != nil {
		return fmt.Errorf("validate: movie genres: %w", err)
	}
	r.AddCheck("movie_genres_linked", genresMismatch == 0, "%d movies list genres without genre links", genresMismatch)

	start = r.Time("check_genres", start)
	r.AppRows = map[string]int64{}
	for table, query := range map[string]string{
		store.TableUsers:        `SELECT count(*) FROM users WHERE source = 'app'`,
		store.TableInteractions: `SELECT count(*) FROM interactions WHERE source = 'app'`,
		"model_versions":        `SELECT count(*) FROM model_versions`,
	} {
		var n int64
		if err := q.QueryRowContext(ctx, query).Scan(&n); err != nil {
			return fmt.Errorf("validate: app rows in %s: %w", table, err)
		}
		if n > 0 {
			r.AppRows[table] = n
		}
	}
	r.Time("check_app_rows", start)
	return nil
}

// listPairs returns the first maxListed (a, b) pairs a query yields, as
// text, and the number of rows.
func listPairs(ctx context.Context, q Querier, query string) (string, int, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	var (
		b strings.Builder
		n int
	)
	for rows.Next() {
		var x, y sql.NullInt64
		if err := rows.Scan(&x, &y); err != nil {
			return "", 0, err
		}
		if n < maxListed {
			if n > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%d, %d)", x.Int64, y.Int64)
		}
		n++
	}
	return b.String(), n, rows.Err()
}

// Execer runs statements: *sql.Conn and *sql.Tx are Execers.
type Execer interface {
	Querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// ErrAppDataConflict is wrapped by CarryApp when the previous database's app
// rows do not fit the new dataset.
var ErrAppDataConflict = errors.New("app data of the previous database does not fit the new dataset (rerun with --fresh to discard it)")

// CarryApp copies the rows the app wrote into the previous database (users
// it created, their and dataset users' feedback, model versions) into the
// freshly loaded one, inside tx. src names a table of the previous
// database (SQLite: an attached schema; PostgreSQL: a temporary copy). App
// users keep their ids; feedback keeps its order. It fails with
// ErrAppDataConflict when an app user's id is now a dataset user's or when
// feedback refers to a user or movie the new dataset lacks. It returns the
// rows copied per table.
func CarryApp(ctx context.Context, tx Execer, src func(table string) string) (map[string]int64, error) {
	conflicts := []struct{ what, query string }{
		{"app users whose ids are now dataset users", `SELECT count(*), min(o.user_id) FROM ` + src("users") + ` o
			JOIN users u ON u.user_id = o.user_id WHERE o.source = 'app'`},
	}
	for _, c := range conflicts {
		if err := noneOf(ctx, tx, c.what, c.query); err != nil {
			return nil, err
		}
	}
	kept := map[string]int64{}
	steps := []struct{ table, query string }{
		{store.TableUsers, `INSERT INTO users (user_id, age, gender, occupation, zip_code, source, created_at)
			SELECT user_id, age, gender, occupation, zip_code, source, created_at FROM ` + src("users") + ` WHERE source = 'app' ORDER BY user_id`},
		{"", ""}, // feedback checks, below
		{store.TableInteractions, `INSERT INTO interactions (user_id, movie_id, kind, value, ts, source)
			SELECT user_id, movie_id, kind, value, ts, source FROM ` + src("interactions") + ` WHERE source = 'app' ORDER BY id`},
		{"model_versions", `INSERT INTO model_versions (name, version, metrics, created_at)
			SELECT name, version, metrics, created_at FROM ` + src("model_versions")},
	}
	for _, s := range steps {
		if s.table == "" {
			if err := noneOf(ctx, tx, "app feedback for movies missing from the new dataset", `SELECT count(*), min(i.movie_id) FROM `+
				src("interactions")+` i WHERE i.source = 'app' AND NOT EXISTS (SELECT 1 FROM movies m WHERE m.movie_id = i.movie_id)`); err != nil {
				return nil, err
			}
			if err := noneOf(ctx, tx, "app feedback of users missing from the new dataset", `SELECT count(*), min(i.user_id) FROM `+
				src("interactions")+` i WHERE i.source = 'app' AND NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = i.user_id)`); err != nil {
				return nil, err
			}
			continue
		}
		res, err := tx.ExecContext(ctx, s.query)
		if err != nil {
			return nil, fmt.Errorf("carry app rows into %s: %w", s.table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("carry app rows into %s: %w", s.table, err)
		}
		if n > 0 {
			kept[s.table] = n
		}
	}
	return kept, nil
}

func noneOf(ctx context.Context, q Querier, what, query string) error {
	var (
		n     int64
		first sql.NullInt64
	)
	if err := q.QueryRowContext(ctx, query).Scan(&n, &first); err != nil {
		return fmt.Errorf("carry app rows: %s: %w", what, err)
	}
	if n > 0 {
		return fmt.Errorf("%w: %d %s (first id %d)", ErrAppDataConflict, n, what, first.Int64)
	}
	return nil
}

// CheckAppRows adds the check that the app rows copied by CarryApp are all
// in the new database (r.AppRows, filled by Validate, counts them).
func CheckAppRows(r *store.Report, kept map[string]int64) {
	var bad []string
	for table, n := range kept {
		if r.AppRows[table] != n {
			bad = append(bad, fmt.Sprintf("%s: %d copied, %d present", table, n, r.AppRows[table]))
		}
	}
	for table, n := range r.AppRows {
		if kept[table] == 0 {
			bad = append(bad, fmt.Sprintf("%s: %d app rows present, none copied", table, n))
		}
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		r.AddCheck("app_rows_kept", false, strings.Join(bad, "; "))
		return
	}
	r.AddCheck("app_rows_kept", true, "%d app rows carried over from the previous database", sum(kept))
}

func sum(m map[string]int64) int64 {
	var s int64
	for _, v := range m {
		s += v
	}
	return s
}
