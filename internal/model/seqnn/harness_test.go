package seqnn_test

import (
	"context"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/eval/evaltest"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/baseline"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// TestHarness evaluates both models through the harness under the
// sequential protocol on synthetic ring walks (a next-item structure with
// random jumps) next to the popularity baseline, which they must beat.
func TestHarness(t *testing.T) {
	d, err := eval.NewDataset(evaltest.Synthetic(3, 120, 60, 25))
	if err != nil {
		t.Fatal(err)
	}
	specs := []model.Spec{baseline.PopularitySpec()}
	for _, c := range configs {
		specs = append(specs, seqnn.Spec(c.cfg))
	}
	res, err := eval.Evaluate(context.Background(), d, eval.Sequential, specs, eval.Options{Seed: 42, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	pop, _ := res[0].Test.Get("hr@10")
	for _, r := range res[1:] {
		hr, _ := r.Test.Get("hr@10")
		t.Logf("%s (%s): test HR@10 %.3f (pop %.3f)", r.Model, r.Chosen, hr, pop)
		if hr < pop+0.1 {
			t.Errorf("%s: test HR@10 %.3f, popularity %.3f", r.Model, hr, pop)
		}
	}
}
