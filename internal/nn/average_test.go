package nn

import (
	"math"
	"testing"
)

func TestEMA(t *testing.T) {
	steps := []float32{4, -2, 7, 1, 3}
	tests := []struct {
		name  string
		decay float64
	}{
		{"last value", 0},
		{"half", 0.5},
		{"slow", 0.9},
		{"nearly a plain mean", 0.999999},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParam("w", 2)
			copy(p.Data, []float32{100, 100}) // the initial value must not leak into the average
			e := NewEMA([]*Tensor{p}, tc.decay)
			for _, v := range steps {
				p.Data[0], p.Data[1] = v, 2*v
				e.Update()
			}
			// Bias-corrected: sum decay^(T-s) w_s / sum decay^(T-s).
			var num, den float64
			for s, v := range steps {
				w := math.Pow(tc.decay, float64(len(steps)-1-s))
				num += w * float64(v)
				den += w
			}
			want := num / den
			e.Swap()
			if math.Abs(float64(p.Data[0])-want) > 1e-4 || math.Abs(float64(p.Data[1])-2*want) > 2e-4 {
				t.Errorf("average = %v, want [%v %v]", p.Data, want, 2*want)
			}
			e.Swap()
			if p.Data[0] != 3 || p.Data[1] != 6 {
				t.Errorf("after the second Swap w = %v, want the trained [3 6]", p.Data)
			}
		})
	}
}
