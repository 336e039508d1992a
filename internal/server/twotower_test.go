package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/recommend"
	"github.com/moviegenie/genie/internal/store/sqlite"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// tinyTwoTower fits a small Two-Tower model on tables' ratings over the
// catalogue's movies minus drop, as genie train two-tower does (every
// movie, histories in time order), and saves it into dir.
func tinyTwoTower(t *testing.T, tables *dataset.Tables, dir string, drop int32) {
	t.Helper()
	td := &model.TrainData{}
	for _, u := range tables.Users {
		td.UserIDs = append(td.UserIDs, int64(u.UserID))
	}
	for _, m := range tables.Movies {
		if m.MovieID != drop {
			td.ItemIDs = append(td.ItemIDs, int64(m.MovieID))
		}
	}
	slices.Sort(td.UserIDs)
	slices.Sort(td.ItemIDs)
	td.NumUsers, td.NumItems = len(td.UserIDs), len(td.ItemIDs)
	rs := slices.Clone(tables.Ratings)
	slices.SortStableFunc(rs, func(a, b dataset.Rating) int { return int(a.Timestamp - b.Timestamp) })
	td.Seqs = make([][]int32, td.NumUsers)
	for _, r := range rs {
		u, ok := slices.BinarySearch(td.UserIDs, int64(r.UserID))
		i, ok2 := slices.BinarySearch(td.ItemIDs, int64(r.MovieID))
		if ok && ok2 {
			td.Seqs[u] = append(td.Seqs[u], int32(i))
		}
	}
	cfg := twotower.DefaultConfig()
	cfg.EmbeddingDim, cfg.HiddenDims, cfg.BatchSize, cfg.Epochs, cfg.ValidationShare, cfg.Threads = 8, []int{8}, 32, 2, 0, 1
	m := twotower.New(cfg, twotower.NewSideInfo(tables, nil))
	if err := m.Fit(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
}

// twoTowerSources writes tables' processed files and a tiny Two-Tower
// model (tinyTwoTower) into a temporary pipeline tree and returns its
// sources, logging nowhere.
func twoTowerSources(t *testing.T, tables *dataset.Tables) Sources {
	t.Helper()
	root := t.TempDir()
	src := Sources{Processed: filepath.Join(root, "processed"), Metrics: filepath.Join(root, "eval.json"),
		ModelsDir: filepath.Join(root, "models"), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := os.MkdirAll(src.Processed, 0o755); err != nil {
		t.Fatal(err)
	}
	storetest.WriteProcessed(t, src.Processed, tables)
	tinyTwoTower(t, tables, filepath.Join(src.ModelsDir, TwoTowerDir), 0)
	return src
}

// TestLoadModelsTwoTower serves the Two-Tower model of models/two_tower
// when it covers the ratings' movies, skips it (logged) when it does not,
// and fails on a half-written one, so the previous version keeps serving.
func TestLoadModelsTwoTower(t *testing.T) {
	ctx := context.Background()
	tables := storetest.Tables()
	root := t.TempDir()
	var logs bytes.Buffer
	src := Sources{Processed: filepath.Join(root, "processed"), Metrics: filepath.Join(root, "eval.json"),
		ModelsDir: filepath.Join(root, "models"), Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := os.MkdirAll(src.Processed, 0o755); err != nil {
		t.Fatal(err)
	}
	storetest.WriteProcessed(t, src.Processed, tables)
	m, err := LoadModels(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Engine.Blend(); ok {
		t.Fatal("a Two-Tower model was served without one on disk")
	}
	before := src.Fingerprint()
	dir := filepath.Join(src.ModelsDir, TwoTowerDir)
	tinyTwoTower(t, tables, dir, 0)
	if src.Fingerprint() == before {
		t.Error("writing the model did not change the fingerprint: no hot reload")
	}
	m, err = LoadModels(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	blend := recommend.DefaultBlend()
	if _, ok := m.Engine.Blend(); ok != blend.Blends() {
		t.Fatalf("two-tower served = %v, want %v (blend %s); log: %s", ok, blend.Blends(), blend, logs.String())
	}
	if blend.Blends() && (m.Engine.TwoTowerVersion == "" || !strings.HasSuffix(m.Engine.Version, "+"+m.Engine.TwoTowerVersion)) {
		t.Errorf("versions %q, %q", m.Engine.Version, m.Engine.TwoTowerVersion)
	}

	// A model that does not know a rated movie was trained on other data.
	os.RemoveAll(dir)
	tinyTwoTower(t, tables, dir, tables.Ratings[0].MovieID)
	logs.Reset()
	m, err = LoadModels(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Engine.Blend(); ok {
		t.Error("a model missing a rated movie was served")
	}
	if blend.Blends() && !strings.Contains(logs.String(), "does not match") {
		t.Errorf("mismatch not logged: %s", logs.String())
	}

	// Half-written: the weights are not there yet.
	if err := os.Remove(filepath.Join(dir, twotower.WeightsFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModels(ctx, src); blend.Blends() && err == nil {
		t.Error("a half-written model loaded")
	}
}

// TestTwoTowerServed serves an engine with a Two-Tower model: the lists the
// blend touches say "+two_tower", the others name the sequential model,
// and /api/models reports the blend.
func TestTwoTowerServed(t *testing.T) {
	blend := recommend.DefaultBlend()
	if !blend.Blends() {
		t.Skip("the serving blend gives the Two-Tower model no weight")
	}
	ctx := context.Background()
	tables := storetest.Tables()
	src := twoTowerSources(t, tables)
	models, err := LoadModels(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "genie.db")
	if _, err := sqlite.Setup(ctx, path, tables, sqlite.SetupOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{NoCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := New(Config{Store: st, Models: models, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	label := func(base string, known bool, n int) string {
		if blend.Weight(known, n) > 0 {
			return base + "+two_tower"
		}
		return base
	}
	rated := []int32{}
	for _, r := range tables.Ratings {
		if !slices.Contains(rated, r.MovieID) {
			rated = append(rated, r.MovieID)
		}
	}
	for _, n := range []int{0, 1, 3, 5, 10} {
		var rs []string
		for _, id := range rated[:n] {
			rs = append(rs, `{"movie_id":`+itoa(id)+`,"rating":4}`)
		}
		status, body := do(t, "POST", ts.URL+"/api/users", `{"age":25,"gender":"F","occupation":"student","ratings":[`+strings.Join(rs, ",")+`]}`)
		if status != 201 {
			t.Fatalf("create user = %d %s", status, body)
		}
		var out struct {
			User struct {
				ID int32 `json:"id"`
			} `json:"user"`
			Recommendations recList `json:"recommendations"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		want := label(models.Engine.Model, false, n)
		if n == 0 {
			want = label("popularity", false, 0) + " (no history yet)"
		}
		if out.Recommendations.Model != want || len(out.Recommendations.Items) == 0 {
			t.Errorf("new user with %d ratings: model %q (%d items), want %q", n, out.Recommendations.Model, len(out.Recommendations.Items), want)
		}
		// The same user asked again: the demographics come from the store.
		status, body = do(t, "GET", ts.URL+"/api/users/"+itoa(out.User.ID)+"/recommendations", "")
		if status != 200 || !strings.Contains(body, `"model":"`+want+`"`) {
			t.Errorf("GET recommendations of the new user = %d %s, want model %q", status, body, want)
		}
	}
	// A dataset user the model trained on.
	status, body := do(t, "GET", ts.URL+"/api/users/1/recommendations?k=5", "")
	hist, _ := st.Sequence(ctx, 1)
	if want := label(models.Engine.Model, true, len(hist)); status != 200 || !strings.Contains(body, `"model":"`+want+`"`) {
		t.Errorf("known user = %d %s, want model %q", status, body, want)
	}
	wantSim := "itemknn"
	if blend.Similar > 0 {
		wantSim = "itemknn+two_tower"
	}
	if status, body := do(t, "GET", ts.URL+"/api/movies/1/similar?k=5", ""); status != 200 || !strings.Contains(body, `"model":"`+wantSim+`"`) {
		t.Errorf("similar = %d %s, want model %q", status, body, wantSim)
	}
	if status, body := do(t, "GET", ts.URL+"/api/models", ""); status != 200 || !strings.Contains(body, `"two_tower_blend"`) {
		t.Errorf("models = %d %s", status, body)
	}
}
