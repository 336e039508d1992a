package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/sqlstore"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// rebuildCatalog sets the catalogue up again from tables and makes sure its
// version (size and mtime) moves even within one clock tick.
func rebuildCatalog(t *testing.T, path string, tables *dataset.Tables) {
	t.Helper()
	before, _ := CatalogVersion(path)
	setup(t, path, tables, SetupOptions{Fresh: true})
	if after, _ := CatalogVersion(path); after == before {
		future := time.Now().Add(time.Second)
		if err := os.Chtimes(path, future, future); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSync: the app database follows the catalogue, keeps the app's rows,
// does nothing when the catalogue did not change, and refuses (changing
// nothing) what does not fit.
func TestSync(t *testing.T) {
	ctx := context.Background()
	_, tables := storetest.Processed(t)
	dir := t.TempDir()
	catalog, live := filepath.Join(dir, "catalog.db"), filepath.Join(dir, "genie.db")
	setup(t, catalog, tables, SetupOptions{Fresh: true})

	// First start: the app database is created from the catalogue.
	rep, err := Sync(ctx, live, catalog)
	if err != nil || rep == nil || !rep.OK || rep.Method != "sync" {
		t.Fatalf("first Sync: %+v, %v", rep, err)
	}
	want := store.Expect(tables)
	for table, n := range want.Counts {
		if rep.Counts[table].Actual != n {
			t.Errorf("%s: %d rows, want %d", table, rep.Counts[table].Actual, n)
		}
	}
	// Second start: nothing to do.
	if rep, err := Sync(ctx, live, catalog); rep != nil || err != nil {
		t.Fatalf("Sync of an unchanged catalogue: %+v, %v", rep, err)
	}

	// The app writes; the catalogue does not change.
	s := open(t, live)
	fb, err := s.AddFeedback(ctx, store.Feedback{UserID: 1, MovieID: 30, Kind: store.KindRating, Value: 3.5})
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
	before, _ := CatalogVersion(catalog)

	// The pipeline rebuilds the catalogue with changed data while the
	// server (s) has the app database open.
	changed := storetest.Tables()
	changed.Ratings[0].Rating = 1
	changed.Movies = changed.Movies[:len(changed.Movies):len(changed.Movies)]
	rebuildCatalog(t, catalog, changed)
	if after, _ := CatalogVersion(catalog); after == before {
		t.Fatal("the catalogue's version did not change")
	}
	rep, err = Sync(ctx, live, catalog)
	if err != nil || rep == nil || !rep.OK {
		t.Fatalf("Sync of a new catalogue: %+v, %v", rep, err)
	}
	if rep.AppRows["users"] != 1 || rep.AppRows["interactions"] != 2 || rep.AppRows["model_versions"] != 1 {
		t.Errorf("app rows kept: %v", rep.AppRows)
	}
	seq, err := s.Sequence(ctx, 1)
	if err != nil || seq[len(seq)-1].MovieID != 30 || seq[len(seq)-1].Time != fb.Time {
		t.Errorf("user 1's feedback after the sync: %v, %v", seq, err)
	}
	if seq, err := s.Sequence(ctx, u.ID); err != nil || len(seq) != 1 {
		t.Errorf("app user after the sync: %v, %v", seq, err)
	}
	r0 := changed.Ratings[0]
	seq, _ = s.Sequence(ctx, r0.UserID)
	found := false
	for _, it := range seq {
		if it.MovieID == r0.MovieID && it.Source == store.SourceDataset {
			found = it.Value != nil && *it.Value == 1
		}
	}
	if !found {
		t.Errorf("user %d's rating of %d was not updated from the catalogue: %v", r0.UserID, r0.MovieID, seq)
	}
	s.Close()

	// Refusals leave the app database as it was.
	tests := []struct {
		name    string
		prepare func(t *testing.T) string // returns the catalogue to sync from
		want    error
		wantMsg string
	}{
		{"missing catalogue", func(t *testing.T) string { return filepath.Join(dir, "nope.db") }, nil, "no such file"},
		{"app user id now a dataset user", func(t *testing.T) string {
			clash := storetest.Tables()
			clash.Users = append(clash.Users, dataset.UserRow{UserID: u.ID})
			rebuildCatalog(t, catalog, clash)
			return catalog
		}, sqlstore.ErrAppDataConflict, ""},
		{"older schema", func(t *testing.T) string {
			old := filepath.Join(dir, "old.db")
			setup(t, old, tables, SetupOptions{Fresh: true})
			db := open(t, old)
			if _, err := db.Writer().Exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			return old
		}, nil, "schema version"},
		{"not a database", func(t *testing.T) string {
			junk := filepath.Join(dir, "junk.db")
			os.WriteFile(junk, []byte(strings.Repeat("not sqlite\n", 500)), 0o644)
			return junk
		}, nil, "catalogue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sync(ctx, live, tc.prepare(t))
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("Sync: %v, want %v %q", err, tc.want, tc.wantMsg)
			}
			s := open(t, live)
			defer s.Close()
			if seq, err := s.Sequence(ctx, u.ID); err != nil || len(seq) != 1 {
				t.Errorf("app user after a refused sync: %v, %v", seq, err)
			}
			rep, err := ValidateFile(ctx, live, changed)
			if err != nil || rep.Err() != nil {
				t.Errorf("the app database changed: %v %v", err, rep.Err())
			}
		})
	}
}
