//go:build hugot

package minilm

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/search"
)

// tinyDir is the tiny random BERT made by scripts/make-tiny-minilm.py.
const tinyDir = "testdata/tiny"

type golden struct {
	MaxLength int `json:"max_length"`
	Dim       int `json:"dim"`
	Sentences []struct {
		Text   string    `json:"text"`
		IDs    []int     `json:"ids"`
		Vector []float64 `json:"vector"`
	} `json:"sentences"`
}

func readGolden(t testing.TB, dir string) golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func loadTiny(t testing.TB, opts Options) *Embedder {
	t.Helper()
	return loadDir(t, tinyDir, opts)
}

func loadDir(t testing.TB, dir string, opts Options) *Embedder {
	t.Helper()
	e, err := Load(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func maxDiff(t *testing.T, got []float32, want []float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d dimensions, want %d", len(got), len(want))
	}
	d := 0.0
	for i := range got {
		d = max(d, math.Abs(float64(got[i])-want[i]))
	}
	return d
}

// TestMatchesTorch: the tiny model's sentence vectors through hugot equal
// torch's (mean pooling over the mask, L2 normalisation) to 1e-5, one
// sentence at a time and in one padded batch; the tokenizer's word pieces
// equal the reference WordPiece ids (accents stripped as Hugging Face does
// for an uncased model). MINILM_GOLDEN_DIR runs it on another folder made by
// the script (--shape minilm: the all-MiniLM-L6-v2 shape).
func TestMatchesTorch(t *testing.T) {
	dir := tinyDir
	if d := os.Getenv("MINILM_GOLDEN_DIR"); d != "" {
		dir = d
	}
	g := readGolden(t, dir)
	e := loadDir(t, dir, Options{BatchSize: 64})
	if e.Dim() != g.Dim {
		t.Errorf("Dim() = %d, want %d", e.Dim(), g.Dim)
	}
	ctx := context.Background()
	texts := make([]string, len(g.Sentences))
	for i, s := range g.Sentences {
		texts[i] = s.Text
		enc, err := e.pipe.Model.Tokenizer.GoTokenizer.Tokenizer.EncodeSingle(e.prepare(s.Text), true)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int
		for k, id := range enc.Ids {
			if enc.AttentionMask[k] != 0 {
				ids = append(ids, id)
			}
		}
		if !equalInts(ids, s.IDs) {
			t.Errorf("%q: word pieces %v, want %v", s.Text, ids, s.IDs)
		}
		v, err := e.EmbedQuery(ctx, s.Text)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(t, v, s.Vector); d > 1e-5 {
			t.Errorf("%q: max |hugot - torch| = %.2g", s.Text, d)
		}
		if n := vecNorm(v); math.Abs(n-1) > 1e-5 {
			t.Errorf("%q: norm %v", s.Text, n)
		}
	}
	// One batch: padding to the longest sentence must not change a vector.
	vecs, err := e.EmbedTexts(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, s := range g.Sentences {
		d := maxDiff(t, vecs[i], s.Vector)
		if d > 1e-5 {
			t.Errorf("batched %q: max |hugot - torch| = %.2g", s.Text, d)
		}
		worst = max(worst, d)
	}
	t.Logf("%s: %d sentences, largest |hugot - torch| in a batch %.2g", dir, len(texts), worst)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func vecNorm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// TestOddInput: empty and symbol-only text has no vector; very long text,
// control characters and invalid UTF-8 give a unit vector, never a panic.
func TestOddInput(t *testing.T) {
	e := loadTiny(t, Options{})
	ctx := context.Background()
	for _, s := range []string{"", "   ", "\x00\x01", "?!"} {
		v, err := e.EmbedQuery(ctx, s)
		if err != nil || v != nil {
			t.Errorf("%q: %v, %v; want no vector", s, v, err)
		}
	}
	long := strings.Repeat("space adventure with funny robots ", 2000)
	for _, s := range []string{long, "war\x00 movies\x1b[31m", "caf\xe9 \xff\xfe", "日本 アニメ"} {
		v, err := e.EmbedQuery(ctx, s)
		if err != nil {
			t.Fatalf("%.40q: %v", s, err)
		}
		if n := vecNorm(v); math.Abs(n-1) > 1e-5 {
			t.Errorf("%.40q: norm %v", s, n)
		}
	}
	if e.MaxTokens() != 128 {
		t.Errorf("MaxTokens = %d, want the tokenizer's 128", e.MaxTokens())
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.EmbedQuery(ctx2, "space"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestConcurrentQueries: the embedder is used by concurrent searches.
func TestConcurrentQueries(t *testing.T) {
	g := readGolden(t, tinyDir)
	e := loadTiny(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(g.Sentences))
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range g.Sentences {
				s := g.Sentences[(k+w)%len(g.Sentences)]
				v, err := e.EmbedQuery(context.Background(), s.Text)
				if err != nil {
					errs <- err
					return
				}
				for i := range v {
					if math.Abs(float64(v[i])-s.Vector[i]) > 1e-5 {
						errs <- errors.New("concurrent result differs for " + s.Text)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(context.Background(), t.TempDir(), Options{})
	if err == nil || !strings.Contains(err.Error(), "genie models pull") {
		t.Errorf("empty folder: %v", err)
	}
	dir := t.TempDir()
	for _, f := range []string{ModelFile, TokenizerFile} {
		os.WriteFile(filepath.Join(dir, f), []byte("not a model"), 0o644)
	}
	if _, err := Load(context.Background(), dir, Options{}); err == nil {
		t.Error("garbage files loaded")
	}
}

// tinyCatalogue is a few movies whose words the tiny vocabulary knows.
func tinyCatalogue() []search.Movie {
	return []search.Movie{
		{ID: 1, Title: "Toy Story", Year: 1995, Genres: []string{"Animation", "Children's", "Comedy"}},
		{ID: 2, Title: "Star Wars", Year: 1977, Genres: []string{"Action", "Adventure", "Sci-Fi"}},
		{ID: 3, Title: "Fargo", Year: 1996, Genres: []string{"Crime", "Drama", "Thriller"}},
		{ID: 4, Title: "Silence of the Lambs, The", Year: 1991, Genres: []string{"Drama", "Thriller"}},
		{ID: 5, Title: "Misérables, Les", Year: 1995, Genres: []string{"Drama", "Musical"}},
		{ID: 6, Title: "Heat", Year: 1995, Genres: []string{"Action", "Crime", "Thriller"}},
	}
}

// TestSearchEndToEnd builds an index, embeds and caches the catalogue with
// the tiny model, reopens it the way `genie search --embedder minilm` does
// (vectors from the cache, only the query embedded) and searches in every
// mode.
func TestSearchEndToEnd(t *testing.T) {
	ctx := context.Background()
	movies := tinyCatalogue()
	ix, err := search.BuildFromCatalog(ctx, movies, nil, search.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := ix.Write(dir); err != nil {
		t.Fatal(err)
	}
	var calls, last int
	e := loadTiny(t, Options{BatchSize: 4, Progress: func(done, total int) { calls++; last = done }})
	if err := IndexVectors(ctx, ix, e, dir); err != nil {
		t.Fatal(err)
	}
	if calls != 2 || last != len(movies) {
		t.Errorf("progress: %d calls, last %d", calls, last)
	}

	// Serving: open the index, attach the cached vectors.
	ix2, err := search.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	e2 := loadTiny(t, Options{})
	if err := Attach(ix2, e2, dir); err != nil {
		t.Fatal(err)
	}
	if got := ix2.DenseEmbedder().Name(); got != Name {
		t.Fatalf("dense embedder %s", got)
	}
	// The cached vector of a movie equals a fresh embedding of its text.
	want, _ := e2.EmbedTexts(ctx, []string{DocumentText(&movies[4])})
	cached, err := ReadVectors(dir, e2.Fingerprint(), ix2.Movies())
	if err != nil {
		t.Fatal(err)
	}
	for i := range want[0] {
		if math.Abs(float64(want[0][i]-cached[4][i])) > 1e-6 {
			t.Fatal("cached vector differs from a fresh one")
		}
	}
	for _, mode := range []search.Mode{search.ModeDense, search.ModeFused, search.ModeLexical} {
		for _, q := range []string{"toy story", "heat", "les miserables", "thriller", "90s thrillers", "space adventure"} {
			res, err := ix2.Search(ctx, q, search.Options{K: 3, Mode: mode})
			if err != nil {
				t.Fatalf("%s %q: %v", mode, q, err)
			}
			if len(res.Hits) == 0 {
				t.Errorf("%s %q: no hits", mode, q)
			}
			if mode == search.ModeDense && q == "toy story" && res.Hits[0].Why.Dense == 0 {
				t.Errorf("dense %q: no dense score in %+v", q, res.Hits[0].Why)
			}
		}
	}
	res, _ := ix2.Search(ctx, "toy story", search.Options{K: 3, Mode: search.ModeFused})
	if res.Hits[0].MovieID != 1 {
		t.Errorf("fused 'toy story' first hit %d", res.Hits[0].MovieID)
	}
	// The tiny model is random: its nearest neighbour of a title's exact
	// document text is still that movie.
	qv, _ := e2.EmbedQuery(ctx, DocumentText(&movies[2]))
	res, _ = ix2.Search(ctx, DocumentText(&movies[2]), search.Options{K: 1, Mode: search.ModeDense})
	if len(res.Hits) == 0 || res.Hits[0].MovieID != 3 || qv == nil {
		t.Errorf("dense search for Fargo's own text: %+v", res.Hits)
	}

	// A stale cache is refused: another catalogue, another model.
	changed := append([]search.Movie(nil), ix2.Movies()...)
	changed[0].Tags = []string{"pixar"}
	if _, err := ReadVectors(dir, e2.Fingerprint(), changed); !errors.Is(err, ErrNoVectors) {
		t.Errorf("other catalogue: %v", err)
	}
	if _, err := ReadVectors(dir, "another-model", ix2.Movies()); !errors.Is(err, ErrNoVectors) || !strings.Contains(err.Error(), "another model") {
		t.Errorf("other model: %v", err)
	}
}

// TestQueryLatency reports the tiny model's query-embedding time (the
// numbers in docs/search.md come from BenchmarkEmbedQuery).
func TestQueryLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	e := loadTiny(t, Options{})
	ctx := context.Background()
	e.EmbedQuery(ctx, "funny animated movies for kids")
	start := time.Now()
	const n = 20
	for range n {
		if _, err := e.EmbedQuery(ctx, "funny animated movies for kids"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("tiny model: %.2f ms per query", float64(time.Since(start).Microseconds())/1000/n)
}

// BenchmarkEmbedQuery times one query embedding. MINILM_BENCH_DIR points it
// at another model folder (an all-MiniLM-L6-v2-shaped one made by
// `scripts/make-tiny-minilm.py --shape minilm`, or the real model).
func BenchmarkEmbedQuery(b *testing.B) {
	dir := tinyDir
	if d := os.Getenv("MINILM_BENCH_DIR"); d != "" {
		dir = d
	}
	e, err := Load(context.Background(), dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	queries := []string{"funny animated movies for kids", "space adventure", "90s thrillers not horror",
		"shawshank redemtion", "movies like the silence of the lambs"}
	for _, q := range queries { // first run of a shape compiles its graph
		e.EmbedQuery(ctx, q)
	}
	// CPU time as well as wall time: on a shared machine the wall time is
	// mostly waiting for a core.
	cpu0 := processCPU()
	n := 0
	for i := 0; b.Loop(); i++ {
		if _, err := e.EmbedQuery(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(n), "cpu-ms/op")
}

// processCPU is the process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEmbedMovies times index building: 64 catalogue-like movies in
// batches of 32, per movie (MINILM_BENCH_DIR as for BenchmarkEmbedQuery).
func BenchmarkEmbedMovies(b *testing.B) {
	dir := tinyDir
	if d := os.Getenv("MINILM_BENCH_DIR"); d != "" {
		dir = d
	}
	e, err := Load(context.Background(), dir, Options{BatchSize: 32})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	base := tinyCatalogue()
	movies := make([]search.Movie, 64)
	for i := range movies {
		movies[i] = base[i%len(base)]
		movies[i].ID = int32(i + 1)
		movies[i].Title += strings.Repeat(" II", i%4) // a few lengths, as in a catalogue
	}
	ctx := context.Background()
	e.EmbedMovies(ctx, movies) // compile the batch shapes
	cpu0 := processCPU()
	n := 0
	for b.Loop() {
		if _, err := e.EmbedMovies(ctx, movies); err != nil {
			b.Fatal(err)
		}
		n += len(movies)
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(n), "cpu-ms/movie")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(n), "ms/movie")
}
