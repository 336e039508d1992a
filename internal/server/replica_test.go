package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/moviegenie/genie/internal/recommend"
	"github.com/moviegenie/genie/internal/store/backend"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// TestReplicasSharePostgres runs two servers, each with its own store
// connection and its own models, on one PostgreSQL database (what several
// `genie serve --db postgres://…` replicas do) and checks that feedback
// written through either is seen by the other at once: in the user's
// history and in the recommendations.
func TestReplicasSharePostgres(t *testing.T) {
	db := storetest.PostgresDB(t, "genie_replica_test")
	ctx := context.Background()
	tables := storetest.Tables()
	if rep, err := backend.Setup(ctx, db, tables, backend.SetupOptions{}); err != nil {
		t.Fatalf("setup: %v (report %+v)", err, rep)
	}
	var replicas [2]*httptest.Server
	for i := range replicas {
		st, err := backend.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		e, err := recommend.Build(ctx, tables.Ratings, recommend.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		srv, err := New(Config{Store: st, Models: &Models{Engine: e}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		replicas[i] = httptest.NewServer(srv)
		t.Cleanup(replicas[i].Close)
	}
	a, b := replicas[0].URL, replicas[1].URL
	const user = "1"

	// A rating written to a is in b's history and leaves b's recommendations.
	before := recs(t, b+"/api/users/"+user+"/recommendations?k=5")
	if len(before) == 0 {
		t.Fatal("no recommendations")
	}
	id := postFeedback(t, a, `{"user_id":`+user+`,"movie_id":`+itoa(before[0])+`,"kind":"rating","rating":5}`)
	if h := historyIDs(t, b, user); !slices.Contains(h, id) {
		t.Fatalf("feedback %d written to replica A is not in replica B's history %v", id, h)
	}
	after := recs(t, b+"/api/users/"+user+"/recommendations?k=5")
	if slices.Contains(after, before[0]) {
		t.Fatalf("movie %d rated through replica A is still recommended by replica B: %v", before[0], after)
	}

	// And the other way round: a dislike written to b is seen by a.
	fromA := recs(t, a+"/api/users/"+user+"/recommendations?k=5")
	if !slices.Equal(fromA, after) {
		t.Errorf("replicas disagree on the same history: A %v, B %v", fromA, after)
	}
	id = postFeedback(t, b, `{"user_id":`+user+`,"movie_id":`+itoa(fromA[0])+`,"kind":"dislike"}`)
	if h := historyIDs(t, a, user); !slices.Contains(h, id) {
		t.Fatalf("feedback %d written to replica B is not in replica A's history %v", id, h)
	}
	if got := recs(t, a+"/api/users/"+user+"/recommendations?k=5"); slices.Contains(got, fromA[0]) {
		t.Fatalf("movie %d disliked through replica B is still recommended by replica A: %v", fromA[0], got)
	}
}

// postFeedback posts one feedback event and returns the stored row's id.
func postFeedback(t *testing.T, base, body string) int64 {
	t.Helper()
	status, resp := do(t, http.MethodPost, base+"/api/feedback", body)
	if status != http.StatusCreated {
		t.Fatalf("feedback %s = %d %s", body, status, resp)
	}
	var it struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(resp), &it); err != nil || it.ID == 0 {
		t.Fatalf("feedback answer %s: %v", resp, err)
	}
	return it.ID
}

// historyIDs returns the ids of the user's 100 newest interactions.
func historyIDs(t *testing.T, base, user string) []int64 {
	t.Helper()
	status, body := do(t, http.MethodGet, base+"/api/users/"+user+"/history?limit=100", "")
	if status != http.StatusOK {
		t.Fatalf("history = %d %s", status, body)
	}
	var page struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	return ids
}
