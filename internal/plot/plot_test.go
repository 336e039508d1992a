package plot

import (
	"strings"
	"testing"
)

func TestPolyline(t *testing.T) {
	tests := []struct {
		name  string
		color string
		pts   []Point
		want  string
	}{
		{"none", "#d62728", nil, `<polyline fill="none" stroke="#d62728" stroke-width="2" points=""/>` + "\n"},
		{"one", "#1f77b4", []Point{{70, 40.04}}, `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="70.0,40.0"/>` + "\n"},
		{"rounded", "red", []Point{{1.25, 2.35}, {3, -4.96}}, `<polyline fill="none" stroke="red" stroke-width="2" points="1.2,2.4 3.0,-5.0"/>` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			Polyline(&b, tc.color, tc.pts)
			if b.String() != tc.want {
				t.Errorf("got  %q\nwant %q", b.String(), tc.want)
			}
		})
	}
}
