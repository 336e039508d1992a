// Package recommend answers the questions the app asks of the models —
// "what next for this history?", "what is like this movie?", "because you
// watched X" — over raw MovieLens ids, with exclusions and explanations.
// It wraps fitted model.Recommenders; it trains nothing itself beyond the
// baselines it can fit in a second at start-up.
package recommend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/baseline"
)

// Scored is one recommended movie.
type Scored struct {
	MovieID int32   `json:"movie_id"`
	Score   float32 `json:"score"`
}

// Engine holds the fitted models over one item vocabulary. It is safe for
// concurrent use and never changes after Build; a new model version is a
// new Engine.
type Engine struct {
	// Model and Version name what produces personalized recommendations.
	Model, Version string
	// SimilarModel names what produces similar-movie lists.
	SimilarModel string
	// Trained is when the models were fitted.
	Trained time.Time

	raw   []int32         // dense index -> raw movie id (ascending)
	dense map[int32]int32 // raw movie id -> dense index
	next  model.Recommender
	sim   model.Recommender
	pop   []int32 // dense items by training count, most first
	// popCount is each dense item's training count (the popularity
	// scores the Two-Tower blend mixes with for an empty history).
	popCount []float32

	// The Two-Tower model and blend (twotower.go); tt is nil without one.
	// TwoTowerVersion labels it.
	TwoTowerVersion string
	tt              TwoTower
	ttItems         []float32 // [items, ttDim] in dense order
	ttDim           int
	blend           Blend
}

// Options configure Build.
type Options struct {
	// Window, K and Weight configure the Markov + ItemKNN sequential model:
	// ItemKNN over the last Window items plus Weight × P(next | last).
	Window, K int
	Weight    float32
	// SimilarK is the neighbourhood size of the similar-movies ItemKNN.
	SimilarK int
}

// DefaultOptions are the settings evaluation chose on ml-100k
// (markov_itemknn_recent: window 5, k 200, weight 10).
func DefaultOptions() Options { return Options{Window: 5, K: 200, Weight: 10, SimilarK: 100} }

// Build fits the serving models on every processed rating: histories in
// time order (ties in source order), as the sequential protocol orders them.
func Build(ctx context.Context, ratings []dataset.Rating, opt Options) (*Engine, error) {
	if len(ratings) == 0 {
		return nil, fmt.Errorf("recommend: no ratings to fit on")
	}
	in := make([]eval.Interaction, len(ratings))
	h := sha256.New()
	var buf [16]byte
	for i, r := range ratings {
		in[i] = eval.Interaction{User: int64(r.UserID), Item: int64(r.MovieID), Rating: r.Rating, Timestamp: r.Timestamp}
		putInt32(buf[0:], r.UserID)
		putInt32(buf[4:], r.MovieID)
		putInt64(buf[8:], r.Timestamp)
		h.Write(buf[:])
	}
	d, err := eval.NewDataset(in)
	if err != nil {
		return nil, err
	}
	train := d.ChronologicalTrainData()
	// Both models rank by the same cosine lists: compute them once.
	cache := baseline.NewSimilarityCache()
	next := baseline.NewMarkovKNN(opt.K, opt.Weight).WithCache(cache)
	next.Window = opt.Window
	if err := next.Fit(ctx, train); err != nil {
		return nil, fmt.Errorf("recommend: fit markov_itemknn_recent: %w", err)
	}
	sim := baseline.NewItemKNN(opt.SimilarK).WithCache(cache)
	if err := sim.Fit(ctx, train); err != nil {
		return nil, fmt.Errorf("recommend: fit itemknn: %w", err)
	}
	e := &Engine{
		Model: "markov_itemknn_recent", SimilarModel: "itemknn",
		Version: hex.EncodeToString(h.Sum(nil))[:12], Trained: time.Now().UTC(),
		dense: make(map[int32]int32, train.NumItems), next: next, sim: sim,
	}
	for i, id := range train.ItemIDs {
		e.raw = append(e.raw, int32(id))
		e.dense[int32(id)] = int32(i)
	}
	counts := train.ItemCounts()
	e.popCount = make([]float32, train.NumItems)
	for i, c := range counts {
		e.popCount[i] = float32(c)
	}
	e.pop = make([]int32, train.NumItems)
	for i := range e.pop {
		e.pop[i] = int32(i)
	}
	slices.SortStableFunc(e.pop, func(a, b int32) int { return counts[b] - counts[a] })
	return e, nil
}

