package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
)

// Embedder maps text and movies into one vector space for dense retrieval.
// Vectors are unit length; cosine similarity is their dot product.
type Embedder interface {
	// Name identifies the embedder in reports and index files.
	Name() string
	// EmbedQuery embeds query text. A nil vector with a nil error means the
	// text carries no signal the embedder knows (no known words).
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
	// EmbedMovies embeds catalogue movies, one vector per movie in order.
	EmbedMovies(ctx context.Context, movies []Movie) ([][]float32, error)
}

// ErrTooFewRatings means the ratings cannot train the default embedder (fewer
// than two rated movies); the index then has lexical search only.
var ErrTooFewRatings = errors.New("too few rated movies to learn an item space")

// CollabTextName is the name of the default embedder.
const CollabTextName = "collab-text"

// CollabText is the default embedder, trained from the ratings with nothing
// downloaded. Movies live in the collaborative item space: the top
// eigenvectors of the cosine-normalised item co-occurrence matrix (a
// truncated SVD of the user-movie matrix). A ridge regression from a
// movie's words (title, genres, tags, overview; TF-IDF, L2-normalised) to
// its item vector is the text encoder: a query's words land near the movies
// the same audience watches.
type CollabText struct {
	// Vocab is the sorted word vocabulary of the text encoder.
	Vocab []string
	// IDF is each word's inverse document frequency.
	IDF []float32
	// Dim is the vector dimension.
	Dim int
	// W is the len(Vocab) x Dim encoder matrix, row-major.
	W []float32
	// ItemIDs and ItemVecs are the collaborative vectors of the movies that
	// had ratings, by raw movie id (ascending), ItemVecs row-major.
	ItemIDs  []int32
	ItemVecs []float32

	once   sync.Once
	wordID map[string]int32
}

// CollabTextOptions configure training; zero fields take defaults.
type CollabTextOptions struct {
	// Dim is the item space dimension (default 48).
	Dim int
	// Iterations of subspace iteration (default 25).
	Iterations int
	// Lambda is the ridge penalty (default 0.5).
	Lambda float64
	// Seed seeds the subspace iteration's start.
	Seed uint64
	// HoldOut, when set, names movies left out of the text encoder's fit
	// (they keep their item vectors), to measure the encoder on movies it
	// has not seen.
	HoldOut func(movieID int32) bool
}

func (o *CollabTextOptions) defaults() {
	if o.Dim <= 0 {
		o.Dim = 48
	}
	if o.Iterations <= 0 {
		o.Iterations = 25
	}
	if o.Lambda <= 0 {
		o.Lambda = 0.5
	}
}

// Name implements Embedder.
func (c *CollabText) Name() string { return CollabTextName }

// genreWordWeight up-weights genre words in a movie's text features.
const genreWordWeight = 2

// movieWords returns a movie's words with their feature weights.
func movieWords(m *Movie) map[string]float64 {
	f := movieFields(m)
	w := map[string]float64{}
	for _, t := range f[fieldTitle] {
		addWord(w, t, 1)
	}
	for _, t := range f[fieldGenres] {
		addWord(w, t, genreWordWeight)
	}
	for _, t := range f[fieldTags] {
		if !strings.Contains(t, phraseSep) {
			addWord(w, t, 1)
		}
	}
	for _, t := range f[fieldOverview] {
		addWord(w, t, 0.5)
	}
	return w
}

// trigramWeight is the weight of a word's character trigrams relative to
// the word: they let misspelt and inflected words ("thrilers", "comedies")
// reach the words they resemble.
const trigramWeight = 0.3

// addWord adds a word and its padded character trigrams to a feature bag.
func addWord(w map[string]float64, word string, weight float64) {
	if stopWords[word] {
		return
	}
	w[word] += weight
	if len(word) < 4 || isNumber(word) {
		return
	}
	for _, g := range trigramsOf(word) {
		w["#"+g] += weight * trigramWeight
	}
}

// sparseRow is one L2-normalised TF-IDF feature row.
type sparseRow struct {
	idx []int32
	val []float32
}

