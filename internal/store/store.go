// Package store is Movie Genie's database layer: the Store interface the API
// server talks to, the types it returns, the validation report of
// `genie db setup`, and helpers shared by the backends.
//
// The backends are subpackages: store/sqlite (the embedded default, pure Go)
// and store/postgres (pgx). Both run the same SQL, written once in
// store/sqlstore, over their own schema migrations; store/backend picks one
// from a --db value. See docs/store.md for the schema and its reasons.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Store is the database as the API needs it. Every method is safe for
// concurrent use. Methods that look up one row return an error wrapping
// ErrNotFound when it does not exist, and methods given invalid arguments one
// wrapping ErrInvalid.
type Store interface {
	// Movie returns one movie with its genres, year and rating statistics.
	Movie(ctx context.Context, id int32) (Movie, error)
	// Movies returns the movies with the given ids (at most MaxPageSize), in
	// the order given, skipping ids that do not exist and repeats (for
	// recommendation lists).
	Movies(ctx context.Context, ids []int32) ([]Movie, error)
	// ListMovies browses the catalogue with filters, an order and a page.
	ListMovies(ctx context.Context, q MovieQuery) (MoviePage, error)
	// PopularMovies returns the limit most-rated movies, optionally of one
	// genre (genre "" means any).
	PopularMovies(ctx context.Context, genre string, limit int) ([]Movie, error)
	// Genres returns every genre with its number of movies, by name.
	Genres(ctx context.Context) ([]GenreCount, error)

	// UserIDs returns a page of user ids in ascending order and the number
	// of users.
	UserIDs(ctx context.Context, offset, limit int) (ids []int32, total int, err error)
	// SampleUsers returns up to n distinct user ids drawn pseudo-randomly
	// from seed: the same seed and data give the same sample.
	SampleUsers(ctx context.Context, n int, seed uint64) ([]int32, error)
	// UserProfile returns a user with live statistics over all their
	// interactions and their topGenres (0..100) most frequent genres.
	UserProfile(ctx context.Context, id int32, topGenres int) (Profile, error)
	// History returns a page of a user's interactions, newest first, with
	// movie titles, and the user's number of interactions.
	History(ctx context.Context, userID int32, offset, limit int) (HistoryPage, error)
	// Sequence returns all of a user's interactions, oldest first (by time,
	// then by insertion), as the sequential models read them. Feedback
	// acknowledged by AddFeedback is in the next Sequence.
	Sequence(ctx context.Context, userID int32) ([]Interaction, error)
	// SequenceVersion returns a cheap summary of the user's interactions
	// that changes whenever Sequence's answer does (a row added, removed or
	// the database rebuilt), so a caller can cache sequences and re-read only
	// when it changed. It is one indexed count, not a read of the rows.
	SequenceVersion(ctx context.Context, userID int32) (SeqVersion, error)

	// AddFeedback records one rating, like, dislike or watched event. It
	// returns once the row is committed and synced to stable storage.
	AddFeedback(ctx context.Context, f Feedback) (Interaction, error)
	// CreateUser adds a user (a new id is assigned) together with their
	// initial feedback, in one durable transaction.
	CreateUser(ctx context.Context, u NewUser) (User, []Interaction, error)

	// AddModelVersion registers a trained model version. Registering the
	// same name and version twice is an error wrapping ErrExists.
	AddModelVersion(ctx context.Context, m ModelVersion) error
	// ModelVersions lists registered versions, newest first; name "" lists
	// every model's.
	ModelVersions(ctx context.Context, name string) ([]ModelVersion, error)
	// LatestModelVersion returns a model's newest registered version.
	LatestModelVersion(ctx context.Context, name string) (ModelVersion, error)

	// SearchDocuments returns the text indexed for each movie, by movie id.
	SearchDocuments(ctx context.Context) ([]SearchDocument, error)

	// Ping checks that the database answers (for readiness probes).
	Ping(ctx context.Context) error
	// Close releases the database. In-flight calls must have returned.
	Close() error
}

// SeqVersion summarises a user's interactions: their number and the
// largest row id. Rows are only appended between rebuilds, and a rebuild
// renumbers them, so equal versions mean equal sequences.
type SeqVersion struct {
	Count, MaxID int64
}

// Errors callers decide on with errors.Is.
var (
	// ErrNotFound: the user, movie or model version does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: an argument is out of range or malformed.
	ErrInvalid = errors.New("invalid argument")
	// ErrExists: the row being created already exists.
	ErrExists = errors.New("already exists")
)

