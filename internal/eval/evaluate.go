package eval

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/moviegenie/genie/internal/model"
)

// Trial is one tuning candidate's validation score.
type Trial struct {
	// Label is the candidate's label.
	Label string `json:"label"`
	// Value is its validation selection metric (Protocol.SelectionMetric).
	Value float64 `json:"value"`
}

// Result is one model's evaluation under one protocol.
type Result struct {
	// Model is the model's lower-case name.
	Model string `json:"model"`
	// Protocol is the protocol evaluated.
	Protocol Protocol `json:"protocol"`
	// Chosen is the label of the candidate the test figures come from.
	Chosen string `json:"chosen"`
	// Trials lists every candidate's validation score; empty when a single
	// candidate was refit without validation.
	Trials []Trial `json:"trials,omitempty"`
	// Valid holds the chosen candidate's validation metrics, if measured.
	Valid Metrics `json:"valid,omitempty"`
	// Test holds the test metrics.
	Test Metrics `json:"test"`
	// Sampled holds the sequential protocol's popularity-sampled-100 test
	// metrics (nil for other protocols).
	Sampled Metrics `json:"sampled,omitempty"`
	// Users and Targets count the evaluated test users and test targets.
	Users   int `json:"users"`
	Targets int `json:"targets"`
}

// ErrNoCandidates is returned for a model spec without candidates.
var ErrNoCandidates = errors.New("eval: model has no candidates")

// Run evaluates one model under one protocol on a split made by p.Split:
// every candidate is fit on the validation phase and measured, the best by
// p.SelectionMetric wins (the first on ties), the winner is refit on the test
// phase's training data when the split says so (the validation fit is reused
// otherwise), and the test phase is measured. A spec with a single candidate
// under a refitting split skips validation. When opts.ExportDir is set the
// test rankings are written to DIR/<model>.<protocol>.jsonl.
//
// negatives are the sampled variant's negatives (SampleNegatives on the
// sequential test phase); nil skips the variant.
func (p Protocol) Run(ctx context.Context, d *Dataset, sp *Split, spec model.Spec, negatives [][]int32, opts Options) (*Result, error) {
	if len(spec.Candidates) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoCandidates, spec.Name)
	}
	res := &Result{Model: spec.Name, Protocol: p}
	sel := p.SelectionMetric()
	var best model.Recommender
	bestIdx := 0
	if len(spec.Candidates) > 1 || !sp.Refit {
		bestVal := math.Inf(-1)
		for i, c := range spec.Candidates {
			rec := c.New()
			if err := rec.Fit(ctx, sp.Valid.Train); err != nil {
				return nil, fmt.Errorf("eval: %s %s: fit %s on validation training: %w", p, spec.Name, c.Label, err)
			}
			m, err := p.Measure(ctx, rec, &sp.Valid, opts)
			if err != nil {
				return nil, fmt.Errorf("eval: %s %s: validate %s: %w", p, spec.Name, c.Label, err)
			}
			v, _ := m.Get(sel)
			res.Trials = append(res.Trials, Trial{Label: c.Label, Value: v})
			opts.logf("%s %s %s: valid %s %.4f", p, spec.Name, c.Label, sel, v)
			if v > bestVal || best == nil {
				bestVal, bestIdx, best = v, i, rec
				res.Valid = m
			}
		}
	}
	chosen := spec.Candidates[bestIdx]
	res.Chosen = chosen.Label
	if sp.Refit {
		best = chosen.New()
		if err := best.Fit(ctx, sp.Test.Train); err != nil {
			return nil, fmt.Errorf("eval: %s %s: refit %s on test training: %w", p, spec.Name, chosen.Label, err)
		}
	}
	cfg := measureConfig{negatives: negatives}
	if opts.ExportDir != "" {
		cfg.exportK = opts.exportK()
	}
	out, err := p.rankPhase(ctx, best, &sp.Test, cfg, opts.workers())
	if err != nil {
		return nil, fmt.Errorf("eval: %s %s: test: %w", p, spec.Name, err)
	}
	res.Test = p.aggregate(&sp.Test, out, false)
	if negatives != nil {
		res.Sampled = p.aggregate(&sp.Test, out, true)
	}
	res.Users = sp.Test.NumEvalUsers()
	res.Targets = sp.Test.NumTargets()
	if opts.ExportDir != "" {
		if err := writeExport(opts.ExportDir, spec.Name, p, d, &sp.Test, out); err != nil {
			return nil, err
		}
	}
	opts.logf("%s %s (%s): test %v", p, spec.Name, res.Chosen, res.Test)
	return res, nil
}

// Evaluate runs every spec under protocol p on d and returns one Result per
// spec, in order. For the sequential protocol the popularity-sampled-100
// variant is measured too, with negatives shared by all models.
func Evaluate(ctx context.Context, d *Dataset, p Protocol, specs []model.Spec, opts Options) ([]*Result, error) {
	sp, err := p.Split(d, opts.Seed)
	if err != nil {
		return nil, err
	}
	var negs [][]int32
	if p == Sequential {
		negs = SampleNegatives(d, &sp.Test, opts.Seed, opts.negatives())
	}
	results := make([]*Result, 0, len(specs))
	for _, spec := range specs {
		r, err := p.Run(ctx, d, &sp, spec, negs, opts)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}
