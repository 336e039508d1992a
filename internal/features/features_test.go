package features

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
)

func i32(v int32) *int32   { return &v }
func str(s string) *string { return &s }

// tinyTables is a hand-checkable catalogue: two sci-fi films from the
// seventies/eighties, two comedies, one film without a year.
func tinyTables() *dataset.Tables {
	return &dataset.Tables{
		Movies: []dataset.MovieRow{
			{MovieID: 1, Title: "Star Wars", Year: i32(1977), Genres: []string{"Sci-Fi", "Action"}},
			{MovieID: 2, Title: "Star Trek: The Wrath of Khan", Year: i32(1982), Genres: []string{"Sci-Fi", "Action"}},
			{MovieID: 3, Title: "Some Like It Hot", Year: i32(1959), Genres: []string{"Comedy"}},
			{MovieID: 4, Title: "Hot Shots!", Year: i32(1991), Genres: []string{"Comedy"}},
			{MovieID: 5, Title: "Untitled", Genres: nil},
		},
		Users: []dataset.UserRow{
			{UserID: 10, Age: i32(24), Gender: str("M"), Occupation: str("student"), RatingCount: 3, RatingMean: 4, RatingStd: 1, FirstTimestamp: 0, LastTimestamp: 86400},
			{UserID: 11, Age: i32(50), Gender: str("F"), Occupation: str("writer"), RatingCount: 2, RatingMean: 3, RatingStd: 0, FirstTimestamp: 0, LastTimestamp: 10 * 86400},
			{UserID: 12, RatingCount: 2, RatingMean: 2, RatingStd: 1, FirstTimestamp: 0, LastTimestamp: 0},
		},
		Ratings: []dataset.Rating{
			{UserID: 10, MovieID: 1, Rating: 5, Timestamp: 0},
			{UserID: 10, MovieID: 2, Rating: 4, Timestamp: 1},
			{UserID: 10, MovieID: 3, Rating: 3, Timestamp: 86400},
			{UserID: 11, MovieID: 3, Rating: 3, Timestamp: 0},
			{UserID: 11, MovieID: 4, Rating: 3, Timestamp: 10 * 86400},
			{UserID: 12, MovieID: 1, Rating: 1, Timestamp: 0},
			{UserID: 12, MovieID: 2, Rating: 3, Timestamp: 0},
		},
		Tags: []dataset.TagRow{{UserID: 10, MovieID: 1, Tag: "Space Opera"}, {UserID: 11, MovieID: 1, Tag: "space opera"}},
	}
}

func cosine(a, b []float32) float64 {
	var s, na, nb float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return s / math.Sqrt(na*nb)
}

