package baseline

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/model"
)

func train(n int, seqs ...[]int32) *model.TrainData {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return &model.TrainData{NumUsers: len(seqs), NumItems: n, ItemIDs: ids, Seqs: seqs}
}

func scores(t *testing.T, r model.Recommender, td *model.TrainData, history []int32) []float32 {
	t.Helper()
	if err := r.Fit(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, td.NumItems)
	r.Score(0, history, dst)
	return dst
}

func close32(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}

func TestPopularity(t *testing.T) {
	td := train(4, []int32{0, 1}, []int32{1, 2, 1})
	if got := scores(t, NewPopularity(), td, nil); !slices.Equal(got, []float32{1, 3, 1, 0}) {
		t.Errorf("got %v", got)
	}
}

func TestItemKNNHandComputed(t *testing.T) {
	// Counts 2,2,2,1; cos(0,1) = 1, cos(0,2) = cos(1,2) = 1/2, cos(2,3) = 1/sqrt2.
	td := train(4, []int32{0, 1}, []int32{0, 1, 2}, []int32{2, 3})
	r2 := float32(1 / math.Sqrt2)
	tests := []struct {
		k       int
		history []int32
		want    []float32
	}{
		// K=1: N(0)={1} N(1)={0} N(2)={3} N(3)={2}.
		{1, []int32{0}, []float32{0, 1, 0, 0}},
		{1, []int32{2}, []float32{0, 0, 0, r2}},
		// K=2: N(2) = {3, 0} (0 and 1 tie at 1/2: the lower index wins).
		{2, []int32{0}, []float32{0, 1, 0.5, 0}},
		{2, []int32{0, 3, 0}, []float32{0, 1, 0.5 + r2, 0}},
		{3, []int32{1}, []float32{1, 0, 0.5, 0}},
	}
	for _, tc := range tests {
		if got := scores(t, NewItemKNN(tc.k), td, tc.history); !close32(got, tc.want, 1e-6) {
			t.Errorf("k=%d history %v: got %v, want %v", tc.k, tc.history, got, tc.want)
		}
	}
	if err := NewItemKNN(0).Fit(context.Background(), td); err == nil {
		t.Error("k=0 accepted")
	}
}

func TestMarkovHandComputed(t *testing.T) {
	td := train(3, []int32{0, 1, 2}, []int32{0, 1}, []int32{0, 2})
	if got := scores(t, NewMarkov(), td, []int32{2, 0}); !close32(got, []float32{0, 2.0 / 3, 1.0 / 3}, 1e-6) {
		t.Errorf("from 0: got %v", got)
	}
	if got := scores(t, NewMarkov(), td, []int32{2}); !close32(got, []float32{0, 0, 0}, 0) {
		t.Errorf("from 2 (no transitions): got %v", got)
	}
	if got := scores(t, NewMarkov(), td, nil); !close32(got, []float32{0, 0, 0}, 0) {
		t.Errorf("empty history: got %v", got)
	}
}

func TestMarkovKNN(t *testing.T) {
	td := train(3, []int32{0, 1, 2}, []int32{0, 1}, []int32{0, 2})
	// cos(0,1) = 2/sqrt(3*2), cos(0,2) = 2/sqrt(3*2), cos(1,2) = 1/2.
	c := float32(2 / math.Sqrt(6))
	m := NewMarkovKNN(2, 10)
	want := []float32{0, c + 10*2.0/3, c + 10*1.0/3}
	if got := scores(t, m, td, []int32{0}); !close32(got, want, 1e-5) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Window 1: ItemKNN from the last item only.
	m = NewMarkovKNN(2, 0)
	m.Window = 1
	if got := scores(t, m, td, []int32{1, 2}); !close32(got, []float32{c, 0.5, 0}, 1e-6) {
		t.Errorf("window 1: got %v", got)
	}
	if err := NewMarkovKNN(2, -1).Fit(context.Background(), td); err == nil {
		t.Error("negative weight accepted")
	}
}

