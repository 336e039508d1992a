// Package dataset turns a raw MovieLens release into the processed tables
// every later stage reads: cleaned, validated and filtered movies, users and
// ratings in Parquet, with temporal and random splits and a data-quality
// report.
package dataset

import (
	"fmt"
	"strconv"
)

// Split is a rating's role in a train/validation/test split.
type Split uint8

// The splits; ratings.parquet stores their String names.
const (
	SplitTrain Split = iota
	SplitValidation
	SplitTest
)

var splitNames = [...]string{SplitTrain: "train", SplitValidation: "validation", SplitTest: "test"}

// String is the name stored in ratings.parquet.
func (s Split) String() string {
	if int(s) < len(splitNames) {
		return splitNames[s]
	}
	return "Split(" + strconv.Itoa(int(s)) + ")"
}

// ParseSplit reads a split name.
func ParseSplit(name string) (Split, error) {
	for i, n := range splitNames {
		if n == name {
			return Split(i), nil
		}
	}
	return 0, fmt.Errorf("unknown split %q: want train, validation or test", name)
}

// MovieRow is one row of movies.parquet: the whole catalogue, with rating
// statistics over the processed ratings and one flag per canonical genre.
type MovieRow struct {
	MovieID     int32    `parquet:"movie_id"`
	Title       string   `parquet:"title"`
	Year        *int32   `parquet:"year,optional"`
	Genres      []string `parquet:"genres,list"`
	RatingCount int32    `parquet:"rating_count"`
	RatingMean  *float32 `parquet:"rating_mean,optional"`

	GenreUnknown     bool `parquet:"genre_unknown"`
	GenreAction      bool `parquet:"genre_action"`
	GenreAdventure   bool `parquet:"genre_adventure"`
	GenreAnimation   bool `parquet:"genre_animation"`
	GenreChildrens   bool `parquet:"genre_childrens"`
	GenreComedy      bool `parquet:"genre_comedy"`
	GenreCrime       bool `parquet:"genre_crime"`
	GenreDocumentary bool `parquet:"genre_documentary"`
	GenreDrama       bool `parquet:"genre_drama"`
	GenreFantasy     bool `parquet:"genre_fantasy"`
	GenreFilmNoir    bool `parquet:"genre_film_noir"`
	GenreHorror      bool `parquet:"genre_horror"`
	GenreMusical     bool `parquet:"genre_musical"`
	GenreMystery     bool `parquet:"genre_mystery"`
	GenreRomance     bool `parquet:"genre_romance"`
	GenreSciFi       bool `parquet:"genre_sci_fi"`
	GenreThriller    bool `parquet:"genre_thriller"`
	GenreWar         bool `parquet:"genre_war"`
	GenreWestern     bool `parquet:"genre_western"`
}

// genreFlags returns pointers to the flags in movielens.Genres order.
func (m *MovieRow) genreFlags() [19]*bool {
	return [19]*bool{
		&m.GenreUnknown, &m.GenreAction, &m.GenreAdventure, &m.GenreAnimation, &m.GenreChildrens,
		&m.GenreComedy, &m.GenreCrime, &m.GenreDocumentary, &m.GenreDrama, &m.GenreFantasy,
		&m.GenreFilmNoir, &m.GenreHorror, &m.GenreMusical, &m.GenreMystery, &m.GenreRomance,
		&m.GenreSciFi, &m.GenreThriller, &m.GenreWar, &m.GenreWestern,
	}
}

// UserRow is one row of users.parquet: a user who kept ratings after
// filtering, with demographics where the release has them and behaviour
// statistics over the processed ratings.
type UserRow struct {
	UserID         int32   `parquet:"user_id"`
	Age            *int32  `parquet:"age,optional"`
	Gender         *string `parquet:"gender,optional"`
	Occupation     *string `parquet:"occupation,optional"`
	ZipCode        *string `parquet:"zip_code,optional"`
	RatingCount    int32   `parquet:"rating_count"`
	RatingMean     float32 `parquet:"rating_mean"`
	RatingStd      float32 `parquet:"rating_std"`
	FirstTimestamp int64   `parquet:"first_timestamp"`
	LastTimestamp  int64   `parquet:"last_timestamp"`
}

