package twotower

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/nn"
)

const (
	synGenres  = 3
	synItems   = 60  // item i has genre i % synGenres
	synUsers   = 300 // user u prefers genre u % synGenres
	synPerUser = 12
)

var synOccupations = []string{"astronaut", "baker", "chemist"}

// synthetic plants a user-genre preference: each user rates synPerUser
// random items of their favourite genre, and their occupation names it.
// Items carry a genre one-hot as content.
func synthetic() (*model.TrainData, *SideInfo) {
	r := rand.New(rand.NewPCG(3, 4))
	td := &model.TrainData{NumUsers: synUsers, NumItems: synItems}
	side := &SideInfo{Content: map[int64][]float32{}, Genres: map[int64][]int{}, Users: map[int64]Demographic{},
		ContentDim: 8, GenreNames: []string{"Action", "Comedy", "Drama"}}
	var rows []dataset.UserRow
	for u := range synUsers {
		id := int64(1000 + u)
		td.UserIDs = append(td.UserIDs, id)
		occ := synOccupations[u%synGenres]
		side.Users[id] = Demographic{Occupation: &occ}
		rows = append(rows, dataset.UserRow{UserID: int32(id), Occupation: &occ})
		perm := r.Perm(synItems / synGenres)
		var seq []int32
		for _, p := range perm[:synPerUser] {
			seq = append(seq, int32(p*synGenres+u%synGenres))
		}
		td.Seqs = append(td.Seqs, seq)
	}
	side.Demographics = features.FitDemographics(rows)
	for i := range synItems {
		id := int64(10 + 2*i)
		td.ItemIDs = append(td.ItemIDs, id)
		v := make([]float32, 8)
		v[i%synGenres] = 1
		side.Content[id] = v
		side.Genres[id] = []int{i % synGenres}
	}
	return td, side
}

func smallConfig() Config {
	c := DefaultConfig()
	c.EmbeddingDim, c.HiddenDims, c.BatchSize, c.Epochs, c.LearningRate = 16, []int{32, 16}, 64, 20, 0.01
	c.Threads = 2
	return c
}

// genreShare returns the share of recs whose genre (raw id -> (id-10)/2 %
// synGenres) is g.
func genreShare(recs []Scored, g int) float64 {
	n := 0
	for _, r := range recs {
		if int((r.MovieID-10)/2)%synGenres == g {
			n++
		}
	}
	return float64(n) / float64(len(recs))
}

