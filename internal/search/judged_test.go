package search

// The judged query set testdata/search/queries.jsonl is generated here from
// ml-100k, deterministically:
//
//	go test ./internal/search -run TestJudgedQueriesUpToDate -update
//
// How each query type is built (see docs/search.md):
//   - known_item: 60 movies drawn with PCG(6, 0) from the processed catalogue
//     (movies with >= 5 ratings); the query is the display title ("The
//     Shawshank Redemption") without a parenthesised alternative title.
//     Relevant (grade 2): every movie with the same normalised title.
//   - known_item_typo: the same 60 titles with exactly one edit (deletion,
//     adjacent transposition, substitution or insertion, not on the first
//     letter) in the longest word of at least 4 letters.
//   - genre_era: genre x era pairs with >= 10 catalogue movies, phrased as
//     people write them ("90s thrillers", "comedies before 1970").
//     Relevant: every catalogue movie with the genre and a year in the era;
//     grade 2 for the better-known half (rating count >= the set's median),
//     grade 1 for the rest.
//   - theme: hand-written phrases over genre synonyms ("funny animated
//     movies for kids"); grade 2 with all the genres meant, 1 with some.
//   - like: 25 movies with >= 100 ratings drawn with PCG(7, 0). Relevance
//     comes from co-liking (both rated >= 4), a different signal from the
//     index's all-ratings cosine: grade 2 for the top 20 by lift with >= 10
//     co-likers that share a genre, grade 1 for the other top-20 movies and
//     for movies with genre Jaccard >= 0.5 and >= 10 co-likers.

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/movielens"
)

var update = flag.Bool("update", false, "rewrite testdata/search/queries.jsonl from ml-100k")

// judgedPath is the judged query set, relative to this package.
var judgedPath = filepath.Join("..", "..", "testdata", "search", "queries.jsonl")

// ml100k loads and processes ml-100k once per test binary (as `genie
// process` does with default parameters), or skips when it is absent.
var ml100k = sync.OnceValues(func() (*dataset.Tables, error) {
	dir := filepath.Join("..", "..", "..", "shared", "datasets", "ml-100k")
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	ds, err := movielens.Load(context.Background(), dir, movielens.LoadOptions{})
	if err != nil {
		return nil, err
	}
	t, _, err := dataset.Process(context.Background(), ds, dataset.Options{Dataset: "ml-100k", MinRatingsPerUser: 20,
		MinRatingsPerMovie: 5, TestSplitRatio: 0.2, Seed: 42, MinInteractions: 10000, MinCompleteness: 0.95})
	return t, err
})

// ml100kIndex builds the index of ml-100k once per test binary.
var ml100kIndex = sync.OnceValues(func() (*Index, error) {
	t, err := ml100k()
	if err != nil {
		return nil, err
	}
	return Build(context.Background(), t, BuildOptions{})
})