// RatingRow is one row of ratings.parquet, in source-file order.
type RatingRow struct {
	UserID    int32   `parquet:"user_id"`
	MovieID   int32   `parquet:"movie_id"`
	Rating    float32 `parquet:"rating"`
	Timestamp int64   `parquet:"timestamp"`
	// SourceRow is the rating's 0-based position in the source file (among
	// well-formed lines); it breaks timestamp ties in source order.
	SourceRow int32 `parquet:"source_row"`
	// UserSeq is the rating's 0-based position in its user's history,
	// ordered by timestamp then SourceRow.
	UserSeq int32 `parquet:"user_seq"`
	// TemporalSplit is leave-one-out: the user's last rating is test, the
	// second-to-last validation, the rest train.
	TemporalSplit string `parquet:"temporal_split,dict"`
	// RandomSplit is a seeded shuffle of all ratings, cut at
	// 1-test_split_ratio: train, then test.
	RandomSplit string `parquet:"random_split,dict"`
}

// Rating is a processed rating as held in memory: RatingRow's content in
// 32 bytes without pointers, so 25M ratings take 800 MB and cost the
// garbage collector nothing to scan.
type Rating struct {
	UserID    int32
	MovieID   int32
	Rating    float32
	UserSeq   int32
	Timestamp int64
	SourceRow int32
	Temporal  Split
	Random    Split
}

// Row is the rating as stored in ratings.parquet.
func (r *Rating) Row() RatingRow {
	return RatingRow{UserID: r.UserID, MovieID: r.MovieID, Rating: r.Rating, Timestamp: r.Timestamp,
		SourceRow: r.SourceRow, UserSeq: r.UserSeq, TemporalSplit: r.Temporal.String(), RandomSplit: r.Random.String()}
}

// fromRow converts a stored row back.
func fromRow(row *RatingRow) (Rating, error) {
	ts, err := ParseSplit(row.TemporalSplit)
	if err != nil {
		return Rating{}, fmt.Errorf("temporal_split: %w", err)
	}
	rs, err := ParseSplit(row.RandomSplit)
	if err != nil {
		return Rating{}, fmt.Errorf("random_split: %w", err)
	}
	return Rating{UserID: row.UserID, MovieID: row.MovieID, Rating: row.Rating, UserSeq: row.UserSeq,
		Timestamp: row.Timestamp, SourceRow: row.SourceRow, Temporal: ts, Random: rs}, nil
}

// LinkRow is one row of links.parquet: external ids of a movie.
type LinkRow struct {
	MovieID int32  `parquet:"movie_id"`
	IMDbID  *int64 `parquet:"imdb_id,optional"`
	TMDbID  *int64 `parquet:"tmdb_id,optional"`
	IMDbURL string `parquet:"imdb_url"`
}

// TagRow is one row of tags.parquet.
type TagRow struct {
	UserID    int32  `parquet:"user_id"`
	MovieID   int32  `parquet:"movie_id"`
	Tag       string `parquet:"tag"`
	Timestamp int64  `parquet:"timestamp"`
}

// Tables are the processed outputs held in memory.
type Tables struct {
	Movies  []MovieRow
	Users   []UserRow
	Ratings []Rating // in source-file order
	Links   []LinkRow
	Tags    []TagRow
}

// File names of the processed outputs inside the output folder.
const (
	MoviesFile  = "movies.parquet"
	UsersFile   = "users.parquet"
	RatingsFile = "ratings.parquet"
	LinksFile   = "links.parquet"
	TagsFile    = "tags.parquet"
)