// Kind is the kind of an interaction.
type Kind string

// The interaction kinds. Dataset ratings are KindRating.
const (
	KindRating  Kind = "rating"
	KindLike    Kind = "like"
	KindDislike Kind = "dislike"
	KindWatched Kind = "watched"
)

// Valid reports whether k is one of the four kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindRating, KindLike, KindDislike, KindWatched:
		return true
	}
	return false
}

// Source says where a user or interaction came from.
type Source string

// The sources: loaded from the processed dataset by `genie db setup`, or
// written by the app.
const (
	SourceDataset Source = "dataset"
	SourceApp     Source = "app"
)

// Rating bounds accepted by AddFeedback (MovieLens uses half stars 0.5-5).
const (
	MinRating = 0.5
	MaxRating = 5
)

// Movie is a catalogue entry.
type Movie struct {
	ID     int32    `json:"id"`
	Title  string   `json:"title"`
	Year   *int32   `json:"year,omitempty"`
	Genres []string `json:"genres"`
	// RatingCount and RatingMean are over the processed dataset's ratings
	// (feedback from the app does not change them until the next setup).
	RatingCount int32    `json:"rating_count"`
	RatingMean  *float32 `json:"rating_mean,omitempty"`
	IMDbID      *int64   `json:"imdb_id,omitempty"`
	TMDbID      *int64   `json:"tmdb_id,omitempty"`
	IMDbURL     string   `json:"imdb_url,omitempty"`
}

// MovieSort is the order of ListMovies.
type MovieSort string

// The orders. Ties are broken by id.
const (
	SortID      MovieSort = "id"
	SortTitle   MovieSort = "title"   // by title without a leading article
	SortYear    MovieSort = "year"    // oldest first, unknown years last
	SortPopular MovieSort = "popular" // most rated first
)

// MaxPageSize bounds every limit the store accepts.
const MaxPageSize = 1000

// MovieQuery filters and pages ListMovies. Zero values mean "no filter",
// SortID and offset 0; Limit must be 1..MaxPageSize.
type MovieQuery struct {
	Genre   string    // exact genre name
	YearMin int32     // inclusive; 0 = unbounded
	YearMax int32     // inclusive; 0 = unbounded
	Prefix  string    // title prefix, case-insensitive, with or without a leading article
	Sort    MovieSort // "" = SortID
	Offset  int
	Limit   int
}

// Validate checks q's ranges.
func (q MovieQuery) Validate() error {
	if err := CheckPage(q.Offset, q.Limit); err != nil {
		return err
	}
	if q.YearMin < 0 || q.YearMax < 0 || (q.YearMax != 0 && q.YearMin > q.YearMax) {
		return fmt.Errorf("%w: year range %d..%d", ErrInvalid, q.YearMin, q.YearMax)
	}
	switch q.Sort {
	case "", SortID, SortTitle, SortYear, SortPopular:
	default:
		return fmt.Errorf("%w: sort %q: want id, title, year or popular", ErrInvalid, q.Sort)
	}
	if len(q.Prefix) > 200 || len(q.Genre) > 100 {
		return fmt.Errorf("%w: prefix or genre too long", ErrInvalid)
	}
	return nil
}

// CheckPage validates an offset and limit.
func CheckPage(offset, limit int) error {
	if offset < 0 {
		return fmt.Errorf("%w: offset %d < 0", ErrInvalid, offset)
	}
	if limit < 1 || limit > MaxPageSize {
		return fmt.Errorf("%w: limit %d: want 1..%d", ErrInvalid, limit, MaxPageSize)
	}
	return nil
}

// MoviePage is one page of ListMovies and the number of matching movies.
type MoviePage struct {
	Movies []Movie `json:"movies"`
	Total  int     `json:"total"`
}

// GenreCount is a genre and a number of movies or interactions.
type GenreCount struct {
	Genre string `json:"genre"`
	Count int    `json:"count"`
}

