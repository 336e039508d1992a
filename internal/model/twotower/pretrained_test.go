package twotower

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/model"
)

func TestFingerprint(t *testing.T) {
	base, _ := synthetic()
	clone := func(f func(d *model.TrainData)) *model.TrainData {
		d := *base
		d.UserIDs, d.ItemIDs = slices.Clone(base.UserIDs), slices.Clone(base.ItemIDs)
		d.Seqs = make([][]int32, len(base.Seqs))
		for u, s := range base.Seqs {
			d.Seqs[u] = slices.Clone(s)
		}
		f(&d)
		return &d
	}
	tests := []struct {
		name string
		d    *model.TrainData
		same bool
	}{
		{"copy", clone(func(*model.TrainData) {}), true},
		{"one item changed", clone(func(d *model.TrainData) { d.Seqs[7][3] = (d.Seqs[7][3] + 1) % synItems }), false},
		{"order changed", clone(func(d *model.TrainData) { s := d.Seqs[7]; s[0], s[1] = s[1], s[0] }), false},
		{"one item dropped", clone(func(d *model.TrainData) { d.Seqs[7] = d.Seqs[7][1:] }), false},
		{"user ids changed", clone(func(d *model.TrainData) { d.UserIDs[0] = 1 }), false},
		{"item ids changed", clone(func(d *model.TrainData) { d.ItemIDs[0] = 1 }), false},
	}
	want := Fingerprint(base)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fingerprint(tc.d); (got == want) != tc.same {
				t.Errorf("fingerprint %s vs %s, want equal %v", got, want, tc.same)
			}
		})
	}
}

// TestPretrainedSpec checks that the spec loads the saved model when the
// harness fits it on the data it was saved from, and trains (and says so)
// on anything else.
func TestPretrainedSpec(t *testing.T) {
	cfg := smallConfig()
	cfg.Epochs = 3
	saved, td := fitSynthetic(t, cfg)
	dir := t.TempDir()
	if err := saved.Save(dir); err != nil {
		t.Fatal(err)
	}
	if saved.TrainFingerprint() != Fingerprint(td) {
		t.Fatalf("Fit recorded fingerprint %q, want %q", saved.TrainFingerprint(), Fingerprint(td))
	}
	other, _ := synthetic()
	other.Seqs = slices.Clone(other.Seqs)
	other.Seqs[0] = other.Seqs[0][:len(other.Seqs[0])-1]

	// noFingerprint is dir saved by a version that recorded none.
	noFingerprint := t.TempDir()
	if err := saved.Save(noFingerprint); err != nil {
		t.Fatal(err)
	}
	var sc map[string]any
	b, _ := os.ReadFile(filepath.Join(noFingerprint, ConfigFile))
	json.Unmarshal(b, &sc)
	delete(sc, "train_fingerprint")
	b, _ = json.Marshal(sc)
	os.WriteFile(filepath.Join(noFingerprint, ConfigFile), b, 0o644)

	tests := []struct {
		name       string
		dir        string
		train      *model.TrainData
		wantLoaded bool
		// wantSaved: the scores are the saved model's, bit for bit (a
		// retrain on the same data with the saved configuration and side
		// information reproduces it, the fit being deterministic).
		wantSaved bool
	}{
		{"same data: loaded", dir, td, true, true},
		{"other data: trained", dir, other, false, false},
		{"no fingerprint saved: trained", noFingerprint, td, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log strings.Builder
			spec, err := PretrainedSpec(tc.dir, tc.train, func(format string, args ...any) { fmt.Fprintf(&log, format+"\n", args...) })
			if err != nil {
				t.Fatal(err)
			}
			if spec.Name != Name || len(spec.Candidates) != 1 {
				t.Fatalf("spec %+v", spec)
			}
			// the row's label says what Fit will do
			wantLabel := "trained here with " + tc.dir + "'s configuration"
			if tc.wantLoaded {
				wantLabel = "pretrained " + tc.dir + " ("
			}
			if label := spec.Candidates[0].Label; !strings.HasPrefix(label, wantLabel) {
				t.Errorf("label %q, want %q…", label, wantLabel)
			}
			rec := spec.Candidates[0].New()
			if err := rec.Fit(context.Background(), tc.train); err != nil {
				t.Fatal(err)
			}
			p := rec.(*pretrained)
			if p.Loaded != tc.wantLoaded {
				t.Errorf("loaded %v, want %v; log:\n%s", p.Loaded, tc.wantLoaded, log.String())
			}
			if said := strings.Contains(log.String(), "training a new model"); said == tc.wantLoaded {
				t.Errorf("log says it trains: %v, want %v:\n%s", said, !tc.wantLoaded, log.String())
			}
			if !tc.wantLoaded && !strings.Contains(log.String(), "two-tower epoch 3") {
				t.Errorf("the new fit's epochs are not logged:\n%s", log.String())
			}
			// Scores: the saved model's exactly when wantSaved; in any case a
			// working model (favourite genre on top).
			got, want := make([]float32, synItems), make([]float32, synItems)
			share := 0.0
			for u := range tc.train.NumUsers {
				rec.Score(u, tc.train.Seqs[u], got)
				if tc.wantSaved {
					saved.Score(u, tc.train.Seqs[u], want)
					if !slices.Equal(got, want) {
						t.Fatalf("user %d: scores differ from the saved model's", u)
					}
				}
				share += genreShare(p.top(got, 10, nil), u%synGenres)
			}
			if share /= float64(tc.train.NumUsers); share < 0.9 {
				t.Errorf("top-10 share of the favourite genre %.3f, want >= 0.9", share)
			}
		})
	}
	if _, err := PretrainedSpec(t.TempDir(), nil, nil); err == nil {
		t.Error("PretrainedSpec of an empty folder: no error")
	}
}
