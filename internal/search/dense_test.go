package search

import (
	"context"
	"testing"
)

// TestCollabTextHeldOut measures the default embedder's text encoder on
// movies left out of its fit: a held-out movie's words, encoded, should
// land near the movie's own collaborative vector. It reports the mean
// percentile rank of the true movie among all rated movies by cosine (0.5 is
// chance, 1 perfect).
func TestCollabTextHeldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("trains an embedder")
	}
	tb, _ := loadML100K(t)
	movies := CatalogFromTables(tb)
	in := groupRatings(movies, tb.Ratings)
	held := func(id int32) bool { return id%10 == 3 }
	ct, err := TrainCollabText(context.Background(), movies, in, CollabTextOptions{HoldOut: held})
	if err != nil {
		t.Fatal(err)
	}
	vecs, err := ct.EmbedMovies(context.Background(), movies)
	if err != nil {
		t.Fatal(err)
	}
	var sum, n float64
	for i := range movies {
		if !held(movies[i].ID) || len(in.itemUsers[i]) == 0 {
			continue
		}
		q := ct.encode(ct.features(movieWords(&movies[i])))
		if q == nil {
			continue
		}
		self := dot(q, vecs[i])
		below, total := 0, 0
		for j := range movies {
			if j == i || vecs[j] == nil || len(in.itemUsers[j]) == 0 {
				continue
			}
			total++
			if dot(q, vecs[j]) < self {
				below++
			}
		}
		sum += float64(below) / float64(total)
		n++
	}
	pr := sum / n
	t.Logf("held-out movies: %.0f, mean percentile rank of the true movie: %.3f", n, pr)
	if pr < 0.6 {
		t.Errorf("text encoder no better than chance on held-out movies: %.3f", pr)
	}
}
