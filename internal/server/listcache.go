package server

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/recommend"
)

// A user's personalized list is a function of a few things — the models,
// the user's history and dislikes, their demographics and k — and costs a
// model's forward pass (SASRec: ~400 µs of CPU) plus its JSON encoding to
// answer. So the server keeps each user's last answer, as the bytes sent,
// and sends them again while those things are unchanged: checking costs
// the history read every request makes anyway (one data-version query on
// SQLite while nothing was written). Only the plain form of the request,
// GET /api/users/{id}/recommendations with no query or only k, is kept;
// the first answer goes through the handler like any other request.

// listState is what a user's personalized list is computed from: the same
// state gives the same list.
type listState struct {
	engine   *recommend.Engine
	user     recommend.User // ID, History (movie ids) and Demographic
	k        int
	dislikes map[int32]bool
	because  []int32 // the movies explanations may name (userHistory.liked)
}

// same reports whether a and b give the same list.
func (a listState) same(b listState) bool {
	return a.engine == b.engine && a.k == b.k && a.user.ID == b.user.ID &&
		sameDemographic(a.user.Demographic, b.user.Demographic) &&
		slices.Equal(a.user.History, b.user.History) && maps.Equal(a.dislikes, b.dislikes) &&
		slices.Equal(a.because, b.because)
}

// listState reads what user's list with k items depends on (demo: see
// recommendFor).
func (s *Server) listState(ctx context.Context, user int32, k int, demo *twotower.Demographic) (listState, error) {
	h, err := s.history(ctx, user)
	if err != nil {
		return listState{}, err
	}
	e := s.models.Load().Engine
	u, err := s.recommendUser(ctx, e, user, h.ids, demo)
	if err != nil {
		return listState{}, err
	}
	return listState{engine: e, user: u, k: k, dislikes: h.dislikes, because: h.liked}, nil
}

// requestView is what, besides the list, a response depends on: the
// schema link huma writes is built from the host headers and TLS, and the
// encoding from Accept.
type requestView struct {
	host, forwardedHost, forwarded, accept string
	tls                                    bool
}

func viewOf(r *http.Request) requestView {
	return requestView{host: r.Host, forwardedHost: r.Header.Get("X-Forwarded-Host"), forwarded: r.Header.Get("Forwarded"),
		accept: r.Header.Get("Accept"), tls: r.TLS != nil}
}

// cachedList is a user's last list response and what it was made from.
type cachedList struct {
	state  listState
	view   requestView
	header http.Header
	body   []byte
}

// listMemo carries, through the request's context, the state a list is
// computed from between serveList and recommendFor: serveList fills it
// when it has read the state already (a miss), so the handler does not
// read it again; otherwise recommendFor fills it for serveList.
type listMemo struct {
	state listState
	ok    bool
}

type listMemoKey struct{}

// listRequest returns the user and k of a plain personalized-list request.
func listRequest(r *http.Request) (user int32, k int, ok bool) {
	if r.Method != http.MethodGet {
		return 0, 0, false
	}
	id, found := strings.CutPrefix(r.URL.Path, "/api/users/")
	if !found {
		return 0, 0, false
	}
	if id, found = strings.CutSuffix(id, "/recommendations"); !found {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(id, 10, 32)
	if err != nil || n < 1 {
		return 0, 0, false
	}
	k = 10 // the route's default
	if q := r.URL.RawQuery; q != "" {
		v, found := strings.CutPrefix(q, "k=")
		if !found {
			return 0, 0, false
		}
		if strings.TrimLeft(v, "0123456789") != "" { // no sign: as the route parses it
			return 0, 0, false
		}
		if k, err = strconv.Atoi(v); err != nil || k < 1 || k > 100 {
			return 0, 0, false
		}
	}
	return int32(n), k, true
}

// serveList answers a plain personalized-list request (listRequest) from
// the user's last answer when it is still current, or through the mux,
// keeping the answer. It returns false, having written nothing, for other
// requests and when lists are not kept.
func (s *Server) serveList(w http.ResponseWriter, r *http.Request) bool {
	if s.cache == nil || s.cache.lists == nil {
		return false
	}
	user, k, ok := listRequest(r)
	if !ok {
		return false
	}
	view := viewOf(r)
	memo := &listMemo{}
	if st, err := s.listState(r.Context(), user, k, nil); err == nil {
		if hit, found := s.cache.lastList(user); found && hit.view == view && hit.state.same(st) {
			s.listCache.WithLabelValues("hit").Inc()
			maps.Copy(w.Header(), hit.header)
			w.WriteHeader(http.StatusOK)
			w.Write(hit.body)
			return true
		}
		memo.state, memo.ok = st, true // the handler computes the list from it
	}
	s.listCache.WithLabelValues("miss").Inc()
	cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), listMemoKey{}, memo)))
	if cw.status != http.StatusOK || !memo.ok || cw.failed {
		return true
	}
	e := cachedList{state: memo.state, view: view, header: cw.header, body: cw.body.Bytes()}
	e.state.user.TwoTower = nil
	if e.header == nil {
		e.header = w.Header().Clone()
	}
	s.cache.keepList(user, e)
	return true
}

// lastList returns the list response kept for user.
func (c *cache) lastList(user int32) (cachedList, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lists[user]
	return e, ok
}

// keepList keeps e as user's last list response.
func (c *cache) keepList(user int32, e cachedList) {
	c.mu.Lock()
	defer c.mu.Unlock()
	makeRoom(c.lists, user)
	c.lists[user] = e
}

// captureWriter passes a response through and keeps a copy of it.
type captureWriter struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
	failed bool // a write to the client failed
}

func (c *captureWriter) WriteHeader(code int) {
	c.status = code
	c.header = c.ResponseWriter.Header().Clone()
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	c.body.Write(b)
	n, err := c.ResponseWriter.Write(b)
	if err != nil {
		c.failed = true
	}
	return n, err
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
