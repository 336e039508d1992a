// Command search benchmarks Movie Genie's search: quality on the judged
// query set (per query type and retriever) and per-query latency on one
// core, on ml-100k or on a synthetic catalogue of any size.
//
//	go run ./bench/search --processed data/processed              # ml-100k
//	go run ./bench/search --synthetic 60000                       # 60k movies
//
// Latency is reported three ways: p50/p99 of wall time over every timed run
// (what a user sees on this machine, including other processes' load), of
// each query's fastest run, and of the search thread's CPU time (the
// query's own cost, without waiting for a CPU).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/search"
)

func main() {
	var (
		processed = flag.String("processed", "data/processed", "processed tables to index")
		index     = flag.String("index", "", "load this index instead of building one")
		queries   = flag.String("queries", "testdata/search/queries.jsonl", "judged query set")
		synthetic = flag.Int("synthetic", 0, "benchmark a synthetic catalogue of this many movies instead")
		rounds    = flag.Int("rounds", 5, "timed runs per query")
		profile   = flag.String("cpuprofile", "", "write a CPU profile of the timed runs to this file")
	)
	flag.Parse()
	cpuProfile = *profile
	if err := run(*processed, *index, *queries, *synthetic, *rounds); err != nil {
		fmt.Fprintf(os.Stderr, "bench/search: %v\n", err)
		os.Exit(1)
	}
}

// cpuProfile is the --cpuprofile flag.
var cpuProfile string

func run(processed, indexDir, queryPath string, synthetic, rounds int) error {
	ctx := context.Background()
	var (
		ix  *search.Index
		qs  []search.JudgedQuery
		err error
	)
	start := time.Now()
	switch {
	case synthetic > 0:
		movies, ratings := syntheticCatalogue(synthetic)
		ix, err = search.BuildFromCatalog(ctx, movies, ratings, search.BuildOptions{Dense: search.CollabTextOptions{Dim: 32, Iterations: 10}})
		if err != nil {
			return err
		}
		qs = syntheticQueries(movies)
	case indexDir != "":
		if ix, err = search.Open(ctx, indexDir); err != nil {
			return err
		}
	default:
		t, err := dataset.ReadTables(processed)
		if err != nil {
			return err
		}
		if ix, err = search.Build(ctx, t, search.BuildOptions{}); err != nil {
			return err
		}
	}
	if qs == nil {
		if qs, err = search.ReadQueries(queryPath); err != nil {
			return err
		}
	}
	fmt.Printf("index: %d movies, ready in %s; %d queries\n\n", len(ix.Movies()), time.Since(start).Round(time.Millisecond), len(qs))
	if synthetic == 0 {
		rep, err := search.Evaluate(ctx, ix, qs)
		if err != nil {
			return err
		}
		fmt.Println(rep.Markdown())
	}
	runtime.GOMAXPROCS(1)
	runtime.GC()
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// One goroutine on one locked OS thread: the thread's CPU clock is the
	// query's own cost.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fmt.Println("| mode | wall p50 | wall p99 | per-query best wall p50 | p99 | thread CPU p50 | p99 |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, mode := range []search.Mode{search.ModeFused, search.ModeLexical, search.ModeDense} {
		var all, best, cpu []time.Duration
		for _, q := range qs {
			b := time.Duration(1 << 62)
			for range rounds {
				c0, okCPU := threadCPU()
				t0 := time.Now()
				if _, err := ix.Search(ctx, q.Query, search.Options{Mode: mode}); err != nil {
					return err
				}
				d := time.Since(t0)
				if c1, ok := threadCPU(); ok && okCPU {
					cpu = append(cpu, c1-c0)
				}
				all = append(all, d)
				b = min(b, d)
			}
			best = append(best, b)
		}
		cp50, cp99 := "n/a", "n/a"
		if len(cpu) > 0 {
			cp50, cp99 = pct(cpu, 50), pct(cpu, 99)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", mode, pct(all, 50), pct(all, 99), pct(best, 50), pct(best, 99), cp50, cp99)
	}
	return nil
}

func pct(ds []time.Duration, p int) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	d := s[min(len(s)-1, len(s)*p/100)]
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

// syntheticCatalogue makes n movies with pronounceable titles, genres and
// years, and ratings from n/3 users with Zipf-like popularity.
func syntheticCatalogue(n int) ([]search.Movie, []dataset.Rating) {
	rng := rand.New(rand.NewPCG(60, 0))
	syll := []string{"ka", "lo", "mi", "ra", "ven", "tor", "sil", "dar", "no", "pe", "qua", "rin", "sha", "tu", "vel", "xo", "zen", "bri", "cor", "del"}
	words := make([]string, 4000)
	for i := range words {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		words[i] = b.String()
	}
	genres := []string{"Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
		"Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"}
	movies := make([]search.Movie, n)
	for i := range movies {
		var t []string
		for range 1 + rng.IntN(4) {
			// Zipf-ish word choice: common words are shared by many titles.
			t = append(t, words[int(float64(len(words))*rng.Float64()*rng.Float64())])
		}
		var g []string
		for range 1 + rng.IntN(3) {
			x := genres[rng.IntN(len(genres))]
			if !slices.Contains(g, x) {
				g = append(g, x)
			}
		}
		slices.Sort(g)
		movies[i] = search.Movie{ID: int32(i + 1), Title: strings.Join(t, " "), Year: int32(1920 + rng.IntN(100)), Genres: g}
	}
	var ratings []dataset.Rating
	users := max(n/3, 10)
	counts := make([]int32, n)
	for u := range users {
		for range 30 {
			m := int(float64(n) * rng.Float64() * rng.Float64() * rng.Float64())
			ratings = append(ratings, dataset.Rating{UserID: int32(u + 1), MovieID: int32(m + 1), Rating: float32(1 + rng.IntN(5))})
			counts[m]++
		}
	}
	for i := range movies {
		movies[i].RatingCount = counts[i]
		movies[i].RatingMean = 3.5
	}
	return movies, ratings
}

// syntheticQueries are 200 queries over the synthetic catalogue: titles
// with a typo, genre and era phrases, and "like" queries.
func syntheticQueries(movies []search.Movie) []search.JudgedQuery {
	rng := rand.New(rand.NewPCG(61, 0))
	var qs []search.JudgedQuery
	for i := range 200 {
		m := movies[rng.IntN(len(movies))]
		var q string
		switch i % 4 {
		case 0:
			q = m.Title
		case 1:
			b := []byte(m.Title)
			p := 1 + rng.IntN(max(len(b)-1, 1))
			q = string(append(b[:p:p], b[min(p+1, len(b)):]...))
		case 2:
			q = []string{"90s thrillers", "comedies before 1970", "scary movies", "funny animated movies for kids", "space adventure not horror"}[rng.IntN(5)]
		default:
			q = "movies like " + m.Title
		}
		qs = append(qs, search.JudgedQuery{ID: fmt.Sprint(i), Type: "synthetic", Query: q})
	}
	return qs
}
