package server

import (
	"context"
	"sync"

	"github.com/moviegenie/genie/internal/store"
)

// maxCachedUsers bounds the sequence cache: beyond it an arbitrary entry
// makes room (about 6 KB per MovieLens user).
const maxCachedUsers = 20000

// cache keeps what a recommendation request reads from the database and
// rarely changes: users' interaction sequences, validated on every use
// against store.SequenceVersion (one indexed count instead of reading and
// decoding every row), and movie details, which only change when the
// database is rebuilt from a new catalogue, at which point the models are
// reloaded and reset clears the cache. A nil *cache reads through.
type cache struct {
	mu        sync.Mutex
	seqs      map[int32]cachedSeq
	movieByID map[int32]store.Movie
}

type cachedSeq struct {
	version store.SeqVersion
	seq     []store.Interaction
}

func newCache() *cache {
	return &cache{seqs: map[int32]cachedSeq{}, movieByID: map[int32]store.Movie{}}
}

// reset forgets everything (a new catalogue or model version).
func (c *cache) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.seqs)
	clear(c.movieByID)
}

// sequence returns st.Sequence(user), from the cache when the user's
// sequence version has not moved. The version is read before the rows, so
// a write racing with the read at worst causes one more read later, never
// a stale answer.
func (c *cache) sequence(ctx context.Context, st store.Store, user int32) ([]store.Interaction, error) {
	if c == nil {
		return st.Sequence(ctx, user)
	}
	v, err := st.SequenceVersion(ctx, user)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e, ok := c.seqs[user]
	c.mu.Unlock()
	if ok && e.version == v {
		return e.seq, nil
	}
	seq, err := st.Sequence(ctx, user)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seqs) >= maxCachedUsers {
		for k := range c.seqs {
			delete(c.seqs, k)
			break
		}
	}
	c.seqs[user] = cachedSeq{version: v, seq: seq}
	return seq, nil
}

// movies returns st.Movies(ids): the cached ones from memory, the rest in
// one query (then cached).
func (c *cache) movies(ctx context.Context, st store.Store, ids []int32) ([]store.Movie, error) {
	if c == nil {
		return st.Movies(ctx, ids)
	}
	out := make([]store.Movie, 0, len(ids))
	var missing []int32
	c.mu.Lock()
	for _, id := range ids {
		if m, ok := c.movieByID[id]; ok {
			out = append(out, m)
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := st.Movies(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for _, m := range got {
		c.movieByID[m.ID] = m
	}
	c.mu.Unlock()
	return append(out, got...), nil
}
