// Package sequences builds each user's interaction history in time order —
// the input of the sequential recommenders (BERT4Rec, SASRec, Markov) —
// from the processed ratings.
package sequences

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/moviegenie/genie/internal/dataset"
)

// File is the output's name inside the processed folder.
const File = "sequences_with_metadata.parquet"

// Row is one user's history in sequences_with_metadata.parquet. The lists
// are aligned: element i of each describes the user's i-th rating, ordered
// by timestamp with ties in source-file order.
type Row struct {
	UserID int32 `parquet:"user_id"`
	// Length is the number of ratings in the full history.
	Length     int32     `parquet:"length"`
	MovieIDs   []int32   `parquet:"movie_ids,list"`
	Ratings    []float32 `parquet:"ratings,list"`
	Timestamps []int64   `parquet:"timestamps,list"`
	// SourceRows are the ratings' positions in the source file.
	SourceRows []int32 `parquet:"source_rows,list"`
	// Years are the movies' release years, 0 when unknown.
	Years []int32 `parquet:"years,list"`
	// Genres are the movies' genres joined with "|".
	Genres []string `parquet:"genres,list"`
	// Recent are the last max_sequence_length movie ids: the window a
	// sequential model reads to predict what comes next.
	Recent []int32 `parquet:"recent_movie_ids,list"`
}

// Build returns one Row per user, in increasing user id.
func Build(t *dataset.Tables, maxLen int) ([]Row, error) {
	if maxLen < 1 {
		return nil, fmt.Errorf("sequences: max_sequence_length must be >= 1, got %d", maxLen)
	}
	type meta struct {
		year   int32
		genres string
	}
	movies := make(map[int32]meta, len(t.Movies))
	for _, m := range t.Movies {
		var y int32
		if m.Year != nil {
			y = *m.Year
		}
		movies[m.MovieID] = meta{y, strings.Join(m.Genres, "|")}
	}
	hist := dataset.UserHistories(t.Ratings)
	out := make([]Row, 0, len(hist))
	for _, h := range hist {
		row := Row{
			UserID: t.Ratings[h[0]].UserID, Length: int32(len(h)),
			MovieIDs: make([]int32, len(h)), Ratings: make([]float32, len(h)), Timestamps: make([]int64, len(h)),
			SourceRows: make([]int32, len(h)), Years: make([]int32, len(h)), Genres: make([]string, len(h)),
		}
		for k, i := range h {
			r := &t.Ratings[i]
			m, ok := movies[r.MovieID]
			if !ok {
				return nil, fmt.Errorf("sequences: user %d rated movie %d, which movies.parquet does not list", r.UserID, r.MovieID)
			}
			row.MovieIDs[k], row.Ratings[k], row.Timestamps[k], row.SourceRows[k] = r.MovieID, r.Rating, r.Timestamp, r.SourceRow
			row.Years[k], row.Genres[k] = m.year, m.genres
		}
		row.Recent = row.MovieIDs[max(0, len(h)-maxLen):]
		out = append(out, row)
	}
	return out, nil
}

// Write stores rows as dir/File atomically.
func Write(dir string, rows []Row) error {
	return dataset.WriteParquet(filepath.Join(dir, File), rows)
}

// Read loads dir/File.
func Read(dir string) ([]Row, error) {
	return dataset.ReadParquet[Row](filepath.Join(dir, File))
}
