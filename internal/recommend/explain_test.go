package recommend

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// explainByScores is Explain computed the direct way: a full similarity
// score vector per recent history movie.
func explainByScores(e *Engine, history []int32, recs []Scored) []int32 {
	recent := history[max(0, len(history)-20):]
	out := make([]int32, len(recs))
	best := make([]float32, len(recs))
	for _, m := range recent {
		i, ok := e.dense[m]
		if !ok {
			continue
		}
		v := make([]float32, len(e.raw))
		e.sim.Score(-1, []int32{i}, v)
		for n, r := range recs {
			if j, ok := e.dense[r.MovieID]; ok && v[j] > best[n] {
				best[n], out[n] = v[j], m
			}
		}
	}
	return out
}

// TestExplainMatchesScores: the neighbour-list explanation equals the one
// from full score vectors, ties (to the older history movie) included, for
// random histories over random data, and for histories longer than 20.
func TestExplainMatchesScores(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	h := map[int32][]int32{}
	for u := int32(1); u <= 60; u++ {
		n := 5 + rng.IntN(30)
		seen := map[int32]bool{}
		for len(h[u]) < n {
			m := 1 + int32(rng.IntN(80))
			if !seen[m] {
				seen[m] = true
				h[u] = append(h[u], m)
			}
		}
	}
	e, err := Build(context.Background(), ratingsOf(h), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for trial := range 50 {
		var hist []int32
		for range 1 + rng.IntN(40) {
			hist = append(hist, 1+int32(rng.IntN(90))) // some unknown to the engine
		}
		recs := e.Recommend(hist, 1+rng.IntN(30), nil)
		recs = append(recs, Scored{MovieID: 999}) // unknown recommended movie
		got, want := e.Explain(hist, recs), explainByScores(e, hist, recs)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: Explain(%v) = %v, want %v", trial, hist, got, want)
		}
	}
}
