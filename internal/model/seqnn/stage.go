package seqnn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/cputime"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/nn/blas"
)

// Files Train writes next to the weights.
const (
	// HistoryFile is the training report (Report, JSON).
	HistoryFile = "history.json"
	// HistoryPlotFile plots the training loss and validation NDCG@10 per
	// epoch (SVG).
	HistoryPlotFile = "history.svg"
)

// Report is what Train did, written as HistoryFile.
type Report struct {
	Model    string  `json:"model"`
	Backend  string  `json:"blas_backend"`
	Config   Config  `json:"config"`
	History  History `json:"history"`
	Protocol string  `json:"protocol"`
	// Test holds the saved model's test metrics under the sequential
	// protocol (full ranking, seen items filtered).
	Test    map[string]float64 `json:"test"`
	Users   int                `json:"users"`
	Items   int                `json:"items"`
	Seconds float64            `json:"seconds"`
	// CPUSeconds is the process's user+system CPU time, steadier than wall
	// time on a shared machine.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// Train is the training stage of a sequential model: it reads the
// processed ratings at ratingsPath, fits cfg on the sequential protocol's
// training data (early stopping on its validation phase, then the refit
// cfg.Refit asks for), measures the test phase (full ranking, seen items
// filtered), and writes into out the model (Save, with the training data's
// Fingerprint), HistoryFile and HistoryPlotFile. A line per epoch goes to
// progress (io.Discard for none).
func Train(ctx context.Context, cfg Config, ratingsPath, out string, progress io.Writer) (*Report, error) {
	start := time.Now()
	rs, err := dataset.ReadRatings(ratingsPath)
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	d, err := eval.NewDataset(eval.FromRatings(rs))
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	sp := eval.SplitSequential(d)
	m := New(cfg)
	m.OnEpoch = epochLogger(cfg, progress)
	if err := m.Fit(ctx, sp.Test.Train); err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	test, err := eval.Sequential.Measure(ctx, m, &sp.Test, eval.Options{})
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	rep := &Report{
		Model: cfg.Name, Backend: blas.Backend, Config: cfg, History: m.History(),
		Protocol: string(eval.Sequential), Test: test.Map(), Users: d.NumUsers(), Items: d.NumItems(),
		Seconds: time.Since(start).Seconds(), CPUSeconds: cputime.Seconds(),
	}
	if err := m.Save(out, Fingerprint(sp.Test.Train)); err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	if err := atomicfile.Write(filepath.Join(out, HistoryFile), append(js, '\n')); err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	if err := atomicfile.Write(filepath.Join(out, HistoryPlotFile), historySVG(cfg.Name, rep.History)); err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	return rep, nil
}

// epochLogger returns the OnEpoch hook that writes Train's progress line
// per epoch to w.
func epochLogger(cfg Config, w io.Writer) func(phase string, e Epoch) {
	limit := cfg.MaxEpochs
	return func(phase string, e Epoch) {
		if phase == "refit" {
			what := "refit"
			if cfg.Refit == RefitContinue {
				what = "continued on all data,"
			}
			fmt.Fprintf(w, "%s %s epoch %3d  loss %.4f  %.1fs\n", cfg.Name, what, e.Epoch, e.Loss, e.Seconds)
			return
		}
		line := fmt.Sprintf("%s epoch %3d/%d  loss %.4f", cfg.Name, e.Epoch, limit, e.Loss)
		if e.Validated {
			line += fmt.Sprintf("  valid ndcg@10 %.4f hr@10 %.4f", e.ValidNDCG10, e.ValidHR10)
		}
		fmt.Fprintf(w, "%s  %.1fs\n", line, e.Seconds)
	}
}

// FitSummary describes the fit in a few words for the command's summary
// line: the validation figures the kept network's schedule reached and
// how the final network was trained (refit or continued).
func (r *Report) FitSummary() string {
	h, cfg := r.History, r.Config
	switch cfg.Refit {
	case RefitFull, RefitContinue:
		s := fmt.Sprintf("valid ndcg@10 %.4f hr@10 %.4f at epoch %d (best %.4f at %d)", h.LastNDCG10, h.LastHR10, h.LastEpoch, h.BestNDCG10, h.BestEpoch)
		if cfg.Refit == RefitFull {
			return s + fmt.Sprintf(", refit %d epochs", h.RefitEpochs)
		}
		return s + fmt.Sprintf(", continued %d epochs on all data (%d in all)", cfg.ContinueEpochs, h.RefitEpochs)
	default:
		return fmt.Sprintf("best epoch %d (valid ndcg@10 %.4f, hr@10 %.4f), refit %d epochs", h.BestEpoch, h.BestNDCG10, h.BestHR10, h.RefitEpochs)
	}
}
