// Package plot has the SVG primitives the training-history charts share
// (history.svg of the sequential models and of the Two-Tower model).
package plot

import (
	"fmt"
	"io"
	"strings"
)

// Point is a position in SVG user units.
type Point struct{ X, Y float64 }

// Points formats pts as an SVG points list: "x,y" pairs to one decimal,
// separated by spaces ("" for none).
func Points(pts []Point) string {
	s := make([]string, len(pts))
	for i, p := range pts {
		s[i] = fmt.Sprintf("%.1f,%.1f", p.X, p.Y)
	}
	return strings.Join(s, " ")
}

// Polyline writes one line of SVG to w: an unfilled polyline of width 2
// through pts in color (an SVG colour such as "#1f77b4").
func Polyline(w io.Writer, color string, pts []Point) {
	fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", color, Points(pts))
}
