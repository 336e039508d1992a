package recommend

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/model/twotower"
)

// fakeTT is a hand-made Two-Tower model over 2-d embeddings: movies 1-3
// point along x, movies 4, 5 and 6 along y (6 is never rated, so ItemKNN
// knows nothing of it, and has the strongest y embedding). A user embeds
// to the mean of their history's embeddings, or, with an empty history,
// to y for anyone under 30 and x otherwise.
type fakeTT struct {
	items map[int64][]float32
	known map[int64]bool
}

func newFakeTT() *fakeTT {
	return &fakeTT{
		items: map[int64][]float32{
			1: {1, 0}, 2: {0.9, 0.1}, 3: {0.8, 0.2},
			4: {0.2, 0.8}, 5: {0.1, 0.9}, 6: {0, 1},
		},
		known: map[int64]bool{1: true, 2: true},
	}
}

func (f *fakeTT) EmbedUser(q twotower.UserQuery) []float32 {
	if len(q.History) == 0 {
		if q.Age != nil && *q.Age < 30 {
			return []float32{0, 1}
		}
		return []float32{1, 0}
	}
	v := make([]float32, 2)
	for _, id := range q.History {
		e := f.items[id]
		v[0] += e[0] / float32(len(q.History))
		v[1] += e[1] / float32(len(q.History))
	}
	return v
}

func (f *fakeTT) UserEmbedding(id int64) ([]float32, bool) {
	if f.known[id] {
		return []float32{1, 0}, true
	}
	return nil, false
}

func (f *fakeTT) ItemEmbedding(id int64) ([]float32, bool) {
	v, ok := f.items[id]
	return slices.Clone(v), ok
}

