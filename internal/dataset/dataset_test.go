package dataset

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/movielens"
)

func sharedDataset(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "datasets", name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s not present: %v", dir, err)
	}
	return dir
}

func defaultOptions(name string) Options {
	return Options{Dataset: name, MinRatingsPerUser: 20, MinRatingsPerMovie: 5, TestSplitRatio: 0.2, Seed: 42, MinInteractions: 10000, MinCompleteness: 0.95}
}

func process(t *testing.T, dir string, opt Options) (*Tables, *Report) {
	t.Helper()
	ds, err := movielens.Load(context.Background(), dir, movielens.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tables, rep, err := Process(context.Background(), ds, opt)
	if err != nil {
		t.Fatal(err)
	}
	return tables, rep
}

func TestProcessRealReleases(t *testing.T) {
	tests := []struct {
		name                            string
		rawUsers, rawMovies, rawRatings int
		genres                          int
		sparsity                        float64
		users, movies, ratings, catalog int
	}{
		// product.md: "On ml-100k with 20/5 that leaves 99,249 ratings, 941 users, 1,349 movies."
		{"ml-100k", 943, 1682, 100000, 19, 0.937, 941, 1349, 99249, 1682},
		{"ml-latest-small", 610, 9724, 100836, 20, 0.983, 0, 0, 0, 9742},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tables, rep := process(t, sharedDataset(t, tc.name), defaultOptions(tc.name))
			raw := rep.Raw
			if raw.Users != tc.rawUsers || raw.Movies != tc.rawMovies || raw.Ratings != tc.rawRatings || raw.Genres != tc.genres {
				t.Errorf("raw counts %+v", raw)
			}
			if got := float64(int(raw.Sparsity*1000+0.5)) / 1000; got != tc.sparsity {
				t.Errorf("sparsity %.4f, want %.3f", raw.Sparsity, tc.sparsity)
			}
			if tc.users > 0 && (rep.Processed.Users != tc.users || rep.Processed.Movies != tc.movies || rep.Processed.Ratings != tc.ratings) {
				t.Errorf("processed counts %+v", rep.Processed)
			}
			if len(tables.Movies) != tc.catalog {
				t.Errorf("movies.parquet rows %d, want the whole catalogue %d", len(tables.Movies), tc.catalog)
			}
			if !rep.Passed {
				t.Errorf("report failed: %v", rep.Err())
			}
			checkInvariants(t, tables, defaultOptions(tc.name))
		})
	}
}

// checkInvariants verifies what every processed table set must satisfy.
func checkInvariants(t *testing.T, tb *Tables, opt Options) {
	t.Helper()
	users := map[int32]int{}
	movies := map[int32]int{}
	lastRow := int32(-1)
	for _, r := range tb.Ratings {
		if r.SourceRow <= lastRow {
			t.Fatalf("ratings not in source order at row %d", r.SourceRow)
		}
		lastRow = r.SourceRow
		users[r.UserID]++
		movies[r.MovieID]++
	}
	for u, n := range users {
		if n < opt.MinRatingsPerUser {
			t.Errorf("user %d kept with %d ratings", u, n)
		}
	}
	for m, n := range movies {
		if n < opt.MinRatingsPerMovie {
			t.Errorf("movie %d kept with %d ratings", m, n)
		}
	}
	if len(tb.Users) != len(users) {
		t.Errorf("users.parquet has %d rows, ratings have %d users", len(tb.Users), len(users))
	}
	// Temporal split: exactly one test and one validation per user, and
	// they are the user's last two by (timestamp, source row).
	for _, hist := range UserHistories(tb.Ratings) {
		n := len(hist)
		for k, i := range hist {
			r := tb.Ratings[i]
			want := SplitTrain
			if k == n-1 {
				want = SplitTest
			} else if k == n-2 {
				want = SplitValidation
			}
			if r.Temporal != want || int(r.UserSeq) != k {
				t.Fatalf("user %d item %d: split %s seq %d, want %s seq %d", r.UserID, r.MovieID, r.Temporal, r.UserSeq, want, k)
			}
			if k > 0 {
				p := tb.Ratings[hist[k-1]]
				if p.Timestamp > r.Timestamp || (p.Timestamp == r.Timestamp && p.SourceRow > r.SourceRow) {
					t.Fatalf("history of user %d out of order", r.UserID)
				}
			}
		}
	}
	nTest := 0
	for _, r := range tb.Ratings {
		if r.Random == SplitTest {
			nTest++
		} else if r.Random != SplitTrain {
			t.Fatalf("random split %v", r.Random)
		}
	}
	if want := len(tb.Ratings) - int(float64(len(tb.Ratings))*(1-opt.TestSplitRatio)); nTest != want {
		t.Errorf("random test size %d, want %d", nTest, want)
	}
}

