package seqnn_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// TestSaveFiles checks what Save leaves in the folder: both files
// world-readable (0644) whatever they replace, and on a failed write the
// documented state, an error naming the file and no temporary file.
func TestSaveFiles(t *testing.T) {
	d := ring(12, 10, 4)
	cfg := small(sasrec.DefaultConfig())
	cfg.Epochs = 1
	m := fitFixed(t, cfg, d)
	block := func(t *testing.T, path string) {
		if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string)
		wantErr string   // file named in the error; "" for success
		want    []string // regular files in dir afterwards, sorted
	}{
		{"new", func(*testing.T, string) {}, "", []string{seqnn.InfoFile, seqnn.WeightsFile}},
		{"replaces 0600 files", func(t *testing.T, dir string) {
			for _, f := range []string{seqnn.WeightsFile, seqnn.InfoFile} {
				if err := os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}, "", []string{seqnn.InfoFile, seqnn.WeightsFile}},
		// The weights are written first: a failure on them writes nothing.
		{"weights blocked", func(t *testing.T, dir string) { block(t, filepath.Join(dir, seqnn.WeightsFile)) },
			seqnn.WeightsFile, nil},
		// A failure on the info file leaves the new weights, which load.
		{"info blocked", func(t *testing.T, dir string) { block(t, filepath.Join(dir, seqnn.InfoFile)) },
			seqnn.InfoFile, []string{seqnn.WeightsFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			err := m.Save(dir, "fp")
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), "write "+filepath.Join(dir, tc.wantErr))):
				t.Fatalf("Save = %v, want an error naming %s", err, tc.wantErr)
			}
			var files []string
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Type().IsRegular() {
					files = append(files, e.Name())
				}
			}
			if !slices.Equal(files, tc.want) {
				t.Errorf("files %v, want %v", files, tc.want)
			}
			for _, f := range files {
				fi, _ := os.Stat(filepath.Join(dir, f))
				if fi.Mode().Perm() != 0o644 {
					t.Errorf("%s: mode %v, want -rw-r--r--", f, fi.Mode().Perm())
				}
			}
			if slices.Contains(files, seqnn.WeightsFile) {
				if _, info, err := seqnn.Load(dir); err != nil || info.TrainFingerprint != "fp" {
					t.Errorf("Load = %+v, %v", info, err)
				}
			}
		})
	}
}

// TestPretrainedSpec checks that the evaluation spec of a saved model loads
// it only on the data it was trained on, and otherwise says, in the log
// and in the label, that it trains a new model.
func TestPretrainedSpec(t *testing.T) {
	d := ring(12, 10, 4)
	cfg := small(sasrec.DefaultConfig())
	m := fitFixed(t, cfg, d) // 3 epochs
	dir := filepath.Join(t.TempDir(), "sasrec")
	if err := m.Save(dir, seqnn.Fingerprint(d)); err != nil {
		t.Fatal(err)
	}
	other := ring(12, 10, 5)
	for _, tc := range []struct {
		name      string
		labelData *model.TrainData // passed to PretrainedSpec
		fitData   *model.TrainData
		wantLabel string
		wantLog   []string // every line, in order; nil: no log
	}{
		{name: "same data", labelData: d, fitData: d, wantLabel: "pretrained " + dir + " (3 epochs)"},
		{name: "label without data", labelData: nil, fitData: d, wantLabel: "pretrained " + dir + " (3 epochs)"},
		{name: "other data", labelData: other, fitData: other, wantLabel: "trained here with " + dir + "'s configuration (3 epochs)",
			wantLog: []string{
				"sasrec: " + dir + " was trained on other data (fingerprint " + seqnn.Fingerprint(d) + ", this data " + seqnn.Fingerprint(other) +
					"): training a new model with its configuration for 3 epochs",
				"sasrec epoch 1/3: loss ", "sasrec epoch 2/3: loss ", "sasrec epoch 3/3: loss ",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log []string
			logf := func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) }
			sp, err := seqnn.PretrainedSpec(dir, tc.labelData, logf)
			if err != nil {
				t.Fatal(err)
			}
			if sp.Name != sasrec.Name || len(sp.Candidates) != 1 || sp.Candidates[0].Label != tc.wantLabel {
				t.Fatalf("spec %s %+v, want one candidate labelled %q", sp.Name, sp.Candidates, tc.wantLabel)
			}
			if err := sp.Candidates[0].New().Fit(context.Background(), tc.fitData); err != nil {
				t.Fatal(err)
			}
			if len(log) != len(tc.wantLog) {
				t.Fatalf("log %q, want %d lines", log, len(tc.wantLog))
			}
			for i, w := range tc.wantLog {
				if !strings.HasPrefix(log[i], w) {
					t.Errorf("log line %d %q, want it to start with %q", i, log[i], w)
				}
			}
		})
	}
}
