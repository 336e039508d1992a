package search

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
)

// tinyCatalogue is a small catalogue with ratings from two audiences
// (crime fans and family fans), so every part of the index has signal.
func tinyCatalogue() ([]Movie, []dataset.Rating) {
	movies := []Movie{
		{ID: 1, Title: "Shawshank Redemption, The", Year: 1994, Genres: []string{"Drama"}},
		{ID: 2, Title: "Godfather, The", Year: 1972, Genres: []string{"Action", "Crime", "Drama"}},
		{ID: 3, Title: "Godfather: Part II, The", Year: 1974, Genres: []string{"Action", "Crime", "Drama"}},
		{ID: 4, Title: "Fargo", Year: 1996, Genres: []string{"Crime", "Drama", "Thriller"}},
		{ID: 5, Title: "Toy Story", Year: 1995, Genres: []string{"Animation", "Children's", "Comedy"}},
		{ID: 6, Title: "Aladdin", Year: 1992, Genres: []string{"Animation", "Children's", "Comedy", "Musical"}},
		{ID: 7, Title: "Misérables, Les", Year: 1995, Genres: []string{"Drama", "Musical"}},
		{ID: 8, Title: "Star Wars", Year: 1977, Genres: []string{"Action", "Adventure", "Sci-Fi"}},
		{ID: 9, Title: "Hard Rain", Year: 1998, Genres: []string{"Action", "Thriller"}},
		{ID: 10, Title: "A.I. Artificial Intelligence", Year: 2001, Genres: []string{"Drama", "Sci-Fi"}},
		{ID: 11, Title: "Scream", Year: 1996, Genres: []string{"Horror", "Thriller"}},
		{ID: 12, Title: "Pulp Fiction", Year: 1994, Genres: []string{"Crime", "Drama"}},
		{ID: 13, Title: "Lion King, The", Year: 1994, Genres: []string{"Animation", "Children's", "Musical"}},
		{ID: 14, Title: "Casablanca", Year: 1942, Genres: []string{"Drama", "Romance", "War"}},
	}
	crime := []int32{2, 3, 4, 12, 1, 9}
	family := []int32{5, 6, 13, 8, 7}
	other := []int32{10, 11, 14, 1, 8}
	var rs []dataset.Rating
	for u := range int32(30) {
		var set []int32
		switch u % 3 {
		case 0:
			set = crime
		case 1:
			set = family
		default:
			set = other
		}
		for k, m := range set {
			if (int(u)+k)%5 != 4 { // not everyone rates everything
				rs = append(rs, dataset.Rating{UserID: u + 1, MovieID: m, Rating: float32(3 + (int(u)+k)%3)})
			}
		}
	}
	for i := range movies {
		for _, r := range rs {
			if r.MovieID == movies[i].ID {
				movies[i].RatingMean = (movies[i].RatingMean*float32(movies[i].RatingCount) + r.Rating) / float32(movies[i].RatingCount+1)
				movies[i].RatingCount++
			}
		}
	}
	movies[3].Tags = []string{"dark comedy", "snow"}
	return movies, rs
}

