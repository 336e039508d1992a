package seqnn

import (
	"fmt"
	"math"
	"strings"

	"github.com/moviegenie/genie/internal/plot"
)

// historySVG plots the training loss (left axis) and the validation
// NDCG@10 (right axis) per epoch of model name's history h.
func historySVG(name string, h History) []byte {
	const (
		w, ht                = 720, 400
		left, right, top, bt = 70, 70, 40, 50
	)
	pw, ph := float64(w-left-right), float64(ht-top-bt)
	eps := h.Epochs
	n := max(len(eps), 1)
	lossLo, lossHi := math.Inf(1), math.Inf(-1)
	ndcgHi := 0.0
	for _, e := range eps {
		lossLo, lossHi = min(lossLo, e.Loss), max(lossHi, e.Loss)
		if e.Validated {
			ndcgHi = max(ndcgHi, e.ValidNDCG10)
		}
	}
	if len(eps) == 0 || lossHi <= lossLo {
		lossLo, lossHi = 0, max(lossHi, 1)
	}
	if ndcgHi <= 0 {
		ndcgHi = 1
	}
	ndcgHi *= 1.1
	x := func(ep int) float64 { return float64(left) + pw*float64(ep)/float64(n) }
	yl := func(v float64) float64 { return float64(top) + ph*(1-(v-lossLo)/(lossHi-lossLo)) }
	yn := func(v float64) float64 { return float64(top) + ph*(1-v/ndcgHi) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, ht, w, ht)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, ht)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15">%s: training loss and validation NDCG@10 per epoch</text>`+"\n", left, name)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%g" height="%g" fill="none" stroke="#999"/>`+"\n", left, top, pw, ph)
	for i := 0; i <= 4; i++ {
		f := float64(i) / 4
		y := float64(top) + ph*(1-f)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%g" y2="%.1f" stroke="#eee"/>`+"\n", left, y, float64(left)+pw, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#1f77b4">%.3f</text>`+"\n", left-6, y+4, lossLo+f*(lossHi-lossLo))
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" fill="#d62728">%.3f</text>`+"\n", float64(left)+pw+6, y+4, f*ndcgHi)
	}
	for i := 0; i <= 5; i++ {
		ep := int(math.Round(float64(n) * float64(i) / 5))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x(ep), ht-bt+18, ep)
	}
	fmt.Fprintf(&b, `<text x="%g" y="%d" text-anchor="middle">epoch</text>`+"\n", float64(left)+pw/2, ht-12)
	var loss, ndcg []plot.Point
	for _, e := range eps {
		loss = append(loss, plot.Point{X: x(e.Epoch), Y: yl(e.Loss)})
		if e.Validated {
			ndcg = append(ndcg, plot.Point{X: x(e.Epoch), Y: yn(e.ValidNDCG10)})
		}
	}
	plot.Polyline(&b, "#1f77b4", loss)
	plot.Polyline(&b, "#d62728", ndcg)
	if h.BestEpoch > 0 {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%g" stroke="#d62728" stroke-dasharray="4 3"/>`+"\n", x(h.BestEpoch), top, x(h.BestEpoch), float64(top)+ph)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#1f77b4">— training loss (left)</text>`+"\n", left+10, top+16)
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#d62728">— validation NDCG@10 (right); dashed: best epoch %d</text>`+"\n", left+10, top+32, h.BestEpoch)
	b.WriteString("</svg>\n")
	return []byte(b.String())
}
