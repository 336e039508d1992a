package recommend

import (
	"fmt"
	"strings"

	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/nn/blas"
)

// TwoTower is what the engine uses of a trained Two-Tower model
// (*twotower.Model): user embeddings from a history and demographics, and
// item embeddings, all unit length.
type TwoTower interface {
	// EmbedUser embeds a known user (their id embedding and training
	// demographics) or a new one (history and demographics alone).
	EmbedUser(q twotower.UserQuery) []float32
	// UserEmbedding reports, through its bool, whether the model trained on
	// a user.
	UserEmbedding(userID int64) ([]float32, bool)
	// ItemEmbedding returns a movie's embedding, false for an unknown one.
	ItemEmbedding(movieID int64) ([]float32, bool)
}

// Step is a Two-Tower weight for histories of at least MinHistory movies.
type Step struct {
	MinHistory int     `json:"min_history"`
	Weight     float32 `json:"weight"`
}

// Blend says where the engine mixes Two-Tower scores into its lists and
// how much: the list of a model is normalised with Fusion, then
// (1-w)·sequential + w·two_tower. A weight of 0 leaves a list to the
// engine's own models.
type Blend struct {
	Fusion Fusion `json:"fusion"`
	// NewUsers are the weights for users the Two-Tower model did not train
	// on (created in the app), by the length of their history: the step
	// with the largest MinHistory not above it applies (none: 0). An empty
	// history blends with popularity.
	NewUsers []Step `json:"new_users"`
	// KnownUsers are the weights for users the model trained on.
	KnownUsers []Step `json:"known_users"`
	// Similar is the weight of item-embedding cosine against ItemKNN in
	// similar movies (and "because you watched").
	Similar float32 `json:"similar"`
}

// DefaultBlend is the blend measured on ml-100k (docs/twotower.md,
// "Serving blend", TestTwoTowerBlendML100K): min-max fusion, and for each
// view the Two-Tower weight chosen on its validation targets. Known users
// 0.7 (test NDCG@10 0.1111 -> 0.1238, the one clear gain); new users with
// 1-4 / 5-9 / 10-14 / 15+ ratings 0.8 / 0.7 / 0.5 / 0.4 (gains of 0.002 to
// 0.015, within noise on 313 users); an empty history is left to
// popularity (validation chose 0: Two-Tower from demographics alone loses
// 0.085); similar movies 0.5 (+0.003, within noise).
func DefaultBlend() Blend {
	return Blend{
		Fusion:     FuseMinMax,
		NewUsers:   []Step{{MinHistory: 1, Weight: 0.8}, {MinHistory: 5, Weight: 0.7}, {MinHistory: 10, Weight: 0.5}, {MinHistory: 15, Weight: 0.4}},
		KnownUsers: []Step{{MinHistory: 0, Weight: 0.7}},
		Similar:    0.5,
	}
}

// BlendMeasuredWith is the sequential model DefaultBlend's user weights
// were measured with (see ForModel for the others).
const BlendMeasuredWith = "markov_itemknn_recent"

// sasrecKnownUsers is the Two-Tower weight measured with SASRec for users
// both models trained on (TestSASRecBlendML100K with the Two-Tower
// ensemble of three with the weight average: min-max, w = 0.4 chosen on
// validation, 0.1278 there; test NDCG@10 0.1169 -> 0.1259, +0.0090 ±
// 0.0045; with popularity_prior 0.25, the default since, validation chose
// 0.4 again: 0.1245, +0.0077 ± 0.0050).
func sasrecKnownUsers() []Step { return []Step{{MinHistory: 0, Weight: 0.4}} }

// sasrecNewUsers are the weights measured with SASRec for users neither
// model trained on, by history length (TestSASRecBlendML100K with the
// Two-Tower ensemble of three with the weight average, min-max, each
// chosen on validation): 2 ratings 0.8 (test NDCG@10 +0.0113 ± 0.0141),
// 3: 0.5 (+0.0211 ± 0.0092), 5: 0.5 (+0.0286 ± 0.0099); 10 and 15 chose
// 0.6 and 0.5 and take 5's (+0.0041, +0.0021 ± 0.0093 at 0.5); 1 rating
// takes 2's. With popularity_prior 0.25 validation chose 0.8 and 0.5 at 2
// and 3 again: +0.0207, +0.0250, and at 0.5 +0.0278, -0.0016, +0.0079 at
// 5, 10, 15.
func sasrecNewUsers() []Step {
	return []Step{{MinHistory: 1, Weight: 0.8}, {MinHistory: 3, Weight: 0.5}}
}

