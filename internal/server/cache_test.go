package server

import (
	"context"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/recommend"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// countingStore is a store whose sequences and movies are in memory and
// which counts the reads the cache should save.
type countingStore struct {
	store.Store // nil: only the methods below are called
	seqs        map[int32][]store.Interaction
	movieReads  int
	seqReads    int
	versions    int // SequenceVersion calls
}

func (s *countingStore) SequenceVersion(_ context.Context, user int32) (store.SeqVersion, error) {
	s.versions++
	seq := s.seqs[user]
	v := store.SeqVersion{Count: int64(len(seq))}
	if len(seq) > 0 {
		v.MaxID = seq[len(seq)-1].ID
	}
	return v, nil
}

func (s *countingStore) Sequence(_ context.Context, user int32) ([]store.Interaction, error) {
	s.seqReads++
	return slices.Clone(s.seqs[user]), nil
}

func (s *countingStore) Movies(_ context.Context, ids []int32) ([]store.Movie, error) {
	s.movieReads++
	var out []store.Movie
	for _, id := range ids {
		if id < 100 {
			out = append(out, store.Movie{ID: id})
		}
	}
	return out, nil
}

func TestCacheSequence(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{seqs: map[int32][]store.Interaction{1: {{ID: 1, MovieID: 10}, {ID: 2, MovieID: 11}}}}
	c := newCache(true)
	steps := []struct {
		name      string
		write     *store.Interaction // appended to user 1's sequence first
		reset     bool
		wantLen   int
		wantReads int
	}{
		{name: "first read goes to the store", wantLen: 2, wantReads: 1},
		{name: "unchanged: from the cache", wantLen: 2, wantReads: 1},
		{name: "feedback moves the version", write: &store.Interaction{ID: 3, MovieID: 12}, wantLen: 3, wantReads: 2},
		{name: "cached again", wantLen: 3, wantReads: 2},
		{name: "reset forgets", reset: true, wantLen: 3, wantReads: 3},
	}
	for _, s := range steps {
		if s.write != nil {
			st.seqs[1] = append(st.seqs[1], *s.write)
		}
		if s.reset {
			c.reset()
		}
		h, err := c.sequence(ctx, st, 1)
		if err != nil {
			t.Fatal(err)
		}
		seq := h.seq
		if len(seq) != s.wantLen || st.seqReads != s.wantReads {
			t.Errorf("%s: %d interactions after %d store reads, want %d after %d", s.name, len(seq), st.seqReads, s.wantLen, s.wantReads)
		}
	}
	var none *cache // nil reads through
	if _, err := none.sequence(ctx, st, 1); err != nil || st.seqReads != 4 {
		t.Errorf("nil cache: %v, %d reads", err, st.seqReads)
	}
}

// versionedStore adds a database-wide data version to countingStore.
type versionedStore struct {
	*countingStore
	data int64
}

func (s *versionedStore) DataVersion(context.Context) (int64, bool, error) { return s.data, true, nil }

// TestCacheDataVersion: while the store's data version stands still the
// cache asks nothing else; when it moves, a user's unchanged sequence costs
// one version check and a changed one a read.
func TestCacheDataVersion(t *testing.T) {
	ctx := context.Background()
	st := &versionedStore{countingStore: &countingStore{seqs: map[int32][]store.Interaction{
		1: {{ID: 1, MovieID: 10}}, 2: {{ID: 2, MovieID: 11}}}}}
	c := newCache(true)
	steps := []struct {
		name                    string
		writeUser               int32 // 0: no write before the read
		wantVersions, wantReads int
		wantLen                 int
	}{
		{"first read", 0, 1, 1, 1},
		{"nothing committed: no query at all", 0, 1, 1, 1},
		{"another user's write: one version check, no read", 2, 2, 1, 1},
		{"settled again", 0, 2, 1, 1},
		{"the user's own write: read", 1, 3, 2, 2},
		{"settled", 0, 3, 2, 2},
	}
	next := int64(100)
	for _, s := range steps {
		if s.writeUser != 0 {
			st.seqs[s.writeUser] = append(st.seqs[s.writeUser], store.Interaction{ID: next, MovieID: 12})
			next++
			st.data++
		}
		h, err := c.sequence(ctx, st, 1)
		if err != nil {
			t.Fatal(err)
		}
		seq := h.seq
		if len(seq) != s.wantLen || st.versions != s.wantVersions || st.seqReads != s.wantReads {
			t.Errorf("%s: %d interactions after %d version checks and %d reads, want %d after %d and %d",
				s.name, len(seq), st.versions, st.seqReads, s.wantLen, s.wantVersions, s.wantReads)
		}
	}
}

func TestCacheMovies(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{}
	c := newCache(true)
	steps := []struct {
		ids       []int32
		want      []int32 // ids returned, any order
		wantReads int
	}{
		{ids: []int32{1, 2, 3}, want: []int32{1, 2, 3}, wantReads: 1},
		{ids: []int32{3, 1}, want: []int32{1, 3}, wantReads: 1},
		{ids: []int32{2, 4, 500}, want: []int32{2, 4}, wantReads: 2}, // 500 does not exist
		{ids: []int32{500}, want: nil, wantReads: 3},                 // missing ids are asked again
		{ids: nil, want: nil, wantReads: 3},
	}
	for i, s := range steps {
		ms, err := c.movies(ctx, st, s.ids)
		if err != nil {
			t.Fatal(err)
		}
		var got []int32
		for _, m := range ms {
			got = append(got, m.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, s.want) || st.movieReads != s.wantReads {
			t.Errorf("step %d: movies %v after %d reads, want %v after %d", i, got, st.movieReads, s.want, s.wantReads)
		}
	}
}

// TestCacheTwoTowerVector: the cached user vector is the engine's own for
// the same user, history and demographics, and is computed afresh when any
// of them (or the engine) changes.
func TestCacheTwoTowerVector(t *testing.T) {
	ctx := context.Background()
	tables := storetest.Tables()
	src := twoTowerSources(t, tables)
	m, err := LoadModels(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	e := m.Engine
	if _, ok := e.Blend(); !ok {
		t.Skip("the serving blend gives the Two-Tower model no weight")
	}
	other, err := LoadModels(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	age, age2 := int32(30), int32(30)
	older := int32(60)
	c := newCache(true)
	u := recommend.User{ID: 100000, History: []int32{tables.Movies[0].MovieID, tables.Movies[1].MovieID}, Demographic: twotower.Demographic{Age: &age}}
	first := c.twoTowerVector(e, u)
	if !slices.Equal(first, e.TwoTowerVector(u)) {
		t.Fatal("cached vector differs from the engine's")
	}
	same := func(a, b []float32) bool { return len(a) > 0 && &a[0] == &b[0] }
	for _, tc := range []struct {
		name string
		e    *recommend.Engine
		u    recommend.User
		hit  bool
	}{
		{"same user again", e, u, true},
		{"equal demographics through another pointer", e, recommend.User{ID: u.ID, History: slices.Clone(u.History), Demographic: twotower.Demographic{Age: &age2}}, true},
		{"another age", e, recommend.User{ID: u.ID, History: u.History, Demographic: twotower.Demographic{Age: &older}}, false},
		{"one more movie", e, recommend.User{ID: u.ID, History: append(slices.Clone(u.History), tables.Movies[2].MovieID), Demographic: u.Demographic}, false},
		{"reloaded engine", other.Engine, u, false},
	} {
		c := newCache(true)
		c.twoTowerVector(e, u)
		hitBefore := c.twoTowerVector(e, u)
		got := c.twoTowerVector(tc.e, tc.u)
		if same(got, hitBefore) != tc.hit {
			t.Errorf("%s: cache hit = %v, want %v", tc.name, !tc.hit, tc.hit)
		}
		if !slices.Equal(got, tc.e.TwoTowerVector(tc.u)) {
			t.Errorf("%s: vector differs from the engine's", tc.name)
		}
	}
	c.reset()
	if got := c.twoTowerVector(e, u); same(got, first) {
		t.Error("reset kept the vector")
	}
}

// ev builds an interaction: kind r (rating, with stars), l (like), d
// (dislike) or w (watched).
func ev(movie int32, kind byte, stars float32) store.Interaction {
	it := store.Interaction{MovieID: movie}
	switch kind {
	case 'r':
		it.Kind, it.Value = store.KindRating, &stars
	case 'l':
		it.Kind = store.KindLike
	case 'd':
		it.Kind = store.KindDislike
	case 'w':
		it.Kind = store.KindWatched
	}
	return it
}

func TestUserHistoryLatestOpinion(t *testing.T) {
	tests := []struct {
		name     string
		seq      []store.Interaction
		ids      []int32
		dislikes []int32
	}{
		{"no dislikes", []store.Interaction{ev(1, 'r', 4), ev(2, 'l', 0)}, []int32{1, 2}, nil},
		{"dislike of an unseen movie", []store.Interaction{ev(1, 'r', 4), ev(2, 'd', 0)}, []int32{1}, []int32{2}},
		{"dislike after a rating", []store.Interaction{ev(1, 'r', 4), ev(2, 'r', 5), ev(2, 'd', 0)}, []int32{1}, []int32{2}},
		{"dislike after a like", []store.Interaction{ev(2, 'l', 0), ev(1, 'r', 4), ev(2, 'd', 0)}, []int32{1}, []int32{2}},
		{"rating after a dislike", []store.Interaction{ev(2, 'd', 0), ev(1, 'r', 4), ev(2, 'r', 5)}, []int32{1, 2}, nil},
		{"watched keeps a dislike", []store.Interaction{ev(2, 'd', 0), ev(2, 'w', 0), ev(1, 'r', 4)}, []int32{1}, []int32{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newUserHistory(tt.seq)
			if !slices.Equal(h.ids, tt.ids) {
				t.Errorf("ids = %v, want %v", h.ids, tt.ids)
			}
			var got []int32
			for id := range h.dislikes {
				got = append(got, id)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.dislikes) {
				t.Errorf("dislikes = %v, want %v", got, tt.dislikes)
			}
			for _, it := range h.kept {
				if h.dislikes[it.MovieID] {
					t.Errorf("kept holds disliked movie %d", it.MovieID)
				}
			}
		})
	}
}

func TestLastLiked(t *testing.T) {
	tests := []struct {
		name string
		hist []store.Interaction
		want int32 // 0: none
	}{
		{"empty", nil, 0},
		{"latest high rating", []store.Interaction{ev(1, 'r', 5), ev(2, 'r', 4), ev(3, 'r', 2)}, 2},
		{"like", []store.Interaction{ev(1, 'r', 5), ev(2, 'l', 0), ev(3, 'w', 0)}, 2},
		{"no high rating: latest not low", []store.Interaction{ev(1, 'r', 3), ev(2, 'w', 0), ev(3, 'r', 1)}, 2},
		{"only low ratings", []store.Interaction{ev(1, 'r', 2.5), ev(2, 'r', 0.5)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got int32
			if h := lastLiked(tt.hist); h != nil {
				got = h.MovieID
			}
			if got != tt.want {
				t.Errorf("lastLiked = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestUserHistoryLiked: explanations may name a movie unless its latest
// interaction is a rating under 3 stars.
func TestUserHistoryLiked(t *testing.T) {
	seq := []store.Interaction{ev(1, 'r', 1), ev(2, 'r', 5), ev(3, 'w', 0), ev(4, 'l', 0), ev(2, 'r', 2.5), ev(1, 'r', 3), ev(5, 'r', 0.5)}
	h := newUserHistory(seq)
	if want := []int32{3, 4, 1}; !slices.Equal(h.liked, want) {
		t.Errorf("liked = %v, want %v (history %v)", h.liked, want, h.ids)
	}
}
