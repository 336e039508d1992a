// Command serve is a loopback load generator for a running `genie serve`.
//
// It measures, per endpoint (personalized recommendations, similar movies,
// search and /healthz as the ceiling):
//
//   - an open-loop run at a fixed request rate (-rate req/s for -duration):
//     throughput, p50/p99 latency (from each request's scheduled start, so a
//     stalled server cannot hide its queueing) and errors;
//   - a closed-loop run with -workers concurrent clients for -max-duration:
//     the maximum throughput the server sustains, with its latencies.
//
// With -soak D it instead runs a mixed read load at -rate for D with
// concurrent POST /api/feedback writes at -feedback-rate, samples the
// server's RSS from /proc/<pid>/status (with -pid), and at the end checks
// that every acknowledged feedback row is in /api/users/{id}/history.
//
// Only loopback targets are accepted, and every rate and duration is
// bounded. It uses the standard library only.
//
//	go run ./bench/serve -url http://127.0.0.1:8080 -rate 1000 -duration 10s
//	go run ./bench/serve -url http://127.0.0.1:8080 -soak 2m -rate 500 -pid 1234
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds on the flags: this is a benchmark for one machine's loopback.
const (
	maxRate     = 20000
	maxDuration = time.Hour
	maxWorkers  = 1024
	maxInFlight = 2048
)

// searchQueries are the search requests, cycled through.
var searchQueries = []string{"star wars", "romantic comedy", "90s action", "like toy story", "scary movies", "godfather", "animated family"}

func main() {
	var (
		base     = flag.String("url", "http://127.0.0.1:8080", "server base URL (loopback only)")
		rate     = flag.Int("rate", 1000, "open-loop request rate, requests/s (per endpoint; in -soak the total read rate)")
		duration = flag.Duration("duration", 10*time.Second, "open-loop run length per endpoint (0: skip)")
		workers  = flag.Int("workers", 32, "closed-loop concurrent clients")
		maxDur   = flag.Duration("max-duration", 5*time.Second, "closed-loop run length per endpoint (0: skip)")
		only     = flag.String("endpoints", "recommendations,similar,search,healthz", "endpoints to measure, comma-separated")
		soak     = flag.Duration("soak", 0, "run a soak of this length instead of the per-endpoint runs")
		fbRate   = flag.Int("feedback-rate", 50, "soak: POST /api/feedback per second")
		pid      = flag.Int("pid", 0, "server process id: closed loop reports its CPU per request; soak samples its RSS")
		seed     = flag.Uint64("seed", 1, "random seed for ids and feedback")
	)
	flag.Parse()
	if err := run(*base, *rate, *duration, *workers, *maxDur, *only, *soak, *fbRate, *pid, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "bench/serve:", err)
		os.Exit(1)
	}
}