// ForModel returns the blend to use with the sequential model name: b
// itself for BlendMeasuredWith; for SASRec, the weights measured with it
// (fresh slices each call); for any other model no Two-Tower in the personalized
// lists (unmeasured). The similar-movies weight does not depend on the
// sequential model.
func (b Blend) ForModel(name string) Blend {
	switch name {
	case BlendMeasuredWith:
	case "sasrec":
		b.NewUsers, b.KnownUsers = sasrecNewUsers(), sasrecKnownUsers()
	default:
		b.NewUsers, b.KnownUsers = nil, nil
	}
	return b
}

// weight returns the step weight for a history of n movies.
func weight(steps []Step, n int) float32 {
	var w float32
	for _, s := range steps {
		if n >= s.MinHistory {
			w = s.Weight
		}
	}
	return w
}

// Weight returns the Two-Tower weight for a user with n movies in their
// history, known to the model or not.
func (b Blend) Weight(known bool, n int) float32 {
	if known {
		return weight(b.KnownUsers, n)
	}
	return weight(b.NewUsers, n)
}

// Validate reports weights outside [0, 1] and steps out of order.
func (b Blend) Validate() error {
	for _, steps := range [][]Step{b.NewUsers, b.KnownUsers} {
		for i, s := range steps {
			if !(s.Weight >= 0 && s.Weight <= 1) || s.MinHistory < 0 || (i > 0 && s.MinHistory <= steps[i-1].MinHistory) {
				return fmt.Errorf("recommend: blend steps %v: weights in [0, 1], min_history ascending from >= 0", steps)
			}
		}
	}
	if !(b.Similar >= 0 && b.Similar <= 1) {
		return fmt.Errorf("recommend: blend similar weight %v: want [0, 1]", b.Similar)
	}
	if b.Fusion != FuseMinMax && b.Fusion != FuseRRF {
		return fmt.Errorf("recommend: blend fusion %v", b.Fusion)
	}
	return nil
}

// Blends reports whether any list mixes in the Two-Tower model.
func (b Blend) Blends() bool {
	for _, s := range append(append([]Step(nil), b.NewUsers...), b.KnownUsers...) {
		if s.Weight > 0 {
			return true
		}
	}
	return b.Similar > 0
}

// TwoTowerName is the Two-Tower model's name in response labels.
const TwoTowerName = twotower.Name

// WithTwoTower returns a copy of the engine that mixes tt's scores into
// its lists as blend says. tt must know every movie of the engine (it may
// know more: the served model trains on the whole catalogue); version
// labels the responses together with the engine's.
func (e *Engine) WithTwoTower(version string, tt TwoTower, blend Blend) (*Engine, error) {
	if err := blend.Validate(); err != nil {
		return nil, err
	}
	var items []float32
	dim := -1
	for _, id := range e.raw {
		v, ok := tt.ItemEmbedding(int64(id))
		if !ok {
			return nil, fmt.Errorf("recommend: %s does not know movie %d: retrain it on the current data", TwoTowerName, id)
		}
		if dim < 0 {
			dim = len(v)
			items = make([]float32, 0, dim*len(e.raw))
		}
		if len(v) != dim || dim == 0 {
			return nil, fmt.Errorf("recommend: %s: movie %d's embedding has width %d, want %d", TwoTowerName, id, len(v), dim)
		}
		items = append(items, v...)
	}
	c := *e
	c.tt, c.ttItems, c.ttDim, c.blend = tt, items, dim, blend
	c.TwoTowerVersion = version
	if blend.Similar > 0 {
		c.SimilarModel = e.SimilarModel + "+" + TwoTowerName
	}
	if blend.Blends() {
		c.Version = joinVersion(e.Version, version)
	}
	return &c, nil
}

func joinVersion(a, b string) string {
	if b == "" || strings.Contains(a, "+"+b) {
		return a
	}
	return a + "+" + b
}

// ttScores writes the dot product of v with every engine item's embedding.
func (e *Engine) ttScores(dst, v []float32) {
	blas.MatVec(dst, e.ttItems[:len(dst)*e.ttDim], v[:e.ttDim])
}

