package eval

import (
	"encoding/json"
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestSingleTargetMetrics(t *testing.T) {
	tests := []struct {
		rank                 int
		hr1, hr5, hr10       float64
		ndcg5, ndcg10, mrr10 float64
	}{
		{0, 1, 1, 1, 1, 1, 1},
		{1, 0, 1, 1, 1 / math.Log2(3), 1 / math.Log2(3), 0.5},
		{4, 0, 1, 1, 1 / math.Log2(6), 1 / math.Log2(6), 0.2},
		{5, 0, 0, 1, 0, 1 / math.Log2(7), 1.0 / 6},
		{9, 0, 0, 1, 0, 1 / math.Log2(11), 0.1},
		{10, 0, 0, 0, 0, 0, 0},
		{500, 0, 0, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		got := sequentialValues(nil, tc.rank)
		want := []float64{tc.hr1, tc.hr5, tc.hr10, tc.ndcg5, tc.ndcg10, tc.mrr10}
		for i := range want {
			if !near(got[i], want[i]) {
				t.Errorf("rank %d: %s = %v, want %v", tc.rank, sequentialNames[i], got[i], want[i])
			}
		}
	}
	// Hand values: NDCG of rank 2 (third place) = 1/log2(4) = 0.5.
	if got := NDCGAt(2, 10); got != 0.5 {
		t.Errorf("NDCGAt(2, 10) = %v, want 0.5", got)
	}
}

func TestSetMetricsAt(t *testing.T) {
	l2 := func(p int) float64 { return 1 / math.Log2(float64(p)+1) } // 1-based place
	tests := []struct {
		name    string
		top     []int32
		targets []int32
		want    SetMetrics
	}{
		{"no hit", []int32{1, 2, 3}, []int32{9}, SetMetrics{}},
		{"first place", []int32{7, 2, 3}, []int32{7},
			SetMetrics{Recall: 1, NDCG: 1, Hit: 1, MRR: 1, Precision: 0.1}},
		{"two of three", []int32{1, 5, 2, 6, 3}, []int32{5, 6, 9},
			SetMetrics{Recall: 2.0 / 3, NDCG: (l2(2) + l2(4)) / (l2(1) + l2(2) + l2(3)), Hit: 1, MRR: 0.5, Precision: 0.2}},
		{"ideal capped at k", []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []int32{9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
			SetMetrics{Recall: 1.0 / 12, NDCG: l2(10) / (l2(1) + l2(2) + l2(3) + l2(4) + l2(5) + l2(6) + l2(7) + l2(8) + l2(9) + l2(10)), Hit: 1, MRR: 0.1, Precision: 0.1}},
		{"beyond k ignored", []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []int32{10}, SetMetrics{}},
	}
	for _, tc := range tests {
		got := SetMetricsAt(tc.top, tc.targets, 10)
		if !near(got.Recall, tc.want.Recall) || !near(got.NDCG, tc.want.NDCG) || got.Hit != tc.want.Hit ||
			!near(got.MRR, tc.want.MRR) || !near(got.Precision, tc.want.Precision) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestMetricsJSONKeepsOrder(t *testing.T) {
	m := Metrics{{"hr@10", 0.5}, {"hr@1", 0.25}, {"bad", math.NaN()}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"hr@10":0.5,"hr@1":0.25,"bad":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if v, ok := m.Get("hr@1"); !ok || v != 0.25 {
		t.Errorf("Get(hr@1) = %v, %v", v, ok)
	}
}
