package twotower

import (
	"fmt"
	"math"
	"strings"

	"github.com/moviegenie/genie/internal/plot"
)

// historySVG plots the training loss and the validation recall per epoch
// as two small line charts, one line per member of an ensemble, marking
// each member's kept epoch (best, indexed by member).
func historySVG(h []EpochStats, best []int) []byte {
	const w, ph, pad = 640, 200, 40
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, 2*ph+pad)
	sb.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	panel := func(top int, title string, val func(EpochStats) float64, color string) {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, e := range h {
			lo, hi = math.Min(lo, val(e)), math.Max(hi, val(e))
		}
		if len(h) == 0 || hi == lo {
			hi, lo = lo+1, lo-1
			if len(h) == 0 {
				lo, hi = 0, 1
			}
		}
		x0, x1, y0, y1 := pad, w-pad/2, top+ph-pad/2, top+pad
		fmt.Fprintf(&sb, `<text x="%d" y="%d">%s (%.4g .. %.4g)</text>`+"\n", x0, top+pad-12, title, lo, hi)
		fmt.Fprintf(&sb, `<polyline fill="none" stroke="#999" points="%d,%d %d,%d %d,%d"/>`+"\n", x0, y1, x0, y0, x1, y0)
		epochs := 0
		for _, e := range h {
			epochs = max(epochs, e.Epoch)
		}
		px := func(epoch int) float64 {
			if epochs < 2 {
				return float64(x0)
			}
			return float64(x0) + float64(epoch-1)*float64(x1-x0)/float64(epochs-1)
		}
		py := func(v float64) float64 { return float64(y0) - (v-lo)/(hi-lo)*float64(y0-y1) }
		for start := 0; start < len(h); {
			end := start + 1
			for end < len(h) && h[end].Member == h[start].Member {
				end++
			}
			kept := 0
			if k := max(h[start].Member-1, 0); k < len(best) {
				kept = best[k]
			}
			var pts []plot.Point
			for _, e := range h[start:end] {
				pts = append(pts, plot.Point{X: px(e.Epoch), Y: py(val(e))})
				if e.Epoch == kept {
					fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`+"\n", px(e.Epoch), py(val(e)), color)
				}
			}
			plot.Polyline(&sb, color, pts)
			start = end
		}
		fmt.Fprintf(&sb, `<text x="%d" y="%d">epoch 1</text><text x="%d" y="%d" text-anchor="end">epoch %d</text>`+"\n", x0, y0+14, x1, y0+14, epochs)
	}
	panel(0, "training loss (in-batch sampled softmax)", func(e EpochStats) float64 { return e.Loss }, "#1f77b4")
	panel(ph+pad/2, fmt.Sprintf("validation recall@%d (dot = kept epoch)", valK), func(e EpochStats) float64 { return e.ValRecall }, "#d62728")
	sb.WriteString("</svg>\n")
	return []byte(sb.String())
}
