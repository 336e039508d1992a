// Package sqlstore implements store.Store once, over database/sql, for both
// backends: the SQL is portable between SQLite and PostgreSQL (the schemas
// in store/sqlite and store/postgres give the columns the same names and
// comparable types), and a Dialect rewrites the ? placeholders for
// PostgreSQL. Every value reaches the database as a parameter.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moviegenie/genie/internal/store"
)

// Dialect is what differs between the backends at query time.
type Dialect struct {
	// Name is the backend's name ("sqlite", "postgres").
	Name string
	// Dollar selects PostgreSQL's $1, $2... placeholders instead of ?.
	Dollar bool
}

// Rebind rewrites a query written with ? placeholders for the dialect.
func (d Dialect) Rebind(q string) string {
	if !d.Dollar {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// DB is a store.Store over database/sql. Reads go to read, writes to write
// (the same pool for PostgreSQL; for SQLite a one-connection writer, so
// writers queue in Go instead of failing with SQLITE_BUSY).
type DB struct {
	read, write *sql.DB
	d           Dialect
	close       func() error
	now         func() time.Time
	trace       func(query string, args []any)

	// stmts caches prepared read statements by query text: preparing is a
	// large part of a small query's cost (with SQLite, parsing and planning
	// on every call). At most maxStmts are kept.
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	// counter, when set, is a connection of its own and a query on it
	// whose result changes whenever a transaction commits on any other
	// connection (SQLite's PRAGMA data_version); see DataVersion.
	counterMu    sync.Mutex
	counter      *sql.Conn
	counterQuery string
	counterStmt  *sql.Stmt // prepared on first use
}

// maxStmts bounds the prepared-statement cache (the API's read queries are
// a few dozen shapes; Movies' IN lists add one per list length).
const maxStmts = 256

var _ store.Store = (*DB)(nil)

// New returns a store over the two pools. closeFn releases them.
func New(read, write *sql.DB, d Dialect, closeFn func() error) *DB {
	return &DB{read: read, write: write, d: d, close: closeFn, now: time.Now}
}

// SetChangeCounter gives db a connection of its own (which it closes on
// Close) and a query on it whose single integer result changes whenever a
// transaction commits on any other connection, in this process or another
// (SQLite: "PRAGMA data_version"). DataVersion reads it.
func (db *DB) SetChangeCounter(conn *sql.Conn, query string) {
	db.counterMu.Lock()
	defer db.counterMu.Unlock()
	db.counter, db.counterQuery = conn, query
}

// DataVersion returns a number that differs from the previous call's
// whenever anything was committed to the database in between, one cheap
// query on a connection that never writes; ok is false when the backend
// has no such counter (then callers check what they depend on).
func (db *DB) DataVersion(ctx context.Context) (v int64, ok bool, err error) {
	db.counterMu.Lock()
	defer db.counterMu.Unlock()
	if db.counter == nil {
		return 0, false, nil
	}
	if db.counterStmt == nil {
		st, err := db.counter.PrepareContext(ctx, db.counterQuery)
		if err != nil {
			return 0, false, db.errf(err, "data version")
		}
		db.counterStmt = st
	}
	if err := db.counterStmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, false, db.errf(err, "data version")
	}
	return v, true, nil
}

// Close implements store.Store.
func (db *DB) Close() error {
	db.counterMu.Lock()
	if db.counterStmt != nil {
		db.counterStmt.Close()
		db.counterStmt = nil
	}
	if db.counter != nil {
		db.counter.Close()
		db.counter = nil
	}
	db.counterMu.Unlock()
	db.stmtMu.Lock()
	for q, st := range db.stmts {
		st.Close()
		delete(db.stmts, q)
	}
	db.stmtMu.Unlock()
	return db.close()
}

// prepared returns the read pool's prepared statement for q, preparing it
// on first use; nil when it cannot be prepared or the cache is full (the
// caller then runs q unprepared, which reports any error).
func (db *DB) prepared(ctx context.Context, q string) *sql.Stmt {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if st, ok := db.stmts[q]; ok {
		return st
	}
	if len(db.stmts) >= maxStmts {
		return nil
	}
	st, err := db.read.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	if db.stmts == nil {
		db.stmts = map[string]*sql.Stmt{}
	}
	db.stmts[q] = st
	return st
}

// Ping implements store.Store.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: ping: %w", db.d.Name, err)
	}
	return nil
}

