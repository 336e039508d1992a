package server

import (
	"context"
	"slices"
	"sync"

	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/recommend"
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
	vectors   map[int32]cachedVector
	// lists holds each user's last personalized list response (nil: not
	// kept; listcache.go).
	lists map[int32]cachedList
}

// cachedVector is a user's Two-Tower query embedding and what it was
// computed from: valid while the engine, history and demographics are the
// same (a history check costs ~100 ns against ~70 µs for the user tower).
type cachedVector struct {
	engine *recommend.Engine
	user   recommend.User // without TwoTower
	vec    []float32
}

type cachedSeq struct {
	version store.SeqVersion
	// data is the store's data version when the entry was last known
	// current (dataOK: the store has one).
	data   int64
	dataOK bool
	hist   *userHistory
}

// userHistory is a user's interactions as the recommendation routes read
// them, derived once per version of the sequence. It is shared: nothing
// may change it.
type userHistory struct {
	// seq is every interaction, oldest first.
	seq []store.Interaction
	// kept is seq without dislikes; dislikes are the disliked movies.
	kept     []store.Interaction
	dislikes map[int32]bool
	// ids are kept's movies (movieIDs).
	ids []int32
	// liked are the movies of ids whose latest interaction is not a
	// rating under 3 stars: what "because you watched" may name.
	liked []int32
}

// newUserHistory derives a userHistory from a sequence. The latest opinion
// of a movie wins: a dislike takes the movie's earlier ratings and likes
// out of the history, and a later rating or like takes the dislike back
// (a watched event is no opinion and changes neither).
func newUserHistory(seq []store.Interaction) *userHistory {
	h := &userHistory{seq: seq, dislikes: map[int32]bool{}, kept: make([]store.Interaction, 0, len(seq))}
	for _, it := range seq {
		switch it.Kind {
		case store.KindDislike:
			h.dislikes[it.MovieID] = true
		case store.KindRating, store.KindLike:
			delete(h.dislikes, it.MovieID)
		}
	}
	for _, it := range seq {
		if it.Kind == store.KindDislike || h.dislikes[it.MovieID] {
			continue
		}
		h.kept = append(h.kept, it)
	}
	h.ids = movieIDs(h.kept)
	low := map[int32]bool{}
	for _, it := range h.kept { // the latest interaction of a movie decides
		low[it.MovieID] = it.Kind == store.KindRating && it.Value != nil && *it.Value < 3
	}
	h.liked = make([]int32, 0, len(h.ids))
	for _, id := range h.ids {
		if !low[id] {
			h.liked = append(h.liked, id)
		}
	}
	return h
}

// dataVersioner is a store with a database-wide change counter that is
// cheaper to read than a user's SequenceVersion (SQLite's data_version):
// while it has not moved, no user's sequence has.
type dataVersioner interface {
	DataVersion(ctx context.Context) (v int64, ok bool, err error)
}

// newCache returns an empty cache; lists says whether it keeps users'
// recommendation lists.
func newCache(lists bool) *cache {
	c := &cache{seqs: map[int32]cachedSeq{}, movieByID: map[int32]store.Movie{}, vectors: map[int32]cachedVector{}}
	if lists {
		c.lists = map[int32]cachedList{}
	}
	return c
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
	clear(c.vectors)
	clear(c.lists)
}

// sequence returns st.Sequence(user) as a userHistory, from the cache while the user's
// sequence has not moved: nothing committed since the entry was checked
// (the store's data version, when it has one), or else the same
// SequenceVersion (one indexed count instead of reading and decoding
// every row). Versions are read before the rows, so a write racing with
// the read at worst causes one more check later, never a stale answer.
func (c *cache) sequence(ctx context.Context, st store.Store, user int32) (*userHistory, error) {
	if c == nil {
		seq, err := st.Sequence(ctx, user)
		if err != nil {
			return nil, err
		}
		return newUserHistory(seq), nil
	}
	var (
		data   int64
		dataOK bool
	)
	if dv, ok := st.(dataVersioner); ok {
		var err error
		if data, dataOK, err = dv.DataVersion(ctx); err != nil {
			dataOK = false // fall back to the per-user check
		}
	}
	c.mu.Lock()
	e, ok := c.seqs[user]
	c.mu.Unlock()
	if ok && dataOK && e.dataOK && e.data == data {
		return e.hist, nil
	}
	v, err := st.SequenceVersion(ctx, user)
	if err != nil {
		return nil, err
	}
	if !ok || e.version != v {
		seq, err := st.Sequence(ctx, user)
		if err != nil {
			return nil, err
		}
		e = cachedSeq{version: v, hist: newUserHistory(seq)}
	}
	e.data, e.dataOK = data, dataOK
	c.mu.Lock()
	defer c.mu.Unlock()
	makeRoom(c.seqs, user)
	c.seqs[user] = e
	return e.hist, nil
}

// twoTowerVector returns e.TwoTowerVector(u), from the cache when it was
// computed by e for the same user, history and demographics.
func (c *cache) twoTowerVector(e *recommend.Engine, u recommend.User) []float32 {
	if c == nil {
		return e.TwoTowerVector(u)
	}
	u.TwoTower = nil
	c.mu.Lock()
	hit, ok := c.vectors[u.ID]
	c.mu.Unlock()
	if ok && hit.engine == e && sameDemographic(hit.user.Demographic, u.Demographic) && slices.Equal(hit.user.History, u.History) {
		return hit.vec
	}
	v := e.TwoTowerVector(u)
	u.History = slices.Clone(u.History)
	c.mu.Lock()
	defer c.mu.Unlock()
	makeRoom(c.vectors, u.ID)
	c.vectors[u.ID] = cachedVector{engine: e, user: u, vec: v}
	return v
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

// makeRoom deletes an arbitrary entry of m when it is full
// (maxCachedUsers) and has no entry for user.
func makeRoom[V any](m map[int32]V, user int32) {
	if _, present := m[user]; present || len(m) < maxCachedUsers {
		return
	}
	for k := range m {
		delete(m, k)
		return
	}
}

func sameDemographic(a, b twotower.Demographic) bool {
	return samePtr(a.Age, b.Age) && samePtr(a.Gender, b.Gender) && samePtr(a.Occupation, b.Occupation)
}

// samePtr reports whether a and b are both nil or point to equal values.
func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