// User is who personalized recommendations are for.
type User struct {
	// ID is the user's id; 0 for nobody in particular.
	ID int32
	// History lists the movies the user watched, oldest first (raw ids).
	History []int32
	// Demographic is what the user told about themselves (may be empty);
	// the Two-Tower model reads it for users it did not train on.
	Demographic twotower.Demographic
	// TwoTower is the user's Two-Tower query embedding when the caller
	// already has it from [Engine.TwoTowerVector] for this engine and the
	// same ID, History and Demographic (a cache); nil computes it.
	TwoTower []float32
}

// KnownToTwoTower reports whether the engine's Two-Tower model trained on
// the user (false without a model).
func (e *Engine) KnownToTwoTower(user int32) bool {
	if e.tt == nil || user <= 0 {
		return false
	}
	_, ok := e.tt.UserEmbedding(int64(user))
	return ok
}

// TwoTowerWeight returns the Two-Tower weight the engine gives user u's
// list (0: the sequential model or popularity alone).
func (e *Engine) TwoTowerWeight(u User) float32 {
	if e.tt == nil {
		return 0
	}
	return e.blend.Weight(e.KnownToTwoTower(u.ID), len(e.toDense(u.History)))
}

// TwoTowerVector returns u's Two-Tower query embedding: the trained user's
// own when the model knows u.ID, otherwise one from u's history (the
// engine's movies) and demographics; nil without a Two-Tower model. It is
// what [Engine.RecommendUser] scores every movie against, so a caller may
// keep it in u.TwoTower while the user's history does not change.
func (e *Engine) TwoTowerVector(u User) []float32 {
	if e.tt == nil {
		return nil
	}
	hist := e.toDense(u.History)
	q := twotower.UserQuery{History: make([]int64, len(hist)), Demographic: u.Demographic}
	for n, i := range hist {
		q.History[n] = int64(e.raw[i])
	}
	if e.KnownToTwoTower(u.ID) {
		id := int64(u.ID)
		q.UserID = &id
	}
	return e.tt.EmbedUser(q)
}

// RecommendUser returns the k best next movies for u, never one of the
// history or exclude, and the name of what produced the list: the
// sequential model (Model), "popularity" for an empty history, either
// followed by "+two_tower" when the blend gives the Two-Tower model a
// weight for this user.
func (e *Engine) RecommendUser(u User, k int, exclude map[int32]bool) ([]Scored, string) {
	hist := e.toDense(u.History)
	w := e.TwoTowerWeight(u)
	base := e.Model
	if len(hist) == 0 {
		base = "popularity"
	}
	if w <= 0 {
		if len(hist) == 0 {
			return e.popular(k, u.History, exclude), base
		}
		return e.Recommend(u.History, k, exclude), base
	}
	a := make([]float32, len(e.raw))
	if len(hist) == 0 {
		copy(a, e.popCount)
	} else {
		e.next.Score(-1, hist, a)
	}
	v := u.TwoTower
	if v == nil {
		v = e.TwoTowerVector(u)
	}
	b := make([]float32, len(e.raw))
	e.ttScores(b, v)
	e.blend.Fusion.Normalize(a, a)
	e.blend.Fusion.Normalize(b, b)
	Mix(a, a, b, w)
	return e.top(a, k, u.History, exclude), base + "+" + TwoTowerName
}

func (e *Engine) similarBlended() bool { return e.tt != nil && e.blend.Similar > 0 }

// blendSimilar mixes the cosine of item i's embedding with every item's
// into scores (ItemKNN similarities to i).
func (e *Engine) blendSimilar(i int32, scores []float32) {
	b := make([]float32, len(e.raw))
	e.ttScores(b, e.ttItems[int(i)*e.ttDim:int(i+1)*e.ttDim])
	e.blend.Fusion.Normalize(scores, scores)
	e.blend.Fusion.Normalize(b, b)
	Mix(scores, scores, b, e.blend.Similar)
}

// String describes the blend for logs and the models endpoint.
func (b Blend) String() string {
	steps := func(ss []Step) string {
		var parts []string
		for _, s := range ss {
			parts = append(parts, fmt.Sprintf("n>=%d:%g", s.MinHistory, s.Weight))
		}
		if parts == nil {
			return "none"
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprintf("%s; new users %s; known users %s; similar %g", b.Fusion, steps(b.NewUsers), steps(b.KnownUsers), b.Similar)
}

// Blend returns the engine's Two-Tower blend and whether it has a model.
func (e *Engine) Blend() (Blend, bool) { return e.blend, e.tt != nil }
