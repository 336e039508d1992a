package dataset

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"

	"github.com/moviegenie/genie/internal/movielens"
)

// Options are the data_processing parameters.
type Options struct {
	// Dataset names the release, for the report.
	Dataset            string
	MinRatingsPerUser  int
	MinRatingsPerMovie int
	// TestSplitRatio is the test share of the random split.
	TestSplitRatio float64
	// Seed drives the random split: rand.NewPCG(Seed, 0).
	Seed            uint64
	MinInteractions int
	MinCompleteness float64
	// DropOrphans drops ratings of movies (or users) the release does not
	// list, instead of failing the referential-integrity check.
	DropOrphans bool
}

// Process cleans, filters and splits a release into the processed tables
// and measures every data-quality check. It fails only on input it cannot
// interpret; failed quality checks are in the report (see Report.Err),
// including a result with no ratings left, which never passes.
// Process consumes ds.Ratings: it sets it to nil once the processed
// ratings are built, so a 25M-rating release is not held twice.
func Process(ctx context.Context, ds *movielens.Dataset, opt Options) (*Tables, *Report, error) {
	if opt.MinRatingsPerUser < 1 || opt.MinRatingsPerMovie < 1 {
		return nil, nil, fmt.Errorf("process: minimum ratings per user and per movie must be >= 1")
	}
	if err := checkUniqueIDs(ds); err != nil {
		return nil, nil, err
	}

	maxU, maxM, err := maxIDs(ds)
	if err != nil {
		return nil, nil, err
	}
	rep := newReport(opt, ds, maxU, maxM)
	inCatalog := make([]bool, maxM+1)
	for _, m := range ds.Movies {
		inCatalog[m.ID] = true
	}
	listedUser := make([]bool, maxU+1)
	for _, u := range ds.Users {
		listedUser[u.ID] = true
	}
	// Referential integrity: every rating names a listed movie (and user,
	// where the release lists users).
	keep := make([]bool, len(ds.Ratings))
	orphans, firstOrphan := 0, ""
	for i, r := range ds.Ratings {
		okM := inCatalog[r.Movie]
		okU := len(ds.Users) == 0 || listedUser[r.User]
		if !okM || !okU {
			orphans++
			if firstOrphan == "" {
				what := fmt.Sprintf("movie %d is not in the movies file", r.Movie)
				if okM {
					what = fmt.Sprintf("user %d is not in the users file", r.User)
				}
				firstOrphan = fmt.Sprintf("rating #%d (user %d, movie %d): %s", i+1, r.User, r.Movie, what)
			}
			continue
		}
		keep[i] = true
	}
	// Dropped orphans are not in the processed ratings, so the check
	// measures none; the report counts them apart (Report.DroppedOrphans).
	rep.orphans = orphans
	kept := orphans
	if opt.DropOrphans {
		kept = 0
		rep.DroppedOrphans, rep.FirstDroppedOrphan = orphans, firstOrphan
	}
	rep.addCheck(newCheck("referential_integrity", "every processed rating names a listed movie and user",
		float64(kept), "==", 0, orphanDetail(orphans, firstOrphan, opt.DropOrphans)))

	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	iterations := filterFixedPoint(ds.Ratings, keep, opt.MinRatingsPerUser, opt.MinRatingsPerMovie)
	rep.Filter.Iterations = iterations

	t := &Tables{}
	t.Ratings = buildRatings(ds.Ratings, keep, opt)
	ds.Ratings, keep = nil, nil
	runtime.GC()
	t.Movies = buildMovies(ds.Movies, t.Ratings, maxM)
	t.Users = buildUsers(ds.Users, t.Ratings, maxU)
	t.Links = buildLinks(ds)
	for _, tg := range ds.Tags {
		if tg.Movie <= maxM && inCatalog[tg.Movie] {
			t.Tags = append(t.Tags, TagRow{UserID: tg.User, MovieID: tg.Movie, Tag: tg.Tag, Timestamp: tg.Timestamp})
		}
	}
	rep.measure(ds, t, opt, maxU, maxM)
	return t, rep, nil
}

// MaxID is the largest user or movie id Process accepts. Ids index dense
// arrays; every MovieLens release stays far below it.
const MaxID = 1<<26 - 1

// maxIDs returns the largest user and movie ids in the release.
func maxIDs(ds *movielens.Dataset) (maxU, maxM int32, err error) {
	for _, r := range ds.Ratings {
		maxU, maxM = max(maxU, r.User), max(maxM, r.Movie)
	}
	for _, m := range ds.Movies {
		maxM = max(maxM, m.ID)
	}
	for _, u := range ds.Users {
		maxU = max(maxU, u.ID)
	}
	if maxU > MaxID || maxM > MaxID {
		return 0, 0, fmt.Errorf("process: ids up to %d are supported; the release has user ids up to %d and movie ids up to %d", MaxID, maxU, maxM)
	}
	return maxU, maxM, nil
}

