package seqnn

import (
	"strings"
	"testing"
)

func TestReportFitSummary(t *testing.T) {
	h := History{BestEpoch: 6, BestNDCG10: 0.12345, BestHR10: 0.2, LastEpoch: 8, LastNDCG10: 0.11, LastHR10: 0.19, RefitEpochs: 30}
	tests := []struct {
		refit string
		want  string
	}{
		{"", "best epoch 6 (valid ndcg@10 0.1235, hr@10 0.2000), refit 30 epochs"},
		{RefitBest, "best epoch 6 (valid ndcg@10 0.1235, hr@10 0.2000), refit 30 epochs"},
		{RefitFull, "valid ndcg@10 0.1100 hr@10 0.1900 at epoch 8 (best 0.1235 at 6), refit 30 epochs"},
		{RefitContinue, "valid ndcg@10 0.1100 hr@10 0.1900 at epoch 8 (best 0.1235 at 6), continued 22 epochs on all data (30 in all)"},
	}
	for _, tc := range tests {
		t.Run("refit "+tc.refit, func(t *testing.T) {
			r := &Report{Config: Config{Refit: tc.refit, ContinueEpochs: 22}, History: h}
			if got := r.FitSummary(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestHistorySVG(t *testing.T) {
	full := History{BestEpoch: 3}
	for i := 1; i <= 6; i++ {
		full.Epochs = append(full.Epochs, Epoch{Epoch: i, Loss: 5 / float64(i), Validated: i%3 == 0, ValidNDCG10: 0.01 * float64(i)})
	}
	tests := []struct {
		name      string
		h         History
		lossPts   int // points of the loss line
		ndcgPts   int // points of the validation line
		bestEpoch bool
	}{
		{"empty", History{}, 0, 0, false},
		{"flat loss, no validation", History{Epochs: []Epoch{{Epoch: 1, Loss: 2}, {Epoch: 2, Loss: 2}}}, 2, 0, false},
		{"validated every third epoch", full, 6, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svg := string(historySVG("sasrec", tc.h))
			if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>\n") || !strings.Contains(svg, "sasrec: training loss") {
				t.Fatalf("not the plot:\n%s", svg)
			}
			lines := polylinePoints(svg)
			if len(lines) != 2 || lines[0] != tc.lossPts || lines[1] != tc.ndcgPts {
				t.Errorf("polyline points %v, want [%d %d]", lines, tc.lossPts, tc.ndcgPts)
			}
			if got := strings.Contains(svg, "stroke-dasharray"); got != tc.bestEpoch {
				t.Errorf("best-epoch marker %v, want %v", got, tc.bestEpoch)
			}
			if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
				t.Errorf("non-finite coordinates:\n%s", svg)
			}
		})
	}
}

// polylinePoints returns the number of points of each polyline of svg.
func polylinePoints(svg string) []int {
	var n []int
	for _, l := range strings.Split(svg, "\n") {
		if _, pts, ok := strings.Cut(l, `points="`); ok && strings.HasPrefix(l, "<polyline") {
			pts, _, _ = strings.Cut(pts, `"`)
			n = append(n, len(strings.Fields(pts)))
		}
	}
	return n
}
