package enrich

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moviegenie/genie/internal/dataset"
)

// File is the enrichment table's name inside the processed folder.
const File = "enrichment.parquet"

// Row is one row of enrichment.parquet: the metadata joined to one movie of
// the catalogue. Only matched movies have a row; rows are in movie id order.
type Row struct {
	MovieID int32 `parquet:"movie_id"`
	// TMDbID and IMDbID are the matched record's ids, when it had them.
	TMDbID     *int64   `parquet:"tmdb_id,optional"`
	IMDbID     *int64   `parquet:"imdb_id,optional"`
	Overview   string   `parquet:"overview"`
	Tagline    string   `parquet:"tagline"`
	Keywords   []string `parquet:"keywords,list"`
	Runtime    *int32   `parquet:"runtime,optional"`
	PosterPath string   `parquet:"poster_path"`
	// Method is how the movie was matched: tmdb_id, imdb_id, title_year or
	// title_near_year.
	Method string `parquet:"match_method,dict"`
}

// Text is the row's free text for content features and search: the
// overview, then the tagline.
func (r *Row) Text() string {
	switch {
	case r.Tagline == "":
		return r.Overview
	case r.Overview == "":
		return r.Tagline
	}
	return r.Overview + "\n" + r.Tagline
}

// Write stores rows as dir/enrichment.parquet, atomically.
func Write(dir string, rows []Row) error {
	if err := dataset.WriteParquet(filepath.Join(dir, File), rows); err != nil {
		return fmt.Errorf("write %s: %w", File, err)
	}
	return nil
}

// Load reads dir/enrichment.parquet. A missing file is not an error: it
// gives nil, so callers use enrichment when it is present and carry on
// without it otherwise.
func Load(dir string) ([]Row, error) {
	path := filepath.Join(dir, File)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	rows, err := dataset.ReadParquet[Row](path)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// ByMovie indexes rows by movie id.
func ByMovie(rows []Row) map[int32]*Row {
	out := make(map[int32]*Row, len(rows))
	for i := range rows {
		out[rows[i].MovieID] = &rows[i]
	}
	return out
}

// Overviews returns each movie's Text, for features.ContentOptions.
func Overviews(rows []Row) map[int32]string {
	out := map[int32]string{}
	for i := range rows {
		if t := strings.TrimSpace(rows[i].Text()); t != "" {
			out[rows[i].MovieID] = t
		}
	}
	return out
}

// KeywordsByMovie returns each movie's keywords.
func KeywordsByMovie(rows []Row) map[int32][]string {
	out := map[int32][]string{}
	for i := range rows {
		if len(rows[i].Keywords) > 0 {
			out[rows[i].MovieID] = rows[i].Keywords
		}
	}
	return out
}
