package synth

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// genreSet is a format's genre list with draw weights (roughly the genre
// frequencies of ml-25m's movies.csv).
type genreSet struct {
	names   []string
	weights []float64
	// noneShare is the share of movies without a genre; none is how the
	// format writes that ("(no genres listed)" or ml-100k's "unknown").
	noneShare float64
	none      string
}

var genreWeights = map[string]float64{
	"Action": 7348, "Adventure": 4145, "Animation": 2929, "Children": 2935, "Children's": 2935,
	"Comedy": 16870, "Crime": 5319, "Documentary": 5605, "Drama": 25606, "Fantasy": 2731,
	"Film-Noir": 353, "Horror": 5989, "IMAX": 195, "Musical": 1054, "Mystery": 2925,
	"Romance": 7719, "Sci-Fi": 3595, "Thriller": 8654, "War": 1874, "Western": 1399,
}

func genreTable(format string) genreSet {
	var gs genreSet
	switch format {
	case FormatML25M: // 19 genres, alphabetical as in movies.csv
		gs.names = []string{"Action", "Adventure", "Animation", "Children", "Comedy", "Crime",
			"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery",
			"Romance", "Sci-Fi", "Thriller", "War", "Western"}
		gs.noneShare, gs.none = 0.05, "(no genres listed)"
	case FormatML1M: // 18 genres, every movie has one
		gs.names = ml1mGenres
	default: // ml-100k: "unknown" + the 18, as in u.genre
		gs.names = append([]string{"unknown"}, ml1mGenres...)
		gs.noneShare, gs.none = 0.002, "unknown"
	}
	for _, n := range gs.names {
		gs.weights = append(gs.weights, genreWeights[n]) // "unknown" gets 0
	}
	return gs
}

var ml1mGenres = []string{"Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance",
	"Sci-Fi", "Thriller", "War", "Western"}

// drawGenres picks 1-4 distinct weighted genres (or none) as a bit set.
func drawGenres(r *rand.Rand, gs genreSet) uint32 {
	if r.Float64() < gs.noneShare {
		if gs.none == "unknown" {
			return 1 // ml-100k's "unknown" flag is genre 0
		}
		return 0
	}
	k := 1
	switch x := r.Float64(); {
	case x < 0.06:
		k = 4
	case x < 0.23:
		k = 3
	case x < 0.58:
		k = 2
	}
	total := 0.0
	for _, w := range gs.weights {
		total += w
	}
	var set uint32
	for bitsSet := 0; bitsSet < k; {
		x := r.Float64() * total
		i := 0
		for ; i < len(gs.weights)-1 && x >= gs.weights[i]; i++ {
			x -= gs.weights[i]
		}
		if gs.weights[i] == 0 || set&(1<<i) != 0 {
			continue
		}
		set |= 1 << i
		bitsSet++
	}
	return set
}

// tagWords is the tag vocabulary, most used first. One has a comma so the
// CSV needs quoting, as in the real tags.csv.
var tagWords = []string{
	"atmospheric", "sci-fi", "funny", "twist ending", "visually appealing", "dark comedy",
	"thought-provoking", "classic", "based on a book", "surreal", "stylized", "dystopia",
	"social commentary", "psychology", "quirky", "great soundtrack", "cinematography",
	"philosophy", "time travel", "nonlinear", "superhero", "feel-good", "cult film",
	"space", "predictable", "Oscar (Best Picture)", "based on a true story", "slow, but worth it",
	"animation", "romance", "violence", "satire", "heist", "noir", "coming of age",
}

func drawTag(r *rand.Rand) int {
	return min(int(r.ExpFloat64()*6), len(tagWords)-1)
}

// writer streams one format's files.
type writer interface {
	// catalogue writes the movie files (and other fixed files).
	catalogue(g *generator) error
	// user formats one user's ratings (and tags and demographics) into out;
	// r is the user's random stream. It must be safe for concurrent use.
	user(id int32, rs []rating, r *rand.Rand, out *outLines)
	// write appends formatted lines to the files, in call order.
	write(l outLines) error
	close() error
	files() []string
}