func putInt32(b []byte, v int32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func putInt64(b []byte, v int64) {
	putInt32(b, int32(v))
	putInt32(b[4:], int32(v>>32))
}

// WithNext returns a copy of the engine whose personalized
// recommendations come from next, a fitted model over the same item
// vocabulary (itemIDs, raw ids in ascending order). name and version label
// the responses.
func (e *Engine) WithNext(name, version string, next model.Recommender, itemIDs []int64) (*Engine, error) {
	if len(itemIDs) != len(e.raw) {
		return nil, fmt.Errorf("recommend: %s knows %d movies, the ratings have %d: retrain it on the current data", name, len(itemIDs), len(e.raw))
	}
	for i, id := range itemIDs {
		if int32(id) != e.raw[i] {
			return nil, fmt.Errorf("recommend: %s's item %d is movie %d, the ratings' is %d: retrain it on the current data", name, i, id, e.raw[i])
		}
	}
	c := *e
	c.Model, c.Version, c.next = name, version, next
	return &c, nil
}

// Items is the number of movies the engine can recommend.
func (e *Engine) Items() int { return len(e.raw) }

// Known reports whether the engine can recommend a movie.
func (e *Engine) Known(movie int32) bool { _, ok := e.dense[movie]; return ok }

// Recommend returns the k best next movies for a history (raw ids, oldest
// first), never one in the history or in exclude. Movies the models do not
// know are ignored in the history. An empty history gets the most popular.
func (e *Engine) Recommend(history []int32, k int, exclude map[int32]bool) []Scored {
	hist := e.toDense(history)
	if len(hist) == 0 {
		return e.popular(k, history, exclude)
	}
	scores := make([]float32, len(e.raw))
	e.next.Score(-1, hist, scores)
	return e.top(scores, k, history, exclude)
}

// Similar returns the k movies most like movie (ItemKNN cosine over
// co-rating users, blended with Two-Tower item embeddings when the engine
// has them and its Blend says so: SimilarModel names it), or nil when the
// movie is unknown to the models.
func (e *Engine) Similar(movie int32, k int, exclude map[int32]bool) []Scored {
	i, ok := e.dense[movie]
	if !ok {
		return nil
	}
	scores := make([]float32, len(e.raw))
	e.sim.Score(-1, []int32{i}, scores)
	if e.similarBlended() {
		// Item-embedding cosine mixed in (twotower.go): every movie has
		// one, so there is no zero cut.
		e.blendSimilar(i, scores)
		return e.top(scores, k, []int32{movie}, exclude)
	}
	out := e.top(scores, k, []int32{movie}, exclude)
	// Only real neighbours: a zero similarity is no evidence of likeness.
	for n, s := range out {
		if s.Score <= 0 {
			return out[:n]
		}
	}
	return out
}

// Popular returns the k most-rated movies not excluded.
func (e *Engine) Popular(k int, exclude map[int32]bool) []Scored { return e.popular(k, nil, exclude) }

func (e *Engine) popular(k int, seen []int32, exclude map[int32]bool) []Scored {
	skip := make(map[int32]bool, len(seen))
	for _, m := range seen {
		skip[m] = true
	}
	var out []Scored
	for rank, i := range e.pop {
		m := e.raw[i]
		if skip[m] || exclude[m] {
			continue
		}
		out = append(out, Scored{MovieID: m, Score: 1 / float32(rank+1)})
		if len(out) == k {
			break
		}
	}
	return out
}

func (e *Engine) toDense(raw []int32) []int32 {
	out := make([]int32, 0, len(raw))
	for _, m := range raw {
		if i, ok := e.dense[m]; ok {
			out = append(out, i)
		}
	}
	return out
}

// top ranks scores, ties to the lower movie id, skipping seen and excluded.
func (e *Engine) top(scores []float32, k int, seen []int32, exclude map[int32]bool) []Scored {
	banned := make([]bool, len(scores))
	for _, m := range seen {
		if i, ok := e.dense[m]; ok {
			banned[i] = true
		}
	}
	for m := range exclude {
		if i, ok := e.dense[m]; ok {
			banned[i] = true
		}
	}
	idx := eval.TopK(nil, scores, k, banned)
	out := make([]Scored, len(idx))
	for n, i := range idx {
		out[n] = Scored{MovieID: e.raw[i], Score: scores[i]}
	}
	return out
}

// neighbourLister is a similarity model that lists, for an item, the items
// it adds to and by how much (baseline.ItemKNN).
type neighbourLister interface {
	Neighbours(j int32, fn func(item int32, sim float32))
}

// Explain returns, for each recommended movie, the movie of the history
// (among its last 20) most similar to it, or 0 when none is similar: the
// "because you watched X" line. Ties go to the older history movie.
func (e *Engine) Explain(history []int32, recs []Scored) []int32 {
	recent := history[max(0, len(history)-20):]
	out := make([]int32, len(recs))
	best := make([]float32, len(recs))
	pos := make([]int32, len(e.raw)) // dense item -> 1 + index in recs (0: not recommended)
	for n, r := range recs {
		if i, ok := e.dense[r.MovieID]; ok {
			pos[i] = int32(n + 1)
		}
	}
	nl, listed := e.sim.(neighbourLister)
	var v []float32
	for _, m := range recent {
		i, ok := e.dense[m]
		if !ok {
			continue
		}
		consider := func(item int32, sim float32) {
			if n := pos[item] - 1; n >= 0 && sim > best[n] {
				best[n], out[n] = sim, m
			}
		}
		if listed {
			nl.Neighbours(i, consider)
			continue
		}
		if v == nil {
			v = make([]float32, len(e.raw))
		}
		clear(v)
		e.sim.Score(-1, []int32{i}, v)
		for _, r := range recs {
			if item, ok := e.dense[r.MovieID]; ok {
				consider(item, v[item])
			}
		}
	}
	return out
}
