package recommend

import (
	"context"
	"fmt"

	"github.com/moviegenie/genie/internal/model"
)

// BlendSpec returns an evaluation spec for the mix the server serves: model
// a's and model b's scores over every item, each normalised by f, mixed
// with weight w on b (as Fuse). a and b must have exactly one candidate each
// (pretrained models, or fixed settings), so that the row measures the
// served blend and not one tuned on the test data; w is the weight chosen
// elsewhere on validation data.
func BlendSpec(name string, a, b model.Spec, w float32, f Fusion) (model.Spec, error) {
	if len(a.Candidates) != 1 || len(b.Candidates) != 1 {
		return model.Spec{}, fmt.Errorf("blend %s: want one candidate each, got %s %d and %s %d", name, a.Name, len(a.Candidates), b.Name, len(b.Candidates))
	}
	if !(w >= 0 && w <= 1) {
		return model.Spec{}, fmt.Errorf("blend %s: weight %v outside [0, 1]", name, w)
	}
	ca, cb := a.Candidates[0], b.Candidates[0]
	return model.Spec{Name: name, Candidates: []model.Candidate{{
		Label: fmt.Sprintf("%s, %s weight %.2f: %s + %s", f, b.Name, w, ca.Label, cb.Label),
		New: func() model.Recommender {
			return &blendRecommender{a: ca.New(), b: cb.New(), w: w, f: f}
		},
	}}}, nil
}

// blendRecommender is the model.Recommender of BlendSpec.
type blendRecommender struct {
	a, b model.Recommender
	w    float32
	f    Fusion
}

// Fit fits both models on train.
func (r *blendRecommender) Fit(ctx context.Context, train *model.TrainData) error {
	if err := r.a.Fit(ctx, train); err != nil {
		return err
	}
	return r.b.Fit(ctx, train)
}

// Score writes the fused scores of both models into dst.
func (r *blendRecommender) Score(u int, history []int32, dst []float32) {
	sa, sb := make([]float32, len(dst)), make([]float32, len(dst))
	r.a.Score(u, history, sa)
	r.b.Score(u, history, sb)
	// Fuse would copy both lists before normalising; these are ours.
	r.f.Normalize(sa, sa)
	r.f.Normalize(sb, sb)
	Mix(dst, sa, sb, r.w)
}
