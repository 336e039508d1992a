// Package server is Movie Genie's HTTP API: JSON routes under /api with an
// OpenAPI 3.1 description generated from the typed handlers (served at
// /openapi.json), health and readiness probes, Prometheus metrics, and the
// embedded web app. Every answer comes from the database and the trained
// models; errors are RFC 9457 problem+json.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/moviegenie/genie/internal/recommend"
	"github.com/moviegenie/genie/internal/store"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// Searcher answers free-text movie searches, optionally re-ranked by a
// user's model scores (movie id -> score).
type Searcher interface {
	Search(ctx context.Context, query string, k int, personal map[int32]float32) (any, error)
}

// Models is what the server serves recommendations from, swapped as a
// whole when a new model version is loaded.
type Models struct {
	Engine *recommend.Engine
	// Metrics is the evaluation table (metrics/eval.json), raw.
	Metrics json.RawMessage
	// Histories are the training histories by model name, raw JSON.
	Histories map[string]json.RawMessage
}

// Server is the HTTP API.
type Server struct {
	store  store.Store
	search Searcher
	log    *slog.Logger
	models atomic.Pointer[Models]
	cache  *cache
	mux    *http.ServeMux
	api    huma.API

	latency   *prometheus.HistogramVec
	listCache *prometheus.CounterVec
	inference *prometheus.HistogramVec
	dbTime    *prometheus.HistogramVec
	registry  *prometheus.Registry
}

// Config configures New.
type Config struct {
	Store store.Store
	// Search may be nil: the search route then answers 503.
	Search Searcher
	Models *Models
	Logger *slog.Logger
	// Frontend serves everything outside /api; nil serves a page saying how
	// to build the web app.
	Frontend http.Handler
	// NoListCache computes every personalized list, instead of answering
	// again with a user's last list while their history and the models are
	// unchanged (for measuring what a list costs).
	NoListCache bool
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Models == nil || cfg.Models.Engine == nil {
		return nil, errors.New("server: a store and models are required")
	}
	s := &Server{store: cfg.Store, search: cfg.Search, log: cfg.Logger, cache: newCache(!cfg.NoListCache), mux: http.NewServeMux(), registry: prometheus.NewRegistry()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.models.Store(cfg.Models)
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "genie_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	}, []string{"route", "status"})
	s.inference = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "genie_model_inference_seconds", Help: "Model inference time by model and task.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05},
	}, []string{"model", "task"})
	s.dbTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "genie_db_seconds", Help: "Database call time by operation.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1},
	}, []string{"op"})
	s.listCache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "genie_recommendation_list_cache_total", Help: "Personalized lists answered from the cache (hit) or computed (miss).",
	}, []string{"result"})
	s.registry.MustRegister(s.latency, s.listCache, s.inference, s.dbTime, prometheus.NewGoCollector())

	config := huma.DefaultConfig("Movie Genie API", "1.0.0")
	config.Info.Description = "Recommendations, similar movies, search, feedback and model metrics from Movie Genie's trained models."
	config.OpenAPIPath = "/openapi"
	config.DocsPath = "/docs"
	s.api = humago.New(s.mux, config)
	s.routes()
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	front := cfg.Frontend
	if front == nil {
		front = http.HandlerFunc(noFrontend)
	}
	s.mux.HandleFunc("/api/", s.apiFallback)
	s.mux.Handle("/", front)
	return s, nil
}

// apiFallback answers what no API route matched: 405 with the methods the
// path has (Allow), or 404; both as problem+json like every API error.
func (s *Server) apiFallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s: expected %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
		return
	}
	writeProblem(w, http.StatusNotFound, fmt.Sprintf("no API route %s (the routes are listed at /openapi.json)", r.URL.Path))
}

// writeProblem writes an RFC 9457 problem as huma writes its errors.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
}

// SetModels swaps in a new model version; requests in flight finish on the
// version they started with. A new version comes with new pipeline outputs
// (perhaps a rebuilt database), so the read cache starts over.
func (s *Server) SetModels(m *Models) {
	s.models.Store(m)
	s.cache.reset()
}

// Models returns the version being served.
func (s *Server) Models() *Models { return s.models.Load() }

// ServeHTTP times the request and logs it. (Bodies are bounded per
// operation: MaxBodyBytes, answered with 413.)
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		// url.Query drops what it cannot decode; a filter lost that way
		// would answer a different question.
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			writeProblem(rec, http.StatusBadRequest, "query string: "+err.Error())
			s.latency.WithLabelValues("bad query", fmt.Sprint(rec.status)).Observe(time.Since(start).Seconds())
			return
		}
	}
	if !s.serveList(rec, r) {
		s.mux.ServeHTTP(rec, r)
	}
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		pattern = "unmatched"
	}
	d := time.Since(start)
	s.latency.WithLabelValues(pattern, fmt.Sprint(rec.status)).Observe(d.Seconds())
	if rec.status >= 500 {
		s.log.Error("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", float64(d.Microseconds())/1000)
	} else {
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", float64(d.Microseconds())/1000)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readyz: database not ready", "err", err) // its text may name hosts and users
		http.Error(w, "database not ready (see the server log)", http.StatusServiceUnavailable)
		return
	}
	m := s.models.Load()
	fmt.Fprintf(w, "ready: model %s version %s, %d movies\n", m.Engine.Model, m.Engine.Version, m.Engine.Items())
}

func noFrontend(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><html lang="en"><meta charset="utf-8"><title>Movie Genie</title>
<h1>Movie Genie API</h1><p>The web app is not built into this binary. Build it with
<code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code> and rebuild genie.</p>
<p>The API is served under <a href="/docs">/api</a>; its description is at <a href="/openapi.json">/openapi.json</a>.</p></html>`)
}

// timeDB runs f and records its duration under op.
func timeDB[T any](s *Server, op string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	s.dbTime.WithLabelValues(op).Observe(time.Since(start).Seconds())
	return v, err
}

// storeError maps store errors to HTTP problems.
func storeError(err error, what string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return huma.Error404NotFound(what + " not found")
	case errors.Is(err, store.ErrInvalid):
		return huma.Error422UnprocessableEntity(err.Error())
	case errors.Is(err, store.ErrExists):
		return huma.Error409Conflict(err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return huma.Error503ServiceUnavailable("request cancelled or timed out")
	}
	return huma.Error500InternalServerError("database error", err)
}
