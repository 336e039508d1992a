package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestListRequest(t *testing.T) {
	tests := []struct {
		method, target string
		user           int32
		k              int
		ok             bool
	}{
		{"GET", "/api/users/7/recommendations", 7, 10, true},
		{"GET", "/api/users/7/recommendations?k=25", 7, 25, true},
		{"GET", "/api/users/2147483647/recommendations?k=100", 2147483647, 100, true},
		{"POST", "/api/users/7/recommendations", 0, 0, false},
		{"HEAD", "/api/users/7/recommendations", 0, 0, false},
		{"GET", "/api/users/7/recommendations?k=0", 0, 0, false},
		{"GET", "/api/users/7/recommendations?k=101", 0, 0, false},
		{"GET", "/api/users/7/recommendations?k=x", 0, 0, false},
		{"GET", "/api/users/7/recommendations?k=+5", 0, 0, false}, // the route refuses a sign
		{"GET", "/api/users/7/recommendations?k=-5", 0, 0, false},
		{"GET", "/api/users/7/recommendations?k=5&k=6", 0, 0, false},
		{"GET", "/api/users/7/recommendations?q=1", 0, 0, false},
		{"GET", "/api/users/0/recommendations", 0, 0, false},
		{"GET", "/api/users/-3/recommendations", 0, 0, false},
		{"GET", "/api/users/2147483648/recommendations", 0, 0, false},
		{"GET", "/api/users/abc/recommendations", 0, 0, false},
		{"GET", "/api/users/7/because", 0, 0, false},
		{"GET", "/api/users/7/recommendations/x", 0, 0, false},
		{"GET", "/api/movies/7/recommendations", 0, 0, false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.target)
		if err != nil {
			t.Fatal(err)
		}
		user, k, ok := listRequest(&http.Request{Method: tt.method, URL: u})
		if user != tt.user || k != tt.k || ok != tt.ok {
			t.Errorf("%s %s: (%d, %d, %v), want (%d, %d, %v)", tt.method, tt.target, user, k, ok, tt.user, tt.k, tt.ok)
		}
	}
}

// getWithHost is a GET with the Host header set to host ("" leaves it).
func getWithHost(t *testing.T, target, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestListCache checks that a user's list is answered again only while
// everything it depends on is unchanged, and that the answer is the one a
// server computing every list gives.
func TestListCache(t *testing.T) {
	ts, srv := newTestServer(t)
	plain, plainSrv := newTestServer(t, func(c *Config) { c.NoListCache = true })
	hits := func() float64 { return counter(t, srv.listCache.WithLabelValues("hit")) }
	misses := func() float64 { return counter(t, srv.listCache.WithLabelValues("miss")) }
	const path = "/api/users/1/recommendations?k=5"
	fresh := func() string { // what computing the list now gives
		t.Helper()
		status, body := getWithHost(t, plain.URL+path, strings.TrimPrefix(ts.URL, "http://"))
		if status != 200 {
			t.Fatalf("uncached: %d %s", status, body)
		}
		return body
	}
	steps := []struct {
		name        string
		path, host  string
		feedback    string // posted for user 1 first (both servers)
		hit, cached bool   // served from the cache; the request is one the cache handles
		status      int
	}{
		{name: "first request computes", path: path, cached: true, status: 200},
		{name: "same request: from the cache", path: path, hit: true, cached: true, status: 200},
		{name: "other k computes", path: "/api/users/1/recommendations?k=6", cached: true, status: 200},
		{name: "back to k=5 computes (one list per user)", path: path, cached: true, status: 200},
		{name: "and is kept again", path: path, hit: true, cached: true, status: 200},
		{name: "a rating computes", path: path, feedback: `"kind":"rating","rating":5`, cached: true, status: 200},
		{name: "kept after the rating", path: path, hit: true, cached: true, status: 200},
		{name: "a dislike computes", path: path, feedback: `"kind":"dislike"`, cached: true, status: 200},
		{name: "another host computes (the schema link names it)", path: path, host: "example.org", cached: true, status: 200},
		{name: "other query forms are not kept", path: path + "&k=5", status: 200},
		{name: "a missing user is not kept", path: "/api/users/99999/recommendations", cached: true, status: 404},
		{name: "nor served from the cache", path: "/api/users/99999/recommendations", cached: true, status: 404},
	}
	movie := 20
	for _, s := range steps {
		if s.feedback != "" {
			movie++
			fb := `{"user_id":1,"movie_id":` + itoa(int32(movie)) + `,` + s.feedback + `}`
			for _, base := range []string{ts.URL, plain.URL} {
				if status, body := do(t, "POST", base+"/api/feedback", fb); status != http.StatusCreated {
					t.Fatalf("%s: feedback %d %s", s.name, status, body)
				}
			}
		}
		h0, m0 := hits(), misses()
		status, body := getWithHost(t, ts.URL+s.path, s.host)
		if status != s.status {
			t.Fatalf("%s: status %d, want %d: %s", s.name, status, s.status, body)
		}
		hit, miss := hits()-h0, misses()-m0
		if want := s.hit && s.cached; (hit == 1) != want || (miss == 1) != (s.cached && !s.hit) {
			t.Errorf("%s: %v hits, %v misses; want hit %v, cached %v", s.name, hit, miss, s.hit, s.cached)
		}
		if s.status == 200 && s.host == "" && s.path == path {
			if want := fresh(); body != want {
				t.Errorf("%s: answer differs from an uncached server's:\n got %s\nwant %s", s.name, body, want)
			}
		}
	}
	srv.SetModels(srv.Models())
	h0 := hits()
	getWithHost(t, ts.URL+path, "")
	if hits() != h0 {
		t.Error("served from the cache after a new model version")
	}
	for range 2 {
		if status, _ := getWithHost(t, plain.URL+path, ""); status != 200 {
			t.Fatal("uncached server failed")
		}
	}
	if n := counter(t, plainSrv.listCache.WithLabelValues("hit")); n != 0 {
		t.Errorf("a server with NoListCache served %v lists from a cache", n)
	}
}

// counter reads a Prometheus counter.
func counter(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
