package nn

import (
	"math"
	"testing"
)

func TestExp32(t *testing.T) {
	worst := 0.0
	for x := -87.0; x <= 88; x += 0.0137 {
		got := float64(exp32(float32(x)))
		want := math.Exp(float64(float32(x)))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 5e-7 {
		t.Fatalf("worst relative error %g", worst)
	}
	if exp32(-100) != 0 || exp32(0) != 1 {
		t.Fatalf("exp32(-100)=%v exp32(0)=%v", exp32(-100), exp32(0))
	}
}

func TestTanh32(t *testing.T) {
	for x := -12.0; x <= 12; x += 0.01 {
		if d := math.Abs(float64(tanh32(float32(x))) - math.Tanh(x)); d > 1e-6 {
			t.Fatalf("tanh32(%v) off by %g", x, d)
		}
	}
}
