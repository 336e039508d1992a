package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func TestKernelGoMatchesAsm(t *testing.T) {
	for _, overwrite := range []bool{false, true} {
		r := rand.New(rand.NewPCG(1, 2))
		kb := 37
		a, b := randSlice(r, kb*MR), randSlice(r, kb*NR)
		c1 := randSlice(r, MR*20)
		c2 := append([]float32(nil), c1...)
		Kernel(kb, a, b, c1, 20, 1.5, overwrite)
		Go(kb, a, b, c2, 20, 1.5, overwrite)
		for i := range c1 {
			if math.Abs(float64(c1[i]-c2[i])) > 1e-4*(1+math.Abs(float64(c2[i]))) {
				t.Fatalf("overwrite=%v element %d: asm %v, go %v", overwrite, i, c1[i], c2[i])
			}
		}
	}
}
