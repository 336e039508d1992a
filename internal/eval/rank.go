package eval

import (
	"container/heap"
	"math"
	"slices"
)

// better reports whether item a ranks before item b under scores: a higher
// score first, and on equal scores the lower item index (lower raw id).
// Scores must not be NaN (see sanitize).
func better(scores []float32, a, b int32) bool {
	sa, sb := scores[a], scores[b]
	return sa > sb || (sa == sb && a < b)
}

// sanitize replaces NaN scores by -Inf so that every score is ordered.
func sanitize(scores []float32) {
	for i, s := range scores {
		if s != s {
			scores[i] = float32(math.Inf(-1))
		}
	}
}

// Rank returns the 0-based position target would take in the ranking of all
// items by scores (ties towards the lower index) after removing the items
// marked in excluded (nil removes nothing). The target itself is never
// counted. Scores must not be NaN.
func Rank(scores []float32, target int32, excluded []bool) int {
	st := scores[target]
	r := 0
	for j, s := range scores {
		if s < st || (excluded != nil && excluded[j]) {
			continue
		}
		if s > st || int32(j) < target {
			r++
		}
	}
	return r
}

// RankAmong returns target's 0-based position among itself and candidates
// (ties towards the lower index). Scores must not be NaN.
func RankAmong(scores []float32, target int32, candidates []int32) int {
	r := 0
	for _, j := range candidates {
		if j != target && better(scores, j, target) {
			r++
		}
	}
	return r
}

// TopK appends to dst the k best items by scores, best first, skipping items
// marked in excluded (nil skips nothing), and returns it. Ties go to the
// lower item index, so the result is deterministic and consistent with Rank.
// Scores must not be NaN.
func TopK(dst []int32, scores []float32, k int, excluded []bool) []int32 {
	if k <= 0 {
		return dst
	}
	h := worstHeap{scores: scores, items: make([]int32, 0, k)}
	for j := range scores {
		if excluded != nil && excluded[j] {
			continue
		}
		it := int32(j)
		if len(h.items) < k {
			heap.Push(&h, it)
			continue
		}
		if better(scores, it, h.items[0]) {
			h.items[0] = it
			heap.Fix(&h, 0)
		}
	}
	slices.SortFunc(h.items, func(a, b int32) int {
		if better(scores, a, b) {
			return -1
		}
		if better(scores, b, a) {
			return 1
		}
		return 0
	})
	return append(dst, h.items...)
}

// worstHeap is a heap whose root is the worst-ranked item it holds.
type worstHeap struct {
	scores []float32
	items  []int32
}

// Len implements heap.Interface.
func (h *worstHeap) Len() int { return len(h.items) }

// Less implements heap.Interface: the worse-ranked item is "less".
func (h *worstHeap) Less(i, j int) bool { return better(h.scores, h.items[j], h.items[i]) }

// Swap implements heap.Interface.
func (h *worstHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }

// Push implements heap.Interface.
func (h *worstHeap) Push(x any) { h.items = append(h.items, x.(int32)) }

// Pop implements heap.Interface.
func (h *worstHeap) Pop() any {
	n := len(h.items)
	x := h.items[n-1]
	h.items = h.items[:n-1]
	return x
}
