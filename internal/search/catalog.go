package search

import (
	"math"
	"sort"
	"strings"

	"github.com/moviegenie/genie/internal/dataset"
)

// Movie is one searchable catalogue entry.
type Movie struct {
	// ID is the dataset's raw movie id.
	ID int32 `json:"movie_id"`
	// Title is the catalogue title, articles last ("Godfather, The").
	Title string `json:"title"`
	// Year is the release year, 0 when unknown.
	Year int32 `json:"year,omitempty"`
	// Genres are canonical genre names ("Sci-Fi", "Children's").
	Genres []string `json:"genres"`
	// RatingCount and RatingMean summarise the processed ratings.
	RatingCount int32   `json:"rating_count"`
	RatingMean  float32 `json:"rating_mean,omitempty"`
	// Tags are the movie's most frequent user tags, folded.
	Tags []string `json:"tags,omitempty"`
	// Overview is a plot summary when an enrichment source provides one.
	Overview string `json:"overview,omitempty"`
	// Tagline and Keywords also come from enrichment (ApplyEnrichment).
	Tagline  string   `json:"tagline,omitempty"`
	Keywords []string `json:"keywords,omitempty"`
}

// maxTagsPerMovie bounds the tags kept per movie.
const maxTagsPerMovie = 30

// CatalogFromTables builds the searchable catalogue from the processed
// tables: every movie of movies.parquet in id order, with its most frequent
// tags.
func CatalogFromTables(t *dataset.Tables) []Movie {
	tagCount := map[int32]map[string]int{}
	for _, tg := range t.Tags {
		tag := strings.Join(Tokens(tg.Tag), " ")
		if tag == "" {
			continue
		}
		m := tagCount[tg.MovieID]
		if m == nil {
			m = map[string]int{}
			tagCount[tg.MovieID] = m
		}
		m[tag]++
	}
	movies := make([]Movie, 0, len(t.Movies))
	for _, r := range t.Movies {
		m := Movie{ID: r.MovieID, Title: r.Title, Genres: append([]string(nil), r.Genres...), RatingCount: r.RatingCount}
		if r.Year != nil {
			m.Year = *r.Year
		}
		if r.RatingMean != nil {
			m.RatingMean = *r.RatingMean
		}
		if tc := tagCount[r.MovieID]; len(tc) > 0 {
			for tag := range tc {
				m.Tags = append(m.Tags, tag)
			}
			sort.Slice(m.Tags, func(a, b int) bool {
				if tc[m.Tags[a]] != tc[m.Tags[b]] {
					return tc[m.Tags[a]] > tc[m.Tags[b]]
				}
				return m.Tags[a] < m.Tags[b]
			})
			if len(m.Tags) > maxTagsPerMovie {
				m.Tags = m.Tags[:maxTagsPerMovie]
			}
		}
		movies = append(movies, m)
	}
	sort.Slice(movies, func(a, b int) bool { return movies[a].ID < movies[b].ID })
	return movies
}

// qualityPrior scores each movie in [0,1] by how well-known and well-liked
// it is: half a Bayesian-shrunk mean rating, half log popularity. It orders
// movies that match a query equally well.
func qualityPrior(movies []Movie) []float32 {
	var sum, n float64
	var maxCount int32
	for _, m := range movies {
		sum += float64(m.RatingMean) * float64(m.RatingCount)
		n += float64(m.RatingCount)
		maxCount = max(maxCount, m.RatingCount)
	}
	global := 3.0
	if n > 0 {
		global = sum / n
	}
	const shrink = 20
	out := make([]float32, len(movies))
	for i, m := range movies {
		c := float64(m.RatingCount)
		bayes := (c*float64(m.RatingMean) + shrink*global) / (c + shrink)
		pop := 0.0
		if maxCount > 0 {
			pop = math.Log1p(c) / math.Log1p(float64(maxCount))
		}
		out[i] = float32(0.5*bayes/5 + 0.5*pop)
	}
	return out
}

// hasGenre reports whether m has genre g.
func (m *Movie) hasGenre(g string) bool { return contains(m.Genres, g) }
