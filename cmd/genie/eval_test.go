package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model/twotower"
)

// writeSparseTables writes processed tables to dir: nm movies alternating
// Comedy and Drama, nu users who each rated per movies, so that a ranking
// with a user's history filtered still has more than 100 items.
func writeSparseTables(t *testing.T, dir string, nm, nu, per int32) {
	t.Helper()
	y := int32(1990)
	tb := &dataset.Tables{}
	for m := int32(1); m <= nm; m++ {
		g := []string{"Comedy"}
		if m%2 == 0 {
			g = []string{"Drama"}
		}
		tb.Movies = append(tb.Movies, dataset.MovieRow{MovieID: m, Title: "Movie " + itoa(int(m)), Year: &y, Genres: g})
	}
	for u := int32(1); u <= nu; u++ {
		tb.Users = append(tb.Users, dataset.UserRow{UserID: u, RatingCount: per, RatingMean: 3})
		for k := range per {
			// 13 is prime to nm = 150: per distinct movies, of the user's
			// parity mostly, so there is something to learn.
			m := (u*7+k*13*2)%nm + 1
			tb.Ratings = append(tb.Ratings, dataset.Rating{UserID: u, MovieID: m, Rating: 4, UserSeq: k, Timestamp: int64(u*1000 + k)})
		}
	}
	if err := tb.Write(dir); err != nil {
		t.Fatal(err)
	}
}

// TestEvalTwoTower trains the Two-Tower models with genie train two-tower
// and checks that genie eval puts two_tower into the tfrs and recbole tables
// and exports, loading the protocol models instead of training them.
func TestEvalTwoTower(t *testing.T) {
	work := t.TempDir()
	processed := filepath.Join(work, "processed")
	writeSparseTables(t, processed, 150, 40, 20)
	params := filepath.Join(work, "params.yaml")
	os.WriteFile(params, []byte("feature_engineering:\n  embedding_dim: 64\nmodel_training:\n  two_tower:\n    embedding_dim: 8\n    hidden_dims: [16, 8]\n    batch_size: 32\n    epochs: 2\n"), 0o644)
	train := func(out string, args ...string) {
		t.Helper()
		cmd := newTrainTwoTowerCmd()
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		cmd.SetArgs(append([]string{"--processed", processed, "--params", params, "--out", out, "--quiet"}, args...))
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
	}
	// models: the serving model and both protocol models; serving: the
	// serving model only; empty: none.
	train(filepath.Join(work, "models", twotower.Name))
	train(filepath.Join(work, "serving", twotower.Name), "--eval-protocols", "")
	os.MkdirAll(filepath.Join(work, "empty"), 0o755) // a models folder without models
	tests := []struct {
		name      string
		models    string
		wantRow   bool
		wantTrain bool // eval trains the two-tower (and says so)
	}{
		{name: "protocol models loaded", models: "models", wantRow: true},
		{name: "serving model trained on each split", models: "serving", wantRow: true, wantTrain: true},
		{name: "no two-tower model", models: "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			export := filepath.Join(work, "export-"+tc.models)
			metrics := filepath.Join(work, "metrics-"+tc.models+".json")
			cmd := newEvalCmd()
			var stdout, stderr bytes.Buffer
			cmd.SetOut(&stdout)
			cmd.SetErr(&stderr)
			cmd.SetArgs([]string{"--processed", processed, "--params", params, "--models", filepath.Join(work, tc.models),
				"--protocols", "tfrs,recbole", "--export", export, "--metrics", metrics})
			if err := cmd.Execute(); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if trained := strings.Count(stderr.String(), "training a new model"); trained != map[bool]int{true: 2}[tc.wantTrain] {
				t.Errorf("eval trained the two-tower %d times, want %v:\n%s", trained, tc.wantTrain, stderr.String())
			}
			var m map[string]map[string]json.RawMessage
			b, _ := os.ReadFile(metrics)
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for _, p := range []eval.Protocol{eval.TFRS, eval.RecBole} {
				if _, ok := m[string(p)][twotower.Name]; ok != tc.wantRow {
					t.Errorf("%s: two_tower in %s: %v, want %v", metrics, p, ok, tc.wantRow)
				}
				path := eval.ExportPath(export, twotower.Name, p)
				if !tc.wantRow {
					if _, err := os.Stat(path); err == nil {
						t.Errorf("%s written without a two-tower model", path)
					}
					continue
				}
				want := "pretrained " + filepath.Join(work, tc.models, twotower.Name)
				if tc.wantTrain {
					want = "trained here with " + filepath.Join(work, tc.models, twotower.Name)
				}
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("table lacks %q:\n%s", want, stdout.String())
				}
				if tc.models == "models" && !strings.Contains(stdout.String(), filepath.Join(twotower.Name, string(p))) {
					t.Errorf("%s: the table does not name the %s model:\n%s", p, p, stdout.String())
				}
				checkExport(t, path, 40, 100)
			}
		})
	}
}

