// Package synth generates synthetic MovieLens-shaped data sets for scale
// tests: Zipf-like item popularity, heavy-tailed (log-normal) user activity,
// a realistic rating distribution, per-user timestamps spread over the
// release's years, and genres drawn from the MovieLens genre list. It writes
// the same files, headers and separators as a real release (ml-25m, ml-1m or
// ml-100k layout), streaming user by user so that 25 million ratings need
// only a few megabytes of memory.
//
// Output depends only on Options (and the platform's floating point): the
// same seed gives byte-identical files.
package synth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// The layouts Generate can write, named after the release they copy.
const (
	FormatML25M  = "ml-25m"  // movies.csv, ratings.csv, links.csv, tags.csv
	FormatML1M   = "ml-1m"   // movies.dat, ratings.dat, users.dat ("::")
	FormatML100K = "ml-100k" // u.data, u.item, u.user, u.genre, u.occupation, u.info
)

// Formats lists the layouts Generate accepts.
func Formats() []string { return []string{FormatML25M, FormatML1M, FormatML100K} }

// Model parameters. They were chosen so that data at MovieLens sizes looks
// like the real releases: ml-25m's busiest user has tens of thousands of
// ratings while the median has about 70, its most popular movie holds about
// 0.3% of all ratings, and the mean rating is near 3.5.
const (
	// Item popularity is Zipf-Mandelbrot: weight(rank) = (rank+q)^-zipfS
	// with q = Items/10, at most zipfMaxQ.
	zipfS    = 1.6
	zipfMaxQ = 200.0
	// User activity above the minimum is log-normal with this sigma.
	activitySigma = 1.4
	// maxMinPerUser is the per-user minimum (MovieLens keeps users with at
	// least 20 ratings); it shrinks when ratings per user are few.
	maxMinPerUser = 20
	// Rating = mean + user bias + item quality + noise, rounded to half
	// stars (ratingMean) or to whole stars (ratingMeanWhole, higher because
	// clamping at 5 pulls whole-star ratings down more).
	ratingMean      = 3.38
	ratingMeanWhole = 3.45
	userBiasSD      = 0.45
	itemQualSD      = 0.4
	popBoost        = 0.35 // extra quality of the most popular items
	noiseSD         = 0.85
	halfStarers     = 0.45 // share of users who use half stars (ml-25m only)
	// Tags (ml-25m only): a few users tag some of what they rate.
	taggerShare = 0.08
	tagRate     = 0.35
)

// Options configures Generate.
type Options struct {
	Users   int   // number of users, >= 1
	Items   int   // number of movies, >= 1
	Ratings int64 // number of ratings, Users <= Ratings <= Users*Items
	// Format is FormatML25M, FormatML1M or FormatML100K ("" means ml-25m).
	Format string
	// Seed selects the data set; the same seed gives the same bytes.
	Seed uint64
	// Out is the folder to write; it is replaced as a whole. Generate
	// refuses an Out that exists and is not empty unless it holds only
	// Generate's own earlier output (recognised by the README every layout
	// writes) or Force is set, and it always refuses the working directory
	// and its parents.
	Out string
	// Force lets Generate replace an Out that holds anything else.
	Force bool
}

// Stats describes a generated data set.
type Stats struct {
	Dir     string
	Format  string
	Users   int
	Items   int
	Ratings int64
	Tags    int64
	// MeanRating is the mean of all ratings written.
	MeanRating float64
	// MaxUserRatings and MaxItemRatings are the busiest user's and the most
	// popular movie's rating counts.
	MaxUserRatings int
	MaxItemRatings int64
	Files          []string
}

// Generate writes a synthetic data set into opts.Out. The files are written
// to a temporary folder beside Out and renamed into place at the end, so a
// failed or cancelled run leaves Out as it was. An existing Out is replaced
// only when it is empty or holds Generate's own earlier output, unless
// opts.Force is set (see Options.Out); otherwise Generate fails before
// writing anything, with an error that names what Out holds.
func Generate(ctx context.Context, opts Options) (*Stats, error) {
	if opts.Format == "" {
		opts.Format = FormatML25M
	}
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	if err := checkOut(filepath.Clean(opts.Out), opts.Format, opts.Force); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	st, err := generate(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("synth %s: %w", opts.Format, err)
	}
	return st, nil
}