func TestBuildContent(t *testing.T) {
	tb := tinyTables()
	rows, lay, err := BuildContent(tb.Movies, tb.Tags, ContentOptions{Dim: 128, Sources: []string{"title", "genres", "release_year", "tags"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lay.Genres, []string{"Action", "Comedy", "Sci-Fi"}; !slices.Equal(got, want) {
		t.Fatalf("genres %v, want %v", got, want)
	}
	for _, r := range rows {
		if len(r.Vector) != 128 {
			t.Fatalf("movie %d: %d dims", r.MovieID, len(r.Vector))
		}
		if n := cosine(r.Vector, r.Vector); math.Abs(n-1) > 1e-5 {
			t.Fatalf("movie %d: self-cosine %v", r.MovieID, n)
		}
	}
	if !slices.Equal(rows[0].Tags, []string{"space opera"}) {
		t.Errorf("tags %q, want one deduplicated lower-cased tag", rows[0].Tags)
	}
	if rows[4].Decade != nil || rows[4].Vector[lay.YearStart+yearBuckets] == 0 {
		t.Errorf("missing year: decade %v, flag %v", rows[4].Decade, rows[4].Vector[lay.YearStart+yearBuckets])
	}
	if *rows[0].Decade != 1970 {
		t.Errorf("decade %d", *rows[0].Decade)
	}
	// The genre one-hot sits at the start; Star Wars is Action and Sci-Fi.
	if rows[0].Vector[0] == 0 || rows[0].Vector[1] != 0 || rows[0].Vector[2] == 0 {
		t.Errorf("genre block %v", rows[0].Vector[:3])
	}
	// Same genres, close years, shared "star" -> most similar pair.
	sw := cosine(rows[0].Vector, rows[1].Vector)
	for j := 2; j < 5; j++ {
		if c := cosine(rows[0].Vector, rows[j].Vector); c >= sw {
			t.Errorf("cos(Star Wars, %q) = %v >= cos(Star Wars, Star Trek) = %v", rows[j].Title, c, sw)
		}
	}
	// The comedies share "hot" and the genre.
	if a, b := cosine(rows[2].Vector, rows[3].Vector), cosine(rows[2].Vector, rows[1].Vector); a <= b {
		t.Errorf("comedies %v <= comedy vs sci-fi %v", a, b)
	}
	if _, _, err := BuildContent(tb.Movies, nil, ContentOptions{Dim: 20}); err == nil {
		t.Error("dim 20 accepted")
	}
}

func TestContentSources(t *testing.T) {
	tb := tinyTables()
	rows, lay, err := BuildContent(tb.Movies, tb.Tags, ContentOptions{Dim: 64, Sources: []string{"genres"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for j := lay.YearStart; j < len(r.Vector); j++ {
			if r.Vector[j] != 0 {
				t.Fatalf("movie %d: column %d = %v with genres only", r.MovieID, j, r.Vector[j])
			}
		}
	}
}

func TestDemographicsEncode(t *testing.T) {
	d := FitDemographics(tinyTables().Users)
	if got := d.Width(); got != 2+len(ageBuckets)+3+3 {
		t.Fatalf("width %d", got)
	}
	names := d.Names()
	tests := []struct {
		name    string
		age     *int32
		g, o    *string
		wantOne []string
	}{
		{"known", i32(24), str("M"), str("student"), []string{"age_group_18", "gender_M", "occupation_student"}},
		{"missing", nil, nil, nil, []string{"age_missing", "gender_missing", "occupation_missing"}},
		{"unseen values", i32(70), str("X"), str("pilot"), []string{"age_group_56", "gender_missing", "occupation_missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := d.Encode(nil, tc.age, tc.g, tc.o)
			if len(v) != len(names) {
				t.Fatalf("len %d, names %d", len(v), len(names))
			}
			var ones []string
			for i, x := range v {
				if x == 1 && names[i] != "age_z" {
					ones = append(ones, names[i])
				}
			}
			if !slices.Equal(ones, tc.wantOne) {
				t.Errorf("set columns %v, want %v", ones, tc.wantOne)
			}
		})
	}
}

func TestBuildUsers(t *testing.T) {
	rows, meta := BuildUsers(tinyTables())
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if len(r.Features) != len(meta.Names) {
			t.Fatalf("user %d: %d features, %d names", r.UserID, len(r.Features), len(meta.Names))
		}
	}
	g := func(name string) int { return slices.Index(meta.Genres, name) }
	// User 10 rated two sci-fi films and one comedy out of three.
	if got := rows[0].GenreAffinity[g("Sci-Fi")]; math.Abs(float64(got)-2.0/3) > 1e-6 {
		t.Errorf("sci-fi share %v", got)
	}
	// Mean on sci-fi 4.5 minus overall mean 4.
	if got := rows[0].GenreRating[g("Sci-Fi")]; got != 0.5 {
		t.Errorf("sci-fi rating offset %v", got)
	}
	// User 11's last rating is the newest.
	if rows[1].DaysSinceLast != 0 || rows[0].DaysSinceLast != 9 {
		t.Errorf("recency %v %v", rows[0].DaysSinceLast, rows[1].DaysSinceLast)
	}
	// Scaled columns have mean 0 over users.
	col := slices.Index(meta.Names, "activity_z")
	var s float32
	for _, r := range rows {
		s += r.Features[col]
	}
	if math.Abs(float64(s)) > 1e-5 {
		t.Errorf("activity_z sums to %v", s)
	}
}

func TestCooccurrenceNeighbors(t *testing.T) {
	tb := tinyTables()
	ids := []int32{1, 2, 3, 4, 5}
	var want [][]Neighbor
	for _, threads := range []int{1, 3} {
		got, err := CooccurrenceNeighbors(context.Background(), ids, tb.Ratings, 2, threads)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
			continue
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("threads=%d: %v, want %v", threads, got, want)
		}
	}
	// Movies 1 and 2 share both their users: cosine 1. Movie 1 and 3 share
	// user 10: 1/sqrt(2*2).
	if w := []Neighbor{{2, 1}, {3, 0.5}}; !slices.Equal(want[0], w) {
		t.Errorf("neighbours of 1: %v, want %v", want[0], w)
	}
	// Movie 3: movie 4 (1/sqrt(2)), then 1 and 2 tie at 0.5: lower id wins.
	if w := []Neighbor{{4, 1 / math.Sqrt(2)}, {1, 0.5}}; !slices.Equal(want[2], w) {
		t.Errorf("neighbours of 3: %v, want %v", want[2], w)
	}
	if len(want[4]) != 0 {
		t.Errorf("unrated movie has neighbours %v", want[4])
	}
}

func TestWriteDeterministic(t *testing.T) {
	tb := tinyTables()
	p := DefaultParams()
	p.SimilarityTopK = 3
	var prev [][]byte
	for run := range 2 {
		dir := t.TempDir()
		rows, err := WriteContent(dir, tb, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := WriteUsers(dir, tb); err != nil {
			t.Fatal(err)
		}
		sim, err := WriteSimilarity(context.Background(), dir, tb, rows, p, 1+run)
		if err != nil {
			t.Fatal(err)
		}
		if sim[0].Kind != KindCooccurrence || sim[len(sim)-1].Kind != KindContent {
			t.Errorf("kinds %s .. %s", sim[0].Kind, sim[len(sim)-1].Kind)
		}
		back, err := dataset.ReadParquet[ContentRow](filepath.Join(dir, ContentFile))
		if err != nil || len(back) != 5 || !slices.Equal(back[1].Vector, rows[1].Vector) {
			t.Fatalf("read back: %v", err)
		}
		var files [][]byte
		for _, f := range []string{ContentFile, UsersFile, UsersMetaFile, SimilarityFile} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, b)
		}
		if prev != nil && !slices.EqualFunc(files, prev, bytes.Equal) {
			t.Error("outputs differ between runs")
		}
		prev = files
	}
}

// TestOutputModes checks that every output of the stage is world-readable
// (0644) whatever it replaces: user_features.json was written 0600.
func TestOutputModes(t *testing.T) {
	tb := tinyTables()
	p := DefaultParams()
	dir := t.TempDir()
	// Earlier outputs with other modes are replaced, modes included.
	for _, f := range []string{ContentFile, UsersFile, UsersMetaFile, SimilarityFile} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := WriteContent(dir, tb, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteUsers(dir, tb); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteSimilarity(context.Background(), dir, tb, rows, p, 1); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ContentFile, UsersFile, UsersMetaFile, SimilarityFile} {
		t.Run(f, func(t *testing.T) {
			fi, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want -rw-r--r--", fi.Mode().Perm())
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("%d entries in the output folder, want the 4 outputs (no temp files)", len(entries))
	}
}

// TestLoadParamsRepository loads the project's own params.yaml: its other
// sections and keys must be accepted.
func TestLoadParamsRepository(t *testing.T) {
	p, err := LoadParams(filepath.Join("..", "..", "params.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadParams(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, yaml, wantErr string
		want                Params
	}{
		{name: "defaults", yaml: "data:\n  dataset: ml-100k\n", want: DefaultParams()},
		{name: "override", yaml: "feature_engineering:\n  embedding_dim: 256\n  similarity_top_k: 5\n  content_features: [genres, tags]\nmodel_training: {}\n",
			want: Params{EmbeddingDim: 256, SimilarityTopK: 5, ContentFeatures: []string{"genres", "tags"}}},
		{name: "whole params.yaml", yaml: "feature_engineering:\n  embedding_dim: 128\n  max_sequence_length: 30\nserving:\n  search_personal_weight: 0.5\nsearch: {}\n",
			want: Params{EmbeddingDim: 128, SimilarityTopK: DefaultTopK, ContentFeatures: DefaultParams().ContentFeatures}},
		{name: "bounds", yaml: "feature_engineering:\n  embedding_dim: 16384\n  similarity_top_k: 1000\n",
			want: Params{EmbeddingDim: MaxEmbeddingDim, SimilarityTopK: MaxSimilarityTopK, ContentFeatures: DefaultParams().ContentFeatures}},
		{name: "bad source", yaml: "feature_engineering:\n  content_features: [plot]\n", wantErr: `unknown source "plot"`},
		{name: "bad dim", yaml: "feature_engineering:\n  embedding_dim: 8\n", wantErr: "feature_engineering.embedding_dim: expected 64 to 16384, got 8"},
		{name: "typo", yaml: "feature_engineering:\n  embeding_dim: 256\n", wantErr: "field embeding_dim not found"},
		{name: "unknown key", yaml: "feature_engineering:\n  similarity_top_k: 5\n  neighbours: 5\n", wantErr: "field neighbours not found"},
		{name: "huge dim", yaml: "feature_engineering:\n  embedding_dim: 100000000\n", wantErr: "feature_engineering.embedding_dim: expected 64 to 16384, got 100000000"},
		{name: "huge top k", yaml: "feature_engineering:\n  similarity_top_k: 100000000\n", wantErr: "feature_engineering.similarity_top_k: expected 1 to 1000, got 100000000"},
		{name: "no top k", yaml: "feature_engineering:\n  similarity_top_k: 0\n", wantErr: "feature_engineering.similarity_top_k: expected 1 to 1000, got 0"},
		{name: "every bad value", yaml: "feature_engineering:\n  embedding_dim: 0\n  similarity_top_k: -1\n",
			wantErr: "embedding_dim: expected 64 to 16384, got 0\nfeature_engineering.similarity_top_k: expected 1 to 1000, got -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".yaml")
			os.WriteFile(path, []byte(tc.yaml), 0o644)
			got, err := LoadParams(path)
			if tc.wantErr != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.wantErr)) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.EmbeddingDim != tc.want.EmbeddingDim || got.SimilarityTopK != tc.want.SimilarityTopK || !slices.Equal(got.ContentFeatures, tc.want.ContentFeatures) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
