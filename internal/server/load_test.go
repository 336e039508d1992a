package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// TestLoadModelsSequential serves a trained SASRec when the metrics say it
// beats the baseline, and reports as its training time its weights' time,
// not the server's start.
func TestLoadModelsSequential(t *testing.T) {
	ctx := context.Background()
	tables := storetest.Tables()
	root := t.TempDir()
	src := Sources{Processed: filepath.Join(root, "processed"), Metrics: filepath.Join(root, "eval.json"),
		ModelsDir: filepath.Join(root, "models"), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := os.MkdirAll(src.Processed, 0o755); err != nil {
		t.Fatal(err)
	}
	storetest.WriteProcessed(t, src.Processed, tables)

	// A tiny SASRec over the ratings' movies, in time order.
	in := make([]eval.Interaction, len(tables.Ratings))
	for i, r := range tables.Ratings {
		in[i] = eval.Interaction{User: int64(r.UserID), Item: int64(r.MovieID), Rating: r.Rating, Timestamp: r.Timestamp}
	}
	d, err := eval.NewDataset(in)
	if err != nil {
		t.Fatal(err)
	}
	train := d.ChronologicalTrainData()
	cfg := sasrec.DefaultConfig()
	cfg.MaxLen, cfg.Dim, cfg.Heads, cfg.Layers, cfg.FFN, cfg.Epochs, cfg.Threads = 8, 16, 1, 1, 16, 1, 1
	m := seqnn.New(cfg)
	if err := m.Fit(ctx, train); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(src.ModelsDir, "sasrec")
	if err := m.Save(dir, ""); err != nil {
		t.Fatal(err)
	}
	trained := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, seqnn.WeightsFile), trained, trained); err != nil {
		t.Fatal(err)
	}
	metrics, _ := json.Marshal(map[string]any{"sequential": map[string]any{
		"sasrec": map[string]float64{"ndcg@10": 0.2}, "markov_itemknn_recent": map[string]float64{"ndcg@10": 0.1}}})
	if err := os.WriteFile(src.Metrics, metrics, 0o644); err != nil {
		t.Fatal(err)
	}

	models, err := LoadModels(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if e := models.Engine; e.Model != "sasrec" || !e.Trained.Equal(trained) {
		t.Errorf("served %s trained %v, want sasrec trained %v (its weights' time)", e.Model, e.Trained, trained)
	}
}

// TestLoadModelsSaysWhyBaseline: a metrics file that is not JSON, a missing
// one or a missing models folder still serve the baseline, with a warning
// that says why.
func TestLoadModelsSaysWhyBaseline(t *testing.T) {
	tests := []struct {
		name, metrics string // "" no file
		models        bool
		want          string
	}{
		{"metrics not JSON", "{not json", true, "metrics file is not JSON"},
		{"no metrics", "", true, "no metrics file"},
		{"no models folder", `{"sequential":{}}`, false, "models folder missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			var logs strings.Builder
			src := Sources{Processed: filepath.Join(root, "processed"), Metrics: filepath.Join(root, "eval.json"),
				ModelsDir: filepath.Join(root, "models"), Log: slog.New(slog.NewTextHandler(&logs, nil))}
			os.MkdirAll(src.Processed, 0o755)
			storetest.WriteProcessed(t, src.Processed, storetest.Tables())
			if tt.metrics != "" {
				os.WriteFile(src.Metrics, []byte(tt.metrics), 0o644)
			}
			if tt.models {
				os.MkdirAll(src.ModelsDir, 0o755)
			}
			m, err := LoadModels(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if m.Engine.Model != "markov_itemknn_recent" || !strings.Contains(logs.String(), tt.want) {
				t.Errorf("served %s; log %q, want %q", m.Engine.Model, logs.String(), tt.want)
			}
		})
	}
}
