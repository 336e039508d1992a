package baseline

import (
	"context"
	"math/rand/v2"
	"testing"
)

func BenchmarkInvertSPD1349(b *testing.B) {
	n := 1349
	r := rand.New(rand.NewPCG(1, 1))
	a := make([]float64, n*n)
	for i := range n {
		for j := range n {
			if i == j {
				a[i*n+j] = float64(n)
			} else if i < j {
				v := r.Float64()
				a[i*n+j], a[j*n+i] = v, v
			}
		}
	}
	work := make([]float64, n*n)
	for b.Loop() {
		copy(work, a)
		if err := invertSPD(context.Background(), work, n); err != nil {
			b.Fatal(err)
		}
	}
}
