package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/storetest"
)

func readReport(t *testing.T, path string) store.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r store.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDBCmd(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "processed")
	storetest.WriteProcessed(t, good, storetest.Tables())
	broken := filepath.Join(dir, "broken")
	bt := storetest.Tables()
	bt.Movies[3].RatingCount += 2
	storetest.WriteProcessed(t, broken, bt)

	dbs := []string{filepath.Join(dir, "data", "genie.db")}
	if os.Getenv(storetest.PostgresEnv) != "" {
		dbs = append(dbs, storetest.PostgresDB(t, "genie_cmd_test"))
	} else {
		t.Log("GENIE_TEST_POSTGRES not set: testing the SQLite backend only")
	}
	for _, db := range dbs {
		name := "sqlite"
		if strings.HasPrefix(db, "postgres") {
			name = "postgres"
		}
		report := filepath.Join(dir, name, "db_validation.json")
		tests := []struct {
			name    string
			args    []string
			wantOut string
			wantErr string
			ok      bool // the report's verdict, when one is written
		}{
			{"setup", []string{"setup", "--processed", good, "--db", db, "--report", report}, "set up", "", true},
			{"setup again", []string{"setup", "--processed", good, "--db", db, "--report", report}, "ok   row_counts", "", true},
			{"validate", []string{"validate", "--processed", good, "--db", db, "--report", report}, "validated", "", true},
			{"validate against other data", []string{"validate", "--processed", broken, "--db", db, "--report", report}, "FAIL movie_rating_counts",
				"movie_rating_counts: movies' rating_count sums to", false},
			{"setup from broken data", []string{"setup", "--processed", broken, "--db", db, "--report", report}, "FAIL movie_rating_counts",
				"database validation failed", false},
			{"the database is unchanged", []string{"validate", "--processed", good, "--db", db, "--report", report}, "validated", "", true},
			{"setup --fresh", []string{"setup", "--fresh", "--processed", good, "--db", db, "--report", report}, "set up", "", true},
			{"no processed data", []string{"setup", "--processed", filepath.Join(dir, "nope"), "--db", db, "--report", report}, "",
				"run genie process first", true},
		}
		for _, tc := range tests {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				os.Remove(report)
				out, err := execute(newDBCmd(), tc.args...)
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("err = %v, want %q\n%s", err, tc.wantErr, out)
					}
				} else if err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
				if !strings.Contains(out, tc.wantOut) {
					t.Errorf("output %q, want %q", out, tc.wantOut)
				}
				if _, statErr := os.Stat(report); statErr == nil {
					if r := readReport(t, report); r.OK != tc.ok || r.Backend != name || r.Counts["movies"].Actual != 30 {
						t.Errorf("report ok=%v backend=%s counts=%v", r.OK, r.Backend, r.Counts)
					}
				} else if tc.wantErr == "" || strings.Contains(tc.wantErr, "validation") {
					t.Errorf("no report written: %v", statErr)
				}
			})
		}
	}
}

// TestDBSetupProcessed runs db setup on the output of a real `genie process`
// run when GENIE_TEST_PROCESSED names its folder (e.g. data/processed), into
// SQLite and, with GENIE_TEST_POSTGRES, PostgreSQL; it logs the report.
func TestDBSetupProcessed(t *testing.T) {
	processed := os.Getenv("GENIE_TEST_PROCESSED")
	if processed == "" {
		t.Skip("GENIE_TEST_PROCESSED is not set")
	}
	dbs := []string{filepath.Join(t.TempDir(), "genie.db")}
	if os.Getenv(storetest.PostgresEnv) != "" {
		dbs = append(dbs, storetest.PostgresDB(t, "genie_cmd_test"))
	}
	for _, db := range dbs {
		report := filepath.Join(t.TempDir(), "db_validation.json")
		out, err := execute(newDBCmd(), "setup", "--processed", processed, "--db", db, "--report", report)
		t.Log(out)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("phases (ms): %v", readReport(t, report).TimingsMS)
	}
}
