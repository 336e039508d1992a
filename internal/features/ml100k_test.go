package features

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
)

// TestML100KFeatures builds every output from the processed ml-100k tables
// in $GENIE_PROCESSED (skipped when unset) and checks a few known facts.
func TestML100KFeatures(t *testing.T) {
	dir := os.Getenv("GENIE_PROCESSED")
	if dir == "" || testing.Short() {
		t.Skip("GENIE_PROCESSED not set")
	}
	tb, err := dataset.ReadTables(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	start := time.Now()
	p := DefaultParams()
	rows, err := WriteContent(out, tb, p)
	if err != nil {
		t.Fatal(err)
	}
	users, err := WriteUsers(out, tb)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := WriteSimilarity(context.Background(), out, tb, rows, p, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d movies, %d users x %d features, %d similarity rows in %v", len(rows), len(users), len(users[0].Features), len(sim), time.Since(start))
	title := map[int32]string{}
	for _, m := range tb.Movies {
		title[m.MovieID] = m.Title
	}
	for _, s := range sim {
		if s.MovieID == 50 && s.Rank < 5 { // Star Wars
			t.Logf("%s %d: %s (%.3f)", s.Kind, s.Rank, title[s.NeighborID], s.Score)
		}
	}
	for _, s := range sim {
		if s.MovieID == 50 && s.Kind == KindCooccurrence && s.Rank == 0 && s.NeighborID != 181 && s.NeighborID != 172 {
			t.Errorf("Star Wars' nearest co-occurrence neighbour is %s", title[s.NeighborID])
		}
	}
}
