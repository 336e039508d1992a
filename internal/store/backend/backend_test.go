package backend

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/postgres"
	"github.com/moviegenie/genie/internal/store/sqlite"
	"github.com/moviegenie/genie/internal/store/storetest"
)

func TestName(t *testing.T) {
	for db, want := range map[string]string{
		"data/genie.db": "sqlite", "/tmp/x.db": "sqlite", "postgres://u@h/db": "postgres",
		"postgresql://u:pw@h/db": "postgres", "postgres.db": "sqlite",
	} {
		if got := Name(db); got != want {
			t.Errorf("Name(%q) = %q, want %q", db, got, want)
		}
	}
	if got := Display("postgres://u:pw@h/db"); got != "postgres://u:xxxxx@h/db" {
		t.Errorf("Display hides no password: %q", got)
	}
}

// TestUnsupportedDB: an empty --db or a URL of another scheme is refused
// by every entry point, before anything is created.
func TestUnsupportedDB(t *testing.T) {
	ctx := context.Background()
	t.Chdir(t.TempDir())
	tables := storetest.Tables()
	for _, db := range []string{"", "mysql://x@y/z", "sqlite://data/genie.db", "http://h/db"} {
		calls := map[string]error{}
		_, calls["Open"] = Open(ctx, db)
		_, calls["Setup"] = Setup(ctx, db, tables, SetupOptions{})
		_, calls["Validate"] = Validate(ctx, db, tables)
		for name, err := range calls {
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s(%q): %v, want store.ErrInvalid", name, db, err)
			}
		}
		if entries, _ := os.ReadDir("."); len(entries) != 0 {
			t.Errorf("--db %q created %v", db, entries)
		}
	}
}

func TestSetupOpenValidate(t *testing.T) {
	ctx := context.Background()
	_, tables := storetest.Processed(t)
	dbs := []string{filepath.Join(t.TempDir(), "genie.db")}
	for _, db := range dbs {
		if _, err := Open(ctx, db); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open before setup: %v, want not-exist", err)
		}
		rep, err := Setup(ctx, db, tables, SetupOptions{})
		if err != nil || !rep.OK || rep.Backend != Name(db) {
			t.Fatalf("Setup: %+v, %v", rep, err)
		}
		s, err := Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Error(err)
		}
		if _, err := s.Movie(ctx, 1); err != nil {
			t.Error(err)
		}
		s.Close()
		rep, err = Validate(ctx, db, tables)
		if err != nil || rep.Err() != nil {
			t.Errorf("Validate: %v, %v", err, rep.Err())
		}
	}
	if _, err := Open(ctx, ""); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open(\"\"): %v", err)
	}
}

// TestMigrationsInStep: every schema change exists for both backends, under
// the same version and name.
func TestMigrationsInStep(t *testing.T) {
	lite, err := sqlite.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	pg, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL ones", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: SQLite %04d_%s, PostgreSQL %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}