// features builds a feature row from weighted words (unknown words ignored).
func (c *CollabText) features(words map[string]float64) sparseRow {
	var r sparseRow
	keys := make([]string, 0, len(words))
	for k := range words {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var norm float64
	for _, k := range keys {
		id, ok := c.wordID[k]
		if !ok {
			continue
		}
		v := words[k] * float64(c.IDF[id])
		r.idx = append(r.idx, id)
		r.val = append(r.val, float32(v))
		norm += v * v
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range r.val {
			r.val[i] *= inv
		}
	}
	return r
}

// encode maps a feature row through W to a unit vector (nil if empty).
func (c *CollabText) encode(r sparseRow) []float32 {
	if len(r.idx) == 0 {
		return nil
	}
	v := make([]float32, c.Dim)
	for k, id := range r.idx {
		row := c.W[int(id)*c.Dim : (int(id)+1)*c.Dim]
		for j := range v {
			v[j] += r.val[k] * row[j]
		}
	}
	if !normalize(v) {
		return nil
	}
	return v
}

// EmbedQuery implements Embedder: the query's words through the encoder.
func (c *CollabText) EmbedQuery(_ context.Context, text string) ([]float32, error) {
	c.init()
	w := map[string]float64{}
	for _, t := range Tokens(text) {
		addWord(w, t, 1)
	}
	return c.encode(c.features(w)), nil
}

// EmbedMovies implements Embedder: a movie with ratings gets its
// collaborative vector, any other its encoded words.
func (c *CollabText) EmbedMovies(ctx context.Context, movies []Movie) ([][]float32, error) {
	c.init()
	out := make([][]float32, len(movies))
	for i := range movies {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("embed movies: %w", err)
			}
		}
		k := sort.Search(len(c.ItemIDs), func(k int) bool { return c.ItemIDs[k] >= movies[i].ID })
		if k < len(c.ItemIDs) && c.ItemIDs[k] == movies[i].ID {
			out[i] = append([]float32(nil), c.ItemVecs[k*c.Dim:(k+1)*c.Dim]...)
			continue
		}
		out[i] = c.encode(c.features(movieWords(&movies[i])))
	}
	return out, nil
}

// init builds the word lookup once (safe for concurrent callers).
func (c *CollabText) init() {
	c.once.Do(func() {
		c.wordID = make(map[string]int32, len(c.Vocab))
		for i, w := range c.Vocab {
			c.wordID[w] = int32(i)
		}
	})
}

