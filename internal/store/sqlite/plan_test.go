package sqlite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// TestQueryPlans runs every read the API makes and checks with EXPLAIN
// QUERY PLAN that none scans a table that grows with the data (interactions,
// users, movie_genres, model_versions) or sorts a history without its index.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	_, tables := storetest.Processed(t)
	path := filepath.Join(t.TempDir(), "genie.db")
	setup(t, path, tables, SetupOptions{})
	s := open(t, path)
	defer s.Close()
	type call struct {
		q    string
		args []any
	}
	var calls []call
	s.Trace(func(q string, args []any) { calls = append(calls, call{q, append([]any(nil), args...)}) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Movie(ctx, 1)
	must(err)
	_, err = s.Movies(ctx, []int32{1, 2, 3})
	must(err)
	for _, q := range []store.MovieQuery{
		{Limit: 20}, {Genre: "Drama", Limit: 20}, {YearMin: 1990, YearMax: 1995, Limit: 20}, {Prefix: "star", Limit: 20},
		{Sort: store.SortPopular, Limit: 20}, {Sort: store.SortTitle, Limit: 20}, {Sort: store.SortYear, Limit: 20},
		{Genre: "Drama", Sort: store.SortPopular, Limit: 20}, {Genre: "Drama", Prefix: "s", YearMin: 1990, Sort: store.SortTitle, Limit: 20},
	} {
		_, err := s.ListMovies(ctx, q)
		must(err)
	}
	_, err = s.PopularMovies(ctx, "Comedy", 10)
	must(err)
	_, err = s.Genres(ctx)
	must(err)
	_, _, err = s.UserIDs(ctx, 0, 10)
	must(err)
	_, err = s.SampleUsers(ctx, 3, 1)
	must(err)
	_, err = s.UserProfile(ctx, 1, 5)
	must(err)
	_, err = s.History(ctx, 1, 0, 10)
	must(err)
	_, err = s.Sequence(ctx, 1)
	must(err)
	must(s.AddModelVersion(ctx, store.ModelVersion{Name: "m", Version: "1", Metrics: json.RawMessage(`{}`)}))
	_, err = s.ModelVersions(ctx, "m")
	must(err)
	_, err = s.LatestModelVersion(ctx, "m")
	must(err)

	// Full scans allowed: tiny tables, or an ordered walk of a primary key
	// cut by LIMIT (movies and users pages), or the whole table wanted.
	bad := regexp.MustCompile(`^SCAN (interactions|movie_genres|model_versions|tags)\b|USE TEMP B-TREE FOR ORDER BY.*|^SCAN i\b|^SCAN mg\b`)
	for _, c := range calls {
		rows, err := s.Reader().QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.q, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		t.Logf("%s\n    %s", strings.Join(strings.Fields(c.q), " "), strings.Join(plan, "\n    "))
		for _, p := range plan {
			if bad.MatchString(p) && !allowedSort(c.q, p) {
				t.Errorf("query %s\nhas plan step %q", strings.Join(strings.Fields(c.q), " "), p)
			}
		}
	}
}

// allowedSort: sorting the matches of a filtered browse (a genre, a year
// range, a prefix) or a user's genre counts needs a temporary b-tree; what
// matters is that the rows were found by an index. Unfiltered pages and
// histories must come in index order.
func allowedSort(q, step string) bool {
	if !strings.HasPrefix(step, "USE TEMP B-TREE") {
		return false
	}
	return strings.Contains(q, "GROUP BY") || strings.Contains(q, "JOIN movie_genres") ||
		strings.Contains(q, "m.year >=") || strings.Contains(q, "m.year <=") || strings.Contains(q, "_key >=")
}