// outFile is one buffered output file.
type outFile struct {
	name string
	f    *os.File
	w    *bufio.Writer
}

// fileSet opens and closes a format's files.
type fileSet struct {
	dir   string
	all   []*outFile
	names []string
}

func (s *fileSet) create(name string) (*outFile, error) {
	f, err := os.Create(filepath.Join(s.dir, name))
	if err != nil {
		return nil, err
	}
	of := &outFile{name: name, f: f, w: bufio.NewWriterSize(f, 1<<20)}
	s.all = append(s.all, of)
	s.names = append(s.names, name)
	return of, nil
}

func (s *fileSet) close() error {
	var first error
	for _, of := range s.all {
		if err := of.w.Flush(); err != nil && first == nil {
			first = fmt.Errorf("write %s: %w", of.name, err)
		}
		if err := of.f.Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", of.name, err)
		}
	}
	s.all = nil
	return first
}

func (s *fileSet) files() []string {
	out := slices.Clone(s.names)
	slices.Sort(out)
	return out
}

// formatFiles lists the files Generate writes in a layout, README last.
func formatFiles(format string) []string {
	switch format {
	case FormatML25M:
		return []string{"movies.csv", "ratings.csv", "links.csv", "tags.csv", "README.txt"}
	case FormatML1M:
		return []string{"movies.dat", "ratings.dat", "users.dat", "README"}
	}
	return []string{"u.data", "u.item", "u.user", "u.genre", "u.occupation", "u.info", "README"}
}

// readmeMarker is the first line of every README Generate writes; it is how
// Generate recognises its own earlier output (see checkOut).
const readmeMarker = "SYNTHETIC DATA - NOT MOVIELENS"

func newWriter(format, dir string) (writer, error) {
	fs := &fileSet{dir: dir}
	var w writer
	switch format {
	case FormatML25M:
		w = &csvWriter{fileSet: fs}
	case FormatML1M:
		w = &datWriter{fileSet: fs}
	default:
		w = &u100kWriter{fileSet: fs}
	}
	files := map[string]*outFile{}
	for _, n := range formatFiles(format) {
		of, err := fs.create(n)
		if err != nil {
			fs.close()
			return nil, err
		}
		files[n] = of
	}
	switch w := w.(type) {
	case *csvWriter:
		w.movies, w.ratings, w.links, w.tags, w.readme = files["movies.csv"], files["ratings.csv"], files["links.csv"], files["tags.csv"], files["README.txt"]
	case *datWriter:
		w.movies, w.ratings, w.users, w.readme = files["movies.dat"], files["ratings.dat"], files["users.dat"], files["README"]
	case *u100kWriter:
		w.data, w.item, w.user_, w.genre, w.occupation, w.info, w.readme = files["u.data"], files["u.item"], files["u.user"], files["u.genre"], files["u.occupation"], files["u.info"], files["README"]
	}
	return w, nil
}

func title(id int32, it item) string {
	return fmt.Sprintf("Synthetic Movie %d (%d)", id, it.year)
}

func genreList(gs genreSet, set uint32) string {
	var parts []string
	for i, n := range gs.names {
		if set&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return gs.none
	}
	return strings.Join(parts, "|")
}

func readme(g *generator, files string) string {
	o := g.opts
	return fmt.Sprintf(readmeMarker+`

Generated by "genie data synth" in the %s layout (%s).
Users: %d, movies: %d, ratings: %d, seed: %d.

Item popularity is Zipf-Mandelbrot (s=%.1f, q=%.1f), user activity log-normal
(sigma=%.1f) above a minimum per user, ratings user bias + item quality +
noise, timestamps increasing per user within the release's time span. The
same options give the same bytes.
`, o.Format, files, o.Users, o.Items, o.Ratings, o.Seed, zipfS, zipfQ(o.Items), activitySigma)
}