func TestRandomSplitMatchesTFRSProtocol(t *testing.T) {
	// product.md: the first n*8/10 of rand.New(rand.NewPCG(42, 0)).Shuffle train.
	for _, n := range []int{10, 99249, 12345} {
		perm := RandomPermutation(n, 42)
		if got, want := int(float64(n)*(1-0.2)), n*8/10; got != want {
			t.Errorf("n=%d: train size %d, protocol says %d", n, got, want)
		}
		seen := make([]bool, n)
		for _, p := range perm {
			seen[p] = true
		}
		for i, ok := range seen {
			if !ok {
				t.Fatalf("n=%d: %d missing from permutation", n, i)
			}
		}
	}
	a, b := RandomPermutation(100, 42), RandomPermutation(100, 42)
	if !slicesEqual(a, b) {
		t.Error("same seed gave different permutations")
	}
	if slicesEqual(a, RandomPermutation(100, 43)) {
		t.Error("different seeds gave the same permutation")
	}
}

func slicesEqual(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// synthRelease writes a small ml-100k-layout release: nu users rating nm
// movies; user u rates movies 1..k(u).
func synthRelease(t *testing.T, nu, nm int, k func(u int) int) string {
	t.Helper()
	dir := t.TempDir()
	var data, item, user bytes.Buffer
	ts := 880000000
	for u := 1; u <= nu; u++ {
		for m := 1; m <= k(u) && m <= nm; m++ {
			ts += 7
			data.WriteString(strings.Join([]string{itoa(u), itoa(m), itoa(1 + (u+m)%5), itoa(ts - (m%3)*5)}, "\t") + "\n")
		}
		user.WriteString(itoa(u) + "|30|F|writer|12345\n")
	}
	for m := 1; m <= nm; m++ {
		item.WriteString(itoa(m) + "|Movie " + itoa(m) + " (1990)|01-Jan-1990||http://x|0|1|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n")
	}
	for name, b := range map[string][]byte{"u.data": data.Bytes(), "u.item": item.Bytes(), "u.user": user.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestFilterFixedPoint(t *testing.T) {
	tests := []struct {
		name          string
		nu, nm        int
		k             func(int) int
		minU, minM    int
		users, movies int
		passes        int
	}{
		{"nothing removed", 10, 30, func(int) int { return 30 }, 20, 5, 10, 30, 1},
		// users 1-5 rate 30 movies, users 6-10 rate 3: those users go,
		// then no movie loses enough to matter.
		{"light users removed", 10, 30, func(u int) int {
			if u <= 5 {
				return 30
			}
			return 3
		}, 20, 5, 5, 30, 2},
		// A cascade: removing the light users 6-8 leaves movies 26-30 with
		// four ratings each, under the movie minimum, so they go next.
		{"cascade", 8, 30, func(u int) int {
			switch {
			case u <= 4:
				return 30
			case u == 5:
				return 25
			default:
				return 2
			}
		}, 21, 5, 5, 25, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := defaultOptions("synth")
			opt.MinRatingsPerUser, opt.MinRatingsPerMovie, opt.MinInteractions = tc.minU, tc.minM, 1
			tables, rep := process(t, synthRelease(t, tc.nu, tc.nm, tc.k), opt)
			if rep.Processed.Users != tc.users || rep.Processed.Movies != tc.movies {
				t.Errorf("kept %d users, %d movies; want %d, %d", rep.Processed.Users, rep.Processed.Movies, tc.users, tc.movies)
			}
			if rep.Filter.Iterations < tc.passes {
				t.Errorf("passes %d, want at least %d", rep.Filter.Iterations, tc.passes)
			}
			checkInvariants(t, tables, opt)
		})
	}
}

func TestQualityChecksFail(t *testing.T) {
	dir := synthRelease(t, 5, 10, func(int) int { return 10 })
	opt := defaultOptions("tiny")
	tables, rep := process(t, dir, opt)
	_ = tables
	if rep.Passed {
		t.Fatal("tiny data passed every check")
	}
	err := rep.Err()
	if err == nil || !strings.Contains(err.Error(), "sufficient_interactions: measured 0, expected >= 10000 (0 ratings, short by 10000)") {
		t.Fatalf("err = %v", err)
	}
}

func TestOrphanRatings(t *testing.T) {
	dir := synthRelease(t, 3, 5, func(int) int { return 5 })
	f, err := os.OpenFile(filepath.Join(dir, "u.data"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("1\t99\t3\t881250949\n")
	f.Close()
	ds, err := movielens.Load(context.Background(), dir, movielens.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opt := defaultOptions("orphans")
	opt.MinRatingsPerUser, opt.MinRatingsPerMovie, opt.MinInteractions = 1, 1, 1
	_, rep, err := Process(context.Background(), ds, opt)
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.Err(); e == nil || !strings.Contains(e.Error(), "rating #16 (user 1, movie 99): movie 99 is not in the movies file") {
		t.Fatalf("err = %v", e)
	}
	opt.DropOrphans = true
	if ds, err = movielens.Load(context.Background(), dir, movielens.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	tables, rep, err := Process(context.Background(), ds, opt)
	if err != nil || !rep.Passed || len(tables.Ratings) != 15 {
		t.Fatalf("drop orphans: err %v, passed %v, %d ratings", err, rep.Passed, len(tables.Ratings))
	}
}

func TestDeterministicBytes(t *testing.T) {
	dir := sharedDatasetOrSynth(t)
	opt := defaultOptions("det")
	opt.MinInteractions = 1
	var outs [2]string
	for i := range outs {
		tables, rep := process(t, dir, opt)
		outs[i] = t.TempDir()
		if err := tables.Write(outs[i]); err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteJSON(filepath.Join(outs[i], "report.json")); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{MoviesFile, UsersFile, RatingsFile, LinksFile, TagsFile, "report.json"} {
		a, _ := os.ReadFile(filepath.Join(outs[0], name))
		b, _ := os.ReadFile(filepath.Join(outs[1], name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs (%d vs %d bytes)", name, len(a), len(b))
		}
	}
}

func sharedDatasetOrSynth(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "shared", "datasets", "ml-100k")
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	return synthRelease(t, 50, 40, func(u int) int { return 20 + u%15 })
}

func TestRoundTrip(t *testing.T) {
	dir := sharedDatasetOrSynth(t)
	opt := defaultOptions("rt")
	opt.MinInteractions = 1
	tables, _ := process(t, dir, opt)
	out := t.TempDir()
	if err := tables.Write(out); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTables(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Ratings) != len(tables.Ratings) || len(back.Movies) != len(tables.Movies) || len(back.Users) != len(tables.Users) {
		t.Fatalf("row counts changed")
	}
	for i := range back.Ratings {
		if back.Ratings[i] != tables.Ratings[i] {
			t.Fatalf("rating %d: %+v != %+v", i, back.Ratings[i], tables.Ratings[i])
		}
	}
	m := back.Movies[0]
	if m.Title != tables.Movies[0].Title || GenreList(m.Genres) != GenreList(tables.Movies[0].Genres) {
		t.Errorf("movie 0 changed: %+v", m)
	}
}

func TestWriteParquetAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.parquet")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A folder in the way of the temp file's rename target: the write fails
	// and the old file stays, with no temp file left behind.
	bad := filepath.Join(dir, "sub")
	if err := os.MkdirAll(filepath.Join(bad, "x.parquet", "blocker"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteParquet(filepath.Join(bad, "x.parquet"), []TagRow{{UserID: 1}}); err == nil {
		t.Fatal("write over a non-empty directory succeeded")
	}
	entries, _ := os.ReadDir(bad)
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Error("unrelated file changed")
	}
}
