package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/movielens"
	"github.com/moviegenie/genie/internal/store"
)

// Factory creates a fresh database loaded with tables (the backend's
// `genie db setup` path) and returns a store over it and a function that
// opens the same database again, for durability tests. The test closes
// the stores it gets.
type Factory func(t *testing.T, tables *dataset.Tables) (s store.Store, reopen func(t *testing.T) store.Store)

// Run is the suite every backend passes: queries against the generated
// dataset, feedback visibility and durability, concurrent writers, user
// creation and the model registry.
func Run(t *testing.T, newStore Factory) {
	tables := Tables()
	dir := t.TempDir()
	WriteProcessed(t, dir, tables)
	tables, err := dataset.ReadTables(dir) // through Parquet, as db setup reads them
	if err != nil {
		t.Fatal(err)
	}
	s, reopen := newStore(t, tables)
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()

	t.Run("Movie", func(t *testing.T) { testMovie(ctx, t, s, tables) })
	t.Run("ListMovies", func(t *testing.T) { testListMovies(ctx, t, s, tables) })
	t.Run("Genres", func(t *testing.T) { testGenres(ctx, t, s, tables) })
	t.Run("Users", func(t *testing.T) { testUsers(ctx, t, s, tables) })
	t.Run("Profile", func(t *testing.T) { testProfile(ctx, t, s, tables) })
	t.Run("Sequence", func(t *testing.T) { testSequence(ctx, t, s, tables) })
	t.Run("SearchDocuments", func(t *testing.T) { testSearchDocuments(ctx, t, s, tables) })
	t.Run("ModelVersions", func(t *testing.T) { testModelVersions(ctx, t, s) })
	t.Run("Feedback", func(t *testing.T) { testFeedback(ctx, t, s) })
	t.Run("CreateUser", func(t *testing.T) { testCreateUser(ctx, t, s, tables) })
	t.Run("ConcurrentFeedback", func(t *testing.T) { testConcurrentFeedback(ctx, t, s, tables) })
	t.Run("Durability", func(t *testing.T) {
		want, err := s.Sequence(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		it, err := s.AddFeedback(ctx, store.Feedback{UserID: 3, MovieID: 30, Kind: store.KindLike})
		if err != nil {
			t.Fatal(err)
		}
		models, err := s.ModelVersions(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2 := reopen(t)
		defer s2.Close()
		got, err := s2.Sequence(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, it)
		if !equalInteractions(got, want) {
			t.Errorf("after reopen, user 3's sequence is\n%v\nwant\n%v", got, want)
		}
		models2, err := s2.ModelVersions(ctx, "")
		if err != nil || len(models2) != len(models) {
			t.Errorf("after reopen, %d model versions (%v), want %d", len(models2), err, len(models))
		}
	})
}

func equalInteractions(a, b []store.Interaction) bool {
	return slices.EqualFunc(a, b, func(x, y store.Interaction) bool {
		return x.ID == y.ID && x.UserID == y.UserID && x.MovieID == y.MovieID && x.Kind == y.Kind &&
			x.Time.Equal(y.Time) && x.Source == y.Source && (x.Value == nil) == (y.Value == nil) &&
			(x.Value == nil || *x.Value == *y.Value)
	})
}

func testMovie(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	for _, want := range tables.Movies {
		got, err := s.Movie(ctx, want.MovieID)
		if err != nil {
			t.Fatalf("movie %d: %v", want.MovieID, err)
		}
		if got.Title != want.Title || !slices.Equal(got.Genres, store.UniqueGenres(want.Genres)) ||
			got.RatingCount != want.RatingCount || !eqPtr(got.Year, want.Year) || !eqPtr(got.RatingMean, want.RatingMean) {
			t.Errorf("movie %d = %+v, want %+v", want.MovieID, got, want)
		}
	}
	m, err := s.Movie(ctx, 4)
	if err != nil || m.IMDbID == nil || *m.IMDbID != 100004 || m.IMDbURL == "" || m.TMDbID != nil {
		t.Errorf("movie 4 links: %+v, %v", m, err)
	}
	if _, err := s.Movie(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("movie 9999: err %v, want ErrNotFound", err)
	}
	ms, err := s.Movies(ctx, []int32{5, 9999, 1, 5, 3})
	if err != nil {
		t.Fatal(err)
	}
	if ids := movieIDs(ms); !slices.Equal(ids, []int32{5, 1, 3}) {
		t.Errorf("Movies(5, 9999, 1, 5, 3) = %v, want [5 1 3]", ids)
	}
	if ms, err := s.Movies(ctx, nil); err != nil || len(ms) != 0 {
		t.Errorf("Movies(nil) = %v, %v", ms, err)
	}
	if _, err := s.Movies(ctx, make([]int32, store.MaxPageSize+1)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Movies(too many): %v, want ErrInvalid", err)
	}
}

func eqPtr[T comparable](a, b *T) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func movieIDs(ms []store.Movie) []int32 {
	ids := make([]int32, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func testListMovies(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	byPopularity := slices.Clone(tables.Movies)
	slices.SortStableFunc(byPopularity, func(a, b dataset.MovieRow) int {
		return cmp.Or(cmp.Compare(b.RatingCount, a.RatingCount), cmp.Compare(a.MovieID, b.MovieID))
	})
	var popular []int32
	for _, m := range byPopularity {
		popular = append(popular, m.MovieID)
	}
	var drama []int32
	for _, m := range tables.Movies {
		if slices.Contains(m.Genres, "Drama") {
			drama = append(drama, m.MovieID)
		}
	}
	tests := []struct {
		name  string
		q     store.MovieQuery
		ids   []int32 // nil: only check total
		total int
		err   error
	}{
		{"first page", store.MovieQuery{Limit: 3}, []int32{1, 2, 3}, 30, nil},
		{"second page", store.MovieQuery{Offset: 3, Limit: 3}, []int32{4, 5, 6}, 30, nil},
		{"past the end", store.MovieQuery{Offset: 30, Limit: 3}, []int32{}, 30, nil},
		{"genre", store.MovieQuery{Genre: "Drama", Limit: 100}, drama, len(drama), nil},
		{"non-canonical genre", store.MovieQuery{Genre: "IMAX", Limit: 10}, []int32{12}, 1, nil},
		{"unknown genre", store.MovieQuery{Genre: "Nope", Limit: 10}, []int32{}, 0, nil},
		{"year range", store.MovieQuery{YearMin: 1994, YearMax: 1995, Limit: 10}, []int32{1, 2, 3, 22}, 4, nil},
		{"year from", store.MovieQuery{YearMin: 2001, YearMax: 0, Limit: 10}, []int32{6, 8, 26, 27, 28, 29, 30}, 7, nil},
		{"prefix", store.MovieQuery{Prefix: "star", Limit: 10}, []int32{4, 5, 8}, 3, nil},
		{"prefix with space", store.MovieQuery{Prefix: "star ", Limit: 10}, []int32{4, 5}, 2, nil},
		{"prefix punctuation and case", store.MovieQuery{Prefix: "STAR TREK:", Limit: 10}, []int32{5}, 1, nil},
		{"prefix without article", store.MovieQuery{Prefix: "shaw", Limit: 10}, []int32{3}, 1, nil},
		{"prefix with article", store.MovieQuery{Prefix: "the shawshank", Limit: 10}, []int32{3}, 1, nil},
		{"prefix a clockwork", store.MovieQuery{Prefix: "a clock", Limit: 10}, []int32{9}, 1, nil},
		{"prefix apostrophe", store.MovieQuery{Prefix: "schindler's", Limit: 10}, []int32{10}, 1, nil},
		{"prefix unicode", store.MovieQuery{Prefix: "amé", Limit: 10}, []int32{6}, 1, nil},
		{"prefix only punctuation", store.MovieQuery{Prefix: "!!", Limit: 10}, []int32{}, 0, nil},
		{"prefix and genre", store.MovieQuery{Prefix: "star", Genre: "Sci-Fi", Limit: 10}, []int32{4, 5}, 2, nil},
		{"sort title", store.MovieQuery{Prefix: "s", Sort: store.SortTitle, Limit: 10}, []int32{10, 3, 5, 4, 8}, 5, nil},
		{"sort year", store.MovieQuery{YearMax: 1977, Sort: store.SortYear, Limit: 10}, []int32{9, 11, 12, 13, 4}, 5, nil},
		{"sort year unknown last", store.MovieQuery{Sort: store.SortYear, Offset: 29, Limit: 5}, []int32{7}, 30, nil},
		{"sort popular", store.MovieQuery{Sort: store.SortPopular, Limit: 30}, popular, 30, nil},
		{"limit 0", store.MovieQuery{}, nil, 0, store.ErrInvalid},
		{"limit too big", store.MovieQuery{Limit: store.MaxPageSize + 1}, nil, 0, store.ErrInvalid},
		{"negative offset", store.MovieQuery{Offset: -1, Limit: 1}, nil, 0, store.ErrInvalid},
		{"bad sort", store.MovieQuery{Sort: "rating; DROP TABLE movies", Limit: 1}, nil, 0, store.ErrInvalid},
		{"bad year range", store.MovieQuery{YearMin: 2000, YearMax: 1990, Limit: 1}, nil, 0, store.ErrInvalid},
		{"injection is a literal", store.MovieQuery{Prefix: "' OR 1=1 --", Genre: "x' OR '1'='1", Limit: 10}, []int32{}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.ListMovies(ctx, tc.q)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := movieIDs(page.Movies); tc.ids != nil && !slices.Equal(got, tc.ids) {
				t.Errorf("ids %v, want %v", got, tc.ids)
			}
			if tc.total != 0 && page.Total != tc.total {
				t.Errorf("total %d, want %d", page.Total, tc.total)
			}
		})
	}
	pop, err := s.PopularMovies(ctx, "", 5)
	if err != nil || !slices.Equal(movieIDs(pop), popular[:5]) {
		t.Errorf("PopularMovies = %v, %v; want %v", movieIDs(pop), err, popular[:5])
	}
	pop, err = s.PopularMovies(ctx, "Drama", 100)
	if err != nil || len(pop) != len(drama) || pop[0].RatingCount < pop[len(pop)-1].RatingCount {
		t.Errorf("PopularMovies(Drama) = %v, %v", movieIDs(pop), err)
	}
}

func testGenres(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	want := map[string]int{}
	for _, m := range tables.Movies {
		for _, g := range m.Genres {
			want[g]++
		}
	}
	got, err := s.Genres(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d genres, want %d: %v", len(got), len(want), got)
	}
	for i, g := range got {
		if want[g.Genre] != g.Count {
			t.Errorf("genre %s: %d movies, want %d", g.Genre, g.Count, want[g.Genre])
		}
		if i > 0 && got[i-1].Genre >= g.Genre {
			t.Errorf("genres not sorted by name: %q before %q", got[i-1].Genre, g.Genre)
		}
	}
	if movielens.GenreIndex("Sci-Fi") < 0 || want["Sci-Fi"] == 0 {
		t.Fatal("test data lacks Sci-Fi")
	}
}

func testUsers(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	var all []int32
	for _, u := range tables.Users {
		all = append(all, u.UserID)
	}
	slices.Sort(all)
	ids, total, err := s.UserIDs(ctx, 0, 5)
	if err != nil || total != len(all) || !slices.Equal(ids, all[:5]) {
		t.Errorf("UserIDs(0, 5) = %v, %d, %v; want %v, %d", ids, total, err, all[:5], len(all))
	}
	ids, _, err = s.UserIDs(ctx, 10, 5)
	if err != nil || !slices.Equal(ids, all[10:]) {
		t.Errorf("UserIDs(10, 5) = %v, %v; want %v", ids, err, all[10:])
	}
	if _, _, err := s.UserIDs(ctx, 0, 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("UserIDs(limit 0): %v", err)
	}
	a, err := s.SampleUsers(ctx, 5, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.SampleUsers(ctx, 5, 42)
	if len(a) != 5 || !slices.Equal(a, b) {
		t.Errorf("SampleUsers(5, 42) = %v then %v: want 5 ids, the same twice", a, b)
	}
	seen := map[int32]bool{}
	for _, id := range a {
		if seen[id] || !slices.Contains(all, id) {
			t.Errorf("sample %v: repeated or unknown id %d", a, id)
		}
		seen[id] = true
	}
	everyone, err := s.SampleUsers(ctx, 100, 1)
	if err != nil || len(everyone) < len(all) {
		t.Errorf("SampleUsers(100) = %v, %v: want every user", everyone, err)
	}
	if _, err := s.SampleUsers(ctx, 0, 1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SampleUsers(0): %v", err)
	}
}

func testProfile(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	genres := map[int32][]string{}
	for _, m := range tables.Movies {
		genres[m.MovieID] = m.Genres
	}
	for _, u := range tables.Users {
		p, err := s.UserProfile(ctx, u.UserID, 3)
		if err != nil {
			t.Fatalf("user %d: %v", u.UserID, err)
		}
		if p.User.ID != u.UserID || !eqPtr(p.User.Age, u.Age) || !eqPtr(p.User.Gender, u.Gender) ||
			!eqPtr(p.User.ZipCode, u.ZipCode) || p.User.Source != store.SourceDataset {
			t.Errorf("user %d = %+v, want %+v", u.UserID, p.User, u)
		}
		st := p.Stats
		if st.Ratings != int(u.RatingCount) || st.Interactions != int(u.RatingCount) || st.Movies != int(u.RatingCount) ||
			math.Abs(st.RatingMean-float64(u.RatingMean)) > 1e-5 || math.Abs(st.RatingStd-float64(u.RatingStd)) > 1e-4 ||
			st.First.Unix() != u.FirstTimestamp || st.Last.Unix() != u.LastTimestamp {
			t.Errorf("user %d stats %+v, want %+v", u.UserID, st, u)
		}
		count := map[string]int{}
		for _, r := range tables.Ratings {
			if r.UserID == u.UserID {
				for _, g := range genres[r.MovieID] {
					count[g]++
				}
			}
		}
		if len(p.TopGenres) != min(3, len(count)) {
			t.Fatalf("user %d top genres %v", u.UserID, p.TopGenres)
		}
		for i, g := range p.TopGenres {
			if count[g.Genre] != g.Count || (i > 0 && p.TopGenres[i-1].Count < g.Count) {
				t.Errorf("user %d top genres %v: %s has %d", u.UserID, p.TopGenres, g.Genre, count[g.Genre])
			}
		}
	}
	if _, err := s.UserProfile(ctx, 11, 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("profile of missing user 11: %v", err)
	}
	if _, err := s.UserProfile(ctx, 1, -1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("profile with -1 genres: %v", err)
	}
}

// datasetSequence is a user's ratings in UserSeq order.
func datasetSequence(tables *dataset.Tables, user int32) []dataset.Rating {
	var rs []dataset.Rating
	for _, r := range tables.Ratings {
		if r.UserID == user {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b dataset.Rating) int { return cmp.Compare(a.UserSeq, b.UserSeq) })
	return rs
}

func testSequence(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	for _, u := range tables.Users {
		want := datasetSequence(tables, u.UserID)
		got, err := s.Sequence(ctx, u.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("user %d: %d interactions, want %d", u.UserID, len(got), len(want))
		}
		for i := range want {
			g := got[i]
			if g.MovieID != want[i].MovieID || g.Time.Unix() != want[i].Timestamp || g.Kind != store.KindRating ||
				g.Value == nil || *g.Value != want[i].Rating || g.Source != store.SourceDataset || g.UserID != u.UserID {
				t.Fatalf("user %d item %d = %+v, want %+v", u.UserID, i, g, want[i])
			}
		}
		// History is the same, newest first, in pages.
		var hist []store.HistoryItem
		for off := 0; ; off += 4 {
			page, err := s.History(ctx, u.UserID, off, 4)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != len(want) {
				t.Fatalf("user %d history total %d, want %d", u.UserID, page.Total, len(want))
			}
			if len(page.Items) == 0 {
				break
			}
			hist = append(hist, page.Items...)
		}
		if len(hist) != len(want) {
			t.Fatalf("user %d: %d history items, want %d", u.UserID, len(hist), len(want))
		}
		for i, h := range hist {
			w := got[len(got)-1-i]
			if h.ID != w.ID || h.Title == "" {
				t.Fatalf("user %d history %d = %+v, want %+v", u.UserID, i, h, w)
			}
		}
	}
	if _, err := s.Sequence(ctx, 11); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("sequence of missing user: %v", err)
	}
	if _, err := s.History(ctx, 11, 0, 10); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("history of missing user: %v", err)
	}
	if _, err := s.History(ctx, 1, 0, store.MaxPageSize+1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("history with a huge page: %v", err)
	}
}

func testSearchDocuments(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	docs, err := s.SearchDocuments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != len(tables.Movies) {
		t.Fatalf("%d documents, want %d", len(docs), len(tables.Movies))
	}
	d := docs[3]
	if d.MovieID != 4 || d.Title != "Star Wars (1977)" ||
		d.Text != "Star Wars (1977). Genres: Action, Adventure, Romance, Sci-Fi, War. Tags: space opera, classic" {
		t.Errorf("document 4 = %+v", d)
	}
}

func testModelVersions(ctx context.Context, t *testing.T, s store.Store) {
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	add := []store.ModelVersion{
		{Name: "bert4rec", Version: "v1", Metrics: json.RawMessage(`{"ndcg@10": 0.05}`), CreatedAt: base},
		{Name: "bert4rec", Version: "v2", Metrics: json.RawMessage(`{"ndcg@10": 0.07, "history": [1, 2]}`), CreatedAt: base.Add(time.Hour)},
		{Name: "twotower", Version: "a1b2", Metrics: json.RawMessage(`{}`), CreatedAt: base.Add(30 * time.Minute)},
	}
	for _, m := range add {
		if err := s.AddModelVersion(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddModelVersion(ctx, add[0]); !errors.Is(err, store.ErrExists) {
		t.Errorf("adding bert4rec v1 twice: %v, want ErrExists", err)
	}
	for _, bad := range []store.ModelVersion{
		{Name: "", Version: "v1", Metrics: json.RawMessage(`{}`)},
		{Name: "x", Version: "v1", Metrics: json.RawMessage(`[1]`)},
		{Name: "x", Version: "v1", Metrics: json.RawMessage(`{`)},
		{Name: "x", Version: "v1"},
	} {
		if err := s.AddModelVersion(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddModelVersion(%+v): %v, want ErrInvalid", bad, err)
		}
	}
	all, err := s.ModelVersions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range all {
		got = append(got, m.Name+" "+m.Version)
	}
	if want := []string{"bert4rec v2", "twotower a1b2", "bert4rec v1"}; !slices.Equal(got, want) {
		t.Errorf("ModelVersions = %v, want %v", got, want)
	}
	latest, err := s.LatestModelVersion(ctx, "bert4rec")
	if err != nil || latest.Version != "v2" || !latest.CreatedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("latest bert4rec = %+v, %v", latest, err)
	}
	var metrics map[string]any
	if err := json.Unmarshal(latest.Metrics, &metrics); err != nil || metrics["ndcg@10"] != 0.07 {
		t.Errorf("latest metrics %s: %v", latest.Metrics, err)
	}
	if _, err := s.LatestModelVersion(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("latest of unknown model: %v", err)
	}
	only, err := s.ModelVersions(ctx, "twotower")
	if err != nil || len(only) != 1 {
		t.Errorf("ModelVersions(twotower) = %v, %v", only, err)
	}
}

func testFeedback(ctx context.Context, t *testing.T, s store.Store) {
	const user = 2
	before, err := s.Sequence(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	last := before[len(before)-1].Time
	now := last.Add(time.Hour)
	events := []store.Feedback{
		{UserID: user, MovieID: 29, Kind: store.KindRating, Value: 4.5, Time: now},
		{UserID: user, MovieID: 30, Kind: store.KindWatched, Time: now}, // same second: insertion order
		{UserID: user, MovieID: 1, Kind: store.KindDislike, Time: now.Add(time.Second)},
		{UserID: user, MovieID: 3, Kind: store.KindLike}, // now
	}
	var added []store.Interaction
	version, err := s.SequenceVersion(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if version.Count != int64(len(before)) || version.MaxID < before[len(before)-1].ID {
		t.Errorf("SequenceVersion = %+v for a sequence of %d ending with id %d", version, len(before), before[len(before)-1].ID)
	}
	for i, f := range events {
		it, err := s.AddFeedback(ctx, f)
		if err != nil {
			t.Fatalf("feedback %d: %v", i, err)
		}
		// The version moves with every acknowledged write, so a cached
		// sequence is never served stale.
		v, err := s.SequenceVersion(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if v == version || v.Count != version.Count+1 || v.MaxID != it.ID {
			t.Errorf("feedback %d: SequenceVersion %+v after %+v, want one more row ending with id %d", i, v, version, it.ID)
		}
		version = v
		if it.ID == 0 || it.Source != store.SourceApp || it.Kind != f.Kind || (f.Kind == store.KindRating) != (it.Value != nil) {
			t.Errorf("feedback %d returned %+v", i, it)
		}
		added = append(added, it)
		// Visible to the very next read, as the recommender needs.
		seq, err := s.Sequence(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if got := seq[len(seq)-1]; got.ID != it.ID {
			t.Fatalf("after feedback %d, the sequence ends with %+v, want %+v", i, got, it)
		}
	}
	seq, _ := s.Sequence(ctx, user)
	if !equalInteractions(seq, append(slices.Clone(before), added...)) {
		t.Errorf("sequence after feedback:\n%v\nwant the old one plus\n%v", seq, added)
	}
	page, err := s.History(ctx, user, 0, 2)
	if err != nil || page.Total != len(before)+4 || page.Items[0].ID != added[3].ID || page.Items[0].Title != "Shawshank Redemption, The (1994)" {
		t.Errorf("history page after feedback: %+v, %v", page, err)
	}
	movies := map[int32]bool{}
	for _, it := range seq {
		movies[it.MovieID] = true
	}
	p, err := s.UserProfile(ctx, user, 1)
	if err != nil || p.Stats.Likes != 1 || p.Stats.Dislikes != 1 || p.Stats.Watched != 1 || p.Stats.Ratings != len(before)+1 ||
		p.Stats.Interactions != len(seq) || p.Stats.Movies != len(movies) || len(movies) == len(seq) {
		t.Errorf("profile stats after feedback: %+v (%d movies in %d events), %v", p.Stats, len(movies), len(seq), err)
	}

	tests := []struct {
		name string
		f    store.Feedback
		err  error
	}{
		{"unknown user", store.Feedback{UserID: 11, MovieID: 1, Kind: store.KindLike}, store.ErrNotFound},
		{"unknown movie", store.Feedback{UserID: 1, MovieID: 31, Kind: store.KindLike}, store.ErrNotFound},
		{"bad kind", store.Feedback{UserID: 1, MovieID: 1, Kind: "love"}, store.ErrInvalid},
		{"rating too high", store.Feedback{UserID: 1, MovieID: 1, Kind: store.KindRating, Value: 5.5}, store.ErrInvalid},
		{"rating zero", store.Feedback{UserID: 1, MovieID: 1, Kind: store.KindRating}, store.ErrInvalid},
		{"rating NaN", store.Feedback{UserID: 1, MovieID: 1, Kind: store.KindRating, Value: float32(math.NaN())}, store.ErrInvalid},
		{"like with a value", store.Feedback{UserID: 1, MovieID: 1, Kind: store.KindLike, Value: 1}, store.ErrInvalid},
		{"negative id", store.Feedback{UserID: -1, MovieID: 1, Kind: store.KindLike}, store.ErrInvalid},
		{"time before 1970", store.Feedback{UserID: 1, MovieID: 1, Kind: store.KindLike, Time: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}, store.ErrInvalid},
		{"time in year 3000", store.Feedback{UserID: 1, MovieID: 1, Kind: store.KindLike, Time: time.Date(3001, 1, 1, 0, 0, 0, 0, time.UTC)}, store.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := s.Sequence(ctx, 1)
			if _, err := s.AddFeedback(ctx, tc.f); !errors.Is(err, tc.err) {
				t.Errorf("err %v, want %v", err, tc.err)
			}
			if after, _ := s.Sequence(ctx, 1); len(after) != len(before) {
				t.Errorf("a rejected feedback changed user 1's history: %d -> %d", len(before), len(after))
			}
		})
	}
}

func testCreateUser(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	var maxID int32
	for _, u := range tables.Users {
		maxID = max(maxID, u.UserID)
	}
	age, gender := int32(33), "F"
	u, its, err := s.CreateUser(ctx, store.NewUser{Age: &age, Gender: &gender, Feedback: []store.Feedback{
		{MovieID: 4, Kind: store.KindRating, Value: 5},
		{MovieID: 5, Kind: store.KindLike},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID <= maxID || u.Source != store.SourceApp || u.CreatedAt.IsZero() || len(its) != 2 || its[0].UserID != u.ID {
		t.Errorf("CreateUser = %+v, %+v", u, its)
	}
	p, err := s.UserProfile(ctx, u.ID, 5)
	if err != nil || *p.User.Age != 33 || p.User.Occupation != nil || p.Stats.Interactions != 2 || p.Stats.RatingMean != 5 ||
		len(p.TopGenres) != 5 || p.TopGenres[0] != (store.GenreCount{Genre: "Action", Count: 2}) {
		t.Errorf("new user's profile %+v, %v", p, err)
	}
	seq, err := s.Sequence(ctx, u.ID)
	if err != nil || len(seq) != 2 || seq[0].MovieID != 4 || seq[1].MovieID != 5 {
		t.Errorf("new user's sequence %+v, %v", seq, err)
	}
	u2, _, err := s.CreateUser(ctx, store.NewUser{})
	if err != nil || u2.ID <= u.ID {
		t.Errorf("second new user %+v, %v", u2, err)
	}
	if seq, err := s.Sequence(ctx, u2.ID); err != nil || len(seq) != 0 {
		t.Errorf("user without feedback: %v, %v", seq, err)
	}
	// A bad initial event creates nothing.
	_, total, _ := s.UserIDs(ctx, 0, 1)
	_, _, err = s.CreateUser(ctx, store.NewUser{Feedback: []store.Feedback{{MovieID: 1, Kind: store.KindLike}, {MovieID: 999, Kind: store.KindLike}}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateUser with an unknown movie: %v", err)
	}
	bigAge := int32(200)
	if _, _, err := s.CreateUser(ctx, store.NewUser{Age: &bigAge}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("CreateUser with age 200: %v", err)
	}
	if _, total2, _ := s.UserIDs(ctx, 0, 1); total2 != total {
		t.Errorf("failed CreateUser calls changed the user count: %d -> %d", total, total2)
	}
}

func testConcurrentFeedback(ctx context.Context, t *testing.T, s store.Store, tables *dataset.Tables) {
	const writers, each = 8, 25
	users := []int32{4, 5, 6, 7}
	before := map[int32]int{}
	for _, u := range users {
		seq, err := s.Sequence(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		before[u] = len(seq)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ids  = map[int64]bool{}
		errs []error
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				u := users[(w+i)%len(users)]
				it, err := s.AddFeedback(ctx, store.Feedback{UserID: u, MovieID: int32(1 + (w*each+i)%30), Kind: store.KindWatched})
				if err == nil {
					// Readers run alongside the writers.
					_, err = s.Sequence(ctx, u)
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("writer %d event %d: %w", w, i, err))
				} else {
					ids[it.ID] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if len(ids) != writers*each {
		t.Errorf("%d distinct ids for %d acknowledged events", len(ids), writers*each)
	}
	total := 0
	for _, u := range users {
		seq, err := s.Sequence(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range seq[before[u]:] {
			if !ids[it.ID] {
				t.Errorf("user %d: unexpected interaction %+v", u, it)
			}
		}
		total += len(seq) - before[u]
	}
	if total != writers*each {
		t.Errorf("%d new interactions stored, want %d", total, writers*each)
	}
}