// TrainCollabText learns the default embedder from the catalogue and its
// ratings (implicit feedback: every rating is one interaction).
func TrainCollabText(ctx context.Context, movies []Movie, in interactions, opt CollabTextOptions) (*CollabText, error) {
	opt.defaults()
	var rated []int
	for i := range movies {
		if len(in.itemUsers[i]) > 0 {
			rated = append(rated, i)
		}
	}
	if len(rated) < 2 {
		return nil, fmt.Errorf("train %s: %w", CollabTextName, ErrTooFewRatings)
	}
	// A small catalogue gets a smaller space.
	n, d := len(movies), min(opt.Dim, max(1, len(rated)/2))
	c := &CollabText{Dim: d}
	// Vocabulary and IDF over the catalogue's words.
	words := make([]map[string]float64, n)
	df := map[string]int{}
	for i := range movies {
		words[i] = movieWords(&movies[i])
		for w := range words[i] {
			df[w]++
		}
	}
	for w := range df {
		c.Vocab = append(c.Vocab, w)
	}
	sort.Strings(c.Vocab)
	c.IDF = make([]float32, len(c.Vocab))
	for i, w := range c.Vocab {
		c.IDF[i] = float32(math.Log(1 + float64(n)/float64(df[w])))
	}
	c.init()
	// Item space: subspace iteration on S = D^-1/2 X^T X D^-1/2.
	invSqrt := make([]float64, n)
	for i := range movies {
		if k := len(in.itemUsers[i]); k > 0 {
			invSqrt[i] = 1 / math.Sqrt(float64(k))
		}
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	q := make([]float64, n*d)
	for _, i := range rated {
		for j := range d {
			q[i*d+j] = rng.NormFloat64()
		}
	}
	orthonormalize(q, n, d)
	u := make([]float64, len(in.userItems)*d)
	z := make([]float64, n*d)
	apply := func() {
		clear(u)
		for uu, items := range in.userItems {
			row := u[uu*d : (uu+1)*d]
			for _, i := range items {
				s := invSqrt[i]
				qi := q[int(i)*d : (int(i)+1)*d]
				for j := range row {
					row[j] += s * qi[j]
				}
			}
		}
		clear(z)
		for i, users := range in.itemUsers {
			zi := z[i*d : (i+1)*d]
			for _, uu := range users {
				row := u[int(uu)*d : (int(uu)+1)*d]
				for j := range zi {
					zi[j] += row[j]
				}
			}
			for j := range zi {
				zi[j] *= invSqrt[i]
			}
		}
	}
	for it := range opt.Iterations {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("train %s: iteration %d: %w", CollabTextName, it, err)
		}
		apply()
		q, z = z, q
		orthonormalize(q, n, d)
	}
	// Eigenvalues by the Rayleigh quotient; vectors scaled by sqrt(lambda).
	apply()
	scale := make([]float64, d)
	for j := range d {
		var s float64
		for i := range n {
			s += q[i*d+j] * z[i*d+j]
		}
		scale[j] = math.Sqrt(max(s, 0))
	}
	// The leading eigenvector of a cosine-normalised co-occurrence matrix
	// is popularity (proportional to sqrt of each movie's count): it would
	// make every movie look like the blockbusters, so it is dropped.
	lead := 0
	for j := range d {
		if scale[j] > scale[lead] {
			lead = j
		}
	}
	v := make([]float32, n*d)
	for _, i := range rated {
		row := v[i*d : (i+1)*d]
		for j := range d {
			if j != lead {
				row[j] = float32(q[i*d+j] * scale[j])
			}
		}
		normalize(row)
	}
	// Text encoder: ridge regression from features to item vectors, by
	// conjugate gradients on (F^T F + lambda I) w = F^T v per dimension.
	var fit []int
	for _, i := range rated {
		if opt.HoldOut == nil || !opt.HoldOut(movies[i].ID) {
			fit = append(fit, i)
		}
	}
	rows := make([]sparseRow, len(fit))
	for k, i := range fit {
		rows[k] = c.features(words[i])
	}
	nf := len(c.Vocab)
	target := make([]float64, len(fit)*d)
	for k, i := range fit {
		for j := range d {
			target[k*d+j] = float64(v[i*d+j])
		}
	}
	w, err := ridgeCG(ctx, rows, target, nf, d, opt.Lambda, 100)
	if err != nil {
		return nil, fmt.Errorf("train %s: ridge: %w", CollabTextName, err)
	}
	c.W = make([]float32, nf*d)
	for i, x := range w {
		c.W[i] = float32(x)
	}
	c.ItemIDs = make([]int32, len(rated))
	c.ItemVecs = make([]float32, len(rated)*d)
	for k, i := range rated {
		c.ItemIDs[k] = movies[i].ID
		copy(c.ItemVecs[k*d:(k+1)*d], v[i*d:(i+1)*d])
	}
	return c, nil
}

