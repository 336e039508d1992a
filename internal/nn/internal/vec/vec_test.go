package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExp(t *testing.T) {
	worst := 0.0
	for x := -87.0; x <= 88; x += 0.0137 {
		got := float64(Exp(float32(x)))
		want := math.Exp(float64(float32(x)))
		worst = max(worst, math.Abs(got-want)/want)
	}
	if worst > 5e-7 {
		t.Fatalf("worst relative error %g", worst)
	}
}

func TestGELUTanh(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 64, 100} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 4)
		}
		if n > 3 {
			x[0], x[1], x[2] = 30, -30, 0
		}
		th, y := make([]float32, n), make([]float32, n)
		GELUTanh(x, th, y)
		for i, v := range x {
			u := 0.7978845608028654 * (float64(v) + 0.044715*math.Pow(float64(v), 3))
			wt := math.Tanh(u)
			wy := 0.5 * float64(v) * (1 + wt)
			if math.Abs(float64(th[i])-wt) > 1e-6 || math.Abs(float64(y[i])-wy) > 1e-5*(1+math.Abs(wy)) {
				t.Fatalf("n=%d x=%v: th %v y %v, want %v %v", n, v, th[i], y[i], wt, wy)
			}
		}
	}
}

func TestExpSumAndScaleAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{0, 3, 8, 17, 1700} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 3)
		}
		if n > 1 {
			x[0] = -200 // underflow
		}
		var want float64
		for _, v := range x {
			want += math.Exp(float64(v) - 1.5)
		}
		if got := ExpSum(x, 1.5); math.Abs(float64(got)-want) > 1e-5*want+1e-30 {
			t.Fatalf("n=%d: ExpSum %v, want %v", n, got, want)
		}
		y := append([]float32(nil), x...)
		if got := ExpStore(y, 1.5); math.Abs(float64(got)-want) > 1e-5*want+1e-30 {
			t.Fatalf("n=%d: ExpStore sum %v, want %v", n, got, want)
		}
		for i, v := range x {
			if w := math.Exp(float64(v) - 1.5); math.Abs(float64(y[i])-w) > 1e-6*w+1e-37 {
				t.Fatalf("n=%d i=%d: ExpStore %v, want %v", n, i, y[i], w)
			}
		}
		dst := make([]float32, n)
		for i := range dst {
			dst[i] = 1
		}
		ExpScaleAdd(dst, x, 1.5, 0.25)
		for i, v := range x {
			w := 1 + 0.25*math.Exp(float64(v)-1.5)
			if math.Abs(float64(dst[i])-w) > 1e-6*w {
				t.Fatalf("n=%d i=%d: %v, want %v", n, i, dst[i], w)
			}
		}
	}
}

func TestMatVec(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, tc := range []struct{ rows, cols int }{{0, 8}, {1, 8}, {3, 16}, {5, 24}, {17, 64}, {4, 7}, {2, 1}, {9, 40}} {
		a := make([]float32, tc.rows*tc.cols)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		x := make([]float32, tc.cols)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		y := make([]float32, tc.rows)
		for i := range y {
			y[i] = float32(math.NaN())
		}
		MatVec(y, a, x)
		for row := range y {
			var want, scale float64
			for c := range x {
				p := float64(a[row*tc.cols+c]) * float64(x[c])
				want += p
				scale += math.Abs(p)
			}
			if math.Abs(float64(y[row])-want) > 1e-6*(1+scale) {
				t.Errorf("%dx%d row %d: %v, want %v", tc.rows, tc.cols, row, y[row], want)
			}
		}
	}
}

func BenchmarkMatVec(b *testing.B) {
	const rows, cols = 1349, 64
	a, x, y := make([]float32, rows*cols), make([]float32, cols), make([]float32, rows)
	for i := range a {
		a[i] = float32(i%13) / 13
	}
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	for b.Loop() {
		MatVec(y, a, x)
	}
}

func TestAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	// Lengths around the 8- and 32-element steps of the assembly.
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 100} {
		x, y := make([]float32, n), make([]float32, n+1)
		for i := range x {
			x[i], y[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		y[n] = 42 // past the end: untouched
		want := make([]float64, n)
		for i := range want {
			want[i] = float64(y[i]) + 0.7*float64(x[i])
		}
		Axpy(0.7, x, y[:n])
		for i, w := range want {
			if math.Abs(float64(y[i])-w) > 1e-6*(1+math.Abs(w)) {
				t.Errorf("n=%d: y[%d] = %v, want %v", n, i, y[i], w)
			}
		}
		if y[n] != 42 {
			t.Errorf("n=%d: wrote past the end: %v", n, y[n])
		}
	}
}