func orphanDetail(n int, first string, dropped bool) string {
	if n == 0 {
		return "all ratings reference listed movies and users"
	}
	if dropped {
		return fmt.Sprintf("all kept ratings reference listed movies and users; %d orphan ratings were dropped (on_bad_line: skip)", n)
	}
	return fmt.Sprintf("%d ratings reference unlisted movies or users; first: %s", n, first)
}

// checkUniqueIDs rejects a catalogue or user list that names an id twice.
// movielens.Load already rejects (or skips) a repeated id with its file
// line; this guards datasets built otherwise, which have no lines, so it
// names the file and the entries' positions in the list.
func checkUniqueIDs(ds *movielens.Dataset) error {
	moviesFile, usersFile := sourceFiles(ds.Format)
	seen := map[int32]int{}
	for i, m := range ds.Movies {
		if j, ok := seen[m.ID]; ok {
			return fmt.Errorf("%s: movie id %d is listed twice (movies #%d and #%d, counting from 1)", moviesFile, m.ID, j+1, i+1)
		}
		seen[m.ID] = i
	}
	clear(seen)
	for i, u := range ds.Users {
		if j, ok := seen[u.ID]; ok {
			return fmt.Errorf("%s: user id %d is listed twice (users #%d and #%d, counting from 1)", usersFile, u.ID, j+1, i+1)
		}
		seen[u.ID] = i
	}
	return nil
}

// sourceFiles names the movies and users files of a release format.
func sourceFiles(f movielens.Format) (movies, users string) {
	switch f {
	case movielens.Format100K:
		return "u.item", "u.user"
	case movielens.FormatDat:
		return "movies.dat", "users.dat"
	case movielens.FormatCSV:
		return "movies.csv", "users"
	}
	return "movies", "users"
}

// filterFixedPoint clears keep for ratings of users with fewer than minU
// kept ratings or movies with fewer than minM, repeating until both hold
// for every kept rating. It returns the number of passes.
func filterFixedPoint(rs []movielens.Rating, keep []bool, minU, minM int) int {
	var maxU, maxM int32
	for _, r := range rs {
		maxU, maxM = max(maxU, r.User), max(maxM, r.Movie)
	}
	uc := make([]int32, maxU+1)
	mc := make([]int32, maxM+1)
	for i, r := range rs {
		if keep[i] {
			uc[r.User]++
			mc[r.Movie]++
		}
	}
	for pass := 1; ; pass++ {
		changed := false
		for i, r := range rs {
			if keep[i] && (int(uc[r.User]) < minU || int(mc[r.Movie]) < minM) {
				keep[i] = false
				changed = true
			}
		}
		if !changed {
			return pass
		}
		clear(uc)
		clear(mc)
		for i, r := range rs {
			if keep[i] {
				uc[r.User]++
				mc[r.Movie]++
			}
		}
	}
}

// buildRatings keeps the filtered ratings in source order and labels the
// temporal and random splits.
func buildRatings(rs []movielens.Rating, keep []bool, opt Options) []Rating {
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	out := make([]Rating, 0, n)
	for i, r := range rs {
		if keep[i] {
			out = append(out, Rating{UserID: r.User, MovieID: r.Movie, Rating: r.Rating, Timestamp: r.Timestamp, SourceRow: r.Row})
		}
	}
	for _, hist := range UserHistories(out) {
		for seq, i := range hist {
			out[i].UserSeq = int32(seq)
			switch seq {
			case len(hist) - 1:
				out[i].Temporal = SplitTest
			case len(hist) - 2:
				out[i].Temporal = SplitValidation
			default:
				out[i].Temporal = SplitTrain
			}
		}
	}
	perm := RandomPermutation(len(out), opt.Seed)
	nTrain := int(float64(len(out)) * (1 - opt.TestSplitRatio))
	for k, i := range perm {
		if k < nTrain {
			out[i].Random = SplitTrain
		} else {
			out[i].Random = SplitTest
		}
	}
	return out
}

// RandomPermutation returns the order of n source-ordered items after
// rand.New(rand.NewPCG(seed, 0)).Shuffle, the shuffle every random split
// and protocol in Movie Genie uses.
func RandomPermutation(n int, seed uint64) []int32 {
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	rand.New(rand.NewPCG(seed, 0)).Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	return perm
}