// checkExport checks that the export file at path has users lines of
// exactly k distinct items each.
func checkExport(t *testing.T, path string, users, k int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l eval.ExportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		seen := map[int64]bool{}
		for _, it := range l.Items {
			seen[it] = true
		}
		if len(l.Items) != k || len(seen) != k {
			t.Errorf("%s: user %d has %d items (%d distinct), want %d", path, l.User, len(l.Items), len(seen), k)
		}
		lines++
	}
	if lines != users {
		t.Errorf("%s: %d lines, want %d", path, lines, users)
	}
}

// TestEvalSequentialBlend trains SASRec and the Two-Tower models (with the
// sequential protocol's fit) and checks that genie eval measures two_tower
// and the served sasrec+two_tower blend under the sequential protocol,
// loading both models, and leaves them out without the sequential fit.
func TestEvalSequentialBlend(t *testing.T) {
	work := t.TempDir()
	processed := filepath.Join(work, "processed")
	writeSparseTables(t, processed, 150, 40, 20)
	params := filepath.Join(work, "params.yaml")
	yaml := strings.ReplaceAll(trainTestParams, "%s", "sasrec") + "  two_tower:\n    embedding_dim: 8\n    hidden_dims: [16, 8]\n    batch_size: 32\n    epochs: 2\nfeature_engineering:\n  embedding_dim: 64\n"
	if err := os.WriteFile(params, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(cmd *cobra.Command, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cmd.SetOut(&stdout)
		cmd.SetErr(&stderr)
		cmd.SetArgs(args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		return stdout.String() + stderr.String()
	}
	models := filepath.Join(work, "models")
	run(newTrainCmd(), "sasrec", "--params", params, "--ratings", filepath.Join(processed, dataset.RatingsFile), "--out", filepath.Join(models, "sasrec"))
	run(newTrainTwoTowerCmd(), "--processed", processed, "--params", params, "--out", filepath.Join(models, twotower.Name), "--eval-protocols", "sequential", "--quiet")

	rows := func() map[string]json.RawMessage {
		t.Helper()
		metrics := filepath.Join(work, "metrics.json")
		out := run(newEvalCmd(), "--processed", processed, "--params", params, "--models", models, "--protocols", "sequential", "--metrics", metrics)
		if strings.Contains(out, "training a new model") {
			t.Errorf("eval trained the two-tower instead of loading it:\n%s", out)
		}
		var m map[string]map[string]json.RawMessage
		b, _ := os.ReadFile(metrics)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m[string(eval.Sequential)]
	}
	seq := rows()
	for _, name := range []string{"sasrec", twotower.Name, "sasrec+" + twotower.Name} {
		if _, ok := seq[name]; !ok {
			t.Errorf("no %s row in the sequential table: %v", name, slices.Collect(maps.Keys(seq)))
		}
	}
	if err := os.RemoveAll(filepath.Join(models, twotower.Name, string(eval.Sequential))); err != nil {
		t.Fatal(err)
	}
	seq = rows()
	for _, name := range []string{twotower.Name, "sasrec+" + twotower.Name} {
		if _, ok := seq[name]; ok {
			t.Errorf("%s row without models/two_tower/sequential", name)
		}
	}
}

// TestEvalSequentialRetrained checks that genie eval, given a sequential
// model trained on other data, says it trains a new one and labels its row
// "trained here", not "pretrained"; on the model's own data it loads it.
func TestEvalSequentialRetrained(t *testing.T) {
	work := t.TempDir()
	params := filepath.Join(work, "params.yaml")
	if err := os.WriteFile(params, []byte(strings.ReplaceAll(trainTestParams, "%s", "sasrec")+"    epochs: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	own, other := filepath.Join(work, "own"), filepath.Join(work, "other")
	writeSparseTables(t, own, 150, 40, 20)
	writeSparseTables(t, other, 150, 40, 21)
	models := filepath.Join(work, "models")
	dir := filepath.Join(models, "sasrec")
	cmd := newTrainCmd()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs([]string{"sasrec", "--params", params, "--ratings", filepath.Join(own, dataset.RatingsFile), "--out", dir, "--quiet"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, processed string
		wantLabel       string
		wantLog         string // "": eval must not train
	}{
		{name: "own data", processed: own, wantLabel: "pretrained " + dir + " (2 epochs)"},
		{name: "other data", processed: other, wantLabel: "trained here with " + dir + "'s configuration (2 epochs)",
			wantLog: "sasrec: " + dir + " was trained on other data (fingerprint "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := newEvalCmd()
			var stdout, stderr bytes.Buffer
			cmd.SetOut(&stdout)
			cmd.SetErr(&stderr)
			cmd.SetArgs([]string{"--processed", tc.processed, "--params", params, "--models", models, "--protocols", "sequential",
				"--metrics", filepath.Join(work, tc.name+".json")})
			if err := cmd.Execute(); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantLabel) {
				t.Errorf("table lacks %q:\n%s", tc.wantLabel, stdout.String())
			}
			trained := strings.Contains(stderr.String(), "training a new model")
			if tc.wantLog == "" && trained || tc.wantLog != "" && !strings.Contains(stderr.String(), tc.wantLog) {
				t.Errorf("log %q, want %q", stderr.String(), tc.wantLog)
			}
			if tc.wantLog != "" && strings.Contains(stdout.String(), "pretrained "+dir) {
				t.Errorf("a model trained by eval is labelled pretrained:\n%s", stdout.String())
			}
		})
	}
}

// TestEvalModelsFolder: a --models folder given on purpose must exist (a
// typo would evaluate the baselines only and overwrite the metrics); the
// default missing is said, and each protocol reports its progress.
func TestEvalModelsFolder(t *testing.T) {
	work := t.TempDir()
	processed := filepath.Join(work, "processed")
	writeSparseTables(t, processed, 150, 40, 20)
	metrics := filepath.Join(work, "eval.json")
	run := func(args ...string) (string, error) {
		cmd := newEvalCmd()
		var stderr bytes.Buffer
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&stderr)
		cmd.SetArgs(append([]string{"--processed", processed, "--protocols", "tfrs", "--metrics", metrics, "--params", filepath.Join(work, "none.yaml")}, args...))
		err := cmd.Execute()
		return stderr.String(), err
	}
	if _, err := run("--models", filepath.Join(work, "modles")); err == nil || !strings.Contains(err.Error(), "--models: stat ") {
		t.Errorf("a missing --models: %v", err)
	}
	if _, err := os.Stat(metrics); !os.IsNotExist(err) {
		t.Errorf("a failed eval wrote %s", metrics)
	}
	t.Chdir(work)
	log, err := run()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"no models folder: evaluating the baselines only", "tfrs protocol: 3 models…", "tfrs protocol: done in "} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