func fitSynthetic(t *testing.T, cfg Config) (*Model, *model.TrainData) {
	t.Helper()
	td, side := synthetic()
	m := New(cfg, side)
	if err := m.Fit(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	return m, td
}

func TestLearnsPlantedPreference(t *testing.T) {
	m, td := fitSynthetic(t, smallConfig())
	share := 0.0
	dst := make([]float32, synItems)
	for u := range synUsers {
		m.Score(u, td.Seqs[u], dst)
		share += genreShare(m.top(dst, 10, nil), u%synGenres)
	}
	share /= synUsers
	if share < 0.95 {
		t.Errorf("top-10 share of the favourite genre %.3f, want >= 0.95", share)
	}
	if len(m.History()) == 0 || m.BestEpoch() < 1 {
		t.Errorf("history %v, best epoch %d", m.History(), m.BestEpoch())
	}
}

func TestColdStart(t *testing.T) {
	m, _ := fitSynthetic(t, smallConfig())
	occ := func(s string) *string { return &s }
	tests := []struct {
		name  string
		q     UserQuery
		genre int
	}{
		// A new user who rated three comedies (genre 1) and told us nothing.
		{"handful of ratings", UserQuery{History: []int64{10 + 2*1, 10 + 2*4, 10 + 2*7}}, 1},
		// A new user with only an occupation, which predicts genre 2.
		{"demographics only", UserQuery{Demographic: Demographic{Occupation: occ("chemist")}}, 2},
		// An unknown id counts as a new user.
		{"unknown id", UserQuery{UserID: new(int64(1)), History: []int64{10, 10 + 2*3}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs := m.Recommend(m.EmbedUser(tc.q), 10, tc.q.History)
			if s := genreShare(recs, tc.genre); s < 0.9 {
				t.Errorf("top-10 share of genre %d: %.2f, want >= 0.9 (%v)", tc.genre, s, recs)
			}
			for _, r := range recs {
				if slices.Contains(tc.q.History, r.MovieID) {
					t.Errorf("excluded movie %d recommended", r.MovieID)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	cfg := smallConfig()
	cfg.Epochs = 3
	a, _ := fitSynthetic(t, cfg)
	b, _ := fitSynthetic(t, cfg)
	if !slices.Equal(a.itemEmb, b.itemEmb) || !slices.Equal(a.userEmb, b.userEmb) {
		t.Error("two fits with the same seed and threads differ")
	}
	cfg.Seed++
	c, _ := fitSynthetic(t, cfg)
	if slices.Equal(a.itemEmb, c.itemEmb) {
		t.Error("a different seed gives the same model")
	}
}

// TestInferenceMatchesGraph checks the plain-Go towers used for serving
// against the graph forward pass used in training.
func TestInferenceMatchesGraph(t *testing.T) {
	cfg := smallConfig()
	cfg.Epochs = 1
	m, td := fitSynthetic(t, cfg)
	n := m.nets[0]
	g := nn.NewGraph(nn.Config{Threads: 1})
	g.Train, g.NoGrad = false, true
	users := []int32{0, 5, -1}
	F := n.featDim
	feats := make([]float32, len(users)*F)
	var pool historyBags
	pool.reset()
	var want [][]float32
	for b, u := range users {
		hist := td.Seqs[max(u, 0)][:3]
		copy(feats[b*F:], m.featureRow(nil, Demographic{}, hist))
		pool.add(hist)
		want = append(want, n.userVec(u, feats[b*F:(b+1)*F], hist))
	}
	uv := n.userTower(g, users, nn.NewTensor(feats, len(users), F), &pool)
	items := []int32{0, 7, 59}
	iv := n.itemTower(g, items, items)
	close := func(a, b []float32) bool {
		for i := range a {
			if d := a[i] - b[i]; d > 1e-5 || d < -1e-5 {
				return false
			}
		}
		return true
	}
	for b := range users {
		if got := uv.Data[b*n.out : (b+1)*n.out]; !close(got, want[b]) {
			t.Errorf("user %d: graph %v, plain %v", users[b], got, want[b])
		}
	}
	for b, i := range items {
		if got := iv.Data[b*n.out : (b+1)*n.out]; !close(got, n.itemVec(i)) {
			t.Errorf("item %d: graph %v, plain %v", i, got, n.itemVec(i))
		}
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, yaml, wantErr string
		check               func(Config) bool
	}{
		{name: "defaults with the data seed", yaml: "data_processing:\n  random_seed: 7\n",
			check: func(c Config) bool {
				return c.Seed == 7 && c.EmbeddingDim == 64 && slices.Equal(c.HiddenDims, []int{128, 64})
			}},
		{name: "seed section", yaml: "model_training:\n  two_tower:\n    embedding_dim: 32\n    hidden_dims: [64]\n    epochs: 3\n  bert4rec:\n    hidden_size: 8\n",
			check: func(c Config) bool {
				return c.EmbeddingDim == 32 && slices.Equal(c.HiddenDims, []int{64}) && c.Epochs == 3 && c.BatchSize == 512
			}},
		{name: "bad values", yaml: "model_training:\n  two_tower:\n    batch_size: 1\n    learning_rate: 0\n",
			wantErr: "line 3: model_training.two_tower.batch_size: expected 2 to 65536, got 1"},
		{name: "ensemble", yaml: "model_training:\n  two_tower:\n    ensemble: 5\n",
			check: func(c Config) bool { return c.Ensemble == 5 && c.members() == 5 }},
		{name: "bad ensemble", yaml: "model_training:\n  two_tower:\n    ensemble: -1\n", wantErr: "ensemble: expected 0 <= n <= 64, got -1"},
		{name: "parallel members", yaml: "model_training:\n  two_tower:\n    ensemble: 5\n    parallel_members: 2\n",
			check: func(c Config) bool { return c.parallelMembers() == 2 }},
		{name: "parallel members: all by default, never more than the members", yaml: "model_training:\n  two_tower:\n    ensemble: 3\n",
			check: func(c Config) bool {
				c2 := c
				c2.ParallelMembers = 8
				return c.parallelMembers() == 3 && c2.parallelMembers() == 3
			}},
		{name: "bad parallel members", yaml: "model_training:\n  two_tower:\n    parallel_members: -2\n", wantErr: "parallel_members: expected >= 0 (0: all members at once), got -2"},
		{name: "ema", yaml: "model_training:\n  two_tower:\n    ema: 0.999\n",
			check: func(c Config) bool { return c.EMA == 0.999 }},
		{name: "bad ema", yaml: "model_training:\n  two_tower:\n    ema: 1\n", wantErr: "ema: expected 0 <= decay < 1, got 1"},
		{name: "history", yaml: "model_training:\n  two_tower:\n    history: past\n",
			check: func(c Config) bool { return c.History == HistoryPast }},
		{name: "bad history", yaml: "model_training:\n  two_tower:\n    history: future\n", wantErr: "history: expected all or past, got future"},
		{name: "popularity prior", yaml: "model_training:\n  two_tower:\n    popularity_prior: 0.5\n",
			check: func(c Config) bool {
				return c.PopularityPrior == 0.5 && strings.Contains(c.label(), "popularity_prior=0.5")
			}},
		{name: "bad popularity prior", yaml: "model_training:\n  two_tower:\n    popularity_prior: -1\n", wantErr: "popularity_prior: expected 0 <= p <= 4, got -1"},
		{name: "popularity prior without logQ", yaml: "model_training:\n  two_tower:\n    negatives: all\n    popularity_prior: 0.5\n",
			wantErr: "popularity_prior: expected 0 with negatives: all, got 0.5"},
		{name: "unknown key", yaml: "model_training:\n  two_tower:\n    layers: 3\n",
			wantErr: "line 3: field layers not found in model_training.two_tower (known keys: embedding_dim, hidden_dims, batch_size,"},
		{name: "section typo", yaml: "data_processing:\n  random_seed: 7\nmodel_training:\n  two-tower:\n    embedding_dim: 8\n",
			wantErr: `line 4: unknown section "model_training.two-tower" (known sections of model_training: sasrec, bert4rec, two_tower)`},
		{name: "model_training typo", yaml: "model_trainig:\n  two_tower:\n    embedding_dim: 8\n",
			wantErr: `line 1: unknown section "model_trainig" (known sections: data, data_processing, feature_engineering, model_training, serving)`},
		{name: "other model's typo", yaml: "model_training:\n  sasrc:\n    hidden_size: 8\n  two_tower:\n    embedding_dim: 8\n",
			wantErr: `line 2: unknown section "model_training.sasrc"`},
		{name: "type error at the file's line", yaml: "# params\n\ndata_processing:\n  random_seed: 7\n\nmodel_training:\n  two_tower:\n    epochs: 3\n    embedding_dim: abc\n",
			wantErr: `line 9: model_training.two_tower.embedding_dim: expected an integer, got "abc"`},
		{name: "list item type error", yaml: "model_training:\n  two_tower:\n    hidden_dims:\n      - 64\n      - wide\n",
			wantErr: `line 5: model_training.two_tower.hidden_dims: expected a list of integers, got "wide" as item 2`},
		{name: "huge embedding at the file's line", yaml: "model_training:\n  two_tower:\n    epochs: 3\n    embedding_dim: 1000000000\n",
			wantErr: "line 4: model_training.two_tower.embedding_dim: expected 1 to 4096, got 1000000000"},
		{name: "infinite learning rate", yaml: "model_training:\n  two_tower:\n    learning_rate: .inf\n",
			wantErr: "line 3: model_training.two_tower.learning_rate: expected a finite number > 0, got +Inf"},
		{name: "NaN ema", yaml: "model_training:\n  two_tower:\n    ema: .nan\n", wantErr: "line 3: model_training.two_tower.ema: expected 0 <= decay < 1, got NaN"},
		{name: "bad seed", yaml: "data_processing:\n  random_seed: many\n", wantErr: "line 2: cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			os.WriteFile(path, []byte(tc.yaml), 0o644)
			c, err := LoadConfig(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), path+": ") {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Errorf("got %+v, %v", c, err)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string // in the error, after "model_training.two_tower."
	}{
		// Sizes whose allocation would kill the process.
		{"huge embedding", func(c *Config) { c.EmbeddingDim = 1000000000 }, "embedding_dim: expected 1 to 4096, got 1000000000"},
		{"huge hidden width", func(c *Config) { c.HiddenDims = []int{128, 1 << 30} }, "hidden_dims: expected widths from 1 to 4096, got [128 1073741824]"},
		{"too many hidden layers", func(c *Config) { c.HiddenDims = make([]int, 17) }, "hidden_dims: expected 1 to 16 widths, got"},
		{"huge batch", func(c *Config) { c.BatchSize = 1 << 20 }, "batch_size: expected 2 to 65536, got 1048576"},
		{"huge epochs", func(c *Config) { c.Epochs = 1 << 40 }, "epochs: expected 1 to 100000, got 1099511627776"},
		{"huge history", func(c *Config) { c.HistoryLength = 1 << 30 }, "history_length: expected 1 to 100000, got 1073741824"},
		{"huge ensemble", func(c *Config) { c.Ensemble = 65 }, "ensemble: expected 0 <= n <= 64, got 65"},
		{"huge threads", func(c *Config) { c.Threads = 1 << 20 }, "threads: expected 0 to 256, got 1048576"},
		// Zero and negative values that mean nothing.
		{"zero embedding", func(c *Config) { c.EmbeddingDim = 0 }, "embedding_dim: expected 1 to 4096, got 0"},
		{"negative epochs", func(c *Config) { c.Epochs = -5 }, "epochs: expected 1 to 100000, got -5"},
		{"negative threads", func(c *Config) { c.Threads = -2 }, "threads: expected 0 to 256, got -2"},
		{"negative patience", func(c *Config) { c.Patience = -4 }, "patience: expected >= 1, got -4"},
		// NaN and infinities, which comparisons let through.
		{"NaN learning rate", func(c *Config) { c.LearningRate = nan }, "learning_rate: expected a finite number > 0, got NaN"},
		{"infinite learning rate", func(c *Config) { c.LearningRate = inf }, "learning_rate: expected a finite number > 0, got +Inf"},
		{"NaN ema", func(c *Config) { c.EMA = nan }, "ema: expected 0 <= decay < 1, got NaN"},
		{"NaN weight decay", func(c *Config) { c.WeightDecay = nan }, "weight_decay: expected a finite number >= 0, got NaN"},
		{"infinite weight decay", func(c *Config) { c.WeightDecay = inf }, "weight_decay: expected a finite number >= 0, got +Inf"},
		{"infinite temperature", func(c *Config) { c.Temperature = inf }, "temperature: expected a finite number > 0, got +Inf"},
		{"NaN popularity prior", func(c *Config) { c.PopularityPrior = nan }, "popularity_prior: expected 0 <= p <= 4, got NaN"},
		{"NaN id dropout", func(c *Config) { c.IDDropout = nan }, "id_dropout: expected 0 <= p < 1, got NaN"},
		{"NaN short history", func(c *Config) { c.ShortHistory = nan }, "short_history: expected 0 <= p <= 1, got NaN"},
		{"NaN validation share", func(c *Config) { c.ValidationShare = nan }, "validation_share: expected 0 <= share < 0.5, got NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mod(&c)
			err := c.Validate()
			if want := "model_training.two_tower." + tc.want; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Validate: %v, want %q", err, want)
			}
		})
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestFitStopsOnNonFiniteLoss poisons one training step's inputs and
// checks that Fit fails there, naming the member and the epoch, instead of
// training on NaN weights.
func TestFitStopsOnNonFiniteLoss(t *testing.T) {
	for _, tc := range []struct {
		name           string
		ensemble       int
		member, epoch  int // where the step is poisoned (member 0-based)
		want           string
		wantLastEpochs int // the last epoch any member started
	}{
		{name: "single model", epoch: 2, want: "two-tower: epoch 2: loss is NaN at step 1 of ", wantLastEpochs: 2},
		{name: "ensemble member", ensemble: 2, member: 1, epoch: 1, want: "two-tower member 2/2: epoch 1: loss is NaN at step 1 of ", wantLastEpochs: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td, side := synthetic()
			cfg := smallConfig()
			cfg.Epochs, cfg.Ensemble, cfg.ParallelMembers = 3, tc.ensemble, 1
			m := New(cfg, side)
			last := 0
			m.OnBatch = func(b Batch) {
				last = max(last, b.Epoch)
				if b.Member == tc.member && b.Epoch == tc.epoch && b.Step == 0 {
					b.LogQ[0] = float32(math.NaN())
				}
			}
			err := m.Fit(context.Background(), td)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Fit: %v, want %q", err, tc.want)
			}
			if last != tc.wantLastEpochs {
				t.Errorf("training went on to epoch %d, want %d", last, tc.wantLastEpochs)
			}
		})
	}
}

func TestSaveLoad(t *testing.T) {
	for _, members := range []int{1, 3} {
		t.Run(fmt.Sprintf("ensemble %d", members), func(t *testing.T) { testSaveLoad(t, members) })
	}
}

func testSaveLoad(t *testing.T, members int) {
	cfg := smallConfig()
	cfg.Epochs, cfg.Ensemble = 3, members
	m, _ := fitSynthetic(t, cfg)
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{WeightsFile, ConfigFile, UserEmbeddingsFile, ItemEmbeddingsFile, HistoryFile, HistoryPlotFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.itemEmb, m.itemEmb) || !slices.Equal(l.userEmb, m.userEmb) {
		t.Fatal("embeddings differ after a round trip")
	}
	if !slices.Equal(l.BestEpochs(), m.BestEpochs()) || len(l.BestEpochs()) != members {
		t.Errorf("best epochs %v after a round trip, want %v", l.BestEpochs(), m.BestEpochs())
	}
	svg, _ := os.ReadFile(filepath.Join(dir, HistoryPlotFile))
	if n := strings.Count(string(svg), `stroke-width="2"`); n != 2*members {
		t.Errorf("history plot has %d lines, want %d (two panels, a line per member)", n, 2*members)
	}
	a, _ := m.UserEmbedding(1005)
	b, ok := l.UserEmbedding(1005)
	if !ok || !slices.Equal(a, b) {
		t.Errorf("user 1005: %v vs %v", a, b)
	}
	q := UserQuery{History: []int64{12, 18}}
	if x, y := m.Recommend(m.EmbedUser(q), 5, nil), l.Recommend(l.EmbedUser(q), 5, nil); !slices.Equal(x, y) {
		t.Errorf("cold-start recommendations %v vs %v", x, y)
	}
	sim, err := l.SimilarItems(10, 5)
	if err != nil || len(sim) != 5 || slices.ContainsFunc(sim, func(s Scored) bool { return s.MovieID == 10 }) {
		t.Errorf("similar items %v, %v", sim, err)
	}
	if genreShare(sim, 0) < 0.8 {
		t.Errorf("movies similar to a genre-0 movie: %v", sim)
	}
	if _, err := l.SimilarItems(11, 5); err == nil {
		t.Error("unknown movie accepted")
	}
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(`{"model": "sasrec"}`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `model "sasrec"`) {
		t.Errorf("wrong model loaded: %v", err)
	}
}

// TestParallelMembers checks that members trained one at a time, two at a
// time and all at once give bit-identical models.
func TestParallelMembers(t *testing.T) {
	var want *Model
	for _, parallel := range []int{1, 2, 0} {
		cfg := smallConfig()
		cfg.Epochs, cfg.Ensemble, cfg.ParallelMembers = 3, 3, parallel
		m, _ := fitSynthetic(t, cfg)
		if want == nil {
			want = m
			continue
		}
		if !slices.Equal(m.itemEmb, want.itemEmb) || !slices.Equal(m.userEmb, want.userEmb) {
			t.Errorf("parallel_members %d: embeddings differ from one member at a time", parallel)
		}
		if !slices.Equal(m.BestEpochs(), want.BestEpochs()) || !sameEpochs(m.History(), want.History()) {
			t.Errorf("parallel_members %d: epochs %v, want %v", parallel, m.History(), want.History())
		}
	}
}

// sameEpochs compares training histories but for their wall times.
func sameEpochs(a, b []EpochStats) bool {
	return slices.EqualFunc(a, b, func(x, y EpochStats) bool {
		x.Seconds, y.Seconds = 0, 0
		return x == y
	})
}

// TestParallelMembersStopOnCancel checks that a cancelled fit of members
// trained at once returns the cancellation, not a half-trained model.
func TestParallelMembersStopOnCancel(t *testing.T) {
	cfg := smallConfig()
	cfg.Epochs, cfg.Ensemble = 50, 3
	td, side := synthetic()
	m := New(cfg, side)
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	var mu sync.Mutex
	m.OnBatch = func(Batch) {
		mu.Lock()
		defer mu.Unlock()
		if steps++; steps == 20 {
			cancel()
		}
	}
	err := m.Fit(ctx, td)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "two-tower: ") {
		t.Fatalf("Fit after cancel: %v", err)
	}
	if len(m.nets) != 0 {
		t.Errorf("%d members kept after a failed fit", len(m.nets))
	}
}

// TestEnsemble checks that an ensemble's first member is the single model
// of the same seed, that the members differ, and that the concatenated
// embeddings are unit length and score the members' mean cosine.
func TestEnsemble(t *testing.T) {
	cfg := smallConfig()
	cfg.Epochs = 4
	single, td := fitSynthetic(t, cfg)
	cfg.Ensemble = 3
	ens, _ := fitSynthetic(t, cfg)
	if len(ens.nets) != 3 || ens.Dim() != 3*single.Dim() {
		t.Fatalf("%d members, width %d; want 3, %d", len(ens.nets), ens.Dim(), 3*single.Dim())
	}
	for i, p := range single.nets[0].params {
		q := ens.nets[0].params[i]
		if !slices.Equal(p.Data, q.Data) {
			t.Errorf("member 1's %s differs from the single model's", q.Name)
		}
		if r := ens.nets[1].params[i]; slices.Equal(q.Data, r.Data) {
			t.Errorf("members 1 and 2 have the same %s", r.Name)
		}
	}
	if !slices.Equal(ens.BestEpochs()[:1], single.BestEpochs()) {
		t.Errorf("best epochs %v, single model %v", ens.BestEpochs(), single.BestEpochs())
	}
	for _, e := range ens.History() {
		if e.Member < 1 || e.Member > 3 {
			t.Fatalf("epoch %+v: member out of 1..3", e)
		}
	}
	if s := ens.FitSummary(); !strings.HasPrefix(s, "3 members: best epoch ") {
		t.Errorf("summary %q", s)
	}
	norm := func(v []float32) float64 {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	for _, id := range []int64{10, 12, 50} {
		if v, _ := ens.ItemEmbedding(id); math.Abs(norm(v)-1) > 1e-5 {
			t.Errorf("item %d: embedding norm %v", id, norm(v))
		}
	}
	u := 7
	scores := make([]float32, synItems)
	ens.Score(u, td.Seqs[u], scores)
	feats, win := ens.featureRow(nil, ens.userDemo[u], td.Seqs[u]), ens.window(td.Seqs[u])
	for i := range synItems {
		var mean float64
		for _, n := range ens.nets {
			mean += float64(dot(n.userVec(int32(u), feats, win), n.itemVec(int32(i)))) / 3
		}
		if math.Abs(float64(scores[i])-mean) > 1e-5 {
			t.Fatalf("item %d: score %v, members' mean cosine %v", i, scores[i], mean)
		}
	}
}

func TestEMA(t *testing.T) {
	// The average is only kept (and validated): training goes on from the
	// trained weights, so the training losses are those of the plain fit,
	// while the kept model is the average.
	cfg := smallConfig()
	cfg.Epochs = 6
	plain, _ := fitSynthetic(t, cfg)
	cfg.EMA = 0.9
	avg, _ := fitSynthetic(t, cfg)
	ph, ah := plain.History(), avg.History()
	if len(ph) != len(ah) {
		t.Fatalf("%d epochs with the average, %d without", len(ah), len(ph))
	}
	for i := range ph {
		if ah[i].Loss != ph[i].Loss {
			t.Errorf("epoch %d: training loss %v with the average, %v without: training did not resume from the trained weights", i+1, ah[i].Loss, ph[i].Loss)
		}
	}
	if slices.Equal(plain.itemEmb, avg.itemEmb) {
		t.Error("the kept model is the trained one, not the average")
	}
	if !strings.Contains(avg.cfg.label(), "ema=0.9") {
		t.Errorf("label %q does not name the average", avg.cfg.label())
	}
}

func TestHistoryPast(t *testing.T) {
	// With history: past a training pair's user tower sees only the items
	// rated before its target, and the held-out pairs are each user's last
	// ones; with all it sees the others on both sides.
	for _, history := range []string{HistoryAll, HistoryPast} {
		t.Run(history, func(t *testing.T) {
			cfg := smallConfig()
			cfg.Epochs, cfg.ValidationShare, cfg.IDDropout, cfg.History = 2, 0.25, 0.1, history
			td, side := synthetic()
			pos := make([]map[int32]int, len(td.Seqs)) // per user: item -> position
			for u, s := range td.Seqs {
				pos[u] = make(map[int32]int, len(s))
				for p, it := range s {
					pos[u][it] = p
				}
			}
			held := int(cfg.ValidationShare * synPerUser)
			var rows, later, lastTargets int
			m := New(cfg, side)
			m.OnBatch = func(b Batch) {
				for r, u := range b.Users {
					if u < 0 {
						continue // the id is hidden: the row's user is unknown here
					}
					rows++
					target := pos[u][b.Items[r]]
					if target >= synPerUser-held {
						lastTargets++
					}
					for _, it := range b.History[r] {
						if pos[u][it] > target {
							later++
						}
					}
				}
			}
			if err := m.Fit(context.Background(), td); err != nil {
				t.Fatal(err)
			}
			if rows == 0 {
				t.Fatal("no training rows seen")
			}
			if past := history == HistoryPast; past != (later == 0) || past != (lastTargets == 0) {
				t.Errorf("%d rows: %d history items rated after their target, %d targets among a user's last %d", rows, later, lastTargets, held)
			}
			if past := history == HistoryPast; past != strings.Contains(m.cfg.label(), "history=past") {
				t.Errorf("label %q", m.cfg.label())
			}
		})
	}
}

func TestPopularityPrior(t *testing.T) {
	// Users rate the movies of their genre with a skewed popularity (movie
	// k of a genre is drawn with weight 1/(k+1)). The correction is
	// (1 + prior)·log q, and with a prior the towers rank the popular
	// movies a user has not rated higher than without one.
	td, side := synthetic()
	r := rand.New(rand.NewPCG(5, 6))
	perGenre := synItems / synGenres
	counts := make([]float64, synItems)
	pairs := 0
	for u := range td.Seqs {
		g := u % synGenres
		w := make([]float64, perGenre)
		for k := range w {
			w[k] = 1 / float64(k+1)
		}
		var seq []int32
		for range synPerUser / 2 {
			var sum float64
			for _, x := range w {
				sum += x
			}
			x, k := r.Float64()*sum, 0
			for ; k < perGenre-1 && x >= w[k]; k++ {
				x -= w[k]
			}
			w[k] = 0 // without replacement
			seq = append(seq, int32(k*synGenres+g))
			counts[k*synGenres+g]++
			pairs++
		}
		td.Seqs[u] = seq
	}
	concordance := func(m *Model) float64 {
		// Over users and pairs of unrated movies of their genre with
		// different counts: the share the model orders as the counts are.
		var agree, all float64
		dst := make([]float32, synItems)
		for u, seq := range td.Seqs {
			m.Score(u, seq, dst)
			for i := u % synGenres; i < synItems; i += synGenres {
				for j := i + synGenres; j < synItems; j += synGenres {
					if slices.Contains(seq, int32(i)) || slices.Contains(seq, int32(j)) || counts[i] == counts[j] {
						continue
					}
					all++
					if (counts[i] > counts[j]) == (dst[i] > dst[j]) {
						agree++
					}
				}
			}
		}
		return agree / all
	}
	var got [2]float64
	for k, prior := range []float64{0, 2} {
		cfg := smallConfig()
		cfg.Epochs, cfg.ValidationShare, cfg.PopularityPrior = 10, 0, prior
		m := New(cfg, side)
		checked := 0
		m.OnBatch = func(b Batch) {
			for r, it := range b.Items {
				want := float32((1 + prior) * math.Log(counts[it]/float64(pairs)))
				if b.LogQ[r] != want {
					t.Fatalf("prior %g: item %d correction %g, want %g", prior, it, b.LogQ[r], want)
				}
				checked++
			}
		}
		if err := m.Fit(context.Background(), td); err != nil {
			t.Fatal(err)
		}
		if checked == 0 {
			t.Fatal("no training rows seen")
		}
		got[k] = concordance(m)
	}
	t.Logf("popularity order kept among unrated movies: prior 0 %.3f, prior 2 %.3f", got[0], got[1])
	if got[1] < got[0]+0.1 {
		t.Errorf("prior 2 keeps the popularity order in %.3f of pairs, prior 0 in %.3f: want at least 0.1 more", got[1], got[0])
	}
}