func loadML100K(t testing.TB) (*dataset.Tables, *Index) {
	t.Helper()
	tb, err := ml100k()
	if os.IsNotExist(err) {
		t.Skipf("ml-100k not present: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ix, err := ml100kIndex()
	if err != nil {
		t.Fatal(err)
	}
	return tb, ix
}

func TestJudgedQueriesUpToDate(t *testing.T) {
	tb, _ := loadML100K(t)
	qs := generateJudged(tb)
	var buf bytes.Buffer
	if err := EncodeQueries(&buf, qs); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(judgedPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(judgedPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old, err := os.ReadFile(judgedPath)
	if err != nil {
		t.Fatalf("%v (regenerate with -update)", err)
	}
	if !bytes.Equal(old, buf.Bytes()) {
		t.Fatalf("%s is not what the generator makes (regenerate with -update)", judgedPath)
	}
	if len(qs) < 150 {
		t.Errorf("%d judged queries, want >= 150", len(qs))
	}
}

// queryTitle is the title a person would type for a catalogue movie.
func queryTitle(title string) string {
	d := DisplayTitle(title)
	if i := strings.Index(d, " ("); i > 0 {
		d = d[:i]
	}
	return d
}

// addTypo makes exactly one edit in the longest word (>= 4 letters).
func addTypo(s string, rng *rand.Rand) string {
	words := strings.Fields(s)
	best := -1
	for i, w := range words {
		if len(w) >= 4 && isASCIIWord(w) && (best < 0 || len(w) > len(words[best])) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	w := []byte(words[best])
	letters := "abcdefghijklmnopqrstuvwxyz"
	p := 1 + rng.IntN(len(w)-1)
	switch rng.IntN(4) {
	case 0: // deletion
		w = append(w[:p:p], w[p+1:]...)
	case 1: // transposition with the previous letter
		if w[p] == w[p-1] {
			w = append(w[:p:p], w[p+1:]...)
		} else {
			w[p], w[p-1] = w[p-1], w[p]
		}
	case 2: // substitution
		c := letters[rng.IntN(26)]
		for c == w[p] || c == w[p]|0x20 {
			c = letters[rng.IntN(26)]
		}
		w[p] = c
	default: // insertion
		c := letters[rng.IntN(26)]
		w = append(w[:p:p], append([]byte{c}, w[p:]...)...)
	}
	words[best] = string(w)
	return strings.Join(words, " ")
}

func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// generateJudged builds the judged query set from processed ml-100k.
func generateJudged(t *dataset.Tables) []JudgedQuery {
	movies := CatalogFromTables(t)
	var out []JudgedQuery
	// Known items, with and without a typo.
	byKey := map[string][]int32{}
	var pool []Movie
	for _, m := range movies {
		byKey[titleKey(Tokens(queryTitle(m.Title)))] = append(byKey[titleKey(Tokens(queryTitle(m.Title)))], m.ID)
		if m.RatingCount >= 5 {
			pool = append(pool, m)
		}
	}
	rng := rand.New(rand.NewPCG(6, 0))
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	n := 0
	for _, m := range pool {
		if n == 60 {
			break
		}
		qt := queryTitle(m.Title)
		typo := addTypo(qt, rng)
		if typo == "" {
			continue
		}
		var rel []Judgement
		for _, id := range byKey[titleKey(Tokens(qt))] {
			rel = append(rel, Judgement{MovieID: id, Grade: 2})
		}
		n++
		out = append(out, JudgedQuery{ID: fmt.Sprintf("known-%03d", n), Type: TypeKnownItem, Query: qt, Relevant: rel})
		out = append(out, JudgedQuery{ID: fmt.Sprintf("typo-%03d", n), Type: TypeKnownItemTypo, Query: typo, Relevant: rel})
	}
	// Genre x era.
	type era struct {
		phrase   string // %s is the genre phrase
		min, max int32
	}
	eras := []era{
		{"90s %s", 1990, 1999}, {"%s from the 1980s", 1980, 1989}, {"1970s %s", 1970, 1979},
		{"%s before 1970", 0, 1969}, {"%s after 1995", 1996, 0}, {"nineties %s", 1990, 1999},
		{"%s from the 60s", 1960, 1969}, {"%s from 1995", 1995, 1995},
	}
	genrePlural := map[string]string{
		"Action": "action movies", "Adventure": "adventure movies", "Animation": "animated movies",
		"Children's": "kids movies", "Comedy": "comedies", "Crime": "crime movies", "Documentary": "documentaries",
		"Drama": "dramas", "Fantasy": "fantasy movies", "Film-Noir": "film noir", "Horror": "horror movies",
		"Musical": "musicals", "Mystery": "mysteries", "Romance": "romance movies", "Sci-Fi": "sci-fi movies",
		"Thriller": "thrillers", "War": "war movies", "Western": "westerns",
	}
	genres := movielens.Genres()
	k := 0
	for ei, e := range eras {
		for gi, g := range genres {
			phrase, ok := genrePlural[g]
			if !ok || (gi+ei)%3 != 0 { // a deterministic spread over pairs
				continue
			}
			var match []Movie
			for _, m := range movies {
				if m.hasGenre(g) && m.Year != 0 && (e.min == 0 || m.Year >= e.min) && (e.max == 0 || m.Year <= e.max) {
					match = append(match, m)
				}
			}
			if len(match) < 10 {
				continue
			}
			counts := make([]int, len(match))
			for i, m := range match {
				counts[i] = int(m.RatingCount)
			}
			sort.Ints(counts)
			median := int32(counts[len(counts)/2])
			var rel []Judgement
			for _, m := range match {
				gr := 1
				if m.RatingCount >= median && m.RatingCount > 0 {
					gr = 2
				}
				rel = append(rel, Judgement{MovieID: m.ID, Grade: gr})
			}
			k++
			out = append(out, JudgedQuery{ID: fmt.Sprintf("era-%03d", k), Type: TypeGenreEra, Query: fmt.Sprintf(e.phrase, phrase), Relevant: rel})
		}
	}
	// Themes.
	themes := []struct {
		q      string
		genres []string
	}{
		{"space adventure", []string{"Sci-Fi", "Adventure"}},
		{"funny animated movies for kids", []string{"Animation", "Children's", "Comedy"}},
		{"romantic comedy", []string{"Romance", "Comedy"}},
		{"rom-com", []string{"Romance", "Comedy"}},
		{"scary movies", []string{"Horror"}},
		{"gangster movies", []string{"Crime"}},
		{"cowboy films", []string{"Western"}},
		{"war drama", []string{"War", "Drama"}},
		{"sci-fi action", []string{"Sci-Fi", "Action"}},
		{"animated musicals", []string{"Animation", "Musical"}},
		{"crime thrillers", []string{"Crime", "Thriller"}},
		{"detective mystery", []string{"Mystery"}},
		{"film noir", []string{"Film-Noir"}},
		{"documentaries", []string{"Documentary"}},
		{"family fantasy", []string{"Children's", "Fantasy"}},
		{"horror comedy", []string{"Horror", "Comedy"}},
		{"action comedy", []string{"Action", "Comedy"}},
		{"romantic drama", []string{"Romance", "Drama"}},
		{"musical comedy", []string{"Musical", "Comedy"}},
		{"alien invasion", []string{"Sci-Fi"}},
		{"robots", []string{"Sci-Fi"}},
		{"heist thriller", []string{"Crime", "Thriller"}},
		{"adventure fantasy", []string{"Adventure", "Fantasy"}},
		{"mystery thriller", []string{"Mystery", "Thriller"}},
		{"funny crime movies", []string{"Comedy", "Crime"}},
		{"scary sci-fi", []string{"Horror", "Sci-Fi"}},
		{"war movies not drama", []string{"War"}},
	}
	for i, th := range themes {
		var rel []Judgement
		for _, m := range movies {
			if strings.Contains(th.q, "not drama") && m.hasGenre("Drama") {
				continue
			}
			o := genreOverlap(&m, th.genres)
			switch {
			case o == len(th.genres):
				rel = append(rel, Judgement{MovieID: m.ID, Grade: 2})
			case o > 0:
				rel = append(rel, Judgement{MovieID: m.ID, Grade: 1})
			}
		}
		out = append(out, JudgedQuery{ID: fmt.Sprintf("theme-%03d", i+1), Type: TypeTheme, Query: th.q, Relevant: rel})
	}
	// Like X, judged by co-liking.
	out = append(out, likeQueries(movies, t.Ratings)...)
	return out
}

// likeQueries builds the "like X" judged queries.
func likeQueries(movies []Movie, ratings []dataset.Rating) []JudgedQuery {
	pos := map[int32]int{}
	for i, m := range movies {
		pos[m.ID] = i
	}
	liked := map[int32][]int{} // user -> liked catalogue positions
	likers := make([]int, len(movies))
	users := map[int32]bool{}
	for _, r := range ratings {
		users[r.UserID] = true
		if r.Rating >= 4 {
			if p, ok := pos[r.MovieID]; ok {
				liked[r.UserID] = append(liked[r.UserID], p)
				likers[p]++
			}
		}
	}
	var pool []Movie
	for _, m := range movies {
		if m.RatingCount >= 100 {
			pool = append(pool, m)
		}
	}
	rng := rand.New(rand.NewPCG(7, 0))
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	templates := []string{"movies like %s", "like %s", "similar to %s", "films like %s", "something like %s"}
	var out []JudgedQuery
	nUsers := float64(len(users))
	for qi, x := range pool[:min(25, len(pool))] {
		xi := pos[x.ID]
		co := make([]int, len(movies))
		for _, ps := range liked {
			has := false
			for _, p := range ps {
				if p == xi {
					has = true
					break
				}
			}
			if !has {
				continue
			}
			for _, p := range ps {
				co[p]++
			}
		}
		type cand struct {
			p    int
			lift float64
		}
		var cs []cand
		for p, c := range co {
			if p == xi || c < 10 {
				continue
			}
			cs = append(cs, cand{p, float64(c) * nUsers / (float64(likers[xi]) * float64(likers[p]))})
		}
		sort.Slice(cs, func(a, b int) bool {
			if cs[a].lift != cs[b].lift {
				return cs[a].lift > cs[b].lift
			}
			return cs[a].p < cs[b].p
		})
		grade := map[int]int{}
		for i, c := range cs {
			if i >= 20 {
				break
			}
			if genreOverlap(&movies[c.p], x.Genres) > 0 {
				grade[c.p] = 2
			} else {
				grade[c.p] = 1
			}
		}
		for _, c := range cs {
			if grade[c.p] == 0 && jaccard(x.Genres, movies[c.p].Genres) >= 0.5 {
				grade[c.p] = 1
			}
		}
		var rel []Judgement
		for p, g := range grade {
			rel = append(rel, Judgement{MovieID: movies[p].ID, Grade: g})
		}
		sort.Slice(rel, func(a, b int) bool { return rel[a].MovieID < rel[b].MovieID })
		q := fmt.Sprintf(templates[qi%len(templates)], queryTitle(x.Title))
		out = append(out, JudgedQuery{ID: fmt.Sprintf("like-%03d", qi+1), Type: TypeLike, Query: q, Relevant: rel})
	}
	return out
}

func TestEvaluateML100K(t *testing.T) {
	_, ix := loadML100K(t)
	qs, err := ReadQueries(judgedPath)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(context.Background(), ix, qs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep.Markdown())
	get := func(typ string, m Mode) ReportRow {
		for _, r := range rep.Rows {
			if r.Type == typ && r.Mode == m {
				return r
			}
		}
		t.Fatalf("no row %s/%s", typ, m)
		return ReportRow{}
	}
	if r := get(TypeKnownItemTypo, ModeFused); r.MRR < 0.95 {
		t.Errorf("known-item with a typo: fused MRR %.3f, want >= 0.95", r.MRR)
	}
	if r := get(TypeKnownItem, ModeFused); r.MRR < 0.95 {
		t.Errorf("known-item: fused MRR %.3f, want >= 0.95", r.MRR)
	}
	if r := get(TypeGenreEra, ModeFused); r.P10 < 0.9 {
		t.Errorf("genre+era: fused precision@10 %.3f, want >= 0.9", r.P10)
	}
	if *verboseMisses {
		for _, q := range qs {
			res, _ := ix.Search(context.Background(), q.Query, Options{K: 10})
			rr, nd, _ := Metrics(hitIDs(res), q.Relevant)
			if (knownItem(q.Type) && rr < 1) || (!knownItem(q.Type) && nd < 0.5) {
				var top []string
				for _, h := range res.Hits[:min(3, len(res.Hits))] {
					top = append(top, h.Title)
				}
				t.Logf("%s %q rr=%.2f ndcg=%.2f top=%q", q.ID, q.Query, rr, nd, top)
			}
		}
	}
}

var verboseMisses = flag.Bool("misses", false, "log judged queries the fused search gets wrong")

func hitIDs(r *Result) []int32 {
	ids := make([]int32, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.MovieID
	}
	return ids
}
