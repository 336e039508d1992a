package twotower

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/moviegenie/genie/internal/nn"
)

// TestLinearIntoSparseBitIdentical checks that skipping zero inputs gives
// exactly the dense element-by-element sum, for inputs from all-zero to
// dense, with negative zeros and cancelling terms.
func TestLinearIntoSparseBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const in, out = 96, 17
	l := nn.NewLinear("l", in, out, true, 1, r)
	for i := range l.B.Data {
		l.B.Data[i] = float32(r.NormFloat64())
	}
	negZero := float32(math.Copysign(0, -1))
	for _, density := range []float64{0, 0.02, 0.1, 0.45, 0.55, 1} {
		for trial := range 20 {
			x := make([]float32, in)
			for j := range x {
				switch {
				case r.Float64() < density:
					x[j] = float32(r.NormFloat64())
				case r.IntN(2) == 0:
					x[j] = negZero
				}
			}
			if trial == 0 && density > 0 {
				// A pair of terms that cancel exactly.
				x[3], x[7] = 1, 1
				l.W.Data[3], l.W.Data[7] = 0.25, -0.25
			}
			for _, add := range []bool{false, true} {
				got, want := make([]float32, out), make([]float32, out)
				for o := range out {
					got[o] = float32(o) - 3
					want[o] = got[o]
				}
				linearInto(got, l, x, add)
				for o := range want {
					var s float32
					for j, v := range x {
						s += l.W.Data[o*in+j] * v
					}
					s += l.B.Data[o]
					if add {
						want[o] += s
					} else {
						want[o] = s
					}
				}
				for o := range want {
					if math.Float32bits(got[o]) != math.Float32bits(want[o]) {
						t.Fatalf("density %v trial %d add %v: out[%d] = %v, want %v", density, trial, add, o, got[o], want[o])
					}
				}
			}
		}
	}
}
