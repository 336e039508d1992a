package search

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkSearchJudged runs the judged query set against ml-100k and
// reports per-query p50 and p99 latency. Run on one core:
//
//	go test ./internal/search -run XXX -bench SearchJudged -cpu 1
func BenchmarkSearchJudged(b *testing.B) {
	_, ix := loadML100K(b)
	qs, err := ReadQueries(judgedPath)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []Mode{ModeFused, ModeLexical, ModeDense} {
		b.Run(string(mode), func(b *testing.B) {
			benchQueries(b, ix, qs, mode)
		})
	}
}

func benchQueries(b *testing.B, ix *Index, qs []JudgedQuery, mode Mode) {
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := qs[i%len(qs)]
		t0 := time.Now()
		if _, err := ix.Search(ctx, q.Query, Options{K: DefaultK, Mode: mode}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}