func (o Options) validate() error {
	if !slices.Contains(Formats(), o.Format) {
		return fmt.Errorf("unknown format %q: want one of %v", o.Format, Formats())
	}
	switch {
	case o.Users < 1:
		return fmt.Errorf("--users must be at least 1, got %d", o.Users)
	case o.Items < 1:
		return fmt.Errorf("--items must be at least 1, got %d", o.Items)
	case o.Users > math.MaxInt32 || o.Items > math.MaxInt32:
		return errors.New("--users and --items must fit in 32 bits")
	case o.Ratings < int64(o.Users):
		return fmt.Errorf("--ratings (%d) must be at least --users (%d): every user rates something", o.Ratings, o.Users)
	case o.Ratings > int64(o.Users)*int64(o.Items):
		return fmt.Errorf("--ratings (%d) exceeds users x items (%d): (user, movie) pairs must be unique",
			o.Ratings, int64(o.Users)*int64(o.Items))
	case o.Out == "":
		return errors.New("no output folder")
	}
	return nil
}

// Random streams: each part of the data set draws from its own PCG stream,
// and each user from one keyed by user id, so parts never shift each other.
const (
	streamItems uint64 = 1<<63 + iota
	streamActivity
	streamUsers
)

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

func generate(ctx context.Context, opts Options) (*Stats, error) {
	out := filepath.Clean(opts.Out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".synth-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	work := filepath.Join(tmp, "data")
	if err := os.Mkdir(work, 0o755); err != nil {
		return nil, err
	}

	g := newGenerator(opts)
	w, err := newWriter(opts.Format, work)
	if err != nil {
		return nil, err
	}
	st, err := g.run(ctx, w)
	if cerr := w.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Generating takes a while: look again at what Out holds now.
	if err := checkOut(out, opts.Format, opts.Force); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(out); err == nil {
		if err := os.Rename(out, filepath.Join(tmp, "old")); err != nil {
			return nil, fmt.Errorf("move the old %s aside: %w", out, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.Rename(work, out); err != nil {
		return nil, fmt.Errorf("move the new data set into %s: %w", out, err)
	}
	st.Dir = out
	st.Files = w.files()
	return st, nil
}

// item is one synthetic movie.
type item struct {
	year    int16
	genres  uint32 // bit i = genre i of the format's genre list
	quality float32
}

// generator holds the catalogue and the per-user counts.
type generator struct {
	opts   Options
	win    window
	items  []item
	byRank []int32   // popularity rank -> item index
	cdf    []float64 // cumulative popularity weight by rank
	counts []int32   // ratings per user
}

// window is a release's time span, Unix seconds, and its last year.
type window struct {
	start, end int64
	lastYear   int
}

func windowFor(format string) window {
	switch format {
	case FormatML100K: // 1997-09-20 .. 1998-04-22, as ml-100k
		return window{874724710, 893286638, 1998}
	case FormatML1M: // 2000-04-25 .. 2003-02-28, as ml-1m
		return window{956703932, 1046454590, 2000}
	}
	return window{789652009, 1574327703, 2019} // 1995-01-09 .. 2019-11-21, as ml-25m
}

func newGenerator(opts Options) *generator {
	g := &generator{opts: opts, win: windowFor(opts.Format)}
	g.makeItems()
	g.makeCounts()
	return g
}

// makeItems draws each movie's year, genres and quality, and the
// popularity order.
func (g *generator) makeItems() {
	r := newRand(g.opts.Seed, streamItems)
	m := g.opts.Items
	genres := genreTable(g.opts.Format)
	g.items = make([]item, m)
	perm := r.Perm(m)
	g.byRank = make([]int32, m)
	rankOf := make([]int32, m)
	for rank, idx := range perm {
		g.byRank[rank] = int32(idx)
		rankOf[idx] = int32(rank)
	}
	g.cdf = make([]float64, m)
	total := 0.0
	q := zipfQ(m)
	for rank := range m {
		total += math.Pow(float64(rank)+q, -zipfS)
		g.cdf[rank] = total
	}
	for i := range m {
		it := &g.items[i]
		// Release years lean recent: exponential age, mean 15 years.
		age := int(r.ExpFloat64() * 15)
		it.year = int16(max(g.win.lastYear-age, 1902))
		it.genres = drawGenres(r, genres)
		pop := 1 - float64(rankOf[i])/float64(m) // 1 = most popular
		it.quality = float32(r.NormFloat64()*itemQualSD + popBoost*(pop*pop) - popBoost/3)
	}
}

// zipfQ is the Zipf-Mandelbrot offset for m items: small catalogues get a
// smaller offset so that their head still stands out.
func zipfQ(m int) float64 { return min(zipfMaxQ, max(1, float64(m)/10)) }

// makeCounts splits opts.Ratings over the users: a minimum each plus a
// log-normal share of the rest, capped at 60% of the items (as in the real
// releases) unless the ratings do not fit that way.
func (g *generator) makeCounts() {
	r := newRand(g.opts.Seed, streamActivity)
	u, m, total := g.opts.Users, int64(g.opts.Items), g.opts.Ratings
	if c := max(m*3/5, 1); total <= c*int64(u) {
		m = c
	}
	minPer := min(int64(maxMinPerUser), max(1, total/int64(u)/2), m)
	g.counts = make([]int32, u)
	weights := make([]float64, u)
	for i := range weights {
		weights[i] = math.Exp(r.NormFloat64() * activitySigma)
		g.counts[i] = int32(minPer)
	}
	left := total - minPer*int64(u)
	// Hand out what is left in proportion to the weights of users below the
	// cap; capped users drop out and their surplus goes round again.
	for left > 0 {
		sum := 0.0
		for i, w := range weights {
			if int64(g.counts[i]) < m {
				sum += w
			}
		}
		given := int64(0)
		for i, w := range weights {
			c := int64(g.counts[i])
			if c >= m {
				continue
			}
			add := min(int64(float64(left)*w/sum), m-c)
			g.counts[i] += int32(add)
			given += add
		}
		left -= given
		if given == 0 {
			// Rounding left a remainder smaller than the user count: one
			// more each, in user order.
			for i := 0; left > 0 && i < u; i++ {
				if int64(g.counts[i]) < m {
					g.counts[i]++
					left--
				}
			}
		}
	}
}

// rating is one generated rating of one user.
type rating struct {
	item int32 // item index, 0-based
	ts   int64
	x2   int8 // stars times two
	tag  int16
}

const noTag = -1

// chunkUsers is how many consecutive users one unit of parallel work holds.
const chunkUsers = 512

// chunk is a run of consecutive users generated by one worker: their seeds
// in, their formatted lines and partial statistics out.
type chunk struct {
	first int      // index of the first user
	seeds []uint64 // one random seed per user
	out   outLines
	sumX2 int64
	tags  int64
	most  int // largest per-user count
	done  chan *chunk
}

// outLines are a chunk's formatted output, per kind of file.
type outLines struct{ ratings, tags, users []byte }

// worker is one generating goroutine's scratch space.
type worker struct {
	mark      []int32 // mark[i] == user+1 when the user already has item i
	itemCount []int64
	buf       []rating
	keys      []esKey
	times     []int64
	pcg       *rand.PCG
	r         *rand.Rand
}

// run generates the users in chunks on all CPUs and writes the chunks in
// user order, so the output does not depend on the number of workers.
func (g *generator) run(ctx context.Context, w writer) (*Stats, error) {
	st := &Stats{Format: g.opts.Format, Users: g.opts.Users, Items: g.opts.Items}
	if err := w.catalogue(g); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	nw := max(1, min(runtime.GOMAXPROCS(0), (g.opts.Users+chunkUsers-1)/chunkUsers))
	jobs := make(chan *chunk)
	// The producer queues each chunk's result channel in user order; the
	// loop below drains them in that order. The queue's capacity bounds how
	// many finished chunks wait in memory.
	queue := make(chan chan *chunk, 2*nw)
	workers := make([]*worker, nw)
	var wg sync.WaitGroup
	for i := range workers {
		wk := &worker{mark: make([]int32, g.opts.Items), itemCount: make([]int64, g.opts.Items)}
		wk.pcg = rand.NewPCG(0, 0)
		wk.r = rand.New(wk.pcg)
		workers[i] = wk
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				g.genChunk(wk, w, c)
				c.done <- c
			}
		}()
	}
	go func() { // producer: seeds in user order
		defer close(queue)
		defer close(jobs)
		userRn := newRand(g.opts.Seed, streamUsers)
		for first := 0; first < g.opts.Users; first += chunkUsers {
			c := &chunk{first: first, seeds: make([]uint64, min(chunkUsers, g.opts.Users-first))}
			for i := range c.seeds {
				c.seeds[i] = userRn.Uint64()
			}
			c.done = make(chan *chunk, 1)
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
			select {
			case queue <- c.done:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		err   error
		sumX2 int64
	)
	for done := range queue {
		c := <-done
		if err == nil {
			err = ctx.Err()
		}
		if err == nil {
			err = w.write(c.out)
		}
		if err != nil {
			cancel()
			continue
		}
		st.Tags += c.tags
		st.MaxUserRatings = max(st.MaxUserRatings, c.most)
		sumX2 += c.sumX2
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	itemCount := workers[0].itemCount
	for _, wk := range workers[1:] {
		for i, n := range wk.itemCount {
			itemCount[i] += n
		}
	}
	st.Ratings = g.opts.Ratings
	st.MeanRating = float64(sumX2) / 2 / float64(st.Ratings)
	st.MaxItemRatings = slices.Max(itemCount)
	return st, nil
}

// genChunk generates and formats one chunk of users.
func (g *generator) genChunk(wk *worker, w writer, c *chunk) {
	m := g.opts.Items
	for k, seed := range c.seeds {
		u := c.first + k
		wk.pcg.Seed(g.opts.Seed, seed)
		r := wk.r
		n := int(g.counts[u])
		buf := wk.buf[:0]
		if n > m/8 {
			wk.keys = g.sampleHeavy(r, n, wk.keys)
			for _, key := range wk.keys[:n] {
				buf = append(buf, rating{item: key.item})
			}
		} else {
			for len(buf) < n {
				i := g.byRank[g.drawRank(r)]
				if wk.mark[i] == int32(u+1) {
					continue
				}
				wk.mark[i] = int32(u + 1)
				buf = append(buf, rating{item: i})
			}
		}
		r.Shuffle(len(buf), func(a, b int) { buf[a], buf[b] = buf[b], buf[a] })
		wk.times = g.fillUser(r, buf, wk.times)
		for _, x := range buf {
			c.sumX2 += int64(x.x2)
			wk.itemCount[x.item]++
			if x.tag != noTag {
				c.tags++
			}
		}
		c.most = max(c.most, n)
		w.user(int32(u+1), buf, r, &c.out)
		wk.buf = buf
	}
}

// drawRank draws a popularity rank from the Zipf-Mandelbrot weights.
func (g *generator) drawRank(r *rand.Rand) int {
	x := r.Float64() * g.cdf[len(g.cdf)-1]
	return min(sort.SearchFloat64s(g.cdf, x), len(g.cdf)-1)
}

// esKey orders items for weighted sampling without replacement
// (Efraimidis-Spirakis with exponential keys: smallest key wins).
type esKey struct {
	key  float64
	item int32
}

// sampleHeavy picks n distinct items by popularity weight for a user who
// rates a large share of the catalogue, where rejection would be slow. The
// first n keys of the result are the picks.
func (g *generator) sampleHeavy(r *rand.Rand, n int, keys []esKey) []esKey {
	keys = keys[:0]
	prev := 0.0
	for rank, c := range g.cdf {
		w := c - prev
		prev = c
		keys = append(keys, esKey{key: r.ExpFloat64() / w, item: g.byRank[rank]})
	}
	slices.SortFunc(keys, func(a, b esKey) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return int(a.item - b.item)
	})
	return keys
}

// fillUser sets ratings, timestamps and tags for one user's items; times is
// scratch space, returned for reuse.
func (g *generator) fillUser(r *rand.Rand, buf []rating, times []int64) []int64 {
	n := len(buf)
	bias := r.NormFloat64() * userBiasSD
	half := g.opts.Format == FormatML25M && r.Float64() < halfStarers
	tagger := g.opts.Format == FormatML25M && r.Float64() < taggerShare
	mean := ratingMean
	if g.opts.Format != FormatML25M {
		mean = ratingMeanWhole
	}

	// Activity span: 40% rate in one sitting, the rest over a log-normal
	// share of the window (median about a month for ml-25m, capped at all
	// of it).
	win := g.win.end - g.win.start
	var span int64
	if r.Float64() < 0.4 {
		span = int64(n) * (20 + r.Int64N(200))
	} else {
		span = int64(float64(win) * math.Min(1, math.Exp(r.NormFloat64()*1.8-5)))
	}
	span = min(max(span, int64(n)), win-int64(n))
	start := g.win.start + r.Int64N(win-span-int64(n)+1)
	times = slices.Grow(times[:0], n)[:n]
	for i := range times {
		times[i] = start + r.Int64N(span+1)
	}
	slices.Sort(times)
	for i := 1; i < n; i++ {
		times[i] = max(times[i], times[i-1]+1)
	}

	for i := range buf {
		x := &buf[i]
		x.ts = times[i]
		v := mean + bias + float64(g.items[x.item].quality) + r.NormFloat64()*noiseSD
		if half {
			x.x2 = int8(min(max(math.Round(v*2), 1), 10))
		} else {
			x.x2 = int8(2 * min(max(math.Round(v), 1), 5))
		}
		x.tag = noTag
		if tagger && r.Float64() < tagRate {
			x.tag = int16(drawTag(r))
		}
	}
	return times
}
