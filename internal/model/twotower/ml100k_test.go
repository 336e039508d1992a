package twotower_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/baseline"
	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// TestML100K trains the default configuration under the TFRS and RecBole
// protocols and prints the tables (with the baselines when
// GENIE_TT_BASELINES is set). GENIE_TT_PROTOCOL picks one protocol.
func TestML100K(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on ml-100k")
	}
	tb := storetest.ML100K(t)
	content, _, err := features.BuildContent(tb.Movies, tb.Tags, features.ContentOptions{Dim: features.DefaultDim})
	if err != nil {
		t.Fatal(err)
	}
	side := twotower.NewSideInfo(tb, content)
	d, err := eval.NewDataset(eval.FromRatings(tb.Ratings))
	if err != nil {
		t.Fatal(err)
	}
	cfg := twotower.DefaultConfig()
	// GENIE_TT_CFG overrides the configuration with a YAML mapping, e.g.
	// "{epochs: 5, weight_decay: 0.1}".
	if err := yaml.Unmarshal([]byte(os.Getenv("GENIE_TT_CFG")), &cfg); err != nil {
		t.Fatal(err)
	}
	t.Logf("config %+v", cfg)
	protocols := []eval.Protocol{eval.TFRS, eval.RecBole}
	if p := os.Getenv("GENIE_TT_PROTOCOL"); p != "" {
		protocols = []eval.Protocol{eval.Protocol(p)}
	}
	specs := []model.Spec{twotower.Spec(cfg, side, t.Logf)}
	if os.Getenv("GENIE_TT_BASELINES") != "" {
		specs = append(baseline.Specs(), specs...)
	}
	var all []*eval.Result
	for _, p := range protocols {
		start := time.Now()
		res, err := eval.Evaluate(context.Background(), d, p, specs, eval.Options{Seed: 42, Workers: 2, Log: t.Logf, ExportDir: os.Getenv("GENIE_EVAL_EXPORT")})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %v", p, time.Since(start))
		all = append(all, res...)
	}
	var sb strings.Builder
	eval.WriteTable(&sb, all)
	t.Log("\n" + sb.String())
}

// TestTrainedModel loads a model written by `genie train two-tower` from
// $GENIE_TT_MODEL (skipped when unset) and logs what it serves: movies
// similar to Star Wars, and recommendations for a new user who rated three
// science-fiction films, and for one who gave only demographics.
func TestTrainedModel(t *testing.T) {
	dir := os.Getenv("GENIE_TT_MODEL")
	if dir == "" {
		t.Skip("GENIE_TT_MODEL not set")
	}
	m, err := twotower.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := m.SimilarItems(50, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("similar to Star Wars (50): %v", sim)
	hist := []int64{50, 181, 172} // Star Wars, Return of the Jedi, The Empire Strikes Back
	t.Logf("new user after %v: %v", hist, m.Recommend(m.EmbedUser(twotower.UserQuery{History: hist}), 10, hist))
	age, occ, g := int32(22), "student", "M"
	t.Logf("new 22-year-old male student: %v", m.Recommend(m.EmbedUser(twotower.UserQuery{Demographic: twotower.Demographic{Age: &age, Occupation: &occ, Gender: &g}}), 10, nil))
	u, _ := m.UserEmbedding(1)
	t.Logf("user 1: %v", m.Recommend(u, 10, nil))
}
