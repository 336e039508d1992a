package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// soakUsers is how many users receive the soak's feedback writes.
const soakUsers = 50

// ack is one acknowledged feedback row.
type ack struct {
	user int32
	id   int64
}

// runSoak sends a mixed read load at rate requests/s (5 recommendations :
// 2 similar : 2 search : 1 healthz) and fbRate feedback writes/s for d,
// then checks that every acknowledged feedback row is in its user's history.
func runSoak(ctx context.Context, c *client, t *targets, d time.Duration, rate, fbRate, pid int, seed uint64) error {
	mix := []string{"recommendations", "recommendations", "recommendations", "recommendations", "recommendations", "similar", "similar", "search", "search", "healthz"}
	eps := map[string]endpoint{}
	results := map[string]*result{}
	for _, name := range []string{"recommendations", "similar", "search", "healthz", "feedback"} {
		results[name] = &result{elapsed: d}
		if ep, ok := t.endpoint(name, seed); ok {
			eps[name] = ep
		}
	}
	users := t.users[:min(soakUsers, len(t.users))]

	var (
		mu   sync.Mutex
		acks []ack
		wg   sync.WaitGroup
	)
	rss := &rssSampler{pid: pid}
	stop := make(chan struct{})
	if pid > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); rss.run(stop, 5*time.Second) }()
	}
	fmt.Printf("\n## soak: %d reads/s and %d feedback writes/s for %s\n\n", rate, fbRate, d)
	var (
		loads                sync.WaitGroup
		readDrops, feedDrops int
	)
	loads.Add(1)
	go func() {
		defer loads.Done()
		readDrops = schedule(ctx, rate, d, func(i uint64, at time.Time) {
			name := mix[i%uint64(len(mix))]
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer inFlight.Add(-1)
				_, err := c.do(ctx, http.MethodGet, eps[name].path(i/uint64(len(mix))), nil, http.StatusOK)
				results[name].add(time.Since(at), err)
			}()
		})
	}()
	if fbRate > 0 {
		loads.Add(1)
		go func() {
			defer loads.Done()
			feedDrops = schedule(ctx, fbRate, d, func(i uint64, at time.Time) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer inFlight.Add(-1)
					r := rand.New(rand.NewPCG(seed^0x5eed, i))
					user := users[r.IntN(len(users))]
					body := map[string]any{"user_id": user, "movie_id": t.movies[r.IntN(len(t.movies))]}
					switch k := []string{"rating", "like", "dislike", "watched"}[r.IntN(4)]; k {
					case "rating":
						body["kind"], body["rating"] = k, float32(1+r.IntN(10))/2
					default:
						body["kind"] = k
					}
					b, _ := json.Marshal(body)
					resp, err := c.do(ctx, http.MethodPost, "/api/feedback", b, http.StatusCreated)
					results["feedback"].add(time.Since(at), err)
					if err != nil {
						return
					}
					var it struct {
						ID int64 `json:"id"`
					}
					if err := json.Unmarshal(resp, &it); err != nil || it.ID == 0 {
						results["feedback"].add(0, fmt.Errorf("acknowledged feedback without an id: %.200s", resp))
						return
					}
					mu.Lock()
					acks = append(acks, ack{user, it.ID})
					mu.Unlock()
				}()
			})
		}()
	}
	loads.Wait()
	close(stop)
	wg.Wait()
	results["feedback"].dropped = feedDrops

	fmt.Println(header)
	failed := readDrops
	for _, name := range []string{"recommendations", "similar", "search", "healthz", "feedback"} {
		r := results[name]
		fmt.Println(r.row(name))
		failed += r.errs + r.dropped
	}
	if readDrops > 0 {
		fmt.Printf("reads not sent (%d in flight): %d\n", maxInFlight, readDrops)
	}
	missing, err := verifyFeedback(ctx, c, acks)
	if err != nil {
		return err
	}
	fmt.Printf("\nfeedback: %d acknowledged, %d missing from history afterwards\n", len(acks), missing)
	rss.report()
	if failed > 0 || missing > 0 {
		return fmt.Errorf("soak: %d errors, %d acknowledged feedback rows missing", failed, missing)
	}
	return nil
}

// verifyFeedback pages through each user's history and counts the
// acknowledged rows it does not hold.
func verifyFeedback(ctx context.Context, c *client, acks []ack) (int, error) {
	want := map[int32]map[int64]bool{}
	for _, a := range acks {
		if want[a.user] == nil {
			want[a.user] = map[int64]bool{}
		}
		want[a.user][a.id] = true
	}
	missing := 0
	for user, ids := range want {
		for off := 0; len(ids) > 0; off += 100 {
			var page struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
				Total int `json:"total"`
			}
			path := "/api/users/" + strconv.Itoa(int(user)) + "/history?limit=100&offset=" + strconv.Itoa(off)
			if err := c.getJSON(ctx, path, &page); err != nil {
				return 0, fmt.Errorf("verify feedback: %w", err)
			}
			for _, it := range page.Items {
				delete(ids, it.ID)
			}
			if len(page.Items) == 0 || off+100 >= page.Total {
				break
			}
		}
		missing += len(ids)
	}
	return missing, nil
}

// rssSampler records a process's resident set size over time.
type rssSampler struct {
	pid     int
	mu      sync.Mutex
	samples []int64 // kB
	hwm     int64
	err     error
}

func (s *rssSampler) run(stop <-chan struct{}, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	s.sample()
	for {
		select {
		case <-stop:
			s.sample()
			return
		case <-tick.C:
			s.sample()
		}
	}
}

func (s *rssSampler) sample() {
	f, err := os.Open("/proc/" + strconv.Itoa(s.pid) + "/status")
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.samples = append(s.samples, n)
		case "VmHWM":
			s.hwm = n
		}
	}
}

// report prints the RSS at the start, after the first quarter (warm), at
// the end, and the peak.
func (s *rssSampler) report() {
	if s.pid == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) == 0 {
		fmt.Printf("RSS of pid %d: no samples (%v)\n", s.pid, s.err)
		return
	}
	warm := s.samples[len(s.samples)/4]
	last := s.samples[len(s.samples)-1]
	fmt.Printf("RSS of pid %d (%d samples): start %.1f MiB, warm (1/4 in) %.1f MiB, end %.1f MiB, growth warm->end %+.1f MiB, peak (VmHWM) %.1f MiB\n",
		s.pid, len(s.samples), mib(s.samples[0]), mib(warm), mib(last), mib(last-warm), mib(s.hwm))
	var b strings.Builder
	for i, v := range s.samples {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%.0f", mib(v))
	}
	fmt.Printf("RSS samples every 5 s (MiB): %s\n", b.String())
}

func mib(kb int64) float64 { return float64(kb) / 1024 }