// ridgeCG solves (F^T F + lambda I) W = F^T Y for the d columns of Y
// (rows x d, row-major) by conjugate gradients, one independent solve per
// column sharing each pass over F. W is nf x d, row-major.
func ridgeCG(ctx context.Context, rows []sparseRow, y []float64, nf, d int, lambda float64, iters int) ([]float64, error) {
	s := make([]float64, d)
	// mulA computes out = (F^T F + lambda I) x for all columns.
	mulA := func(x, out []float64) {
		for i := range out {
			out[i] = lambda * x[i]
		}
		for _, r := range rows {
			clear(s)
			for k, id := range r.idx {
				v := float64(r.val[k])
				xr := x[int(id)*d : (int(id)+1)*d]
				for j := range s {
					s[j] += v * xr[j]
				}
			}
			for k, id := range r.idx {
				v := float64(r.val[k])
				or := out[int(id)*d : (int(id)+1)*d]
				for j := range s {
					or[j] += v * s[j]
				}
			}
		}
	}
	b := make([]float64, nf*d)
	for k, r := range rows {
		yr := y[k*d : (k+1)*d]
		for i, id := range r.idx {
			v := float64(r.val[i])
			br := b[int(id)*d : (int(id)+1)*d]
			for j := range yr {
				br[j] += v * yr[j]
			}
		}
	}
	w := make([]float64, nf*d)
	res := append([]float64(nil), b...)
	p := append([]float64(nil), b...)
	ap := make([]float64, nf*d)
	colDot := func(a, b []float64, out []float64) {
		clear(out)
		for i := 0; i < len(a); i += d {
			for j := range d {
				out[j] += a[i+j] * b[i+j]
			}
		}
	}
	rr, rr2, pap := make([]float64, d), make([]float64, d), make([]float64, d)
	alpha, beta := make([]float64, d), make([]float64, d)
	colDot(res, res, rr)
	tol := make([]float64, d)
	for j := range d {
		tol[j] = 1e-10 * max(rr[j], 1e-30)
	}
	for it := range iters {
		if it%10 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		active := false
		for j := range d {
			if rr[j] > tol[j] {
				active = true
			}
		}
		if !active {
			break
		}
		mulA(p, ap)
		colDot(p, ap, pap)
		for j := range d {
			alpha[j] = 0
			if rr[j] > tol[j] && pap[j] > 0 {
				alpha[j] = rr[j] / pap[j]
			}
		}
		for i := 0; i < len(w); i += d {
			for j := range d {
				w[i+j] += alpha[j] * p[i+j]
				res[i+j] -= alpha[j] * ap[i+j]
			}
		}
		colDot(res, res, rr2)
		for j := range d {
			beta[j] = 0
			if rr[j] > 0 {
				beta[j] = rr2[j] / rr[j]
			}
			if alpha[j] == 0 {
				beta[j] = 1 // a finished column: keep p, it is never used again
				rr2[j] = rr[j]
			}
		}
		copy(rr, rr2)
		for i := 0; i < len(p); i += d {
			for j := range d {
				p[i+j] = res[i+j] + beta[j]*p[i+j]
			}
		}
	}
	return w, nil
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// orthonormalize makes the d columns of the n x d row-major matrix q
// orthonormal: Cholesky QR twice (passes over rows, cache-friendly), with
// modified Gram-Schmidt as the fallback for nearly dependent columns.
func orthonormalize(q []float64, n, d int) {
	for range 2 {
		if !choleskyQR(q, n, d) {
			gramSchmidt(q, n, d)
			return
		}
	}
}

// choleskyQR replaces q by q R^-1 where R^T R = q^T q; it reports false when
// the Gram matrix is not safely positive definite.
func choleskyQR(q []float64, n, d int) bool {
	g := make([]float64, d*d)
	for i := range n {
		row := q[i*d : (i+1)*d]
		for a, x := range row {
			if x == 0 {
				continue
			}
			ga := g[a*d : (a+1)*d]
			for b := a; b < d; b++ {
				ga[b] += x * row[b]
			}
		}
	}
	// Cholesky: g = R^T R, R upper triangular, stored in g's upper half.
	maxDiag := 0.0
	for a := range d {
		maxDiag = max(maxDiag, g[a*d+a])
	}
	for a := range d {
		s := g[a*d+a]
		for k := range a {
			s -= g[k*d+a] * g[k*d+a]
		}
		if s <= 1e-10*maxDiag {
			return false
		}
		r := math.Sqrt(s)
		g[a*d+a] = r
		for b := a + 1; b < d; b++ {
			t := g[a*d+b]
			for k := range a {
				t -= g[k*d+a] * g[k*d+b]
			}
			g[a*d+b] = t / r
		}
	}
	// Each row x becomes x R^-1: solve y R = x by forward substitution.
	for i := range n {
		row := q[i*d : (i+1)*d]
		for b := range d {
			t := row[b]
			for k := range b {
				t -= row[k] * g[k*d+b]
			}
			row[b] = t / g[b*d+b]
		}
	}
	return true
}

// gramSchmidt orthonormalises the columns by modified Gram-Schmidt, twice.
func gramSchmidt(q []float64, n, d int) {
	for range 2 {
		for j := range d {
			for k := range j {
				var s float64
				for i := range n {
					s += q[i*d+j] * q[i*d+k]
				}
				for i := range n {
					q[i*d+j] -= s * q[i*d+k]
				}
			}
			var s float64
			for i := range n {
				s += q[i*d+j] * q[i*d+j]
			}
			if s == 0 {
				continue
			}
			inv := 1 / math.Sqrt(s)
			for i := range n {
				q[i*d+j] *= inv
			}
		}
	}
}

// normalize scales v to unit length; it reports false for a zero vector.
func normalize(v []float32) bool {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return false
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
	return true
}

// dot is the float32 inner product (a and b of equal length).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
