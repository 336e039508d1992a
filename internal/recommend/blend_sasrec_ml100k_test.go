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
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// TestSASRecBlendML100K measures, on ml-100k's sequential protocol, SASRec
// (the model genie serve picks when metrics/eval.json ranks it first),
// two_tower and their blends for the users both models trained on
// (docs/twotower.md, "Serving blend"). It reads the pipeline's SASRec
// (trained on the protocol's test-phase data, which it checks) and fits
// the validation-phase SASRec with the same configuration:
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
	// out), kept in GENIE_BLEND_CACHE.
	validFP := seqnn.Fingerprint(sp.Valid.Train)
	var validModel *seqnn.Model
	cacheDir := ""
	if c := os.Getenv("GENIE_BLEND_CACHE"); c != "" {
		cacheDir = filepath.Join(c, "sasrec-valid-"+validFP)
		if m, vi, err := seqnn.Load(cacheDir); err == nil && vi.TrainFingerprint == validFP && vi.Config == info.Config {
			t.Logf("sasrec valid: loaded %s", cacheDir)
			validModel = m
		}
	}
	if validModel == nil {
		validModel = seqnn.New(info.Config)
		start, cpu := time.Now(), cpuSeconds()
		if err := validModel.Fit(ctx, sp.Valid.Train); err != nil {
			t.Fatal(err)
		}
		h := validModel.History()
		t.Logf("sasrec valid: fit in %v wall, %.0f CPU s (best epoch %d, %d in all)", time.Since(start), cpuSeconds()-cpu, h.BestEpoch, h.RefitEpochs)
		if cacheDir != "" {
			if err := validModel.Save(cacheDir, validFP); err != nil {
				t.Fatal(err)
			}
		}
	}

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
	t.Log("\n" + sb.String())
	if out := os.Getenv("GENIE_BLEND_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