// User is a user's demographics (nil where unknown).
type User struct {
	ID         int32   `json:"id"`
	Age        *int32  `json:"age,omitempty"`
	Gender     *string `json:"gender,omitempty"`
	Occupation *string `json:"occupation,omitempty"`
	ZipCode    *string `json:"zip_code,omitempty"`
	Source     Source  `json:"source"`
	// CreatedAt is when the app created the user; zero for dataset users.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// UserStats are computed live over a user's interactions.
type UserStats struct {
	// Interactions counts every event; Movies the distinct movies they
	// are about (a movie rated twice is one movie).
	Interactions int `json:"interactions"`
	Movies       int `json:"movies"`
	Ratings      int `json:"ratings"`
	Likes        int `json:"likes"`
	Dislikes     int `json:"dislikes"`
	Watched      int `json:"watched"`
	// RatingMean and RatingStd (population) are over rating events; 0
	// without ratings.
	RatingMean float64   `json:"rating_mean"`
	RatingStd  float64   `json:"rating_std"`
	First      time.Time `json:"first,omitzero"`
	Last       time.Time `json:"last,omitzero"`
}

// Profile is a user with statistics and favourite genres.
type Profile struct {
	User  User      `json:"user"`
	Stats UserStats `json:"stats"`
	// TopGenres counts the user's interactions other than dislikes by the
	// genres of their movies, most frequent first (ties by name).
	TopGenres []GenreCount `json:"top_genres"`
}

// Interaction is one event of a user with a movie.
type Interaction struct {
	ID      int64 `json:"id"`
	UserID  int32 `json:"user_id"`
	MovieID int32 `json:"movie_id"`
	Kind    Kind  `json:"kind"`
	// Value is the rating for KindRating, nil for the other kinds.
	Value  *float32  `json:"value,omitempty"`
	Time   time.Time `json:"time"` // second resolution
	Source Source    `json:"source"`
}

// HistoryItem is an interaction with the movie's title and year.
type HistoryItem struct {
	Interaction
	Title string `json:"title"`
	Year  *int32 `json:"year,omitempty"`
}

// HistoryPage is one page of a user's history and its length.
type HistoryPage struct {
	Items []HistoryItem `json:"items"`
	Total int           `json:"total"`
}

// Feedback is an event to record. Value is the rating for KindRating
// (MinRating..MaxRating) and must be 0 for the other kinds. A zero Time means
// now.
type Feedback struct {
	UserID  int32
	MovieID int32
	Kind    Kind
	Value   float32
	Time    time.Time
}

// Validate checks f's kind and value.
func (f Feedback) Validate() error {
	if !f.Kind.Valid() {
		return fmt.Errorf("%w: kind %q: want rating, like, dislike or watched", ErrInvalid, f.Kind)
	}
	if f.Kind == KindRating {
		if !(f.Value >= MinRating && f.Value <= MaxRating) { // also rejects NaN
			return fmt.Errorf("%w: rating %v: want %v..%v", ErrInvalid, f.Value, MinRating, MaxRating)
		}
	} else if f.Value != 0 {
		return fmt.Errorf("%w: a %s carries no value (got %v)", ErrInvalid, f.Kind, f.Value)
	}
	if f.UserID <= 0 || f.MovieID <= 0 {
		return fmt.Errorf("%w: user %d, movie %d: ids are positive", ErrInvalid, f.UserID, f.MovieID)
	}
	return nil
}

// NewUser is a user to create: demographics (all optional) and initial
// feedback (UserID ignored).
type NewUser struct {
	Age        *int32
	Gender     *string
	Occupation *string
	ZipCode    *string
	Feedback   []Feedback
}

// MaxInitialFeedback bounds NewUser.Feedback.
const MaxInitialFeedback = 1000

// ModelVersion is a trained model registered for serving.
type ModelVersion struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	Metrics json.RawMessage `json:"metrics"` // a JSON object
	// CreatedAt is when it was registered; zero means now.
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the names and that Metrics is a JSON object.
func (m ModelVersion) Validate() error {
	if m.Name == "" || len(m.Name) > 100 || m.Version == "" || len(m.Version) > 100 {
		return fmt.Errorf("%w: model name %q version %q: want 1-100 bytes each", ErrInvalid, m.Name, m.Version)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(m.Metrics, &obj); err != nil || obj == nil {
		return fmt.Errorf("%w: metrics of %s %s: not a JSON object", ErrInvalid, m.Name, m.Version)
	}
	return nil
}

// SearchDocument is the text indexed for one movie: title, year, genres and
// tags.
type SearchDocument struct {
	MovieID int32  `json:"movie_id"`
	Title   string `json:"title"`
	Text    string `json:"text"`
}
