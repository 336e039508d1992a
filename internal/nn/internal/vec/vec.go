// Package vec holds the vectorized elementwise kernels of package nn:
// GELU and exponential sums, with AVX2/FMA assembly on amd64 and plain Go
// elsewhere (or under the noasm build tag). Results are deterministic for a
// given machine and build; the assembly and Go paths may differ in the last
// bits.
package vec

import "math"

// simdLen returns how many of n elements the 8-wide assembly kernels
// take: the largest multiple of 8, or 0 without them.
func simdLen(n int) int {
	if !Accelerated {
		return 0
	}
	return n &^ 7
}

// GELUTanh sets th[i] = tanh(sqrt(2/π)(x+0.044715x³)) and
// y[i] = 0.5·x·(1+th[i]) for every element of x.
func GELUTanh(x, th, y []float32) {
	n := len(x)
	_, _ = th[:n], y[:n]
	bulk := simdLen(n)
	if bulk > 0 {
		geluTanh8(bulk, &x[0], &th[0], &y[0])
	}
	for i := bulk; i < n; i++ {
		v := x[i]
		t := Tanh(0.7978845608028654 * (v + 0.044715*v*v*v))
		th[i] = t
		y[i] = 0.5 * v * (1 + t)
	}
}

// ExpSum returns the sum of exp(x[i]-shift).
func ExpSum(x []float32, shift float32) float32 {
	n := len(x)
	var s float32
	bulk := simdLen(n)
	if bulk > 0 {
		s = expSum8(bulk, &x[0], shift)
	}
	for _, v := range x[bulk:] {
		s += Exp(v - shift)
	}
	return s
}

// ExpStore replaces x[i] with exp(x[i]-shift) and returns their sum.
func ExpStore(x []float32, shift float32) float32 {
	n := len(x)
	var s float32
	bulk := simdLen(n)
	if bulk > 0 {
		s = expStore8(bulk, &x[0], shift)
	}
	for i := bulk; i < n; i++ {
		e := Exp(x[i] - shift)
		x[i] = e
		s += e
	}
	return s
}

// ExpScaleAdd adds exp(x[i]-shift)*scale to dst[i].
func ExpScaleAdd(dst, x []float32, shift, scale float32) {
	n := len(x)
	_ = dst[:n]
	bulk := simdLen(n)
	if bulk > 0 {
		expScaleAdd8(bulk, &dst[0], &x[0], shift, scale)
	}
	for i := bulk; i < n; i++ {
		dst[i] += Exp(x[i]-shift) * scale
	}
}

// Axpy adds alpha*x[i] to y[i] for every element of x (one fused
// multiply-add per element in the assembly, a multiply then an add in Go).
func Axpy(alpha float32, x, y []float32) {
	n := len(x)
	_ = y[:n]
	bulk := simdLen(n)
	if bulk > 0 {
		axpy8(bulk, alpha, &x[0], &y[0])
	}
	for i := bulk; i < n; i++ {
		y[i] += alpha * x[i]
	}
}

// Exp is a fast float32 exponential (relative error about 2e-7), the same
// algorithm as the assembly: rounding to the nearest power of two with the
// 1.5·2²³ trick and a degree-6 polynomial on the remainder. Arguments are
// clamped to [-87, 88].
func Exp(x float32) float32 {
	x = clamp(x, -87, 88)
	t := x*1.442695041 + 12582912
	fn := t - 12582912
	r := x - fn*0.693145751953125 - fn*1.428606765330187e-06
	p := 1 + r*(1+r*(0.5+r*(0.16666667+r*(0.041666668+r*(0.008333334+r*0.0013888889)))))
	return p * math.Float32frombits((math.Float32bits(t)-0x4B400000+127)<<23)
}

func clamp(x, lo, hi float32) float32 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// Tanh is tanh through [Exp], exact to about 1e-7 absolute.
func Tanh(x float32) float32 {
	e := Exp(2 * clamp(x, -9, 9))
	return (e - 1) / (e + 1)
}

// MatVec sets y[r] to the dot product of row r of the row-major matrix a
// (len(y) rows of len(x) columns) with x.
func MatVec(y, a, x []float32) {
	rows, cols := len(y), len(x)
	if len(a) < rows*cols {
		panic("vec: MatVec matrix too short")
	}
	if rows == 0 {
		return
	}
	if Accelerated && cols > 0 && cols%8 == 0 {
		matVec8(rows, cols, &a[0], &x[0], &y[0])
		return
	}
	for r := range y {
		row := a[r*cols : (r+1)*cols]
		var s0, s1, s2, s3 float32
		c := 0
		for ; c+4 <= cols; c += 4 {
			s0 += row[c] * x[c]
			s1 += row[c+1] * x[c+1]
			s2 += row[c+2] * x[c+2]
			s3 += row[c+3] * x[c+3]
		}
		for ; c < cols; c++ {
			s0 += row[c] * x[c]
		}
		y[r] = (s0 + s1) + (s2 + s3)
	}
}