// csvField quotes s for CSV when it needs it.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// appendStars appends a half-star rating as "4.0" or "3.5".
func appendStars(b []byte, x2 int8) []byte {
	b = strconv.AppendInt(b, int64(x2/2), 10)
	if x2%2 == 1 {
		return append(b, ".5"...)
	}
	return append(b, ".0"...)
}

// csvWriter writes the ml-20m/25m/32m layout.
type csvWriter struct {
	*fileSet
	movies, ratings, links, tags, readme *outFile
}

func (w *csvWriter) catalogue(g *generator) error {
	gs := genreTable(FormatML25M)
	w.movies.w.WriteString("movieId,title,genres\n")
	w.links.w.WriteString("movieId,imdbId,tmdbId\n")
	w.ratings.w.WriteString("userId,movieId,rating,timestamp\n")
	w.tags.w.WriteString("userId,movieId,tag,timestamp\n")
	for i, it := range g.items {
		id := int32(i + 1)
		fmt.Fprintf(w.movies.w, "%d,%s,%s\n", id, csvField(title(id, it)), genreList(gs, it.genres))
		fmt.Fprintf(w.links.w, "%d,%07d,%d\n", id, 100000+int(id), 10000+int(id))
	}
	_, err := w.readme.w.WriteString(readme(g, "movies.csv, ratings.csv, links.csv, tags.csv"))
	return err
}

func (w *csvWriter) write(l outLines) error { return put2(w.ratings, l.ratings, w.tags, l.tags) }

func (w *csvWriter) user(id int32, rs []rating, _ *rand.Rand, out *outLines) {
	// ratings.csv and tags.csv are ordered by user, then movie.
	slices.SortFunc(rs, func(a, b rating) int { return int(a.item - b.item) })
	b := out.ratings
	for _, x := range rs {
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(x.item+1), 10)
		b = append(b, ',')
		b = appendStars(b, x.x2)
		b = append(b, ',')
		b = strconv.AppendInt(b, x.ts, 10)
		b = append(b, '\n')
	}
	out.ratings = b
	b = out.tags
	for _, x := range rs {
		if x.tag == noTag {
			continue
		}
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(x.item+1), 10)
		b = append(b, ',')
		b = append(b, csvField(tagWords[x.tag])...)
		b = append(b, ',')
		b = strconv.AppendInt(b, x.ts+int64(x.tag)*7+1, 10)
		b = append(b, '\n')
	}
	out.tags = b
}

// datWriter writes the ml-1m layout.
type datWriter struct {
	*fileSet
	movies, ratings, users, readme *outFile
}

var (
	ml1mAges       = []int{1, 18, 25, 35, 45, 50, 56}
	ml1mAgeWeights = []float64{222, 1103, 2096, 1193, 550, 496, 380}
	ml1mOccWeights = []float64{711, 528, 267, 173, 759, 112, 236, 679, 17, 92, 195, 129, 388, 142, 302, 144, 241, 502, 70, 72, 281}
)

func (w *datWriter) catalogue(g *generator) error {
	gs := genreTable(FormatML1M)
	for i, it := range g.items {
		id := int32(i + 1)
		fmt.Fprintf(w.movies.w, "%d::%s::%s\n", id, title(id, it), genreList(gs, it.genres))
	}
	_, err := w.readme.w.WriteString(readme(g, "movies.dat, ratings.dat, users.dat"))
	return err
}

func (w *datWriter) write(l outLines) error { return put2(w.ratings, l.ratings, w.users, l.users) }

