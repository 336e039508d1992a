package seqnn_test

import (
	"context"
	"testing"

	"github.com/moviegenie/genie/internal/model/bert4rec"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// BenchmarkRecommend measures the serving path on one core: next-item top
// 20 for a 50-item history with exclusions, for default-sized models over
// ml-100k's 1,349 items (weights untrained: the cost does not depend on
// their values).
func BenchmarkRecommend(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  seqnn.Config
	}{{"sasrec", sasrec.DefaultConfig()}, {"bert4rec", bert4rec.DefaultConfig()}} {
		b.Run(c.name, func(b *testing.B) {
			d := ring(4, 1349, 1)
			cfg := c.cfg
			cfg.Epochs = 1
			m := seqnn.New(cfg)
			if err := m.Fit(context.Background(), d); err != nil {
				b.Fatal(err)
			}
			hist := make([]int64, 50)
			for i := range hist {
				hist[i] = d.ItemIDs[(i*37)%1349]
			}
			exclude := []int64{d.ItemIDs[1], d.ItemIDs[2]}
			b.ResetTimer()
			for b.Loop() {
				if len(m.Recommend(hist, 20, exclude)) != 20 {
					b.Fatal("short list")
				}
			}
		})
	}
}
