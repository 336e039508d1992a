package recommend

import (
	"context"
	"errors"
	"testing"

	"github.com/moviegenie/genie/internal/model"
)

// fixedScores is a model.Recommender scoring item i as scores[i] plus the
// user index, after a Fit that fails with err.
type fixedScores struct {
	scores []float32
	err    error
}

func (f *fixedScores) Fit(context.Context, *model.TrainData) error { return f.err }

func (f *fixedScores) Score(u int, _ []int32, dst []float32) {
	for i := range dst {
		dst[i] = f.scores[i] + float32(u)
	}
}

func fixedSpec(name string, scores []float32, err error, candidates int) model.Spec {
	s := model.Spec{Name: name}
	for range candidates {
		s.Candidates = append(s.Candidates, model.Candidate{Label: name + "-c", New: func() model.Recommender {
			return &fixedScores{scores: scores, err: err}
		}})
	}
	return s
}

func TestBlendSpec(t *testing.T) {
	a := fixedSpec("a", []float32{3, 1, 2, 0}, nil, 1) // min-max 1, 1/3, 2/3, 0
	b := fixedSpec("b", []float32{0, 4, 4, 2}, nil, 1) // min-max 0, 1, 1, 1/2
	spec, err := BlendSpec("a+b", a, b, 0.25, FuseMinMax)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "a+b" || len(spec.Candidates) != 1 || spec.Candidates[0].Label != "minmax, b weight 0.25: a-c + b-c" {
		t.Fatalf("spec %s %+v", spec.Name, spec.Candidates)
	}
	rec := spec.Candidates[0].New()
	if err := rec.Fit(context.Background(), &model.TrainData{}); err != nil {
		t.Fatal(err)
	}
	// A per-user shift of both lists leaves their min-max scaling as it was.
	for _, u := range []int{0, 5} {
		got := make([]float32, 4)
		rec.Score(u, nil, got)
		want := []float32{0.75, 0.25 + 0.25, 0.5 + 0.25, 0.125}
		for i := range want {
			if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("user %d: scores %v, want %v", u, got, want)
			}
		}
	}

	boom := errors.New("boom")
	rec = must(BlendSpec("a+bad", a, fixedSpec("bad", nil, boom, 1), 0.5, FuseRRF)).Candidates[0].New()
	if err := rec.Fit(context.Background(), &model.TrainData{}); !errors.Is(err, boom) {
		t.Errorf("Fit with a failing model: %v", err)
	}

	for _, c := range []struct {
		name string
		a, b model.Spec
		w    float32
	}{
		{"a tuned model", fixedSpec("a", nil, nil, 2), b, 0.5},
		{"b without candidates", a, fixedSpec("b", nil, nil, 0), 0.5},
		{"weight above 1", a, b, 1.5},
		{"negative weight", a, b, -0.1},
	} {
		if _, err := BlendSpec("x", c.a, c.b, c.w, FuseMinMax); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