func tinyIndex(t testing.TB) *Index {
	t.Helper()
	movies, rs := tinyCatalogue()
	ix, err := BuildFromCatalog(context.Background(), movies, rs, BuildOptions{Dense: CollabTextOptions{Dim: 4}})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestSearchTiny(t *testing.T) {
	ix := tinyIndex(t)
	ctx := context.Background()
	tests := []struct {
		query string
		first int32 // expected first hit, 0 for none
		// none are movie ids that must not appear.
		none []int32
		note string
	}{
		{query: "shawshank redemtion", first: 1},
		{query: "The Shawshank Redemption", first: 1},
		{query: "Shawshank Redemption, The", first: 1},
		{query: "godfater", first: 2},
		{query: "star wras", first: 8},
		{query: "Les Miserables", first: 7},
		{query: "miserables", first: 7},
		{query: "rain", first: 9, none: []int32{10}},
		{query: "ai", first: 10},
		{query: "fargo", first: 4},
		{query: "snow", first: 4},
		{query: "dark comedy", first: 4},
		{query: "90s thrillers", none: []int32{2, 3, 5, 6, 8, 10, 13, 14}},
		{query: "cartoons not musical", first: 5, none: []int32{6, 13}},
		{query: "before 1970", first: 14, none: []int32{1, 4, 5}},
		{query: "movies like the godfathr", first: 3, none: []int32{2}},
		{query: "like Flubber", note: "no movie matches the title"},
		{query: "", note: "empty query"},
		{query: "\x00\x01\x02\x7f", note: "empty query"},
		{query: "the", note: "only common words"},
		{query: "zzzzqqq", note: "no movie matches"},
		{query: "after 1990 before 1980", note: "no year can be"},
	}
	for _, tc := range tests {
		for _, mode := range []Mode{ModeFused, ModeLexical} {
			res, err := ix.Search(ctx, tc.query, Options{Mode: mode})
			if err != nil {
				t.Fatalf("%q %s: %v", tc.query, mode, err)
			}
			if tc.first != 0 && (len(res.Hits) == 0 || res.Hits[0].MovieID != tc.first) {
				t.Errorf("%q %s: hits %v, want %d first", tc.query, mode, titles(res), tc.first)
			}
			for _, h := range res.Hits {
				for _, n := range tc.none {
					if h.MovieID == n {
						t.Errorf("%q %s: movie %d (%s) must not match", tc.query, mode, n, h.Title)
					}
				}
			}
			if tc.note != "" && !strings.Contains(strings.Join(res.Notes, "; "), tc.note) {
				t.Errorf("%q %s: notes %q, want one containing %q", tc.query, mode, res.Notes, tc.note)
			}
		}
	}
}

func titles(r *Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Title)
	}
	return out
}

