package server

import (
	"context"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/store"
)

// countingStore is a store whose sequences and movies are in memory and
// which counts the reads the cache should save.
type countingStore struct {
	store.Store // nil: only the methods below are called
	seqs        map[int32][]store.Interaction
	movieReads  int
	seqReads    int
}

func (s *countingStore) SequenceVersion(_ context.Context, user int32) (store.SeqVersion, error) {
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
	c := newCache()
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
		seq, err := c.sequence(ctx, st, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(seq) != s.wantLen || st.seqReads != s.wantReads {
			t.Errorf("%s: %d interactions after %d store reads, want %d after %d", s.name, len(seq), st.seqReads, s.wantLen, s.wantReads)
		}
	}
	var none *cache // nil reads through
	if _, err := none.sequence(ctx, st, 1); err != nil || st.seqReads != 4 {
		t.Errorf("nil cache: %v, %d reads", err, st.seqReads)
	}
}

func TestCacheMovies(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{}
	c := newCache()
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