// UserHistories returns, per user in increasing id order, the indexes of
// the user's ratings ordered by timestamp, ties by SourceRow.
func UserHistories(rs []Rating) [][]int32 {
	var maxU int32
	for _, r := range rs {
		maxU = max(maxU, r.UserID)
	}
	count := make([]int32, maxU+1)
	for _, r := range rs {
		count[r.UserID]++
	}
	var out [][]int32
	slot := make([]int32, maxU+1)
	for u, c := range count {
		if c > 0 {
			slot[u] = int32(len(out))
			out = append(out, make([]int32, 0, c))
		}
	}
	for i, r := range rs {
		s := slot[r.UserID]
		out[s] = append(out[s], int32(i))
	}
	for _, h := range out {
		// Indexes within a history are increasing, so only out-of-order
		// timestamps need a sort; SourceRow makes every key unique.
		if slices.IsSortedFunc(h, func(a, b int32) int { return cmpInt64(rs[a].Timestamp, rs[b].Timestamp) }) {
			continue
		}
		slices.SortFunc(h, func(a, b int32) int {
			ra, rb := &rs[a], &rs[b]
			if ra.Timestamp != rb.Timestamp {
				if ra.Timestamp < rb.Timestamp {
					return -1
				}
				return 1
			}
			return int(ra.SourceRow) - int(rb.SourceRow)
		})
	}
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type movieStat struct {
	n   int32
	sum float64
}

func buildMovies(ms []movielens.Movie, rs []Rating, maxM int32) []MovieRow {
	stats := make([]movieStat, maxM+1)
	for _, r := range rs {
		s := &stats[r.MovieID]
		s.n++
		s.sum += float64(r.Rating)
	}
	out := make([]MovieRow, len(ms))
	for i, m := range ms {
		row := MovieRow{MovieID: m.ID, Title: m.Title, Genres: slices.Clone(m.Genres)}
		if row.Genres == nil {
			row.Genres = []string{}
		}
		if m.Year > 0 {
			y := m.Year
			row.Year = &y
		}
		if s := stats[m.ID]; s.n > 0 {
			row.RatingCount = s.n
			mean := float32(s.sum / float64(s.n))
			row.RatingMean = &mean
		}
		flags := row.genreFlags()
		for _, g := range m.Genres {
			if k := movielens.GenreIndex(g); k >= 0 {
				*flags[k] = true
			}
		}
		out[i] = row
	}
	slices.SortFunc(out, func(a, b MovieRow) int { return int(a.MovieID) - int(b.MovieID) })
	return out
}

func buildUsers(us []movielens.User, rs []Rating, maxU int32) []UserRow {
	type stat struct {
		n           int32
		sum, sumSq  float64
		first, last int64
	}
	stats := make([]stat, maxU+1)
	for _, r := range rs {
		s := &stats[r.UserID]
		if s.n == 0 {
			s.first, s.last = r.Timestamp, r.Timestamp
		}
		v := float64(r.Rating)
		s.n++
		s.sum += v
		s.sumSq += v * v
		s.first = min(s.first, r.Timestamp)
		s.last = max(s.last, r.Timestamp)
	}
	demo := map[int32]movielens.User{}
	for _, u := range us {
		demo[u.ID] = u
	}
	var out []UserRow
	for id, s := range stats {
		if s.n == 0 {
			continue
		}
		id := int32(id)
		mean := s.sum / float64(s.n)
		row := UserRow{UserID: id, RatingCount: s.n, RatingMean: float32(mean),
			RatingStd:      float32(math.Sqrt(max(0, s.sumSq/float64(s.n)-mean*mean))),
			FirstTimestamp: s.first, LastTimestamp: s.last}
		if u, ok := demo[id]; ok {
			age, gender, occ, zip := u.Age, u.Gender, u.Occupation, u.Zip
			if age > 0 {
				row.Age = &age
			}
			row.Gender, row.Occupation, row.ZipCode = &gender, &occ, &zip
		}
		out = append(out, row)
	}
	return out
}

func buildLinks(ds *movielens.Dataset) []LinkRow {
	byID := map[int32]*LinkRow{}
	for _, m := range ds.Movies {
		if m.IMDbURL != "" {
			byID[m.ID] = &LinkRow{MovieID: m.ID, IMDbURL: m.IMDbURL}
		}
	}
	for _, l := range ds.Links {
		row := byID[l.Movie]
		if row == nil {
			row = &LinkRow{MovieID: l.Movie}
			byID[l.Movie] = row
		}
		if l.IMDbID > 0 {
			v := l.IMDbID
			row.IMDbID = &v
			if row.IMDbURL == "" {
				row.IMDbURL = fmt.Sprintf("https://www.imdb.com/title/tt%07d/", v)
			}
		}
		if l.TMDbID > 0 {
			v := l.TMDbID
			row.TMDbID = &v
		}
	}
	out := make([]LinkRow, 0, len(byID))
	for _, r := range byID {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b LinkRow) int { return int(a.MovieID) - int(b.MovieID) })
	return out
}

// GenreList joins genres for display ("Action|Comedy").
func GenreList(g []string) string { return strings.Join(g, "|") }
