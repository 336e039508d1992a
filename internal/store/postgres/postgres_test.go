package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlstore"
	"github.com/moviegenie/genie/internal/store/storetest"
)

func setup(t *testing.T, dsn string, tables *dataset.Tables, opt SetupOptions) *store.Report {
	t.Helper()
	rep, err := Setup(context.Background(), dsn, tables, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func open(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tables *dataset.Tables) (store.Store, func(*testing.T) store.Store) {
		dsn := storetest.PostgresDB(t, "genie_test")
		if rep := setup(t, dsn, tables, SetupOptions{}); !rep.OK {
			t.Fatalf("report not OK: %+v", rep)
		}
		return open(t, dsn), func(t *testing.T) store.Store { return open(t, dsn) }
	})
}

func TestValidateCatchesBrokenDatabase(t *testing.T) {
	_, tables := storetest.Processed(t)
	tests := []struct {
		name   string
		break_ []string
		failed []string
	}{
		{"good", nil, nil},
		{"orphan rating", []string{
			`ALTER TABLE interactions DROP CONSTRAINT interactions_user_id_fkey`,
			`INSERT INTO interactions (user_id, movie_id, kind, value, ts, source) VALUES (777, 1, 'rating', 4, 1, 'dataset')`,
		}, []string{"row_counts", "orphan_interactions_user", "rating_checksum", "foreign_keys_enforced"}},
		{"unvalidated constraint", []string{
			`ALTER TABLE interactions DROP CONSTRAINT interactions_movie_id_fkey`,
			`ALTER TABLE interactions ADD CONSTRAINT interactions_movie_id_fkey FOREIGN KEY (movie_id) REFERENCES movies (movie_id) NOT VALID`,
		}, []string{"foreign_keys_enforced"}},
		{"changed rating", []string{`UPDATE interactions SET value = value + 0.5 WHERE id = 1`}, []string{"rating_checksum"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dsn := storetest.PostgresDB(t, "genie_test")
			setup(t, dsn, tables, SetupOptions{})
			db, err := openDB(context.Background(), dsn, Options{MaxConns: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tc.break_ {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			rep, err := ValidateDB(context.Background(), dsn, tables)
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string]bool{}
			for _, c := range rep.Checks {
				failed[c.Name] = !c.OK
			}
			for _, name := range tc.failed {
				if !failed[name] {
					t.Errorf("check %s passed, want it to fail: %+v", name, rep.Checks)
				}
			}
			if (len(tc.failed) == 0) != (rep.Err() == nil) {
				t.Errorf("Err() = %v", rep.Err())
			}
		})
	}
}

// TestSetupIsAtomic: a failed setup rolls back to the previous contents.
func TestSetupIsAtomic(t *testing.T) {
	_, tables := storetest.Processed(t)
	dsn := storetest.PostgresDB(t, "genie_test")
	setup(t, dsn, tables, SetupOptions{})
	tests := []struct {
		name   string
		break_ func(*dataset.Tables)
		want   string
	}{
		{"rating of a missing movie", func(t *dataset.Tables) { t.Ratings[0].MovieID = 999 }, "foreign key"},
		{"wrong movie statistics", func(t *dataset.Tables) { t.Movies[0].RatingCount++ }, "movie_rating_counts"},
		{"duplicate user", func(t *dataset.Tables) { t.Users = append(t.Users, t.Users[0]) }, "duplicate key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			broken := storetest.Tables()
			tc.break_(broken)
			_, err := Setup(context.Background(), dsn, broken, SetupOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Setup: %v, want an error mentioning %q", err, tc.want)
			}
			rep, err := ValidateDB(context.Background(), dsn, tables)
			if err != nil || rep.Err() != nil {
				t.Errorf("the previous contents changed: %v %v", err, rep.Err())
			}
		})
	}
}

func TestSetupKeepsAppData(t *testing.T) {
	ctx := context.Background()
	_, tables := storetest.Processed(t)
	dsn := storetest.PostgresDB(t, "genie_test")
	setup(t, dsn, tables, SetupOptions{})
	s := open(t, dsn)
	if _, err := s.AddFeedback(ctx, store.Feedback{UserID: 1, MovieID: 30, Kind: store.KindRating, Value: 3.5}); err != nil {
		t.Fatal(err)
	}
	u, _, err := s.CreateUser(ctx, store.NewUser{Feedback: []store.Feedback{{MovieID: 2, Kind: store.KindLike}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddModelVersion(ctx, store.ModelVersion{Name: "pop", Version: "1", Metrics: json.RawMessage(`{"a": 1}`)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	rep := setup(t, dsn, tables, SetupOptions{})
	if rep.AppRows["users"] != 1 || rep.AppRows["interactions"] != 2 || rep.AppRows["model_versions"] != 1 {
		t.Errorf("app rows %v", rep.AppRows)
	}
	s = open(t, dsn)
	defer s.Close()
	if seq, err := s.Sequence(ctx, u.ID); err != nil || len(seq) != 1 {
		t.Errorf("app user after rebuild: %v, %v", seq, err)
	}
	// New users continue after the carried ones.
	u2, _, err := s.CreateUser(ctx, store.NewUser{})
	if err != nil || u2.ID <= u.ID {
		t.Errorf("user after rebuild: %+v, %v", u2, err)
	}
	clash := storetest.Tables()
	clash.Users = append(clash.Users, dataset.UserRow{UserID: u.ID})
	if _, err := Setup(ctx, dsn, clash, SetupOptions{}); !errors.Is(err, sqlstore.ErrAppDataConflict) {
		t.Errorf("Setup with a clashing user id: %v, want ErrAppDataConflict", err)
	}
	if rep := setup(t, dsn, clash, SetupOptions{Fresh: true}); len(rep.AppRows) != 0 {
		t.Errorf("fresh setup kept %v", rep.AppRows)
	}
}

func TestMigrationsAreIdempotent(t *testing.T) {
	dsn := storetest.PostgresDB(t, "genie_test")
	for range 3 {
		s := open(t, dsn)
		var n int
		if err := s.Reader().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if ms, _ := Migrations(); n != len(ms) {
			t.Errorf("%d migrations recorded, want %d", n, len(ms))
		}
		s.Close()
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db":         "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db?password=secret&x=1": "postgres://u@h/db?password=xxxxx&x=1",
		"postgresql://h/db":                     "postgresql://h/db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestML100K(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dsn := storetest.PostgresDB(t, "genie_test")
	tables := storetest.ML100K(t)
	start := time.Now()
	rep := setup(t, dsn, tables, SetupOptions{})
	t.Logf("ml-100k: %d ratings loaded and validated in %s; phases (ms) %v", len(tables.Ratings), time.Since(start).Round(time.Millisecond), rep.TimingsMS)
	// Again, with the tables full (TRUNCATE, reload).
	start = time.Now()
	rep = setup(t, dsn, tables, SetupOptions{})
	t.Logf("ml-100k again: %s; phases (ms) %v", time.Since(start).Round(time.Millisecond), rep.TimingsMS)
	if rep.Counts["interactions"].Actual != 99249 || rep.Counts["movies"].Actual != 1682 {
		t.Errorf("counts %+v", rep.Counts)
	}
	s := open(t, dsn)
	defer s.Close()
	page, err := s.ListMovies(context.Background(), store.MovieQuery{Prefix: "star wars", Limit: 5})
	if err != nil || page.Total != 1 || page.Movies[0].ID != 50 {
		t.Errorf("star wars: %+v, %v", page, err)
	}
	var plan string
	if err := s.Reader().QueryRow(`EXPLAIN SELECT id FROM interactions WHERE user_id = 1 ORDER BY ts, id`).Scan(&plan); err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "interactions_user_ts") {
		t.Errorf("history query plan does not use the index: %s", plan)
	}
}
