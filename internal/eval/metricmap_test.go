package eval

import (
	"maps"
	"testing"
)

func TestMetricsMap(t *testing.T) {
	tests := []struct {
		name string
		m    Metrics
		want map[string]float64
	}{
		{"none", nil, map[string]float64{}},
		{"in order", Metrics{{"hr@10", 0.5}, {"ndcg@10", 0.25}}, map[string]float64{"hr@10": 0.5, "ndcg@10": 0.25}},
		{"repeated name keeps the last", Metrics{{"mrr@10", 0.1}, {"mrr@10", 0.2}}, map[string]float64{"mrr@10": 0.2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Map(); !maps.Equal(got, tc.want) {
				t.Errorf("Map() = %v, want %v", got, tc.want)
			}
		})
	}
}
