package nn

import (
	"math"
	"testing"
)

func TestDropoutRateAndStreams(t *testing.T) {
	for _, p := range []float32{0.1, 0.5} {
		g := NewGraph(Config{Threads: 2, Seed: 3})
		x := NewTensor(make([]float32, 100000), 100000)
		InitConst(x, 1)
		y := g.Dropout(x, p)
		zeros := 0
		for _, v := range y.Data {
			switch v {
			case 0:
				zeros++
			case 1 / (1 - p):
			default:
				t.Fatalf("value %v is neither 0 nor 1/(1-p)", v)
			}
		}
		if rate := float64(zeros) / 100000; math.Abs(rate-float64(p)) > 0.01 {
			t.Errorf("p=%v: dropped %.4f", p, rate)
		}
		// A second call and a Reset draw different masks.
		first := append([]float32(nil), y.Data...) // Reset recycles y's buffer
		y2 := g.Dropout(x, p)
		g.Reset()
		y3 := g.Dropout(x, p)
		same2, same3 := 0, 0
		for i := range first {
			if first[i] == y2.Data[i] {
				same2++
			}
			if first[i] == y3.Data[i] {
				same3++
			}
		}
		if same2 == len(first) || same3 == len(first) {
			t.Errorf("p=%v: masks repeat (%d, %d identical)", p, same2, same3)
		}
	}
}

func TestDropApplyMatchesDropGen(t *testing.T) {
	const n = dropoutChunk + 13 // two chunks, the last one ragged
	src := make([]float32, n)
	for i := range src {
		src[i] = 1
	}
	dst := make([]float32, n)
	thr, keep := dropThreshold(0.3), float32(1/(1-0.3))
	dropApply(dst, src, 99, thr, keep, 0, 2, false)
	for c := 0; c < 2; c++ {
		d := newDropGen(99, c)
		for i := c * dropoutChunk; i < min((c+1)*dropoutChunk, n); i++ {
			if m := d.mult(thr, keep); dst[i] != m || (m != 0 && m != keep) {
				t.Fatalf("element %d: dropApply %v, mult %v (keep %v)", i, dst[i], m, keep)
			}
		}
	}
}
