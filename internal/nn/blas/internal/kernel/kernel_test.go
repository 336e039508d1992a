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
	r := rand.New(rand.NewPCG(1, 2))
	kb := 37
	a, b := randSlice(r, kb*MR), randSlice(r, kb*NR)
	c1, c2 := make([]float32, MR*20), make([]float32, MR*20)
	Kernel(kb, a, b, c1, 20, 1.5)
	Go(kb, a, b, c2, 20, 1.5)
	for i := range c1 {
		if math.Abs(float64(c1[i]-c2[i])) > 1e-4*(1+math.Abs(float64(c2[i]))) {
			t.Fatalf("element %d: asm %v, go %v", i, c1[i], c2[i])
		}
	}
}
