package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Metric is one named figure, e.g. {"ndcg@10", 0.091}.
type Metric struct {
	Name  string
	Value float64
}

// Metrics is an ordered list of named figures. It marshals to a JSON object
// keeping its order.
type Metrics []Metric

// Get returns the value of the named metric and whether it is present.
func (m Metrics) Get(name string) (float64, bool) {
	for _, x := range m {
		if x.Name == name {
			return x.Value, true
		}
	}
	return 0, false
}

// MarshalJSON writes the metrics as a JSON object in their order.
func (m Metrics) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(x.Name)
		if err != nil {
			return nil, fmt.Errorf("metric name %q: %w", x.Name, err)
		}
		b.Write(k)
		b.WriteByte(':')
		v := x.Value
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteString("null")
			continue
		}
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("metric %q: %w", x.Name, err)
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Metric names of the sequential protocol (full and sampled).
var sequentialNames = []string{"hr@1", "hr@5", "hr@10", "ndcg@5", "ndcg@10", "mrr@10"}

// TFRSCutoffs are the K of the TFRS protocol's top-K accuracy.
var tfrsCutoffs = []int{1, 5, 10, 50, 100}

// Metric names of the TFRS protocol, matching tfrsCutoffs.
var tfrsNames = []string{"top@1", "top@5", "top@10", "top@50", "top@100"}

// Metric names of the RecBole protocol.
var recboleNames = []string{"recall@10", "ndcg@10", "hit@10", "mrr@10", "precision@10"}

// HitAt returns 1 if a target at 0-based rank r is within the top k, else 0.
func HitAt(r, k int) float64 {
	if r < k {
		return 1
	}
	return 0
}

// NDCGAt returns the NDCG@k of a single target at 0-based rank r:
// 1/log2(r+2) within the top k, else 0.
func NDCGAt(r, k int) float64 {
	if r < k {
		return 1 / math.Log2(float64(r)+2)
	}
	return 0
}

// MRRAt returns the reciprocal rank 1/(r+1) of a target at 0-based rank r
// within the top k, else 0.
func MRRAt(r, k int) float64 {
	if r < k {
		return 1 / float64(r+1)
	}
	return 0
}

// sequentialValues returns the sequential protocol's per-user values, in the
// order of sequentialNames, for a single target at 0-based rank r.
func sequentialValues(dst []float64, r int) []float64 {
	return append(dst, HitAt(r, 1), HitAt(r, 5), HitAt(r, 10), NDCGAt(r, 5), NDCGAt(r, 10), MRRAt(r, 10))
}

// SetMetrics holds the RecBole-style metrics of one user's top-K list
// against a target set.
type SetMetrics struct {
	Recall, NDCG, Hit, MRR, Precision float64
}

// SetMetricsAt computes Recall, NDCG, Hit, MRR and Precision at k of the
// ranked list top (best first; only its first k entries count) against the
// target set targets (distinct items). The ideal DCG places min(|targets|, k)
// hits at the top; MRR is the reciprocal rank of the first hit; Precision
// divides the hits by k.
func SetMetricsAt(top []int32, targets []int32, k int) SetMetrics {
	if len(targets) == 0 {
		return SetMetrics{}
	}
	if len(top) > k {
		top = top[:k]
	}
	in := make(map[int32]bool, len(targets))
	for _, t := range targets {
		in[t] = true
	}
	var m SetMetrics
	hits := 0
	dcg := 0.0
	for i, it := range top {
		if !in[it] {
			continue
		}
		hits++
		dcg += 1 / math.Log2(float64(i)+2)
		if hits == 1 {
			m.MRR = 1 / float64(i+1)
		}
	}
	idcg := 0.0
	for i := range min(len(in), k) {
		idcg += 1 / math.Log2(float64(i)+2)
	}
	m.Recall = float64(hits) / float64(len(in))
	m.Precision = float64(hits) / float64(k)
	m.NDCG = dcg / idcg
	m.Hit = HitAt(0, hits)
	return m
}
