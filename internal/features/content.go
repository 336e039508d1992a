// Package features builds the feature_engineering stage's outputs from the
// processed tables: a fixed-size content vector per movie, scaled user
// features, and top-K item similarity lists (co-occurrence and content).
//
// Everything here is deterministic: the same tables and parameters give the
// same vectors and, through dataset.WriteParquet, the same file bytes.
package features

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/moviegenie/genie/internal/dataset"
)

// File names of the stage's outputs inside the processed folder.
const (
	ContentFile      = "content_features.parquet"
	UsersFile        = "user_features.parquet"
	UsersMetaFile    = "user_features.json"
	SimilarityFile   = "item_similarity.parquet"
	DefaultDim       = 512
	DefaultTopK      = 20
	yearBuckets      = 12 // decade centres 1915, 1925, ..., 2025
	firstYearCentre  = 1915
	genreBlockWeight = 0.6 // squared block weights sum to 1: 0.36 + 0.16 + 0.48
	yearBlockWeight  = 0.4
	textBlockWeight  = 0.6928203 // sqrt(0.48)
	trigramWeight    = 0.5       // a title trigram counts half a title word
	tagWeight        = 1.0
)

// ContentOptions selects the content sources and the vector size.
type ContentOptions struct {
	// Dim is the content vector's length (feature_engineering.embedding_dim).
	Dim int
	// Sources are the enabled content_features: title, genres,
	// release_year, tags, overview, keywords. Empty means all.
	Sources []string
	// Overviews optionally maps movie id to a plot overview (enrichment:
	// the overview and the tagline, see enrich.Overviews).
	Overviews map[int32]string
	// Keywords optionally maps movie id to its keywords (enrichment).
	Keywords map[int32][]string
}

func (o ContentOptions) has(s string) bool {
	return len(o.Sources) == 0 || slices.Contains(o.Sources, s)
}

// ContentRow is one row of content_features.parquet: the raw content
// columns of a movie and its L2-normalised content vector.
type ContentRow struct {
	MovieID int32    `parquet:"movie_id"`
	Title   string   `parquet:"title"`
	Year    *int32   `parquet:"year,optional"`
	Decade  *int32   `parquet:"decade,optional"`
	Genres  []string `parquet:"genres,list"`
	Tags    []string `parquet:"tags,list"`
	// Tokens are the title words the text block hashed (lower-cased).
	Tokens []string `parquet:"title_tokens,list"`
	// Vector is the content vector: genre one-hot, year buckets, hashed
	// TF-IDF text, each block normalised and weighted, then L2-normalised.
	Vector []float32 `parquet:"content_vector,list"`
}

// ContentLayout describes where each block of a content vector lives.
type ContentLayout struct {
	Dim int
	// Genres are the one-hot genre columns, in order, starting at 0.
	Genres []string
	// YearStart is the first of yearBuckets+1 year columns (the last one
	// flags a missing year).
	YearStart int
	// TextStart is the first hashed text column; text fills the rest.
	TextStart int
}

// Layout returns the block layout for the given genre vocabulary.
func Layout(dim int, genres []string) (ContentLayout, error) {
	l := ContentLayout{Dim: dim, Genres: genres, YearStart: len(genres)}
	l.TextStart = l.YearStart + yearBuckets + 1
	if dim < l.TextStart+16 {
		return l, fmt.Errorf("content vector: embedding_dim %d too small for %d genres + %d year columns + 16 text columns", dim, len(genres), yearBuckets+1)
	}
	return l, nil
}

// Tokenize lower-cases s and splits it into words of letters and digits.
func Tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// trigrams returns the character trigrams of word padded with '#'.
func trigrams(word string) []string {
	r := []rune("#" + word + "#")
	if len(r) < 3 {
		return nil
	}
	out := make([]string, 0, len(r)-2)
	for i := 0; i+3 <= len(r); i++ {
		out = append(out, string(r[i:i+3]))
	}
	return out
}

// hashToken maps a token to a text column and a sign (FNV-1a, 64 bit).
func hashToken(tok string, width int) (int, float32) {
	h := fnv.New64a()
	h.Write([]byte(tok))
	v := h.Sum64()
	sign := float32(1)
	if v>>63 == 1 {
		sign = -1
	}
	return int(v % uint64(width)), sign
}