// Dialect returns the store's dialect.
func (db *DB) Dialect() Dialect { return db.d }

func (db *DB) errf(err error, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", db.d.Name, fmt.Sprintf(format, args...), err)
}

// movieCols are the columns scanMovie reads, from movies aliased m.
const movieCols = `m.movie_id, m.title, m.year, m.genres, m.rating_count, m.rating_mean, m.imdb_id, m.tmdb_id, m.imdb_url`

type rowScanner interface{ Scan(dest ...any) error }

func scanMovie(r rowScanner) (store.Movie, error) {
	var (
		m      store.Movie
		year   sql.NullInt32
		genres string
		mean   sql.NullFloat64
		imdb   sql.NullInt64
		tmdb   sql.NullInt64
	)
	if err := r.Scan(&m.ID, &m.Title, &year, &genres, &m.RatingCount, &mean, &imdb, &tmdb, &m.IMDbURL); err != nil {
		return m, err
	}
	if year.Valid {
		m.Year = &year.Int32
	}
	m.Genres = []string{}
	if genres != "" {
		m.Genres = strings.Split(genres, "|")
	}
	if mean.Valid {
		v := float32(mean.Float64)
		m.RatingMean = &v
	}
	if imdb.Valid {
		m.IMDbID = &imdb.Int64
	}
	if tmdb.Valid {
		m.TMDbID = &tmdb.Int64
	}
	return m, nil
}

// Movie implements store.Store.
func (db *DB) Movie(ctx context.Context, id int32) (store.Movie, error) {
	row := db.queryRow(ctx, `SELECT `+movieCols+` FROM movies m WHERE m.movie_id = ?`, id)
	m, err := scanMovie(row)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("movie %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return m, db.errf(err, "movie %d", id)
	}
	return m, nil
}

// Movies implements store.Store.
func (db *DB) Movies(ctx context.Context, ids []int32) ([]store.Movie, error) {
	if len(ids) > store.MaxPageSize {
		return nil, fmt.Errorf("%w: %d ids: at most %d", store.ErrInvalid, len(ids), store.MaxPageSize)
	}
	if len(ids) == 0 {
		return []store.Movie{}, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT ` + movieCols + ` FROM movies m WHERE m.movie_id IN (?` + strings.Repeat(`, ?`, len(ids)-1) + `)`
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, db.errf(err, "movies by id")
	}
	defer rows.Close()
	byID := make(map[int32]store.Movie, len(ids))
	for rows.Next() {
		m, err := scanMovie(rows)
		if err != nil {
			return nil, db.errf(err, "movies by id")
		}
		byID[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, db.errf(err, "movies by id")
	}
	out := make([]store.Movie, 0, len(byID))
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			out = append(out, m)
			delete(byID, id) // a repeated id appears once
		}
	}
	return out, nil
}

// movieFilter builds the FROM and WHERE of ListMovies.
func movieFilter(q store.MovieQuery) (from string, args []any) {
	from = ` FROM movies m`
	if q.Genre != "" {
		from += ` JOIN movie_genres mg ON mg.movie_id = m.movie_id AND mg.genre_id = (SELECT genre_id FROM genres WHERE name = ?)`
		args = append(args, q.Genre)
	}
	from += ` WHERE 1 = 1`
	if q.YearMin != 0 {
		from += ` AND m.year >= ?`
		args = append(args, q.YearMin)
	}
	if q.YearMax != 0 {
		from += ` AND m.year <= ?`
		args = append(args, q.YearMax)
	}
	if lo, hi, ok := store.PrefixRange(store.NormalizePrefix(q.Prefix)); ok {
		from += ` AND ((m.sort_key >= ? AND m.sort_key < ?) OR (m.title_key >= ? AND m.title_key < ?))`
		args = append(args, lo, hi, lo, hi)
	}
	return from, args
}

var movieOrder = map[store.MovieSort]string{
	"":                ` ORDER BY m.movie_id`,
	store.SortID:      ` ORDER BY m.movie_id`,
	store.SortTitle:   ` ORDER BY m.sort_key, m.movie_id`,
	store.SortYear:    ` ORDER BY m.year IS NULL, m.year, m.movie_id`,
	store.SortPopular: ` ORDER BY m.rating_count DESC, m.movie_id`,
}

// ListMovies implements store.Store.
func (db *DB) ListMovies(ctx context.Context, q store.MovieQuery) (store.MoviePage, error) {
	page := store.MoviePage{Movies: []store.Movie{}}
	if err := q.Validate(); err != nil {
		return page, err
	}
	if q.Prefix != "" && store.NormalizePrefix(q.Prefix) == "" {
		return page, nil // only punctuation: matches nothing rather than everything
	}
	from, args := movieFilter(q)
	if err := db.queryRow(ctx, `SELECT count(*)`+from, args...).Scan(&page.Total); err != nil {
		return page, db.errf(err, "count movies")
	}
	if page.Total <= q.Offset {
		return page, nil
	}
	movies, err := db.queryMovies(ctx, `SELECT `+movieCols+from+movieOrder[q.Sort]+` LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return page, db.errf(err, "list movies")
	}
	page.Movies = movies
	return page, nil
}