// chainEngine is TestEngine's engine plus movie 6 rated by one user after 4
// and 5, so every movie is in the vocabulary.
func chainEngine(t *testing.T) *Engine {
	t.Helper()
	h := map[int32][]int32{}
	for u := int32(1); u <= 20; u++ {
		h[u] = []int32{1, 2, 3}
	}
	for u := int32(21); u <= 45; u++ {
		h[u] = []int32{4, 5}
	}
	h[46] = []int32{6}
	e, err := Build(context.Background(), ratingsOf(h), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBlendWeight(t *testing.T) {
	b := Blend{NewUsers: []Step{{0, 0.7}, {3, 0.4}, {10, 0}}, KnownUsers: []Step{{20, 0.1}}}
	tests := []struct {
		known bool
		n     int
		want  float32
	}{
		{false, 0, 0.7}, {false, 2, 0.7}, {false, 3, 0.4}, {false, 9, 0.4}, {false, 10, 0}, {false, 500, 0},
		{true, 0, 0}, {true, 19, 0}, {true, 20, 0.1}, {true, 300, 0.1},
	}
	for _, tc := range tests {
		if got := b.Weight(tc.known, tc.n); got != tc.want {
			t.Errorf("Weight(known=%v, %d) = %v, want %v", tc.known, tc.n, got, tc.want)
		}
	}
	if (Blend{}).Blends() || !b.Blends() || !(Blend{Similar: 0.1}).Blends() {
		t.Error("Blends")
	}
	for _, bad := range []Blend{
		{NewUsers: []Step{{0, 1.5}}},
		{NewUsers: []Step{{3, 0.5}, {3, 0.2}}},
		{KnownUsers: []Step{{-1, 0.5}}},
		{Similar: -0.1},
		{Fusion: 7},
	} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
}

func TestWithTwoTowerChecksVocabulary(t *testing.T) {
	e := chainEngine(t)
	tt := newFakeTT()
	delete(tt.items, 6)
	if _, err := e.WithTwoTower("v", tt, DefaultBlend()); err == nil {
		t.Fatal("a model missing movie 6 was accepted")
	}
	tt = newFakeTT()
	tt.items[99] = []float32{1, 1} // a movie the ratings do not have is fine
	if _, err := e.WithTwoTower("v", tt, Blend{NewUsers: []Step{{0, 2}}}); err == nil {
		t.Fatal("an invalid blend was accepted")
	}
	if _, err := e.WithTwoTower("v", tt, DefaultBlend()); err != nil {
		t.Fatal(err)
	}
}

func TestRecommendUserBlend(t *testing.T) {
	base := chainEngine(t)
	young, old := int32(22), int32(50)
	blend := Blend{Fusion: FuseMinMax, NewUsers: []Step{{0, 1}, {1, 0.5}, {5, 0}}, Similar: 0.5}
	e, err := base.WithTwoTower("tt1", newFakeTT(), blend)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		e         *Engine
		user      User
		exclude   map[int32]bool
		wantFirst int32
		wantModel string
	}{
		{"no model: sequential", base, User{ID: 100, History: []int32{1, 2}}, nil, 3, "markov_itemknn_recent"},
		{"no model: empty history is popular", base, User{ID: 100}, nil, 4, "popularity"},
		{"new user, no history, young: two-tower alone", e, User{ID: 100, Demographic: twotower.Demographic{Age: &young}}, nil, 6, "popularity+two_tower"},
		{"new user, no history, older", e, User{ID: 100, Demographic: twotower.Demographic{Age: &old}}, nil, 1, "popularity+two_tower"},
		{"new user, short history: blended", e, User{ID: 100, History: []int32{1, 2}}, nil, 3, "markov_itemknn_recent+two_tower"},
		{"new user, short history, exclusions", e, User{ID: 100, History: []int32{1, 2}}, map[int32]bool{3: true}, 4, "markov_itemknn_recent+two_tower"},
		{"new user, long history: weight 0", e, User{ID: 100, History: []int32{4, 5, 1, 2, 6}}, nil, 3, "markov_itemknn_recent"},
		{"known user: no known-user steps", e, User{ID: 1, History: []int32{1, 2}}, nil, 3, "markov_itemknn_recent"},
		{"unknown movies in the history are ignored", e, User{ID: 100, History: []int32{999}, Demographic: twotower.Demographic{Age: &young}}, nil, 6, "popularity+two_tower"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, model := tc.e.RecommendUser(tc.user, 3, tc.exclude)
			if model != tc.wantModel {
				t.Errorf("model = %q, want %q", model, tc.wantModel)
			}
			if len(got) == 0 || got[0].MovieID != tc.wantFirst {
				t.Fatalf("RecommendUser = %v, want %d first", got, tc.wantFirst)
			}
			for _, s := range got {
				if slices.Contains(tc.user.History, s.MovieID) || tc.exclude[s.MovieID] {
					t.Errorf("recommended seen or excluded movie %d", s.MovieID)
				}
			}
			// A caller's cached TwoTowerVector gives the same list.
			if v := tc.e.TwoTowerVector(tc.user); v != nil {
				u := tc.user
				u.TwoTower = v
				if again, _ := tc.e.RecommendUser(u, 3, tc.exclude); !slices.Equal(again, got) {
					t.Errorf("with the precomputed vector: %v, want %v", again, got)
				}
			}
		})
	}
	// Without a Two-Tower weight the list is exactly Recommend's.
	want := base.Recommend([]int32{4}, 5, nil)
	got, _ := e.RecommendUser(User{ID: 1, History: []int32{4}}, 5, nil)
	if !slices.Equal(got, want) {
		t.Errorf("known user: %v, want Recommend's %v", got, want)
	}
	if e.Version != base.Version+"+tt1" || e.TwoTowerVersion != "tt1" {
		t.Errorf("versions %q %q", e.Version, e.TwoTowerVersion)
	}
}

