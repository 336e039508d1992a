package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlstore"
	"github.com/moviegenie/genie/internal/store/storetest"
)

func setup(t *testing.T, path string, tables *dataset.Tables, opt SetupOptions) *store.Report {
	t.Helper()
	rep, err := Setup(context.Background(), path, tables, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func open(t *testing.T, path string) *sqlstore.DB {
	t.Helper()
	s, err := Open(context.Background(), path, Options{NoCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tables *dataset.Tables) (store.Store, func(*testing.T) store.Store) {
		path := filepath.Join(t.TempDir(), "genie.db")
		rep := setup(t, path, tables, SetupOptions{})
		if !rep.OK {
			t.Fatalf("report not OK: %+v", rep)
		}
		return open(t, path), func(t *testing.T) store.Store { return open(t, path) }
	})
}

func TestSetupReport(t *testing.T) {
	_, tables := storetest.Processed(t)
	path := filepath.Join(t.TempDir(), "genie.db")
	rep := setup(t, path, tables, SetupOptions{})
	want := map[string]int64{"movies": 30, "users": 12, "interactions": int64(len(tables.Ratings)), "tags": 4,
		"genres": 16, "search_documents": 30}
	for table, n := range want {
		if c := rep.Counts[table]; c.Expected != n || c.Actual != n {
			t.Errorf("%s: %+v, want %d", table, c, n)
		}
	}
	names := map[string]bool{}
	for _, c := range rep.Checks {
		names[c.Name] = c.OK
	}
	for _, n := range []string{"row_counts", "rating_checksum", "foreign_key_check", "integrity_check", "orphan_interactions_user", "orphan_interactions_movie"} {
		if ok, found := names[n]; !found || !ok {
			t.Errorf("check %s: present %v, ok %v", n, found, ok)
		}
	}
	// The file is in WAL mode with foreign keys enforced, and no temp files remain.
	s := open(t, path)
	defer s.Close()
	var mode string
	if err := s.Reader().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v", mode, err)
	}
	if _, err := s.Writer().Exec(`INSERT INTO interactions (user_id, movie_id, kind, value, ts, source) VALUES (1, 999, 'like', NULL, 1, 'app')`); err == nil {
		t.Error("an orphan interaction was accepted: foreign keys are off")
	}
	var sync int
	if err := s.Writer().QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
		t.Errorf("writer synchronous = %d (%v), want 2 (FULL)", sync, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".setup-") {
			t.Errorf("temp file %s left behind", e.Name())
		}
	}
}

