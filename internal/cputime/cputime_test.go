package cputime

import "testing"

func TestSecondsGrows(t *testing.T) {
	before := Seconds()
	x := 0
	for i := range 50_000_000 {
		x ^= i
	}
	_ = x
	if after := Seconds(); !(after >= before && before >= 0) {
		t.Errorf("Seconds went from %v to %v", before, after)
	}
}
