package twotower

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/cputime"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model"
)

// ReportFile is the report of a training run (Report, JSON), written
// beside the model's files.
const ReportFile = "report.json"

// AllRatings is Run.Protocol of the serving model, fit on every rating.
const AllRatings = "none"

// Report is ReportFile: what a Run trained and, for a protocol's fit, its
// test metrics.
type Report struct {
	Model     string `json:"model"`
	Config    Config `json:"config"`
	Protocol  string `json:"protocol"`
	Users     int    `json:"users"`
	Items     int    `json:"items"`
	Pairs     int    `json:"pairs"`
	BestEpoch int    `json:"best_epoch"`
	// BestEpochs are each member's kept epoch, in an ensemble (BestEpoch
	// is the first member's, Epochs counts every member's epochs).
	BestEpochs []int              `json:"best_epochs,omitempty"`
	Epochs     int                `json:"epochs"`
	Test       map[string]float64 `json:"test,omitempty"`
	History    []EpochStats       `json:"history"`
	Seconds    float64            `json:"seconds"`
	// CPUSeconds is user+system CPU time, steadier than wall time on a
	// shared machine.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// EvalProtocols returns the evaluation protocols a model can be fit for
// besides the serving model (tfrs, recbole, sequential), each saved in
// ProtocolDir of the serving model's folder.
func EvalProtocols() []eval.Protocol {
	return []eval.Protocol{eval.TFRS, eval.RecBole, eval.Sequential}
}

// ProtocolDir is the folder of the model fit on protocol p's training set
// inside out, the serving model's folder: out/<p>.
func ProtocolDir(out string, p eval.Protocol) string { return filepath.Join(out, string(p)) }

// EvalModelDir returns the saved model genie eval evaluates under protocol
// p, given the models folder: ProtocolDir of modelsDir/two_tower, fit on
// exactly p's training set (loaded, not retrained), else the serving model
// modelsDir/two_tower (its configuration is then trained on p's training
// set), else "" (no Two-Tower model trained).
func EvalModelDir(modelsDir string, p eval.Protocol) string {
	base := filepath.Join(modelsDir, Name)
	for _, dir := range []string{ProtocolDir(base, p), base} {
		if _, err := os.Stat(filepath.Join(dir, WeightsFile)); err == nil {
			return dir
		}
	}
	return ""
}

// Run is one model the training stage fits: on every rating (Protocol
// AllRatings) or on an evaluation protocol's training set, with Config,
// into Out.
type Run struct {
	Protocol, Out string
	Config        Config
}

// PlanRuns returns the fits of the training stage. With protocol
// AllRatings: the serving model into out, then for each of evalProtocols
// (EvalProtocols' names) a model fit on that protocol's training set into
// ProtocolDir(out, p), with early-stopping patience evalPatience when it is
// positive — except under sequential, where genie eval blends the fit with
// SASRec to measure the served blend, so it is fit as the served model is.
// With a protocol's name: that protocol's fit alone, into out, with cfg
// (evalProtocols and evalPatience are not used).
func PlanRuns(cfg Config, protocol, out string, evalProtocols []eval.Protocol, evalPatience int) []Run {
	runs := []Run{{Protocol: protocol, Out: out, Config: cfg}}
	if protocol != AllRatings {
		return runs
	}
	pcfg := cfg
	if evalPatience > 0 {
		pcfg.Patience = evalPatience
	}
	for _, p := range evalProtocols {
		c := pcfg
		if p == eval.Sequential {
			c = cfg
		}
		runs = append(runs, Run{Protocol: string(p), Out: ProtocolDir(out, p), Config: c})
	}
	return runs
}

// Trainer fits Runs on one set of processed tables.
type Trainer struct {
	// Tables are the processed tables; Side their side information
	// (NewSideInfo with the content vectors).
	Tables *dataset.Tables
	Side   *SideInfo
	// Seed is the protocols' split seed (data_processing.random_seed), so
	// that a protocol's training set is the one genie eval splits.
	Seed uint64
	// Progress receives a line per epoch, prefixed with the protocol for a
	// protocol's fit (nil: none).
	Progress io.Writer

	data *eval.Dataset // the ratings as an evaluation dataset, built once
}

// Train fits r and writes the model (Save) and ReportFile into r.Out. It
// returns the fitted model, for its FitSummary, and the report.
func (tr *Trainer) Train(ctx context.Context, r Run) (*Model, *Report, error) {
	var d *eval.Dataset
	if r.Protocol != AllRatings {
		var err error
		if d, err = tr.dataset(); err != nil {
			return nil, nil, err
		}
	}
	start, cpu0 := time.Now(), cputime.Seconds()
	cfg := r.Config
	progress := tr.Progress
	if progress == nil {
		progress = io.Discard
	}
	m := New(cfg, tr.Side)
	m.Log = func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }
	if r.Protocol != AllRatings {
		m.Log = func(format string, args ...any) { fmt.Fprintf(progress, r.Protocol+" "+format+"\n", args...) }
	}
	rep := &Report{Model: Name, Config: cfg, Protocol: r.Protocol}
	var train *model.TrainData
	var phase *eval.Phase
	if r.Protocol == AllRatings {
		train = TrainDataFromTables(tr.Tables)
	} else {
		sp, err := eval.Protocol(r.Protocol).Split(d, tr.Seed)
		if err != nil {
			return nil, nil, fmt.Errorf("train two-tower: %w", err)
		}
		train, phase = sp.Test.Train, &sp.Test
	}
	if err := m.Fit(ctx, train); err != nil {
		return nil, nil, fmt.Errorf("train two-tower: %w", err)
	}
	if phase != nil {
		ms, err := eval.Protocol(r.Protocol).Measure(ctx, m, phase, eval.Options{Workers: cfg.Threads})
		if err != nil {
			return nil, nil, fmt.Errorf("train two-tower: %w", err)
		}
		rep.Test = ms.Map()
	}
	if err := m.Save(r.Out); err != nil {
		return nil, nil, err
	}
	rep.Users, rep.Items, rep.Pairs = train.NumUsers, train.NumItems, train.NumInteractions()
	rep.History, rep.BestEpoch, rep.Epochs = m.History(), m.BestEpoch(), len(m.History())
	if be := m.BestEpochs(); len(be) > 1 {
		rep.BestEpochs = be
	}
	rep.Seconds, rep.CPUSeconds = time.Since(start).Seconds(), cputime.Seconds()-cpu0
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("train two-tower: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(r.Out, ReportFile), append(js, '\n')); err != nil {
		return nil, nil, fmt.Errorf("train two-tower: %w", err)
	}
	return m, rep, nil
}

// dataset returns the processed ratings as the evaluation dataset, as
// genie eval builds it, building it on first use.
func (tr *Trainer) dataset() (*eval.Dataset, error) {
	if tr.data == nil {
		d, err := eval.NewDataset(eval.FromRatings(tr.Tables.Ratings))
		if err != nil {
			return nil, fmt.Errorf("train two-tower: %w", err)
		}
		tr.data = d
	}
	return tr.data, nil
}

// RemoveStale deletes the ProtocolDir(out, p) model folders an earlier run
// left for the protocols runs do not train, so that genie eval never loads
// a model trained with other parameters. It returns the folders it
// removed (those removed before a failure, too).
func RemoveStale(out string, runs []Run) ([]string, error) {
	var removed []string
	for _, p := range EvalProtocols() {
		dir := ProtocolDir(out, p)
		if slices.ContainsFunc(runs, func(r Run) bool { return r.Out == dir }) {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err != nil {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			return removed, fmt.Errorf("train two-tower: remove stale %s: %w", dir, err)
		}
		removed = append(removed, dir)
	}
	return removed, nil
}