// gaussJordan inverts a small matrix the textbook way, as a reference.
func gaussJordan(a []float64, n int) []float64 {
	m := make([]float64, n*2*n)
	for i := range n {
		copy(m[i*2*n:], a[i*n:i*n+n])
		m[i*2*n+n+i] = 1
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r*2*n+c]) > math.Abs(m[p*2*n+c]) {
				p = r
			}
		}
		for k := range 2 * n {
			m[c*2*n+k], m[p*2*n+k] = m[p*2*n+k], m[c*2*n+k]
		}
		d := m[c*2*n+c]
		for k := range 2 * n {
			m[c*2*n+k] /= d
		}
		for r := range n {
			if r == c {
				continue
			}
			f := m[r*2*n+c]
			for k := range 2 * n {
				m[r*2*n+k] -= f * m[c*2*n+k]
			}
		}
	}
	out := make([]float64, n*n)
	for i := range n {
		copy(out[i*n:], m[i*2*n+n:i*2*n+2*n])
	}
	return out
}

func TestInvertSPD(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 5, 63, 64, 65, 150} {
		x := make([]float64, 2*n*n)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		a := make([]float64, n*n) // X^T X + I, X is 2n x n
		for i := range n {
			for j := range n {
				for k := range 2 * n {
					a[i*n+j] += x[k*n+i] * x[k*n+j]
				}
			}
			a[i*n+i]++
		}
		want := gaussJordan(a, n)
		got := slices.Clone(a)
		if err := invertSPD(context.Background(), got, n); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-9*(1+math.Abs(want[i])) {
				t.Fatalf("n=%d: entry %d: %v, want %v", n, i, got[i], want[i])
			}
		}
	}
	bad := []float64{1, 2, 2, 1}
	if err := invertSPD(context.Background(), bad, 2); !errors.Is(err, errNotPositiveDefinite) {
		t.Errorf("indefinite matrix: err = %v", err)
	}
}

func TestEASEClosedForm(t *testing.T) {
	td := train(4, []int32{0, 1}, []int32{0, 1, 2}, []int32{2, 3}, []int32{1, 3, 1})
	lambda := 2.0
	// G = X^T X + lambda I on the binary matrix (the repeated 1 counts once).
	rows := [][]int32{{0, 1}, {0, 1, 2}, {2, 3}, {1, 3}}
	n := 4
	g := make([]float64, n*n)
	for _, r := range rows {
		for _, a := range r {
			for _, b := range r {
				g[int(a)*n+int(b)]++
			}
		}
	}
	for i := range n {
		g[i*n+i] += lambda
	}
	p := gaussJordan(g, n)
	hist := []int32{0, 3}
	want := make([]float32, n)
	for j := range n {
		for _, h := range hist {
			if int(h) != j {
				want[j] += float32(-p[int(h)*n+j] / p[j*n+j])
			}
		}
	}
	if got := scores(t, NewEASE(lambda), td, hist); !close32(got, want, 1e-6) {
		t.Errorf("got %v, want %v", got, want)
	}
	if err := NewEASE(0).Fit(context.Background(), td); err == nil {
		t.Error("lambda 0 accepted")
	}
}

func TestFitHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	td := train(3, []int32{0, 1, 2})
	for _, r := range []model.Recommender{NewPopularity(), NewItemKNN(5), NewEASE(10), NewMarkov(), NewMarkovKNN(5, 1)} {
		if err := r.Fit(ctx, td); !errors.Is(err, context.Canceled) {
			t.Errorf("%T: err = %v, want context.Canceled", r, err)
		}
	}
}

func TestSpecs(t *testing.T) {
	names := []string{}
	for _, s := range SequentialSpecs() {
		names = append(names, s.Name)
		if len(s.Candidates) == 0 {
			t.Errorf("%s has no candidates", s.Name)
		}
		for _, c := range s.Candidates {
			if c.New() == c.New() {
				t.Errorf("%s %s: New must return a fresh model", s.Name, c.Label)
			}
		}
	}
	if !slices.Equal(names, []string{"pop", "itemknn", "ease", "markov", "markov_itemknn"}) {
		t.Errorf("names %v", names)
	}
}