// TestValidateCatchesBrokenDatabase breaks a good database in several ways
// behind SQLite's back and checks that validation names each problem.
func TestValidateCatchesBrokenDatabase(t *testing.T) {
	_, tables := storetest.Processed(t)
	good := filepath.Join(t.TempDir(), "good.db")
	setup(t, good, tables, SetupOptions{})
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		break_ func(t *testing.T, db *sql.DB)
		tables func(*dataset.Tables) *dataset.Tables
		failed []string // checks that must fail
		detail string   // in the error message
	}{
		{name: "good", failed: nil},
		{name: "orphan rating", break_: func(t *testing.T, db *sql.DB) {
			exec(t, db, `INSERT INTO interactions (user_id, movie_id, kind, value, ts, source) VALUES (777, 1, 'rating', 4, 1, 'dataset')`)
		}, failed: []string{"row_counts", "orphan_interactions_user", "foreign_key_check", "rating_checksum"}, detail: "777"},
		{name: "deleted movie", break_: func(t *testing.T, db *sql.DB) {
			exec(t, db, `DELETE FROM movies WHERE movie_id = 4`)
		}, failed: []string{"row_counts", "orphan_interactions_movie", "orphan_movie_genres", "foreign_key_check"}, detail: "movies has 29 rows, Parquet 30"},
		{name: "changed rating", break_: func(t *testing.T, db *sql.DB) {
			exec(t, db, `UPDATE interactions SET value = value + 0.5 WHERE id = 1`)
		}, failed: []string{"rating_checksum"}},
		{name: "Parquet has more rows", tables: func(tb *dataset.Tables) *dataset.Tables {
			c := *tb
			c.Ratings = append(append([]dataset.Rating{}, tb.Ratings...), dataset.Rating{UserID: 1, MovieID: 30, Rating: 1})
			return &c
		}, failed: []string{"row_counts", "rating_checksum", "movie_rating_counts"}, detail: "interactions has"},
		{name: "corrupt index", break_: func(t *testing.T, db *sql.DB) {
			exec(t, db, `PRAGMA writable_schema = ON`)
			// Redefine an index over another column: its stored entries no
			// longer match the rows.
			exec(t, db, `UPDATE sqlite_schema SET sql = replace(sql, '(title_key)', '(sort_key)') WHERE name = 'movies_title_key'`)
			exec(t, db, `PRAGMA writable_schema = OFF`)
		}, failed: []string{"integrity_check"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "genie.db")
			if err := os.WriteFile(path, goodBytes, 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.break_ != nil {
				db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(0)")
				if err != nil {
					t.Fatal(err)
				}
				db.SetMaxOpenConns(1)
				tc.break_(t, db)
				db.Close()
			}
			want := tables
			if tc.tables != nil {
				want = tc.tables(tables)
			}
			rep, err := ValidateFile(context.Background(), path, want)
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string]bool{}
			for _, c := range rep.Checks {
				if !c.OK {
					failed[c.Name] = true
				}
			}
			for _, name := range tc.failed {
				if !failed[name] {
					t.Errorf("check %s passed, want it to fail; report %+v", name, rep.Checks)
				}
			}
			if len(tc.failed) == 0 {
				if err := rep.Err(); err != nil || !rep.OK {
					t.Errorf("good database failed validation: %v", err)
				}
				return
			}
			err = rep.Err()
			if rep.OK || !errors.Is(err, store.ErrValidation) || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("Err() = %v, want ErrValidation naming %q", err, tc.detail)
			}
		})
	}
}

func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestSetupIsAtomic: a failed setup leaves the previous database untouched
// and no temporary files.
func TestSetupIsAtomic(t *testing.T) {
	_, tables := storetest.Processed(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "genie.db")
	setup(t, path, tables, SetupOptions{})
	tests := []struct {
		name   string
		break_ func(*dataset.Tables)
		want   string
	}{
		{"rating of a missing movie", func(t *dataset.Tables) { t.Ratings[0].MovieID = 999 }, "FOREIGN KEY"},
		{"wrong movie statistics", func(t *dataset.Tables) { t.Movies[0].RatingCount++ }, "movie_rating_counts"},
		{"duplicate user", func(t *dataset.Tables) { t.Users = append(t.Users, t.Users[0]) }, "UNIQUE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			broken := storetest.Tables()
			tc.break_(broken)
			_, err := Setup(context.Background(), path, broken, SetupOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Setup: %v, want an error mentioning %s", err, tc.want)
			}
			rep, err := ValidateFile(context.Background(), path, tables)
			if err != nil || rep.Err() != nil {
				t.Errorf("the previous database changed: %v %v", err, rep.Err())
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("files left: %v", names)
			}
		})
	}
}

