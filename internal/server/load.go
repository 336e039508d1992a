package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/model/seqnn"
	"github.com/moviegenie/genie/internal/recommend"
)

// Sources are the pipeline outputs the served models come from.
type Sources struct {
	// Processed is the folder of the processed tables.
	Processed string
	// Metrics is the evaluation table (metrics/eval.json); may be missing.
	Metrics string
	// ModelsDir holds one folder per trained model with a history.json.
	ModelsDir string
	// Log receives what LoadModels decides not to serve and why (nil:
	// slog.Default()).
	Log *slog.Logger
}

// LoadModels builds the models the server serves from the pipeline's
// outputs.
func LoadModels(ctx context.Context, src Sources) (*Models, error) {
	rs, err := dataset.ReadRatings(filepath.Join(src.Processed, dataset.RatingsFile))
	if err != nil {
		return nil, fmt.Errorf("load models: %w", err)
	}
	e, err := recommend.Build(ctx, rs, recommend.DefaultOptions())
	if err != nil {
		return nil, err
	}
	m := &Models{Engine: e, Histories: map[string]json.RawMessage{}}
	log := src.Log
	if log == nil {
		log = slog.Default()
	}
	// Without metrics or models the server still serves (the baseline it
	// fits here), but says why it serves no trained model.
	switch b, err := os.ReadFile(src.Metrics); {
	case err == nil && json.Valid(b):
		m.Metrics = b
	case err == nil:
		log.Warn("metrics file is not JSON: serving without metrics and without trained sequential models", "metrics", src.Metrics)
	case errors.Is(err, fs.ErrNotExist):
		log.Warn("no metrics file: serving without trained sequential models (genie repro evaluate writes it)", "metrics", src.Metrics)
	default:
		return nil, fmt.Errorf("load metrics: %w", err)
	}
	if _, err := os.Stat(src.ModelsDir); err != nil {
		log.Warn("models folder missing: serving the baseline only (genie repro trains the models)", "models", src.ModelsDir, "err", err)
	}
	if m.Engine, err = bestSequential(m.Engine, m.Metrics, src.ModelsDir); err != nil {
		return nil, err
	}
	if m.Engine, err = withTwoTower(m.Engine, src, log); err != nil {
		return nil, err
	}
	hs, _ := filepath.Glob(filepath.Join(src.ModelsDir, "*", "history.json"))
	for _, h := range hs {
		if b, err := os.ReadFile(h); err == nil && json.Valid(b) {
			m.Histories[filepath.Base(filepath.Dir(h))] = b
		}
	}
	return m, nil
}

// bestSequential serves the trained sequential model with the best test
// NDCG@10 under the sequential protocol, when it beats the baseline the
// engine was built with; otherwise the engine is returned as it is.
func bestSequential(e *recommend.Engine, metrics json.RawMessage, dir string) (*recommend.Engine, error) {
	var table map[string]map[string]map[string]float64
	if len(metrics) == 0 || json.Unmarshal(metrics, &table) != nil {
		return e, nil
	}
	seq := table["sequential"]
	best, bestScore := "", seq[e.Model]["ndcg@10"]
	for _, name := range seqnn.Names() { // each from dir/<name>
		if v, ok := seq[name]["ndcg@10"]; ok && v > bestScore {
			if _, err := os.Stat(filepath.Join(dir, name, seqnn.WeightsFile)); err == nil {
				best, bestScore = name, v
			}
		}
	}
	if best == "" {
		return e, nil
	}
	mdl, info, err := seqnn.Load(filepath.Join(dir, best))
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", best, err)
	}
	version := info.TrainFingerprint
	if len(version) > 12 {
		version = version[:12]
	}
	next, err := e.WithNext(best, fmt.Sprintf("%s-e%d", version, info.RefitEpochs), mdl, info.ItemIDs)
	if err != nil {
		return nil, err
	}
	// Trained was when the engine's baseline was fitted (at load); the
	// served model was trained when its weights were written.
	if fi, err := os.Stat(filepath.Join(dir, best, seqnn.WeightsFile)); err == nil {
		next.Trained = fi.ModTime().UTC()
	}
	return next, nil
}

// Fingerprint summarises the files LoadModels reads (paths, sizes and
// modification times), so a watcher can tell when to reload.
func (src Sources) Fingerprint() string {
	var parts []string
	add := func(p string) {
		if st, err := os.Stat(p); err == nil {
			parts = append(parts, fmt.Sprintf("%s:%d:%d", p, st.Size(), st.ModTime().UnixNano()))
		}
	}
	add(filepath.Join(src.Processed, dataset.RatingsFile))
	add(src.Metrics)
	filepath.WalkDir(src.ModelsDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			add(p)
		}
		return nil
	})
	sort.Strings(parts)
	return strings.Join(parts, "\n")
}