func (w *datWriter) user(id int32, rs []rating, r *rand.Rand, out *outLines) {
	b := out.ratings
	for _, x := range rs { // already in time order
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, "::"...)
		b = strconv.AppendInt(b, int64(x.item+1), 10)
		b = append(b, "::"...)
		b = strconv.AppendInt(b, int64(x.x2/2), 10)
		b = append(b, "::"...)
		b = strconv.AppendInt(b, x.ts, 10)
		b = append(b, '\n')
	}
	out.ratings = b
	gender := "M"
	if r.Float64() < 0.28 {
		gender = "F"
	}
	out.users = fmt.Appendf(out.users, "%d::%s::%d::%d::%05d\n", id, gender,
		ml1mAges[pick(r, ml1mAgeWeights)], pick(r, ml1mOccWeights), r.IntN(100000))
}

// u100kWriter writes the ml-100k layout.
type u100kWriter struct {
	*fileSet
	data, item, user_, genre, occupation, info, readme *outFile
	line                                               []byte
	nRatings                                           int64
}

var (
	occupations = []string{"administrator", "artist", "doctor", "educator", "engineer",
		"entertainment", "executive", "healthcare", "homemaker", "lawyer", "librarian",
		"marketing", "none", "other", "programmer", "retired", "salesman", "scientist",
		"student", "technician", "writer"}
	occupationWeights = []float64{79, 28, 7, 95, 67, 18, 32, 16, 7, 12, 51, 26, 9, 105, 66, 14, 12, 31, 196, 27, 45}
)

func (w *u100kWriter) catalogue(g *generator) error {
	gs := genreTable(FormatML100K)
	b := w.line[:0]
	for i, it := range g.items {
		id := int32(i + 1)
		t := title(id, it)
		b = strconv.AppendInt(b, int64(id), 10)
		b = fmt.Appendf(b, "|%s|01-Jan-%d||http://us.imdb.com/M/title-exact?%s", t, it.year, strings.ReplaceAll(t, " ", "%20"))
		for gi := range gs.names {
			if it.genres&(1<<gi) != 0 {
				b = append(b, "|1"...)
			} else {
				b = append(b, "|0"...)
			}
		}
		b = append(b, '\n')
		if _, err := w.item.w.Write(b); err != nil {
			return err
		}
		b = b[:0]
	}
	w.line = b
	for i, n := range gs.names {
		fmt.Fprintf(w.genre.w, "%s|%d\n", n, i)
	}
	w.genre.w.WriteString("\n") // the real u.genre ends with a blank line
	for _, o := range occupations {
		fmt.Fprintln(w.occupation.w, o)
	}
	fmt.Fprintf(w.info.w, "%d users\n%d items\n%d ratings\n", g.opts.Users, g.opts.Items, g.opts.Ratings)
	_, err := w.readme.w.WriteString(readme(g, "u.data, u.item, u.user, u.genre, u.occupation, u.info"))
	return err
}

func (w *u100kWriter) write(l outLines) error { return put2(w.data, l.ratings, w.user_, l.users) }

func (w *u100kWriter) user(id int32, rs []rating, r *rand.Rand, out *outLines) {
	b := out.ratings
	for _, x := range rs { // already in time order
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, '\t')
		b = strconv.AppendInt(b, int64(x.item+1), 10)
		b = append(b, '\t')
		b = strconv.AppendInt(b, int64(x.x2/2), 10)
		b = append(b, '\t')
		b = strconv.AppendInt(b, x.ts, 10)
		b = append(b, '\n')
	}
	out.ratings = b
	gender := "M"
	if r.Float64() < 0.29 {
		gender = "F"
	}
	age := min(max(int(14+r.ExpFloat64()*18), 7), 73)
	out.users = fmt.Appendf(out.users, "%d|%d|%s|%s|%05d\n", id, age, gender,
		occupations[pick(r, occupationWeights)], r.IntN(100000))
}

// put2 appends a to file fa and b to file fb.
func put2(fa *outFile, a []byte, fb *outFile, b []byte) error {
	if _, err := fa.w.Write(a); err != nil {
		return fmt.Errorf("write %s: %w", fa.name, err)
	}
	if _, err := fb.w.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", fb.name, err)
	}
	return nil
}

// pick draws an index with probability proportional to weights.
func pick(r *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