func TestSearchWhy(t *testing.T) {
	ix := tinyIndex(t)
	res, err := ix.Search(context.Background(), "shawshank redemtion", Options{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Hits[0]
	if h.Title != "The Shawshank Redemption" || h.Year != 1994 {
		t.Fatalf("first hit %+v", h)
	}
	var typo bool
	for _, m := range h.Why.Terms {
		if m.Query == "redemtion" && m.Matched == "redemption" && m.Typo && m.Fields[0] == "title" {
			typo = true
		}
	}
	if !typo || h.Why.TitleCoverage < 0.8 || h.Why.Ranks["lexical"] != 1 {
		t.Errorf("why %+v: want the typo match, title coverage and lexical rank 1", h.Why)
	}
	res, err = ix.Search(context.Background(), "movies like fargo", Options{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Like == nil || res.Like.MovieID != 4 || res.Hits[0].Why.Similarity == 0 {
		t.Errorf("like: %+v, hits %+v", res.Like, res.Hits)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"movie_id":4`, `"like"`, `"why"`, `"kind":"like"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
}

func TestRerank(t *testing.T) {
	ix := tinyIndex(t)
	ctx := context.Background()
	base, err := ix.Search(ctx, "crime", Options{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Hits) < 3 {
		t.Fatalf("hits %v", titles(base))
	}
	last := base.Hits[len(base.Hits)-1].MovieID
	scores := map[int32]float32{last: 10}
	for _, h := range base.Hits[:len(base.Hits)-1] {
		scores[h.MovieID] = 0
	}
	res, err := ix.Search(ctx, "crime", Options{K: 5, UserScores: scores, PersonalWeight: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hits[0].MovieID != last || res.Hits[0].Why.Personal == nil || *res.Hits[0].Why.Personal != 10 {
		t.Errorf("weight 1: first %+v, want movie %d with its personal score", res.Hits[0], last)
	}
	res, err = ix.Search(ctx, "crime", Options{K: 5, UserScores: scores, PersonalWeight: 0})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hits[0].MovieID != base.Hits[0].MovieID {
		t.Errorf("weight 0 changed the order")
	}
	// No model scores at all: order unchanged.
	r2 := *base
	r2.Hits = append([]Hit(nil), base.Hits...)
	r2.Rerank(map[int32]float32{999: 1}, 0.5)
	for i := range r2.Hits {
		if r2.Hits[i].MovieID != base.Hits[i].MovieID {
			t.Fatalf("rerank without scores for the hits changed the order")
		}
	}
}

func TestIndexWriteOpenDeterministic(t *testing.T) {
	ctx := context.Background()
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		if err := tinyIndex(t).Write(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{ManifestFile, CatalogFile, NeighboursFile, DenseFile} {
		a, err := os.ReadFile(filepath.Join(dirs[0], f))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dirs[1], f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds", f)
		}
	}
	ix, err := Open(ctx, dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	orig := tinyIndex(t)
	for _, q := range []string{"godfater", "movies like fargo", "90s", "cartoons", "space"} {
		a, _ := orig.Search(ctx, q, Options{})
		b, err := ix.Search(ctx, q, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%q: loaded index answers differently:\n%s\n%s", q, ja, jb)
		}
	}
	if _, err := Open(ctx, t.TempDir()); err == nil || !strings.Contains(err.Error(), "genie search index") {
		t.Errorf("open empty dir: %v", err)
	}
	// A truncated artefact is an error, not a panic.
	p := filepath.Join(dirs[1], DenseFile)
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dirs[1]); err == nil {
		t.Error("truncated collab_text.bin opened without error")
	}
}

func TestSearchML100K(t *testing.T) {
	_, ix := loadML100K(t)
	ctx := context.Background()
	tests := []struct{ query, want string }{
		{"shawshank redemtion", "The Shawshank Redemption"},
		{"godfater", "The Godfather"},
		{"star wras", "Star Wars"},
		{"Les Miserables", "Les Misérables"},
		{"rain", "Hard Rain"},
		{"movies like fargo", ""},
		{"2001 a space odyssey", "2001: A Space Odyssey"},
	}
	for _, tc := range tests {
		res, err := ix.Search(ctx, tc.query, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 {
			t.Errorf("%q: no hits", tc.query)
			continue
		}
		if tc.want != "" && res.Hits[0].Title != tc.want {
			t.Errorf("%q: first %q, want %q (all %q)", tc.query, res.Hits[0].Title, tc.want, titles(res))
		}
	}
	res, _ := ix.Search(ctx, "90s thrillers", Options{K: 20})
	for _, h := range res.Hits {
		if h.Year < 1990 || h.Year > 1999 || !contains(h.Genres, "Thriller") {
			t.Errorf("90s thrillers: %s (%d) %v", h.Title, h.Year, h.Genres)
		}
	}
	res, _ = ix.Search(ctx, "comedy not romance", Options{K: 50})
	for _, h := range res.Hits {
		if contains(h.Genres, "Romance") {
			t.Errorf("comedy not romance: %s has Romance", h.Title)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"rain", "90s thrillers", "like fargo but not horror", "between 1990 and", "\xff", "'", "the 1990s",
		"not", "similar to", "sci fi fi sci", "l'avventura"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		if len(q.Raw) > MaxQueryBytes {
			t.Fatalf("raw %d bytes", len(q.Raw))
		}
		if q.Empty() && len(q.Notes) == 0 {
			t.Fatalf("%q: empty without a note", s)
		}
		_ = q.DenseText()
	})
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"godfater", "movies like fargo", "90s", "", "like", "not horror", "\x00", "aaaa bbbb cccc",
		"after 2030 before 1800", "the"} {
		f.Add(s)
	}
	ix := tinyIndex(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range []Mode{ModeFused, ModeLexical, ModeDense} {
			res, err := ix.Search(context.Background(), s, Options{K: 5, Mode: m})
			if err != nil {
				t.Fatalf("%q %s: %v", s, m, err)
			}
			if len(res.Hits) > 5 {
				t.Fatalf("%d hits", len(res.Hits))
			}
			if len(res.Hits) == 0 && len(res.Notes) == 0 && m != ModeDense {
				t.Fatalf("%q %s: no hits and no note", s, m)
			}
		}
	})
}

func TestIndexWithoutRatings(t *testing.T) {
	movies, _ := tinyCatalogue()
	ix, err := BuildFromCatalog(context.Background(), movies, nil, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(context.Background(), "godfater", Options{})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].MovieID != 2 {
		t.Fatalf("lexical search without ratings: %v %v", err, res)
	}
	res, err = ix.Search(context.Background(), "movies like fargo", Options{})
	if err != nil || !strings.Contains(strings.Join(res.Notes, ";"), "no ratings yet") {
		t.Errorf("like a movie without ratings: %v %v", err, res.Notes)
	}
	if _, err := ix.Search(context.Background(), "godfather", Options{Mode: ModeDense}); err == nil {
		t.Error("dense search without an embedder did not fail")
	}
	dir := t.TempDir()
	if err := ix.Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
}

func TestSearchConcurrent(t *testing.T) {
	ix := tinyIndex(t)
	queries := []string{"godfater", "movies like fargo", "90s", "cartoons not musical", "rain", ""}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for i := range 50 {
				if _, err := ix.Search(context.Background(), queries[(g+i)%len(queries)], Options{}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestMetrics(t *testing.T) {
	rel := []Judgement{{MovieID: 1, Grade: 2}, {MovieID: 2, Grade: 1}}
	tests := []struct {
		ranked      []int32
		rr, ndcg, p float64
	}{
		{[]int32{1, 2}, 1, 1, 0.2},
		{[]int32{3, 1}, 0.5, 3 / math.Log2(3) / (3 + 1/math.Log2(3)), 0.1},
		{[]int32{3, 4}, 0, 0, 0},
		{nil, 0, 0, 0},
	}
	for _, tc := range tests {
		rr, ndcg, p := Metrics(tc.ranked, rel)
		if math.Abs(rr-tc.rr) > 1e-9 || math.Abs(ndcg-tc.ndcg) > 1e-9 || math.Abs(p-tc.p) > 1e-9 {
			t.Errorf("Metrics(%v) = %v %v %v, want %v %v %v", tc.ranked, rr, ndcg, p, tc.rr, tc.ndcg, tc.p)
		}
	}
	ix := tinyIndex(t)
	rep, err := Evaluate(context.Background(), ix, []JudgedQuery{
		{ID: "a", Type: TypeKnownItem, Query: "godfater", Relevant: []Judgement{{MovieID: 2, Grade: 2}}},
		{ID: "b", Type: TypeGenreEra, Query: "90s thrillers", Relevant: []Judgement{{MovieID: 4, Grade: 2}, {MovieID: 9, Grade: 1}, {MovieID: 11, Grade: 1}}},
	}, ModeLexical)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 3 || rep.Rows[1].MRR != 1 || !strings.Contains(rep.Markdown(), "| known_item | 1 | MRR | 1.000 |") {
		t.Errorf("report %+v\n%s", rep, rep.Markdown())
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil || !bytes.Contains(buf.Bytes(), []byte(`"ndcg@10"`)) {
		t.Errorf("json %v %s", err, buf.Bytes())
	}
}

func TestOpenCorruptLengths(t *testing.T) {
	dir := t.TempDir()
	if err := tinyIndex(t).Write(dir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, DenseFile)
	b, _ := os.ReadFile(p)
	// Claim a huge vocabulary right after the magic and dimension.
	bad := append([]byte(nil), b...)
	copy(bad[len(collabMagic)+4:], []byte{0xff, 0xff, 0xff, 0x00})
	if err := os.WriteFile(p, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), dir); err == nil {
		t.Error("corrupt vocabulary length opened without error")
	}
}
