package search

import (
	"context"
	"math"
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

func TestOrthonormalize(t *testing.T) {
	n, d := 50, 6
	for _, dependent := range []bool{false, true} {
		q := make([]float64, n*d)
		for i := range q {
			q[i] = float64((i*7919)%101) - 50
		}
		if dependent {
			for i := range n {
				q[i*d+5] = 2 * q[i*d+1] // rank-deficient: falls back to Gram-Schmidt
			}
		}
		orthonormalize(q, n, d)
		for a := range d {
			for b := range d {
				var s float64
				for i := range n {
					s += q[i*d+a] * q[i*d+b]
				}
				want := 0.0
				if a == b {
					want = 1
				}
				if dependent && (a == 5 || b == 5) {
					continue // the dependent column has no new direction
				}
				if math.Abs(s-want) > 1e-9 {
					t.Fatalf("dependent=%v: column %d . %d = %g, want %g", dependent, a, b, s, want)
				}
			}
		}
	}
}

func TestRidgeCG(t *testing.T) {
	// Two features, three rows, two target columns.
	rows := []sparseRow{{idx: []int32{0}, val: []float32{1}}, {idx: []int32{1}, val: []float32{1}}, {idx: []int32{0, 1}, val: []float32{1, 1}}}
	y := []float64{2, -1, 3, 0, 1, 1} // rows x 2 columns, row-major
	w, err := ridgeCG(context.Background(), rows, y, 2, 2, 1e-9, 50)
	if err != nil {
		t.Fatal(err)
	}
	// The target is not exactly representable, so check the normal
	// equations F^T F w = F^T y (lambda is negligible).
	ft := [][]float64{{1, 0, 1}, {0, 1, 1}}
	f := [][]float64{{1, 0}, {0, 1}, {1, 1}}
	for j := range 2 {
		for a := range 2 {
			var lhs, rhs float64
			for r := range 3 {
				var fw float64
				for b := range 2 {
					fw += f[r][b] * w[b*2+j]
				}
				lhs += ft[a][r] * fw
				rhs += ft[a][r] * y[r*2+j]
			}
			if math.Abs(lhs-rhs) > 1e-6 {
				t.Errorf("column %d, feature %d: normal equations %g != %g", j, a, lhs, rhs)
			}
		}
	}
}