// TestSetupKeepsAppData: rebuilding keeps the app's users, feedback and
// model versions unless Fresh, and refuses data that no longer fits.
func TestSetupKeepsAppData(t *testing.T) {
	ctx := context.Background()
	_, tables := storetest.Processed(t)
	path := filepath.Join(t.TempDir(), "genie.db")
	setup(t, path, tables, SetupOptions{})
	s := open(t, path)
	it, err := s.AddFeedback(ctx, store.Feedback{UserID: 1, MovieID: 30, Kind: store.KindRating, Value: 3.5})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := s.CreateUser(ctx, store.NewUser{Feedback: []store.Feedback{{MovieID: 2, Kind: store.KindLike}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddModelVersion(ctx, store.ModelVersion{Name: "pop", Version: "1", Metrics: json.RawMessage(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	rep := setup(t, path, tables, SetupOptions{})
	if rep.Method != "rebuild" || rep.AppRows["users"] != 1 || rep.AppRows["interactions"] != 2 || rep.AppRows["model_versions"] != 1 {
		t.Errorf("method %s, app rows %v", rep.Method, rep.AppRows)
	}
	s = open(t, path)
	seq, err := s.Sequence(ctx, 1)
	if err != nil || seq[len(seq)-1].MovieID != 30 || seq[len(seq)-1].Time != it.Time {
		t.Errorf("user 1's feedback after rebuild: %v, %v", seq[len(seq)-1], err)
	}
	if seq, err := s.Sequence(ctx, u.ID); err != nil || len(seq) != 1 {
		t.Errorf("app user after rebuild: %v, %v", seq, err)
	}
	if _, err := s.LatestModelVersion(ctx, "pop"); err != nil {
		t.Error(err)
	}
	s.Close()

	// A new dataset that reuses the app user's id conflicts.
	clash := storetest.Tables()
	clash.Users = append(clash.Users, dataset.UserRow{UserID: u.ID})
	if _, err := Setup(ctx, path, clash, SetupOptions{}); !errors.Is(err, sqlstore.ErrAppDataConflict) {
		t.Errorf("Setup with a clashing user id: %v, want ErrAppDataConflict", err)
	}
	rep = setup(t, path, clash, SetupOptions{Fresh: true})
	if len(rep.AppRows) != 0 {
		t.Errorf("fresh setup kept %v", rep.AppRows)
	}
}

// TestSetupReplacesUnreadableFile: a file that is not a database blocks
// setup (it might be something else) unless Fresh.
func TestSetupReplacesUnreadableFile(t *testing.T) {
	_, tables := storetest.Processed(t)
	path := filepath.Join(t.TempDir(), "genie.db")
	junk := []byte(strings.Repeat("this is not a database\n", 400))
	if err := os.WriteFile(path, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Setup(context.Background(), path, tables, SetupOptions{}); err == nil || !strings.Contains(err.Error(), "--fresh") {
		t.Errorf("Setup over junk: %v, want a hint at --fresh", err)
	}
	if b, _ := os.ReadFile(path); string(b) != string(junk) {
		t.Error("the file was changed")
	}
	if rep := setup(t, path, tables, SetupOptions{Fresh: true}); !rep.OK {
		t.Errorf("fresh setup over junk: %+v", rep)
	}
}

// TestSetupWhileServing: with the database open by a store that keeps
// reading and writing (a server), setup rebuilds it in place; readers never
// fail and see the old or the new data, the app's rows survive, and the
// open store goes on working.
func TestSetupWhileServing(t *testing.T) {
	ctx := context.Background()
	_, tables := storetest.Processed(t)
	path := filepath.Join(t.TempDir(), "genie.db")
	setup(t, path, tables, SetupOptions{})
	s := open(t, path)
	defer s.Close()
	u, _, err := s.CreateUser(ctx, store.NewUser{Feedback: []store.Feedback{{MovieID: 2, Kind: store.KindLike}}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Sequence(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	started := make(chan struct{}) // closed after the first read, so reads overlap the rebuild
	go func() {
		reads := 0
		defer func() {
			if reads == 0 {
				close(started)
			}
		}()
		for {
			select {
			case <-stop:
				if reads == 0 {
					done <- errors.New("no reads ran")
					return
				}
				done <- nil
				return
			default:
			}
			seq, err := s.Sequence(ctx, 1)
			if err != nil {
				done <- err
				return
			}
			if len(seq) != len(want) {
				done <- fmt.Errorf("a reader saw %d interactions of user 1, want %d (a half-built database?)", len(seq), len(want))
				return
			}
			reads++
			if reads == 1 {
				close(started)
			}
		}
	}()
	<-started
	rep, err := Setup(ctx, path, tables, SetupOptions{})
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
	if rep.Method != "in-place" || !rep.OK || rep.AppRows["users"] != 1 || rep.AppRows["interactions"] != 1 {
		t.Errorf("report: method %s ok %v app rows %v", rep.Method, rep.OK, rep.AppRows)
	}
	if seq, err := s.Sequence(ctx, u.ID); err != nil || len(seq) != 1 {
		t.Errorf("app user after the rebuild: %v, %v", seq, err)
	}
	if _, err := s.AddFeedback(ctx, store.Feedback{UserID: 1, MovieID: 3, Kind: store.KindWatched}); err != nil {
		t.Errorf("feedback after the rebuild: %v", err)
	}
	// A failing in-place setup changes nothing.
	broken := storetest.Tables()
	broken.Movies[0].RatingCount++
	if _, err := Setup(ctx, path, broken, SetupOptions{}); !errors.Is(err, store.ErrValidation) {
		t.Errorf("in-place setup of broken data: %v", err)
	}
	if seq, err := s.Sequence(ctx, u.ID); err != nil || len(seq) != 1 {
		t.Errorf("app user after a failed rebuild: %v, %v", seq, err)
	}
	rep, err = ValidateFile(ctx, path, tables)
	if err != nil || rep.Err() != nil {
		t.Errorf("after a failed in-place setup: %v %v", err, rep.Err())
	}
}

func TestMigrationsAreIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "empty.db")
	for range 3 {
		s, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.Reader().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		ms, _ := Migrations()
		if n != len(ms) {
			t.Errorf("%d migrations recorded, want %d", n, len(ms))
		}
		s.Close()
	}
	// A database at version 1 is brought up to date.
	old := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := Migrations()
	if _, err := sqlstore.Migrate(ctx, db, Dialect, ms[:1], ""); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(ctx, old, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var idx int
	if err := s.Reader().QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'movies_year_sort'`).Scan(&idx); err != nil || idx != 1 {
		t.Errorf("migration 2 not applied to a version-1 database: %d, %v", idx, err)
	}
	s.Close()

	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, `INSERT INTO schema_migrations VALUES (99, 'future', 0)`)
	db.Close()
	if _, err := Open(ctx, path, Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v", err)
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "missing.db"), Options{NoCreate: true}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open NoCreate of a missing file: %v", err)
	}
}

func TestML100K(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	tables := storetest.ML100K(t)
	path := filepath.Join(t.TempDir(), "genie.db")
	start, cpu := time.Now(), cpuTime()
	rep := setup(t, path, tables, SetupOptions{})
	t.Logf("ml-100k: %d ratings loaded and validated in %s wall, %s CPU; phases (ms) %v",
		len(tables.Ratings), time.Since(start).Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond), rep.TimingsMS)
	if rep.Counts["interactions"].Actual != 99249 || rep.Counts["movies"].Actual != 1682 || rep.Counts["users"].Actual != 941 {
		t.Errorf("counts %+v", rep.Counts)
	}
	s := open(t, path)
	defer s.Close()
	ctx := context.Background()
	p, err := s.UserProfile(ctx, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tables.Users {
		if u.UserID == 1 && p.Stats.Ratings != int(u.RatingCount) {
			t.Errorf("user 1: %d ratings, want %d", p.Stats.Ratings, u.RatingCount)
		}
	}
	page, err := s.ListMovies(ctx, store.MovieQuery{Prefix: "star wars", Limit: 5})
	if err != nil || page.Total != 1 || page.Movies[0].ID != 50 {
		t.Errorf("star wars: %+v, %v", page, err)
	}
}

// cpuTime is the process's user+system CPU time (the machine is shared, so
// wall time alone says little).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestDataVersion: the change counter stays put while nothing is committed
// and moves after a commit through this store or another process's.
func TestDataVersion(t *testing.T) {
	ctx := context.Background()
	_, tables := storetest.Processed(t)
	path := filepath.Join(t.TempDir(), "genie.db")
	setup(t, path, tables, SetupOptions{})
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
	version := func() int64 {
		t.Helper()
		v, ok, err := a.DataVersion(ctx)
		if err != nil || !ok {
			t.Fatalf("DataVersion: %v %v", ok, err)
		}
		return v
	}
	user, movie := tables.Ratings[0].UserID, tables.Ratings[0].MovieID
	v0 := version()
	if _, err := a.Sequence(ctx, user); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v0 {
		t.Fatalf("a read moved the data version %d -> %d", v0, v)
	}
	for _, tc := range []struct {
		name string
		db   *sqlstore.DB
	}{{"write through the same store", a}, {"write through another store", b}} {
		before := version()
		if _, err := tc.db.AddFeedback(ctx, store.Feedback{UserID: user, MovieID: movie, Kind: store.KindWatched}); err != nil {
			t.Fatal(err)
		}
		if v := version(); v == before {
			t.Errorf("%s: data version still %d", tc.name, v)
		}
	}
	a.Close()
	if _, _, err := a.DataVersion(ctx); err != nil {
		t.Errorf("DataVersion after Close: %v, want not ok without error", err)
	}
}