func TestSimilarBlend(t *testing.T) {
	base := chainEngine(t)
	// ItemKNN: 5 is like 4 and nothing else is; 6 was never rated with 4.
	if sim := base.Similar(4, 5, nil); len(sim) != 1 || sim[0].MovieID != 5 || base.SimilarModel != "itemknn" {
		t.Fatalf("Similar(4) = %v (%s), want 5 only", sim, base.SimilarModel)
	}
	e, err := base.WithTwoTower("tt1", newFakeTT(), Blend{Similar: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if e.SimilarModel != "itemknn+two_tower" || e.Model != "markov_itemknn_recent" {
		t.Errorf("labels %q %q", e.SimilarModel, e.Model)
	}
	sim := e.Similar(4, 3, nil)
	if len(sim) != 3 || sim[0].MovieID != 5 || sim[1].MovieID != 6 {
		t.Fatalf("blended Similar(4) = %v, want 5 then 6 (embedding neighbour)", sim)
	}
	if sim := e.Similar(4, 3, map[int32]bool{5: true}); sim[0].MovieID != 6 {
		t.Errorf("exclusions: %v", sim)
	}
	// A blend that does not touch similar movies leaves them to ItemKNN.
	e2, _ := base.WithTwoTower("tt1", newFakeTT(), Blend{NewUsers: []Step{{0, 1}}})
	if sim := e2.Similar(4, 5, nil); len(sim) != 1 || e2.SimilarModel != "itemknn" {
		t.Errorf("unblended Similar(4) = %v (%s)", sim, e2.SimilarModel)
	}
}

func TestFuse(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name string
		f    Fusion
		in   []float32
		want []float32
	}{
		{"minmax", FuseMinMax, []float32{2, 4, 3}, []float32{0, 1, 0.5}},
		{"minmax constant", FuseMinMax, []float32{3, 3}, []float32{0, 0}},
		{"minmax NaN", FuseMinMax, []float32{nan, 1, 3}, []float32{0, 0, 1}},
		{"rrf", FuseRRF, []float32{0.1, 0.9, 0.5}, []float32{1.0 / 63, 1.0 / 61, 1.0 / 62}},
		{"rrf ties share the better rank", FuseRRF, []float32{1, 1, 0}, []float32{1.0 / 61, 1.0 / 61, 1.0 / 63}},
		{"rrf NaN last", FuseRRF, []float32{nan, 0}, []float32{1.0 / 62, 1.0 / 61}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]float32, len(tc.in))
			tc.f.Normalize(got, tc.in)
			for i := range got {
				if math.Abs(float64(got[i]-tc.want[i])) > 1e-6 {
					t.Fatalf("Normalize = %v, want %v", got, tc.want)
				}
			}
		})
	}
	a, b := []float32{0, 1, 2}, []float32{2, 1, 0}
	dst := make([]float32, 3)
	Fuse(dst, a, b, 0.25, FuseMinMax)
	if want := []float32{0.25, 0.5, 0.75}; !slices.Equal(dst, want) {
		t.Errorf("Fuse = %v, want %v", dst, want)
	}
	if a[2] != 2 || b[0] != 2 {
		t.Error("Fuse changed its inputs")
	}
}

func TestBlendForModel(t *testing.T) {
	b := DefaultBlend()
	tests := []struct {
		model       string
		known, news float32 // weights for a known user with 50 movies, a new one with 3
	}{
		{BlendMeasuredWith, 0.7, 0.8},
		{"sasrec", 0.4, 0.5},
		{"bert4rec", 0, 0},
		{"popularity", 0, 0},
	}
	for _, tt := range tests {
		got := b.ForModel(tt.model)
		if got.Weight(true, 50) != tt.known || got.Weight(false, 3) != tt.news || got.Similar != b.Similar || got.Fusion != b.Fusion {
			t.Errorf("ForModel(%s) = %s, want known %g, new %g, similar %g", tt.model, got, tt.known, tt.news, b.Similar)
		}
	}
	if !slices.Equal(b.ForModel(BlendMeasuredWith).NewUsers, b.NewUsers) {
		t.Error("ForModel changed the measured blend")
	}
}