// GenreVocabulary returns the genres of movies in first-seen order of the
// canonical MovieLens order: the order of the first movie listing each.
// Sorting by name keeps it independent of the catalogue's row order.
func GenreVocabulary(movies []dataset.MovieRow) []string {
	var out []string
	for _, m := range movies {
		for _, g := range m.Genres {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}

// tagsByMovie groups tag texts per movie: lower-cased, deduplicated, sorted.
func tagsByMovie(tags []dataset.TagRow) map[int32][]string {
	out := map[int32][]string{}
	for _, t := range tags {
		s := strings.ToLower(strings.TrimSpace(t.Tag))
		if s != "" {
			out[t.MovieID] = append(out[t.MovieID], s)
		}
	}
	for k, v := range out {
		slices.Sort(v)
		out[k] = slices.Compact(v)
	}
	return out
}

// BuildContent returns one ContentRow per movie, in the order of movies.
//
// The text block is a hashed TF-IDF: each token (title word "w:", title
// character trigram "c:", tag word "t:", overview word "o:", keyword word
// "k:") gets term
// frequency x weight x idf, idf = ln((1+N)/(1+df)) + 1 over the catalogue,
// and is added with a sign to column hash(token) mod width (FNV-1a).
func BuildContent(movies []dataset.MovieRow, tags []dataset.TagRow, opt ContentOptions) ([]ContentRow, ContentLayout, error) {
	if opt.Dim == 0 {
		opt.Dim = DefaultDim
	}
	genres := GenreVocabulary(movies)
	if !opt.has("genres") {
		genres = nil
	}
	lay, err := Layout(opt.Dim, genres)
	if err != nil {
		return nil, lay, err
	}
	byMovie := map[int32][]string{}
	if opt.has("tags") {
		byMovie = tagsByMovie(tags)
	}
	type weighted struct {
		tok string
		w   float64
	}
	docs := make([][]weighted, len(movies))
	rows := make([]ContentRow, len(movies))
	df := map[string]int{}
	for i, m := range movies {
		r := ContentRow{MovieID: m.MovieID, Title: m.Title, Year: m.Year, Genres: m.Genres, Tags: byMovie[m.MovieID]}
		if r.Genres == nil {
			r.Genres = []string{}
		}
		if r.Tags == nil {
			r.Tags = []string{}
		}
		if m.Year != nil {
			d := *m.Year / 10 * 10
			r.Decade = &d
		}
		r.Tokens = Tokenize(m.Title)
		var doc []weighted
		if opt.has("title") {
			for _, w := range r.Tokens {
				doc = append(doc, weighted{"w:" + w, 1})
				for _, c := range trigrams(w) {
					doc = append(doc, weighted{"c:" + c, trigramWeight})
				}
			}
		}
		for _, t := range r.Tags {
			for _, w := range Tokenize(t) {
				doc = append(doc, weighted{"t:" + w, tagWeight})
			}
		}
		if opt.has("overview") {
			for _, w := range Tokenize(opt.Overviews[m.MovieID]) {
				doc = append(doc, weighted{"o:" + w, 1})
			}
		}
		if opt.has("keywords") {
			for _, k := range opt.Keywords[m.MovieID] {
				for _, w := range Tokenize(k) {
					doc = append(doc, weighted{"k:" + w, tagWeight})
				}
			}
		}
		seen := map[string]bool{}
		for _, d := range doc {
			if !seen[d.tok] {
				seen[d.tok] = true
				df[d.tok]++
			}
		}
		docs[i], rows[i] = doc, r
	}
	n := float64(len(movies))
	width := opt.Dim - lay.TextStart
	for i := range rows {
		v := make([]float64, opt.Dim)
		m := &movies[i]
		for _, g := range m.Genres {
			if j := slices.Index(genres, g); j >= 0 {
				v[j] = 1
			}
		}
		if opt.has("release_year") {
			yearColumns(m.Year, v[lay.YearStart:lay.TextStart])
		}
		for _, d := range docs[i] {
			idf := math.Log((1+n)/(1+float64(df[d.tok]))) + 1
			j, s := hashToken(d.tok, width)
			v[lay.TextStart+j] += float64(s) * d.w * idf
		}
		normalizeBlock(v[:lay.YearStart], genreBlockWeight)
		normalizeBlock(v[lay.YearStart:lay.TextStart], yearBlockWeight)
		normalizeBlock(v[lay.TextStart:], textBlockWeight)
		normalizeBlock(v, 1)
		out := make([]float32, opt.Dim)
		for j, x := range v {
			out[j] = float32(x)
		}
		rows[i].Vector = out
	}
	return rows, lay, nil
}

// yearColumns writes a year as linear interpolation between the two
// nearest decade centres (1915, 1925, ..., 2025, clamped), or sets the last
// column when the year is missing.
func yearColumns(year *int32, dst []float64) {
	if year == nil {
		dst[yearBuckets] = 1
		return
	}
	x := (float64(*year) - firstYearCentre) / 10
	x = math.Max(0, math.Min(x, yearBuckets-1))
	lo := int(math.Floor(x))
	f := x - float64(lo)
	dst[lo] = 1 - f
	if lo+1 < yearBuckets {
		dst[lo+1] = f
	}
}

// normalizeBlock scales v to Euclidean norm w (a zero block stays zero).
func normalizeBlock(v []float64, w float64) {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return
	}
	k := w / math.Sqrt(s)
	for i := range v {
		v[i] *= k
	}
}
