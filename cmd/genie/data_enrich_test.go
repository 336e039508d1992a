package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/enrich"
	"github.com/moviegenie/genie/internal/search"
)

// TestDataEnrichCmd runs "genie data enrich" on processed tables without
// links (titles "Movie 1".."Movie 6", 1990) and an invented TMDB-style file
// covering four of them, then checks that "genie search index" picks the
// enrichment up.
func TestDataEnrichCmd(t *testing.T) {
	work := t.TempDir()
	processed := filepath.Join(work, "processed")
	writeFeatureTables(t, processed, 6, 4)
	tmdb := filepath.Join(work, "tmdb.csv")
	csv := "id,title,release_date,overview,tagline,keywords,runtime,poster_path\n" +
		"101,Movie 1,1990-02-01,\"A lighthouse keeper\nfinds a map.\",Follow the light.,\"[{\"\"id\"\": 1, \"\"name\"\": \"\"lighthouse\"\"}]\",95.0,/m1.jpg\n" +
		"102,Movie 2,1990-03-01,A baker bakes.,,bread|oven,88,\n" +
		"103,Movie 3,1991-01-01,Off by a year.,,,,\n" +
		"104,Movie 4,1990-01-01,Four.,,,,\n" +
		"105,Movie 5,1989-01-01,Five.,,,,\n"
	if err := os.WriteFile(tmdb, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(work, "reports", "enrichment.json")
	tests := []struct {
		name    string
		args    []string
		wantOut []string
		wantErr string
		table   bool
	}{
		{name: "exact years", args: []string{"--tmdb", tmdb},
			wantOut: []string{"coverage: 3 of 6 movies (50.0%) by title + year", "title_year 3", "unmatched (3), e.g.:", "Movie 3 (1990) [id 3]", "wrote "}, table: true},
		{name: "year tolerance", args: []string{"--tmdb", tmdb, "--year-tolerance", "1", "--min-coverage", "0.8"},
			wantOut: []string{"coverage: 5 of 6 movies (83.3%)", "title_year 3, title_near_year 2"}, table: true},
		{name: "below min coverage", args: []string{"--tmdb", tmdb, "--min-coverage", "0.9"},
			wantErr: "enrichment coverage 50.0% (3 of 6 movies) is below the required 90.0% (--min-coverage 0.9)"},
		{name: "bad by-title", args: []string{"--tmdb", tmdb, "--by-title", "sometimes"}, wantErr: `unknown title matching "sometimes"`},
		{name: "bad on-bad-line", args: []string{"--tmdb", tmdb, "--on-bad-line", "ignore"}, wantErr: `--on-bad-line: expected fail or skip`},
		{name: "no file", args: nil, wantErr: `required flag(s) "tmdb" not set`},
		{name: "missing file", args: []string{"--tmdb", filepath.Join(work, "absent.csv")}, wantErr: "absent.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(processed, enrich.File))
			os.Remove(report)
			cmd := newDataEnrichCmd()
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs(append(tc.args, "--processed", processed, "--report", report))
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q\n%s", err, tc.wantErr, out.String())
				}
			} else if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			_, statErr := os.Stat(filepath.Join(processed, enrich.File))
			if (statErr == nil) != tc.table {
				t.Errorf("enrichment table present %v, want %v", statErr == nil, tc.table)
			}
		})
	}

	// With the table in place, the search index carries the enrichment.
	cmd := newDataEnrichCmd()
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetArgs([]string{"--tmdb", tmdb, "--processed", processed, "--report", ""})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(work, "search")
	cmd = newSearchIndexCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"--processed", processed, "--out", index})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "overview, tagline and keywords of 3 movies") {
		t.Errorf("search index output:\n%s", out.String())
	}
	b, err := os.ReadFile(filepath.Join(index, search.CatalogFile))
	if err != nil {
		t.Fatal(err)
	}
	var movies []search.Movie
	if err := json.Unmarshal(b, &movies); err != nil {
		t.Fatal(err)
	}
	if m := movies[0]; m.ID != 1 || m.Overview != "A lighthouse keeper\nfinds a map." || m.Tagline != "Follow the light." ||
		len(m.Keywords) != 1 || m.Keywords[0] != "lighthouse" || movies[5].Overview != "" {
		t.Errorf("catalogue: %+v", movies)
	}
}
