package twotower

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
)

func TestPlanRuns(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Patience = 5
	out := filepath.Join("models", Name)
	all := []eval.Protocol{eval.TFRS, eval.RecBole, eval.Sequential}
	type run struct {
		protocol, out string
		patience      int
	}
	tests := []struct {
		name          string
		protocol      string
		evalProtocols []eval.Protocol
		evalPatience  int
		want          []run
	}{
		{"serving model and every protocol", AllRatings, all, 2, []run{
			{AllRatings, out, 5}, {"tfrs", filepath.Join(out, "tfrs"), 2}, {"recbole", filepath.Join(out, "recbole"), 2},
			// sequential is fit as the served model, with its patience.
			{"sequential", filepath.Join(out, "sequential"), 5}}},
		{"configuration patience", AllRatings, []eval.Protocol{eval.RecBole}, 0, []run{
			{AllRatings, out, 5}, {"recbole", filepath.Join(out, "recbole"), 5}}},
		{"serving model only", AllRatings, nil, 2, []run{{AllRatings, out, 5}}},
		{"one protocol", "recbole", all, 2, []run{{"recbole", out, 5}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []run
			for _, r := range PlanRuns(cfg, tc.protocol, out, tc.evalProtocols, tc.evalPatience) {
				got = append(got, run{r.Protocol, r.Out, r.Config.Patience})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("runs %v, want %v", got, tc.want)
			}
		})
	}
}

// touchStageFile creates an empty file at path, and its folder.
func touchStageFile(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRemoveStale(t *testing.T) {
	tests := []struct {
		name      string
		saved     []eval.Protocol // protocol models an earlier run left
		trained   []eval.Protocol // protocol models this run trained
		wantGone  []eval.Protocol
		wantKept  []eval.Protocol
		notModels []eval.Protocol // folders without a ConfigFile: never removed
	}{
		{name: "nothing left", trained: []eval.Protocol{eval.TFRS}},
		{name: "stale ones removed", saved: []eval.Protocol{eval.TFRS, eval.RecBole, eval.Sequential}, trained: []eval.Protocol{eval.RecBole},
			wantGone: []eval.Protocol{eval.TFRS, eval.Sequential}, wantKept: []eval.Protocol{eval.RecBole}},
		{name: "all stale", saved: []eval.Protocol{eval.Sequential}, wantGone: []eval.Protocol{eval.Sequential}},
		{name: "not a model", notModels: []eval.Protocol{eval.TFRS}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			for _, p := range tc.saved {
				touchStageFile(t, filepath.Join(ProtocolDir(out, p), ConfigFile))
			}
			for _, p := range tc.notModels {
				touchStageFile(t, filepath.Join(ProtocolDir(out, p), "notes.txt"))
			}
			runs := PlanRuns(DefaultConfig(), AllRatings, out, tc.trained, 0)
			removed, err := RemoveStale(out, runs)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, p := range tc.wantGone {
				want = append(want, ProtocolDir(out, p))
			}
			if !slices.Equal(removed, want) {
				t.Errorf("removed %v, want %v", removed, want)
			}
			for _, p := range tc.wantGone {
				if _, err := os.Stat(ProtocolDir(out, p)); err == nil {
					t.Errorf("%s still there", p)
				}
			}
			for _, p := range append(tc.wantKept, tc.notModels...) {
				if _, err := os.Stat(ProtocolDir(out, p)); err != nil {
					t.Errorf("%s removed: %v", p, err)
				}
			}
		})
	}
}

func TestEvalModelDir(t *testing.T) {
	tests := []struct {
		name  string
		saved []string // folders under models/two_tower with weights ("" the serving model)
		p     eval.Protocol
		want  string // under models/two_tower; "-" for none
	}{
		{"protocol model", []string{"", "tfrs"}, eval.TFRS, "tfrs"},
		{"serving model", []string{"", "tfrs"}, eval.RecBole, ""},
		{"none", nil, eval.TFRS, "-"},
		{"another protocol's model only", []string{"recbole"}, eval.TFRS, "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			models := t.TempDir()
			base := filepath.Join(models, Name)
			for _, d := range tc.saved {
				touchStageFile(t, filepath.Join(base, d, WeightsFile))
			}
			want := filepath.Join(base, tc.want)
			if tc.want == "-" {
				want = ""
			}
			if got := EvalModelDir(models, tc.p); got != want {
				t.Errorf("EvalModelDir = %q, want %q", got, want)
			}
		})
	}
}
