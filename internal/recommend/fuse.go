package recommend

import (
	"cmp"
	"fmt"
	"slices"
)

// Fusion says how two models' score lists over the same items are put on
// one scale before they are mixed.
type Fusion int

const (
	// FuseMinMax rescales each list to [0, 1] by its minimum and maximum
	// (a constant list becomes all zeros).
	FuseMinMax Fusion = iota
	// FuseRRF replaces each score by 1/(RRFK+rank), rank 1 the best; equal
	// scores share the better rank (reciprocal-rank fusion).
	FuseRRF
)

// RRFK is the reciprocal-rank fusion constant (Cormack et al. 2009).
const RRFK = 60

func (f Fusion) String() string {
	switch f {
	case FuseMinMax:
		return "minmax"
	case FuseRRF:
		return "rrf"
	}
	return fmt.Sprintf("Fusion(%d)", int(f))
}

// Normalize writes src rescaled by f into dst (same length; dst may be
// src). Items with NaN scores rank last.
func (f Fusion) Normalize(dst, src []float32) {
	switch f {
	case FuseRRF:
		idx := make([]int32, len(src))
		for i := range idx {
			idx[i] = int32(i)
		}
		val := func(i int32) float32 {
			if v := src[i]; v == v {
				return v
			}
			return float32(-3.4e38)
		}
		slices.SortFunc(idx, func(a, b int32) int {
			if c := cmp.Compare(val(b), val(a)); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		out := make([]float32, len(src)) // src may be dst
		rank := 1
		for n, i := range idx {
			if n > 0 && val(i) != val(idx[n-1]) {
				rank = n + 1
			}
			out[i] = 1 / float32(RRFK+rank)
		}
		copy(dst, out)
	default:
		lo, hi := float32(0), float32(0)
		first := true
		for _, v := range src {
			if v != v {
				continue
			}
			if first {
				lo, hi, first = v, v, false
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		scale := float32(0)
		if hi > lo {
			scale = 1 / (hi - lo)
		}
		for i, v := range src {
			if v != v {
				dst[i] = 0
				continue
			}
			dst[i] = (v - lo) * scale
		}
	}
}

// Mix writes (1-w)·a + w·b into dst; a and b are normalised lists
// (Normalize), dst may be either of them.
func Mix(dst, a, b []float32, w float32) {
	for i := range dst {
		dst[i] = (1-w)*a[i] + w*b[i]
	}
}

// Fuse normalises a and b with f and writes their mix with weight w on b
// into dst. a and b are left as they were unless dst is one of them.
func Fuse(dst, a, b []float32, w float32, f Fusion) {
	na := make([]float32, len(a))
	nb := make([]float32, len(b))
	f.Normalize(na, a)
	f.Normalize(nb, b)
	Mix(dst, na, nb, w)
}