func run(base string, rate int, duration time.Duration, workers int, maxDur time.Duration, only string, soak time.Duration, fbRate, pid int, seed uint64) error {
	switch {
	case rate < 1 || rate > maxRate:
		return fmt.Errorf("-rate %d: want 1..%d", rate, maxRate)
	case duration < 0 || duration > maxDuration, maxDur < 0 || maxDur > maxDuration, soak < 0 || soak > maxDuration:
		return fmt.Errorf("durations must be within [0, %s]", maxDuration)
	case duration == 0 && maxDur == 0 && soak == 0:
		return errors.New("nothing to run: -duration, -max-duration and -soak are all 0")
	case workers < 1 || workers > maxWorkers:
		return fmt.Errorf("-workers %d: want 1..%d", workers, maxWorkers)
	case fbRate < 0 || fbRate > maxRate:
		return fmt.Errorf("-feedback-rate %d: want 0..%d", fbRate, maxRate)
	}
	base = strings.TrimRight(base, "/")
	if err := checkLoopback(base); err != nil {
		return err
	}
	c := newClient(base)
	ctx := context.Background()
	t, err := loadTargets(ctx, c, seed)
	if err != nil {
		return err
	}
	fmt.Printf("target %s: %d users, %d movies, %d search queries\n", base, len(t.users), len(t.movies), len(searchQueries))
	if soak > 0 {
		return runSoak(ctx, c, t, soak, rate, fbRate, pid, seed)
	}
	var eps []endpoint
	for _, name := range strings.Split(only, ",") {
		ep, ok := t.endpoint(strings.TrimSpace(name), seed)
		if !ok {
			return fmt.Errorf("unknown endpoint %q", name)
		}
		eps = append(eps, ep)
	}
	// Warm up every endpoint (connections, caches) before measuring.
	for _, ep := range eps {
		openLoop(ctx, c, ep, min(rate, 200), time.Second)
	}
	if duration > 0 {
		fmt.Printf("\n## open loop: %d req/s for %s per endpoint\n\n", rate, duration)
		fmt.Println(header)
		for _, ep := range eps {
			fmt.Println(openLoop(ctx, c, ep, rate, duration).row(ep.name))
		}
	}
	if maxDur == 0 {
		return nil
	}
	fmt.Printf("\n## closed loop: %d workers for %s per endpoint (max throughput)\n\n", workers, maxDur)
	fmt.Println(header)
	var (
		results []*result
		cpuPer  []float64 // server CPU seconds per answered request (0: unknown)
	)
	for _, ep := range eps {
		before, _ := processCPU(pid)
		r := closedLoop(ctx, c, ep, workers, maxDur)
		after, err := processCPU(pid)
		per := 0.0
		if err == nil && pid > 0 && r.ok() > 0 {
			per = (after - before) / float64(r.ok())
		}
		results, cpuPer = append(results, r), append(cpuPer, per)
		fmt.Println(r.row(ep.name))
	}
	if pid > 0 {
		// Server CPU per request does not depend on how much CPU the load
		// generator and other processes leave the server, so it compares
		// endpoints more steadily than throughput on a busy machine.
		fmt.Printf("\n| endpoint | server CPU per request (µs) |\n|---|---:|\n")
		for i, ep := range eps {
			fmt.Printf("| %s | %.0f |\n", ep.name, cpuPer[i]*1e6)
		}
	}
	for i, ep := range eps {
		if ep.name == "healthz" && results[i].throughput() > 0 {
			fmt.Println()
			for j, o := range eps {
				if j == i {
					continue
				}
				fmt.Printf("%s max throughput = %.1f%% of healthz's", o.name, 100*results[j].throughput()/results[i].throughput())
				if cpuPer[i] > 0 && cpuPer[j] > 0 {
					fmt.Printf(" (by server CPU per request: %.1f%%)", 100*cpuPer[i]/cpuPer[j])
				}
				fmt.Println()
			}
		}
	}
	return nil
}

// processCPU returns a process's user+system CPU seconds from
// /proc/PID/stat (Linux; an error elsewhere or for pid 0).
func processCPU(pid int) (float64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the parenthesised command name: state is field 3,
	// utime 14 and stime 15 (in clock ticks, 100 per second on Linux).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return (ut + st) / 100, nil
}

// checkLoopback refuses a URL whose host is not a loopback address.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-url %q: want http://host:port", base)
	}
	host := u.Hostname()
	ips, err := net.LookupIP(host)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("-url %q: %s is not a loopback address; this benchmark runs on loopback only", base, ip)
		}
	}
	return nil
}

// client is an HTTP client for one server.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	tr := &http.Transport{
		MaxIdleConns:        maxInFlight,
		MaxIdleConnsPerHost: maxInFlight,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// do sends a request and reads the whole answer; a status other than want
// is an error.
func (c *client) do(ctx context.Context, method, path string, body []byte, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return b, fmt.Errorf("%s %s: %s: %.200s", method, path, resp.Status, b)
	}
	return b, nil
}

