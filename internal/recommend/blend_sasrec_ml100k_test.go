package recommend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/baseline"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// fitSASRec fits SASRec with configuration cfg on train, or with
// GENIE_BLEND_CACHE loads the fit an earlier run kept there.
func fitSASRec(t *testing.T, name string, cfg seqnn.Config, train *model.TrainData) *seqnn.Model {
	t.Helper()
	fp := seqnn.Fingerprint(train)
	dir := ""
	if c := os.Getenv("GENIE_BLEND_CACHE"); c != "" {
		dir = filepath.Join(c, name+"-"+fp)
		if m, info, err := seqnn.Load(dir); err == nil && info.TrainFingerprint == fp && info.Config == cfg {
			t.Logf("%s: loaded %s", name, dir)
			return m
		}
	}
	m := seqnn.New(cfg)
	start, cpu := time.Now(), cpuSeconds()
	if err := m.Fit(context.Background(), train); err != nil {
		t.Fatal(err)
	}
	h := m.History()
	t.Logf("%s: fit in %v wall, %.0f CPU s (best epoch %d, %d in all)", name, time.Since(start), cpuSeconds()-cpu, h.BestEpoch, h.RefitEpochs)
	if dir != "" {
		if err := m.Save(dir, fp); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// TestSASRecBlendML100K measures, on ml-100k's sequential protocol, SASRec
// (the model genie serve picks when metrics/eval.json ranks it first),
// two_tower and their blends for the users both models trained on, and for
// new users served from their first 2-15 ratings (docs/twotower.md,
// "Serving blend"). It reads the pipeline's SASRec
// (trained on the protocol's test-phase data, which it checks) and fits
// the validation-phase SASRec, and one without a third of the users, with
// the same configuration:
//
//	GENIE_BLEND_SASREC=path/to/models/sasrec GENIE_BLEND_CACHE=/tmp/genie-blend \
//	  nice -n 15 go test -run TestSASRecBlendML100K -v -timeout 3h ./internal/recommend/
func TestSASRecBlendML100K(t *testing.T) {
	dir := os.Getenv("GENIE_BLEND_SASREC")
	if dir == "" || testing.Short() {
		t.Skip("set GENIE_BLEND_SASREC to the pipeline's models/sasrec (trains SASRec once and Two-Tower twice on ml-100k)")
	}
	ctx := context.Background()
	_, d, cfg, side := blendSetup(t)
	sp := eval.SplitSequential(d)
	testModel, info, err := seqnn.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fp := seqnn.Fingerprint(sp.Test.Train); info.TrainFingerprint != fp || !slices.Equal(info.ItemIDs, sp.Test.Train.ItemIDs) {
		t.Fatalf("%s was trained on other data than the sequential protocol's test phase (fingerprint %s, want %s)", dir, info.TrainFingerprint, fp)
	}
	// The validation-phase model: the same configuration fitted on the
	// validation phase's training data (each user's last two items held
	// out).
	validModel := fitSASRec(t, "sasrec-valid", info.Config, sp.Valid.Train)

	ni := d.NumItems()
	var cases [2][]blendCase // [valid, test]
	for k, ph := range []*eval.Phase{&sp.Valid, &sp.Test} {
		name := [2]string{"valid", "test"}[k]
		seq := [2]*seqnn.Model{validModel, testModel}[k]
		tt := fitTwoTower(t, "seq-"+name, cfg, side, ph.Train)
		cases[k] = knownCases(ph, ni, seq, tt)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "ml-100k processed 20/5: %d ratings, %d users, %d movies; sasrec %s (%d epochs); two-tower %+v\n", d.Len(), d.NumUsers(), d.NumItems(), dir, info.RefitEpochs, cfg)
	c := blockReport(&sb, "Known users, sequential protocol (last item = test, full ranking, seen filtered)", "sasrec", "two_tower", cases[0], cases[1])
	bandReport(&sb, "sasrec", cases[1], c)

	// New users (created in the app): SASRec and Two-Tower fitted without
	// a third of the users, who are then served from their first ratings.
	cs := newColdSplit(d)
	pop := baseline.NewPopularity()
	if err := pop.Fit(ctx, cs.warm); err != nil {
		t.Fatal(err)
	}
	newUserReport(t, &sb, d, cs, "sasrec", fitSASRec(t, "sasrec-cold", info.Config, cs.warm), pop,
		fitTwoTower(t, "cold", cfg, side, cs.warm), side, []int{2, 3, 5, 10, 15})
	t.Log("\n" + sb.String())
	if out := os.Getenv("GENIE_BLEND_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