func (db *DB) queryMovies(ctx context.Context, q string, args ...any) ([]store.Movie, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Movie{}
	for rows.Next() {
		m, err := scanMovie(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PopularMovies implements store.Store.
func (db *DB) PopularMovies(ctx context.Context, genre string, limit int) ([]store.Movie, error) {
	page, err := db.ListMovies(ctx, store.MovieQuery{Genre: genre, Sort: store.SortPopular, Limit: limit})
	return page.Movies, err
}

// Genres implements store.Store.
func (db *DB) Genres(ctx context.Context) ([]store.GenreCount, error) {
	rows, err := db.query(ctx, `SELECT g.name, count(mg.movie_id) FROM genres g
		LEFT JOIN movie_genres mg ON mg.genre_id = g.genre_id GROUP BY g.name ORDER BY g.name`)
	if err != nil {
		return nil, db.errf(err, "genres")
	}
	return scanGenreCounts(rows)
}

func scanGenreCounts(rows *sql.Rows) ([]store.GenreCount, error) {
	defer rows.Close()
	out := []store.GenreCount{}
	for rows.Next() {
		var g store.GenreCount
		if err := rows.Scan(&g.Genre, &g.Count); err != nil {
			return nil, fmt.Errorf("genre counts: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("genre counts: %w", err)
	}
	return out, nil
}

// UserIDs implements store.Store.
func (db *DB) UserIDs(ctx context.Context, offset, limit int) ([]int32, int, error) {
	if err := store.CheckPage(offset, limit); err != nil {
		return nil, 0, err
	}
	var total int
	if err := db.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&total); err != nil {
		return nil, 0, db.errf(err, "count users")
	}
	ids, err := db.queryIDs(ctx, `SELECT user_id FROM users ORDER BY user_id LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, db.errf(err, "user ids")
	}
	return ids, total, nil
}

func (db *DB) queryIDs(ctx context.Context, q string, args ...any) ([]int32, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int32{}
	for rows.Next() {
		var id int32
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SampleUsers implements store.Store: it draws ids uniformly from the id
// range and takes the first user at or after each (ids are dense in the
// datasets, so this is close to uniform), skipping repeats.
func (db *DB) SampleUsers(ctx context.Context, n int, seed uint64) ([]int32, error) {
	if n < 1 || n > store.MaxPageSize {
		return nil, fmt.Errorf("%w: sample size %d: want 1..%d", store.ErrInvalid, n, store.MaxPageSize)
	}
	var lo, hi sql.NullInt64
	var count int
	if err := db.queryRow(ctx, `SELECT min(user_id), max(user_id), count(*) FROM users`).Scan(&lo, &hi, &count); err != nil {
		return nil, db.errf(err, "sample users")
	}
	if count <= n {
		ids, err := db.queryIDs(ctx, `SELECT user_id FROM users ORDER BY user_id`)
		if err != nil {
			return nil, db.errf(err, "sample users")
		}
		rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)).Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		return ids, nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	seen := make(map[int32]bool, n)
	out := make([]int32, 0, n)
	const probe = `SELECT user_id FROM users WHERE user_id >= ? ORDER BY user_id LIMIT 1`
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		at := lo.Int64 + rng.Int64N(hi.Int64-lo.Int64+1)
		var id int32
		if err := db.queryRow(ctx, probe, at).Scan(&id); err != nil {
			return nil, db.errf(err, "sample users")
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

const userCols = `user_id, age, gender, occupation, zip_code, source, created_at`

func scanUser(r rowScanner) (store.User, error) {
	var (
		u                     store.User
		age                   sql.NullInt32
		gender, occ, zip, src sql.NullString
		created               sql.NullInt64
	)
	if err := r.Scan(&u.ID, &age, &gender, &occ, &zip, &src, &created); err != nil {
		return u, err
	}
	if age.Valid {
		u.Age = &age.Int32
	}
	u.Gender, u.Occupation, u.ZipCode = strPtr(gender), strPtr(occ), strPtr(zip)
	u.Source = store.Source(src.String)
	if created.Valid {
		u.CreatedAt = time.Unix(created.Int64, 0).UTC()
	}
	return u, nil
}

func strPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func (db *DB) user(ctx context.Context, id int32) (store.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE user_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return u, db.errf(err, "user %d", id)
	}
	return u, nil
}

// UserProfile implements store.Store.
func (db *DB) UserProfile(ctx context.Context, id int32, topGenres int) (store.Profile, error) {
	var p store.Profile
	if topGenres < 0 || topGenres > 100 {
		return p, fmt.Errorf("%w: top genres %d: want 0..100", store.ErrInvalid, topGenres)
	}
	u, err := db.user(ctx, id)
	if err != nil {
		return p, err
	}
	p.User = u
	var (
		s           = &p.Stats
		mean, sq    sql.NullFloat64
		first, last sql.NullInt64
	)
	err = db.queryRow(ctx, `SELECT count(*), count(DISTINCT movie_id),
		COALESCE(sum(CASE WHEN kind = 'rating' THEN 1 ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN kind = 'like' THEN 1 ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN kind = 'dislike' THEN 1 ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN kind = 'watched' THEN 1 ELSE 0 END), 0),
		CAST(avg(CASE WHEN kind = 'rating' THEN value END) AS DOUBLE PRECISION),
		CAST(avg(CASE WHEN kind = 'rating' THEN value * value END) AS DOUBLE PRECISION),
		min(ts), max(ts)
		FROM interactions WHERE user_id = ?`, id).
		Scan(&s.Interactions, &s.Movies, &s.Ratings, &s.Likes, &s.Dislikes, &s.Watched, &mean, &sq, &first, &last)
	if err != nil {
		return p, db.errf(err, "user %d stats", id)
	}
	if mean.Valid {
		s.RatingMean = mean.Float64
		s.RatingStd = math.Sqrt(math.Max(0, sq.Float64-mean.Float64*mean.Float64))
	}
	if first.Valid {
		s.First, s.Last = time.Unix(first.Int64, 0).UTC(), time.Unix(last.Int64, 0).UTC()
	}
	p.TopGenres = []store.GenreCount{}
	if topGenres == 0 {
		return p, nil
	}
	rows, err := db.query(ctx, `SELECT g.name, count(*) AS n FROM interactions i
		JOIN movie_genres mg ON mg.movie_id = i.movie_id JOIN genres g ON g.genre_id = mg.genre_id
		WHERE i.user_id = ? AND i.kind <> 'dislike' GROUP BY g.name ORDER BY n DESC, g.name LIMIT ?`, id, topGenres)
	if err != nil {
		return p, db.errf(err, "user %d top genres", id)
	}
	if p.TopGenres, err = scanGenreCounts(rows); err != nil {
		return p, db.errf(err, "user %d top genres", id)
	}
	return p, nil
}

const interactionCols = `i.id, i.user_id, i.movie_id, i.kind, i.value, i.ts, i.source`

func scanInteraction(r rowScanner, extra ...any) (store.Interaction, error) {
	var (
		it        store.Interaction
		kind, src string
		value     sql.NullFloat64
		ts        int64
	)
	dest := append([]any{&it.ID, &it.UserID, &it.MovieID, &kind, &value, &ts, &src}, extra...)
	if err := r.Scan(dest...); err != nil {
		return it, err
	}
	it.Kind, it.Source, it.Time = store.Kind(kind), store.Source(src), time.Unix(ts, 0).UTC()
	if value.Valid {
		v := float32(value.Float64)
		it.Value = &v
	}
	return it, nil
}

// History implements store.Store.
func (db *DB) History(ctx context.Context, userID int32, offset, limit int) (store.HistoryPage, error) {
	page := store.HistoryPage{Items: []store.HistoryItem{}}
	if err := store.CheckPage(offset, limit); err != nil {
		return page, err
	}
	if err := db.queryRow(ctx, `SELECT count(*) FROM interactions WHERE user_id = ?`, userID).Scan(&page.Total); err != nil {
		return page, db.errf(err, "user %d history", userID)
	}
	if page.Total == 0 {
		_, err := db.user(ctx, userID)
		return page, err
	}
	if page.Total <= offset {
		return page, nil
	}
	rows, err := db.query(ctx, `SELECT `+interactionCols+`, m.title, m.year
		FROM interactions i JOIN movies m ON m.movie_id = i.movie_id
		WHERE i.user_id = ? ORDER BY i.ts DESC, i.id DESC LIMIT ? OFFSET ?`, userID, limit, offset)
	if err != nil {
		return page, db.errf(err, "user %d history", userID)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			h    store.HistoryItem
			year sql.NullInt32
			err  error
		)
		if h.Interaction, err = scanInteraction(rows, &h.Title, &year); err != nil {
			return page, db.errf(err, "user %d history", userID)
		}
		if year.Valid {
			h.Year = &year.Int32
		}
		page.Items = append(page.Items, h)
	}
	if err := rows.Err(); err != nil {
		return page, db.errf(err, "user %d history", userID)
	}
	return page, nil
}

// Sequence implements store.Store.
func (db *DB) Sequence(ctx context.Context, userID int32) ([]store.Interaction, error) {
	rows, err := db.query(ctx, `SELECT `+interactionCols+`
		FROM interactions i WHERE i.user_id = ? ORDER BY i.ts, i.id`, userID)
	if err != nil {
		return nil, db.errf(err, "user %d sequence", userID)
	}
	defer rows.Close()
	out := []store.Interaction{}
	for rows.Next() {
		it, err := scanInteraction(rows)
		if err != nil {
			return nil, db.errf(err, "user %d sequence", userID)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, db.errf(err, "user %d sequence", userID)
	}
	if len(out) == 0 {
		if _, err := db.user(ctx, userID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SequenceVersion implements store.Store: a count over the
// interactions_user_ts index (which holds the row id), without reading the
// rows.
func (db *DB) SequenceVersion(ctx context.Context, userID int32) (store.SeqVersion, error) {
	var (
		v     store.SeqVersion
		maxID sql.NullInt64
	)
	if err := db.queryRow(ctx, `SELECT count(*), max(id) FROM interactions WHERE user_id = ?`, userID).Scan(&v.Count, &maxID); err != nil {
		return v, db.errf(err, "user %d sequence version", userID)
	}
	v.MaxID = maxID.Int64
	return v, nil
}

// maxTime bounds feedback times (year 3000): anything later is a client bug.
const maxTime = 32503680000

func (db *DB) feedbackTime(t time.Time) (int64, error) {
	if t.IsZero() {
		t = db.now()
	}
	ts := t.Unix()
	if ts < 0 || ts >= maxTime {
		return 0, fmt.Errorf("%w: feedback time %s out of range", store.ErrInvalid, t.Format(time.RFC3339))
	}
	return ts, nil
}

// rowQuerier is a *sql.DB or *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// insertFeedback adds f with one statement that inserts only if the user
// and the movie exist (so a write is one round trip and one implicit
// transaction); when nothing was inserted it finds out which is missing.
func (db *DB) insertFeedback(ctx context.Context, q rowQuerier, f store.Feedback) (store.Interaction, error) {
	it := store.Interaction{UserID: f.UserID, MovieID: f.MovieID, Kind: f.Kind, Source: store.SourceApp}
	ts, err := db.feedbackTime(f.Time)
	if err != nil {
		return it, err
	}
	it.Time = time.Unix(ts, 0).UTC()
	var value any
	if f.Kind == store.KindRating {
		v := f.Value
		it.Value, value = &v, float64(v)
	}
	err = q.QueryRowContext(ctx, db.d.Rebind(`INSERT INTO interactions (user_id, movie_id, kind, value, ts, source)
		SELECT u.user_id, m.movie_id, ?, ?, ?, 'app' FROM users u, movies m WHERE u.user_id = ? AND m.movie_id = ?
		RETURNING id`), string(f.Kind), value, ts, f.UserID, f.MovieID).Scan(&it.ID)
	if errors.Is(err, sql.ErrNoRows) {
		var users, movies int
		if err := q.QueryRowContext(ctx, db.d.Rebind(`SELECT (SELECT count(*) FROM users WHERE user_id = ?), (SELECT count(*) FROM movies WHERE movie_id = ?)`),
			f.UserID, f.MovieID).Scan(&users, &movies); err != nil {
			return it, db.errf(err, "feedback: user %d, movie %d", f.UserID, f.MovieID)
		}
		if users == 0 {
			return it, fmt.Errorf("user %d: %w", f.UserID, store.ErrNotFound)
		}
		return it, fmt.Errorf("movie %d: %w", f.MovieID, store.ErrNotFound)
	}
	if err != nil {
		return it, db.errf(err, "feedback: insert")
	}
	return it, nil
}

// AddFeedback implements store.Store. The statement commits with the
// backend's durable settings (SQLite synchronous=FULL, PostgreSQL
// synchronous_commit=on), so a returned row survives a crash.
func (db *DB) AddFeedback(ctx context.Context, f store.Feedback) (store.Interaction, error) {
	if err := f.Validate(); err != nil {
		return store.Interaction{}, err
	}
	return db.insertFeedback(ctx, db.write, f)
}

// CreateUser implements store.Store.
func (db *DB) CreateUser(ctx context.Context, nu store.NewUser) (store.User, []store.Interaction, error) {
	u := store.User{Age: nu.Age, Gender: nu.Gender, Occupation: nu.Occupation, ZipCode: nu.ZipCode, Source: store.SourceApp}
	if len(nu.Feedback) > store.MaxInitialFeedback {
		return u, nil, fmt.Errorf("%w: %d initial feedback events: at most %d", store.ErrInvalid, len(nu.Feedback), store.MaxInitialFeedback)
	}
	if nu.Age != nil && (*nu.Age < 0 || *nu.Age > 150) {
		return u, nil, fmt.Errorf("%w: age %d", store.ErrInvalid, *nu.Age)
	}
	for _, s := range []*string{nu.Gender, nu.Occupation, nu.ZipCode} {
		if s != nil && len(*s) > 100 {
			return u, nil, fmt.Errorf("%w: demographic field longer than 100 bytes", store.ErrInvalid)
		}
	}
	for i, f := range nu.Feedback {
		f.UserID = 1 // assigned below
		if err := f.Validate(); err != nil {
			return u, nil, fmt.Errorf("feedback %d: %w", i, err)
		}
	}
	u.CreatedAt = time.Unix(db.now().Unix(), 0).UTC()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return u, nil, db.errf(err, "create user: begin")
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, db.d.Rebind(`INSERT INTO users (age, gender, occupation, zip_code, source, created_at)
		VALUES (?, ?, ?, ?, 'app', ?) RETURNING user_id`), nullable(nu.Age), nullable(nu.Gender), nullable(nu.Occupation),
		nullable(nu.ZipCode), u.CreatedAt.Unix()).Scan(&u.ID)
	if err != nil {
		return u, nil, db.errf(err, "create user")
	}
	its := make([]store.Interaction, 0, len(nu.Feedback))
	for i, f := range nu.Feedback {
		f.UserID = u.ID
		it, err := db.insertFeedback(ctx, tx, f)
		if err != nil {
			return u, nil, fmt.Errorf("create user: feedback %d: %w", i, err)
		}
		its = append(its, it)
	}
	if err := tx.Commit(); err != nil {
		return u, nil, db.errf(err, "create user: commit")
	}
	return u, its, nil
}

func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// AddModelVersion implements store.Store.
func (db *DB) AddModelVersion(ctx context.Context, m store.ModelVersion) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = db.now()
	}
	res, err := db.write.ExecContext(ctx, db.d.Rebind(`INSERT INTO model_versions (name, version, metrics, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (name, version) DO NOTHING`), m.Name, m.Version, string(m.Metrics), m.CreatedAt.UnixMilli())
	if err != nil {
		return db.errf(err, "add model version %s %s", m.Name, m.Version)
	}
	if n, err := res.RowsAffected(); err != nil {
		return db.errf(err, "add model version %s %s", m.Name, m.Version)
	} else if n == 0 {
		return fmt.Errorf("model %s version %s: %w", m.Name, m.Version, store.ErrExists)
	}
	return nil
}

// ModelVersions implements store.Store.
func (db *DB) ModelVersions(ctx context.Context, name string) ([]store.ModelVersion, error) {
	q, args := `SELECT name, version, metrics, created_at FROM model_versions`, []any{}
	if name != "" {
		q += ` WHERE name = ?`
		args = append(args, name)
	}
	q += ` ORDER BY created_at DESC, name, version DESC`
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, db.errf(err, "model versions")
	}
	defer rows.Close()
	out := []store.ModelVersion{}
	for rows.Next() {
		m, err := scanModel(rows)
		if err != nil {
			return nil, db.errf(err, "model versions")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, db.errf(err, "model versions")
	}
	return out, nil
}

func scanModel(r rowScanner) (store.ModelVersion, error) {
	var (
		m       store.ModelVersion
		metrics []byte
		created int64
	)
	if err := r.Scan(&m.Name, &m.Version, &metrics, &created); err != nil {
		return m, err
	}
	m.Metrics, m.CreatedAt = metrics, time.UnixMilli(created).UTC()
	return m, nil
}

// LatestModelVersion implements store.Store.
func (db *DB) LatestModelVersion(ctx context.Context, name string) (store.ModelVersion, error) {
	m, err := scanModel(db.queryRow(ctx, `SELECT name, version, metrics, created_at FROM model_versions
		WHERE name = ? ORDER BY created_at DESC, version DESC LIMIT 1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("model %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return m, db.errf(err, "latest model version %s", name)
	}
	return m, nil
}

// SearchDocuments implements store.Store.
func (db *DB) SearchDocuments(ctx context.Context) ([]store.SearchDocument, error) {
	rows, err := db.query(ctx, `SELECT movie_id, title, body FROM search_documents ORDER BY movie_id`)
	if err != nil {
		return nil, db.errf(err, "search documents")
	}
	defer rows.Close()
	out := []store.SearchDocument{}
	for rows.Next() {
		var d store.SearchDocument
		if err := rows.Scan(&d.MovieID, &d.Title, &d.Text); err != nil {
			return nil, db.errf(err, "search documents")
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, db.errf(err, "search documents")
	}
	return out, nil
}

// Trace makes every read query call f (with the dialect's placeholders)
// before it runs, for query-plan tests and debugging. Set it before using
// the store concurrently.
func (db *DB) Trace(f func(query string, args []any)) { db.trace = f }

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = db.d.Rebind(q)
	if db.trace != nil {
		db.trace(q, args)
	}
	if st := db.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, q, args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = db.d.Rebind(q)
	if db.trace != nil {
		db.trace(q, args)
	}
	if st := db.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, q, args...)
}

// Reader returns the read pool, for validation and tests.
func (db *DB) Reader() *sql.DB { return db.read }

// Writer returns the write pool, for tests and maintenance.
func (db *DB) Writer() *sql.DB { return db.write }