func (c *client) getJSON(ctx context.Context, path string, v any) error {
	b, err := c.do(ctx, http.MethodGet, path, nil, http.StatusOK)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// targets are the real ids the load draws from.
type targets struct {
	users  []int32
	movies []int32
}

// loadTargets lists every user id and the 300 most popular movies.
func loadTargets(ctx context.Context, c *client, seed uint64) (*targets, error) {
	t := &targets{}
	for off := 0; ; off += 100 {
		var page struct {
			Users []int32 `json:"users"`
			Total int     `json:"total"`
		}
		if err := c.getJSON(ctx, "/api/users?limit=100&offset="+strconv.Itoa(off), &page); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		t.users = append(t.users, page.Users...)
		if len(page.Users) == 0 || len(t.users) >= page.Total || off > 1_000_000-100 {
			break
		}
	}
	for off := 0; off < 300; off += 100 {
		var page struct {
			Movies []struct {
				ID int32 `json:"id"`
			} `json:"movies"`
		}
		if err := c.getJSON(ctx, "/api/movies?sort=popular&limit=100&offset="+strconv.Itoa(off), &page); err != nil {
			return nil, fmt.Errorf("list movies: %w", err)
		}
		for _, m := range page.Movies {
			t.movies = append(t.movies, m.ID)
		}
		if len(page.Movies) < 100 {
			break
		}
	}
	if len(t.users) == 0 || len(t.movies) == 0 {
		return nil, errors.New("the server has no users or no movies")
	}
	return t, nil
}

// endpoint makes the paths of one kind of request.
type endpoint struct {
	name string
	// path returns the i-th request's path; it must be safe for concurrent use.
	path func(i uint64) string
}

func (t *targets) endpoint(name string, seed uint64) (endpoint, bool) {
	// Ids are drawn by a hash of the request number: deterministic,
	// uniform, and free of shared random state.
	pick := func(i uint64, n int) int { return int(rand.NewPCG(seed, i).Uint64() % uint64(n)) }
	switch name {
	case "recommendations":
		return endpoint{name, func(i uint64) string {
			return "/api/users/" + strconv.Itoa(int(t.users[pick(i, len(t.users))])) + "/recommendations?k=10"
		}}, true
	case "similar":
		return endpoint{name, func(i uint64) string {
			return "/api/movies/" + strconv.Itoa(int(t.movies[pick(i, len(t.movies))])) + "/similar?k=10"
		}}, true
	case "search":
		return endpoint{name, func(i uint64) string {
			return "/api/search?k=10&q=" + url.QueryEscape(searchQueries[i%uint64(len(searchQueries))])
		}}, true
	case "healthz":
		return endpoint{name, func(uint64) string { return "/healthz" }}, true
	}
	return endpoint{}, false
}

// result collects the outcome of one run.
type result struct {
	mu       sync.Mutex
	lat      []time.Duration
	errs     int
	dropped  int // open loop: requests not sent because maxInFlight were pending
	firstErr error
	elapsed  time.Duration
}

func (r *result) add(d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs++
		if r.firstErr == nil {
			r.firstErr = err
		}
		return
	}
	r.lat = append(r.lat, d)
}

// ok is the number of successful requests.
func (r *result) ok() int { return len(r.lat) }

// throughput is successful requests per second.
func (r *result) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.lat)) / r.elapsed.Seconds()
}

func (r *result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

const header = "| endpoint | requests | throughput (req/s) | p50 (ms) | p99 (ms) | max (ms) | errors |\n|---|---:|---:|---:|---:|---:|---:|"

func (r *result) row(name string) string {
	errs := strconv.Itoa(r.errs + r.dropped)
	if r.dropped > 0 {
		errs += fmt.Sprintf(" (%d not sent: %d in flight)", r.dropped, maxInFlight)
	}
	if r.firstErr != nil {
		errs += fmt.Sprintf(" (first: %v)", r.firstErr)
	}
	return fmt.Sprintf("| %s | %d | %.0f | %.2f | %.2f | %.2f | %s |", name, len(r.lat)+r.errs+r.dropped, r.throughput(),
		ms(r.quantile(0.50)), ms(r.quantile(0.99)), ms(r.quantile(1)), errs)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// openLoop sends rate requests/s for d, on schedule whatever the answers'
// latency, and measures each from its scheduled start.
func openLoop(ctx context.Context, c *client, ep endpoint, rate int, d time.Duration) *result {
	r := &result{}
	var wg sync.WaitGroup
	start := time.Now()
	r.dropped = schedule(ctx, rate, d, func(i uint64, at time.Time) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer inFlight.Add(-1)
			_, err := c.do(ctx, http.MethodGet, ep.path(i), nil, http.StatusOK)
			r.add(time.Since(at), err)
		}()
	})
	wg.Wait()
	// Throughput is over the time until the last answer: a server that
	// falls behind finishes its backlog after the schedule ends.
	r.elapsed = time.Since(start)
	return r
}

// inFlight counts the pending open-loop requests of every schedule; send's
// request must decrement it when it completes.
var inFlight atomic.Int64

// schedule calls send for request i at start+i/rate until d has passed and
// returns how many requests it skipped because maxInFlight were pending.
func schedule(ctx context.Context, rate int, d time.Duration, send func(i uint64, at time.Time)) (dropped int) {
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	n := uint64(d / interval)
	for i := uint64(0); i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		if inFlight.Load() >= maxInFlight {
			dropped++
			continue
		}
		inFlight.Add(1)
		send(i, at)
	}
	return dropped
}

// closedLoop runs workers clients back to back for d.
func closedLoop(ctx context.Context, c *client, ep endpoint, workers int, d time.Duration) *result {
	r := &result{}
	var next atomic.Uint64
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1)
				t0 := time.Now()
				_, err := c.do(context.Background(), http.MethodGet, ep.path(i), nil, http.StatusOK)
				r.add(time.Since(t0), err)
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return r
}
