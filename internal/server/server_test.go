package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/recommend"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlite"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// newTestServer loads storetest's generated dataset into SQLite and serves
// it with models fitted on the same ratings; opts adjust the configuration.
func newTestServer(t *testing.T, opts ...func(*Config)) (*httptest.Server, *Server) {
	t.Helper()
	ctx := context.Background()
	tables := storetest.Tables()
	path := filepath.Join(t.TempDir(), "genie.db")
	if _, err := sqlite.Setup(ctx, path, tables, sqlite.SetupOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{NoCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e, err := recommend.Build(ctx, tables.Ratings, recommend.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Models: &Models{Engine: e, Metrics: json.RawMessage(`{"sequential":{}}`)}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, srv
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	ts, _ := newTestServer(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"health", "GET", "/healthz", "", 200, "ok"},
		{"ready", "GET", "/readyz", "", 200, "ready: model markov_itemknn_recent"},
		{"movie", "GET", "/api/movies/1", "", 200, `"title":"Toy Story (1995)"`},
		{"movie missing", "GET", "/api/movies/9999", "", 404, "movie not found"},
		{"movie bad id", "GET", "/api/movies/abc", "", 422, "invalid integer"},
		{"movie zero id", "GET", "/api/movies/0", "", 422, "expected number >= 1"},
		{"list", "GET", "/api/movies?genre=Drama&limit=5", "", 200, `"total":`},
		{"list bad sort", "GET", "/api/movies?sort=random", "", 422, "expected value to be one of"},
		{"list limit bound", "GET", "/api/movies?limit=1000", "", 422, "expected number <= 100"},
		{"popular", "GET", "/api/popular?limit=3", "", 200, `"model":"popularity"`},
		{"genres", "GET", "/api/genres", "", 200, `"genre":"Drama"`},
		{"similar", "GET", "/api/movies/1/similar?k=5", "", 200, `"model":"itemknn"`},
		{"similar missing", "GET", "/api/movies/9999/similar", "", 404, "movie not found"},
		{"users", "GET", "/api/users?limit=3", "", 200, `"users":[`},
		{"users sample", "GET", "/api/users?sample=2", "", 200, `"total":2`},
		{"profile", "GET", "/api/users/1", "", 200, `"top_genres"`},
		{"profile missing", "GET", "/api/users/99999", "", 404, "user not found"},
		{"history", "GET", "/api/users/1/history?limit=2", "", 200, `"items":[`},
		{"recs", "GET", "/api/users/1/recommendations?k=5", "", 200, `"model":"markov_itemknn_recent"`},
		{"recs k bound", "GET", "/api/users/1/recommendations?k=1000", "", 422, "expected number <= 100"},
		{"because", "GET", "/api/users/2/because?k=3", "", 200, `"because":{`},
		{"because nothing liked", "GET", "/api/users/1/because?k=3", "", 200, `"because":null,"model":"itemknn","version":"`},
		{"movie id past int32", "GET", "/api/movies/4294967297", "", 422, "expected number <= 2.147483647e+09"},
		{"user id past int32", "GET", "/api/users/4294967297/recommendations", "", 422, "expected number <= 2.147483647e+09"},
		{"search user past int32", "GET", "/api/search?q=toy&user_id=4294967295", "", 422, "expected number <= 2.147483647e+09"},
		{"popular unknown genre", "GET", "/api/popular?genre=Nope", "", 200, `"items":[]`},
		{"bad percent-encoding", "GET", "/api/movies?genre=%ZZ", "", 400, `invalid URL escape`},
		{"unknown API route", "GET", "/api/nope", "", 404, `no API route /api/nope`},
		{"unknown API route, POST", "POST", "/api/nope", "", 404, `no API route`},
		{"wrong method", "PUT", "/api/feedback", "", 405, `PUT is not allowed on /api/feedback: expected POST`},
		{"read of a write route", "GET", "/api/feedback", "", 405, `expected POST`},
		{"write of a read route", "PATCH", "/api/users", "", 405, `expected GET or HEAD or POST`},
		{"feedback rating missing", "POST", "/api/feedback", `{"user_id":1,"movie_id":2,"kind":"rating"}`, 422, `"location":"body.rating"`},
		{"feedback rating on a like", "POST", "/api/feedback", `{"user_id":1,"movie_id":2,"kind":"like","rating":4}`, 422, `expected no rating for kind like`},
		{"feedback fractional stars", "POST", "/api/feedback", `{"user_id":1,"movie_id":2,"kind":"rating","rating":4.3}`, 422, `multiple of 0.5`},
		{"feedback unknown user", "POST", "/api/feedback", `{"user_id":99999,"movie_id":2,"kind":"like"}`, 404, `user 99999 not found`},
		{"new user repeats a movie", "POST", "/api/users", `{"ratings":[{"movie_id":1,"rating":5},{"movie_id":1,"rating":1}]}`, 422, `"location":"body.ratings[1].movie_id"`},
		{"new user unknown movie", "POST", "/api/users", `{"ratings":[{"movie_id":99999,"rating":5}]}`, 422, `expected a movie of the catalogue`},
		{"feedback bad kind", "POST", "/api/feedback", `{"user_id":1,"movie_id":2,"kind":"love"}`, 422, "expected value to be one of"},
		{"feedback bad rating", "POST", "/api/feedback", `{"user_id":1,"movie_id":2,"kind":"rating","rating":7}`, 422, "expected number <= 5"},
		{"feedback unknown field", "POST", "/api/feedback", `{"user_id":1,"movie_id":2,"kind":"like","extra":1}`, 422, "unexpected property"},
		{"feedback unknown movie", "POST", "/api/feedback", `{"user_id":1,"movie_id":9999,"kind":"like"}`, 404, "movie 9999 not found"},
		{"feedback malformed", "POST", "/api/feedback", `{"user_id":`, 400, ""},
		{"search not loaded", "GET", "/api/search?q=star", "", 503, "search index not loaded"},
		{"models", "GET", "/api/models", "", 200, `"serving":{`},
		{"openapi", "GET", "/openapi.json", "", 200, `"openapi":"3.1`},
		{"metrics", "GET", "/metrics", "", 200, "genie_http_request_duration_seconds"},
		{"front page", "GET", "/", "", 200, "Movie Genie"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := do(t, tc.method, ts.URL+tc.path, tc.body)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%s %s = %d %s; want %d containing %q", tc.method, tc.path, status, body, tc.status, tc.want)
			}
			if status >= 400 && strings.HasPrefix(tc.path, "/api") && !strings.Contains(body, `"status":`) {
				t.Errorf("error is not problem+json: %s", body)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	ts, _ := newTestServer(t)
	big := `{"user_id":1,"movie_id":2,"kind":"like","x":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	status, _ := do(t, "POST", ts.URL+"/api/feedback", big)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body got %d", status)
	}
}

type recList struct {
	Model string `json:"model"`
	Items []struct {
		Movie struct {
			ID int32 `json:"id"`
		} `json:"movie"`
	} `json:"items"`
}

func recs(t *testing.T, url string) []int32 {
	t.Helper()
	status, body := do(t, "GET", url, "")
	if status != 200 {
		t.Fatalf("GET %s = %d %s", url, status, body)
	}
	var l recList
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatal(err)
	}
	var ids []int32
	for _, it := range l.Items {
		ids = append(ids, it.Movie.ID)
	}
	return ids
}

// TestFeedbackChangesRecommendations rates the top recommendation and checks
// it leaves the list (it is now seen) and the list changes.
func TestFeedbackChangesRecommendations(t *testing.T) {
	ts, _ := newTestServer(t)
	before := recs(t, ts.URL+"/api/users/1/recommendations?k=5")
	if len(before) == 0 {
		t.Fatal("no recommendations")
	}
	status, body := do(t, "POST", ts.URL+"/api/feedback", `{"user_id":1,"movie_id":`+itoa(before[0])+`,"kind":"rating","rating":5}`)
	if status != http.StatusCreated {
		t.Fatalf("feedback = %d %s", status, body)
	}
	after := recs(t, ts.URL+"/api/users/1/recommendations?k=5")
	for _, id := range after {
		if id == before[0] {
			t.Fatalf("rated movie %d still recommended: %v", id, after)
		}
	}
	// A dislike removes a movie from the list too.
	status, _ = do(t, "POST", ts.URL+"/api/feedback", `{"user_id":1,"movie_id":`+itoa(after[0])+`,"kind":"dislike"}`)
	if status != http.StatusCreated {
		t.Fatal("dislike failed")
	}
	for _, id := range recs(t, ts.URL+"/api/users/1/recommendations?k=5") {
		if id == after[0] {
			t.Fatalf("disliked movie %d still recommended", id)
		}
	}
}

func TestMovieIDsKeepLatestInteraction(t *testing.T) {
	hist := func(ids ...int32) []store.Interaction {
		out := make([]store.Interaction, len(ids))
		for i, id := range ids {
			out[i] = store.Interaction{MovieID: id}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		in   []store.Interaction
		want []int32
	}{
		{"empty", nil, []int32{}},
		{"distinct", hist(3, 1, 2), []int32{3, 1, 2}},
		{"re-rated oldest moves last", hist(3, 1, 2, 3), []int32{1, 2, 3}},
		{"repeated twice", hist(5, 5, 4, 5), []int32{4, 5}},
	} {
		if got := movieIDs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: movieIDs = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Rating again a movie the user watched long ago makes it the latest
// signal: the list is the engine's answer for the history with that movie
// moved to the end (the sequential model reads the end of the history).
func TestReratingMovesMovieToEnd(t *testing.T) {
	ts, srv := newTestServer(t)
	ctx := context.Background()
	seq, err := srv.store.Sequence(ctx, 1)
	if err != nil || len(seq) < 3 {
		t.Fatalf("user 1 sequence: %d rows, %v", len(seq), err)
	}
	oldest := seq[0].MovieID
	status, body := do(t, "POST", ts.URL+"/api/feedback", `{"user_id":1,"movie_id":`+itoa(oldest)+`,"kind":"rating","rating":5}`)
	if status != http.StatusCreated {
		t.Fatalf("feedback = %d %s", status, body)
	}
	var moved []int32
	for _, it := range seq[1:] {
		moved = append(moved, it.MovieID)
	}
	moved = append(moved, oldest)
	e := srv.models.Load().Engine
	var want []int32
	for _, r := range e.Recommend(moved, 5, nil) {
		want = append(want, r.MovieID)
	}
	var stale []int32
	for _, r := range e.Recommend(append([]int32{oldest}, moved[:len(moved)-1]...), 5, nil) {
		stale = append(stale, r.MovieID)
	}
	if slices.Equal(want, stale) {
		t.Fatalf("test data: moving movie %d does not change the list %v", oldest, want)
	}
	if got := recs(t, ts.URL+"/api/users/1/recommendations?k=5"); !slices.Equal(got, want) {
		t.Errorf("after re-rating movie %d: %v, want %v (before the re-rating: %v)", oldest, got, want, stale)
	}
}

func TestCreateUserColdStart(t *testing.T) {
	ts, _ := newTestServer(t)
	status, body := do(t, "POST", ts.URL+"/api/users", `{"ratings":[{"movie_id":4,"rating":5},{"movie_id":5,"rating":4}]}`)
	if status != http.StatusCreated || !strings.Contains(body, `"recommendations"`) {
		t.Fatalf("create user = %d %s", status, body)
	}
	var out struct {
		Recommendations recList `json:"recommendations"`
	}
	json.Unmarshal([]byte(body), &out)
	if len(out.Recommendations.Items) == 0 || out.Recommendations.Model != "markov_itemknn_recent" {
		t.Fatalf("cold-start recommendations %+v", out.Recommendations)
	}
	// An empty user gets popular movies, labelled as such.
	status, body = do(t, "POST", ts.URL+"/api/users", `{"ratings":[]}`)
	if status != http.StatusCreated || !strings.Contains(body, "popularity (no history yet)") {
		t.Fatalf("empty user = %d %s", status, body)
	}
}

func TestSetModelsSwapsVersion(t *testing.T) {
	ts, srv := newTestServer(t)
	old := srv.Models()
	e := *old.Engine
	e.Version = "v2"
	srv.SetModels(&Models{Engine: &e})
	_, body := do(t, "GET", ts.URL+"/api/users/1/recommendations", "")
	if !strings.Contains(body, `"version":"v2"`) {
		t.Fatalf("after SetModels: %s", body)
	}
}

func itoa(v int32) string { return string(bytes.TrimSpace([]byte(jsonNum(v)))) }

func jsonNum(v int32) string { b, _ := json.Marshal(v); return string(b) }

func TestAPIMethodNotAllowed(t *testing.T) {
	ts, _ := newTestServer(t)
	tests := []struct{ method, path, allow string }{
		{"PUT", "/api/feedback", "POST"},
		{"DELETE", "/api/users/1/recommendations", "GET, HEAD"},
		{"PATCH", "/api/users", "GET, HEAD, POST"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, ts.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tt.allow || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s = %d, Allow %q, %s; want 405, Allow %q, problem+json", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("Content-Type"), tt.allow)
		}
	}
}

// failingSearcher fails every search with err.
type failingSearcher struct{ err error }

func (f failingSearcher) Search(context.Context, string, int, map[int32]float32) (any, error) {
	return nil, f.err
}

// pingFailStore is a store whose database does not answer.
type pingFailStore struct{ store.Store }

func (pingFailStore) Ping(context.Context) error {
	return errors.New("dial tcp 10.0.0.7:5432: password authentication failed for user genie")
}

// TestServerSideErrors: failures the client did not cause are 5xx without
// the internal error's text (it is logged), not a 422 echoing it.
func TestServerSideErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		want   string
	}{
		{"embedder failure", errors.New("onnx: tensor shape [1 384] at /srv/models/x"), 500, "search failed (logged on the server)"},
		{"cancelled", fmt.Errorf("search: %w", context.Canceled), 503, "search cancelled or timed out"},
	}
	for _, tt := range tests {
		ts, _ := newTestServer(t, func(c *Config) { c.Search = failingSearcher{tt.err} })
		status, body := do(t, "GET", ts.URL+"/api/search?q=star", "")
		if status != tt.status || !strings.Contains(body, tt.want) || strings.Contains(body, "onnx") {
			t.Errorf("%s: %d %s; want %d with %q and no internal text", tt.name, status, body, tt.status, tt.want)
		}
	}
	ts, _ := newTestServer(t, func(c *Config) { c.Store = pingFailStore{c.Store} })
	status, body := do(t, "GET", ts.URL+"/readyz", "")
	if status != http.StatusServiceUnavailable || strings.Contains(body, "password") || !strings.Contains(body, "see the server log") {
		t.Errorf("/readyz with a failing database: %d %q", status, body)
	}
}
