package blas

import (
	"fmt"
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

type gemmCase struct {
	ta, tb      bool
	m, n, k     int
	alpha, beta float32
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	shapes := [][3]int{{1, 1, 1}, {6, 16, 5}, {7, 17, 3}, {13, 35, 300}, {100, 33, 257}, {130, 2100, 20}, {2, 300, 600}, {64, 64, 0}}
	for _, s := range shapes {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				cs = append(cs, gemmCase{ta, tb, s[0], s[1], s[2], 1, 0})
			}
		}
		cs = append(cs, gemmCase{false, true, s[0], s[1], s[2], 0.5, 1}, gemmCase{true, false, s[0], s[1], s[2], -2, 0.25})
	}
	return cs
}

// run calls g on a freshly padded problem so that leading dimensions exceed
// the logical widths.
func run(t *testing.T, g func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int), c gemmCase, seed uint64) []float32 {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	ar, ac := c.m, c.k
	if c.ta {
		ar, ac = c.k, c.m
	}
	br, bc := c.k, c.n
	if c.tb {
		br, bc = c.n, c.k
	}
	lda, ldb, ldc := ac+3, bc+1, c.n+2
	a := randSlice(r, max(ar*lda, 1))
	b := randSlice(r, max(br*ldb, 1))
	cm := randSlice(r, c.m*ldc)
	g(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc)
	return cm
}

func TestSgemm(t *testing.T) {
	impls := map[string]Gemm{"purego1": NewPureGo(1), "purego2": NewPureGo(2), "purego3": NewPureGo(3), "default": New(2)}
	for _, c := range gemmCases() {
		want := run(t, Naive, c, 7)
		for name, g := range impls {
			t.Run(fmt.Sprintf("%s/%v", name, c), func(t *testing.T) {
				got := run(t, g.Sgemm, c, 7)
				for i := range want {
					tol := 1e-4 * (1 + math.Abs(float64(want[i]))) * math.Sqrt(float64(c.k)+1)
					if d := math.Abs(float64(got[i] - want[i])); d > tol || math.IsNaN(float64(got[i])) {
						t.Fatalf("element %d: got %v, want %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}

func TestPureGoThreadInvariant(t *testing.T) {
	for _, c := range gemmCases() {
		one := run(t, NewPureGo(1).Sgemm, c, 3)
		two := run(t, NewPureGo(2).Sgemm, c, 3)
		for i := range one {
			if math.Float32bits(one[i]) != math.Float32bits(two[i]) {
				t.Fatalf("%v: element %d differs between 1 and 2 threads: %v vs %v", c, i, one[i], two[i])
			}
		}
	}
}

// benchShapes are the products a BERT4Rec step performs (batch 256 x length
// 50 = 12800 rows, hidden 128, 1700 items), forward and backward.
var benchShapes = []struct {
	name    string
	ta, tb  bool
	m, n, k int
}{
	{"12800x128x128", false, true, 12800, 128, 128},     // linear forward X W^T
	{"12800x512x128", false, true, 12800, 512, 128},     // FFN up
	{"12800x128x512_NN", false, false, 12800, 128, 512}, // FFN down backward dX = dY W
	{"128x128x12800_TN", true, false, 128, 128, 12800},  // weight gradient dW = dY^T X
	{"12800x1700x128", false, true, 12800, 1700, 128},   // logits over all items
	{"12800x128x1700_NN", false, false, 12800, 128, 1700},
	{"1700x128x12800_TN", true, false, 1700, 128, 12800},
	{"512x512x512", false, false, 512, 512, 512},
}

func benchGemm(b *testing.B, g Gemm) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			ar, ac := s.m, s.k
			if s.ta {
				ar, ac = s.k, s.m
			}
			br, bc := s.k, s.n
			if s.tb {
				br, bc = s.n, s.k
			}
			a, bm, c := randSlice(r, ar*ac), randSlice(r, br*bc), make([]float32, s.m*s.n)
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for b.Loop() {
				g.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
			}
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			// Per CPU-second: steadier than wall time on a shared machine
			// (and for 2 threads about half the wall figure when idle).
			if cpu := cpuSeconds() - cpu0; cpu > 0 {
				b.ReportMetric(flops/cpu/1e9, "GFLOP/CPU-s")
			}
		})
	}
}

// BenchmarkSgemm measures the build's default GEMM ([New]) on 2 threads.
func BenchmarkSgemm(b *testing.B) { benchGemm(b, New(2)) }

// BenchmarkPureGo1 measures the pure-Go GEMM on one thread.
func BenchmarkPureGo1(b *testing.B) { benchGemm(b, NewPureGo(1)) }

// BenchmarkPureGo2 measures the pure-Go GEMM on two threads.
func BenchmarkPureGo2(b *testing.B) { benchGemm(b, NewPureGo(2)) }

// BenchmarkSmall measures the single-threaded per-head attention products
// (length 50, head size 16).
func BenchmarkSmall(b *testing.B) {
	g := NewPureGo(1)
	shapes := []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{{"QKt_50x50x16", false, true, 50, 50, 16}, {"PV_50x16x50", false, false, 50, 16, 50}, {"PtdY_50x16x50_TN", true, false, 50, 16, 50}}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, bm, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
			lda, ldb := s.k, s.n
			if s.ta {
				lda = s.m
			}
			if s.tb {
				ldb = s.k
			}
			for b.Loop() {
				g.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
