package dataset

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/movielens"
)

// TestCheckNeverPassesViolatingValue: a check whose value breaks its
// threshold is a failure in Summary, Err and Passed, whatever its Passed
// field says.
func TestCheckNeverPassesViolatingValue(t *testing.T) {
	tests := []struct {
		name string
		c    Check
		pass bool
	}{
		{"violating value marked passed", Check{Name: "referential_integrity", Value: 202, Threshold: "== 0", Passed: true}, false},
		{"below minimum marked passed", Check{Name: "user_activity", Value: 3, Threshold: ">= 20", Passed: true}, false},
		{"not above marked passed", Check{Name: "data_completeness", Value: 0.95, Threshold: "> 0.95", Passed: true}, false},
		{"meets and passed", Check{Name: "user_activity", Value: 20, Threshold: ">= 20", Passed: true}, true},
		{"meets but marked failed", Check{Name: "user_activity", Value: 20, Threshold: ">= 20"}, false},
		{"newCheck computes failure", newCheck("x", "", 202, "==", 0, ""), false},
		{"newCheck computes pass", newCheck("x", "", 0.97, ">", 0.95, ""), true},
		{"unreadable threshold follows Passed", Check{Name: "x", Value: 1, Threshold: "sometimes", Passed: true}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{Processed: Counts{Ratings: 1}, Checks: []Check{tc.c}}
			var out bytes.Buffer
			r.Summary(&out)
			gotPass := strings.Contains(out.String(), "PASS  "+tc.c.Name)
			if gotPass != tc.pass || (r.Err() == nil) != tc.pass {
				t.Errorf("summary %q, err %v; want pass %v", out.String(), r.Err(), tc.pass)
			}
		})
	}
}

// TestDroppedOrphansReport: orphan ratings dropped with skip are reported
// on a line of their own, not as a passing check with a violating value.
func TestDroppedOrphansReport(t *testing.T) {
	tests := []struct {
		name       string
		drop       bool
		value      float64
		passed     bool
		dropped    int
		summary    string // a line Summary must print
		notSummary string // a regexp Summary must not match
	}{
		{"fail", false, 2, false, 0, "FAIL  referential_integrity", `dropped:`},
		{"drop", true, 0, true, 2, "dropped:   2 ratings of unlisted movies or users (on_bad_line: skip; first: rating #16 (user 1, movie 99): movie 99 is not in the movies file)",
			`PASS  referential_integrity +[1-9]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := synthRelease(t, 3, 5, func(int) int { return 5 })
			f, err := os.OpenFile(filepath.Join(dir, "u.data"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("1\t99\t3\t881250949\n2\t98\t3\t881250949\n")
			f.Close()
			opt := defaultOptions("orphans")
			opt.MinRatingsPerUser, opt.MinRatingsPerMovie, opt.MinInteractions, opt.DropOrphans = 1, 1, 1, tc.drop
			ds, err := movielens.Load(context.Background(), dir, movielens.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, rep, err := Process(context.Background(), ds, opt)
			if err != nil {
				t.Fatal(err)
			}
			c := rep.Checks[0]
			if c.Name != "referential_integrity" || c.Value != tc.value || c.Passed != tc.passed || rep.DroppedOrphans != tc.dropped {
				t.Errorf("check %+v, dropped %d", c, rep.DroppedOrphans)
			}
			if rep.Filter.RemovedRatings != 0 {
				t.Errorf("filter removed %d ratings, want 0 (orphans are not the filter's)", rep.Filter.RemovedRatings)
			}
			var out bytes.Buffer
			rep.Summary(&out)
			if !strings.Contains(out.String(), tc.summary) || regexp.MustCompile(tc.notSummary).MatchString(out.String()) {
				t.Errorf("summary:\n%s\nwant %q, not %q", out.String(), tc.summary, tc.notSummary)
			}
		})
	}
}

// TestEmptyResult: when nothing remains, the report says so plainly and
// Err fails with ErrNoRatings and the reason.
func TestEmptyResult(t *testing.T) {
	tests := []struct {
		name    string
		minU    int
		orphans bool // every rating names an unlisted movie
		drop    bool
		reason  string
	}{
		{"filter removes everything", 20, false, false, "no ratings remain after processing: of 15 raw ratings, the filter (min_ratings_per_user 20, min_ratings_per_movie 5) removed 15 ratings of 3 users and 5 movies"},
		{"every rating an orphan, dropped", 1, true, true, "no ratings remain after processing: of 15 raw ratings, 15 ratings of unlisted movies or users were dropped"},
		{"every rating an orphan", 1, true, false, "no ratings remain after processing: of 15 raw ratings, 15 ratings name unlisted movies or users (see referential_integrity)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := synthRelease(t, 3, 5, func(int) int { return 5 })
			if tc.orphans {
				if err := os.WriteFile(filepath.Join(dir, "u.item"), []byte("77|X (1990)|||http://x|0|1|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ds, err := movielens.Load(context.Background(), dir, movielens.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			opt := defaultOptions("empty")
			opt.MinRatingsPerUser, opt.MinInteractions, opt.DropOrphans = tc.minU, 0, tc.drop
			_, rep, err := Process(context.Background(), ds, opt)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Passed {
				t.Error("an empty result passed")
			}
			e := rep.Err()
			if !errors.Is(e, ErrNoRatings) || !strings.Contains(e.Error(), tc.reason) {
				t.Errorf("err = %v; want ErrNoRatings and %q", e, tc.reason)
			}
			var out bytes.Buffer
			rep.Summary(&out)
			for _, want := range []string{"FAIL  user_activity", "filtering left no users", "FAIL  movie_popularity", "filtering left no rated movies"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("summary lacks %q:\n%s", want, out.String())
				}
			}
			if strings.Contains(out.String(), "(user 0)") || strings.Contains(out.String(), "(movie 0)") {
				t.Errorf("summary names id 0:\n%s", out.String())
			}
		})
	}
}

// TestCheckUniqueIDs: a dataset built without movielens.Load (which
// reports repeats with their lines) still names the file.
func TestCheckUniqueIDs(t *testing.T) {
	tests := []struct {
		name string
		ds   movielens.Dataset
		want string
	}{
		{"100k movie", movielens.Dataset{Format: movielens.Format100K, Movies: []movielens.Movie{{ID: 1}, {ID: 5}, {ID: 5}}}, "u.item: movie id 5 is listed twice (movies #2 and #3, counting from 1)"},
		{"dat user", movielens.Dataset{Format: movielens.FormatDat, Users: []movielens.User{{ID: 2}, {ID: 2}}}, "users.dat: user id 2 is listed twice (users #1 and #2, counting from 1)"},
		{"csv movie", movielens.Dataset{Format: movielens.FormatCSV, Movies: []movielens.Movie{{ID: 3}, {ID: 3}}}, "movies.csv: movie id 3 is listed twice"},
		{"unique", movielens.Dataset{Format: movielens.FormatCSV, Movies: []movielens.Movie{{ID: 3}, {ID: 4}}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkUniqueIDs(&tc.ds)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLoadRepeatedID: a repeated u.item line fails with its file line.
func TestLoadRepeatedID(t *testing.T) {
	dir := synthRelease(t, 3, 5, func(int) int { return 5 })
	item, err := os.ReadFile(filepath.Join(dir, "u.item"))
	if err != nil {
		t.Fatal(err)
	}
	line5 := strings.SplitAfter(string(item), "\n")[4]
	if err := os.WriteFile(filepath.Join(dir, "u.item"), append(item, line5...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = movielens.Load(context.Background(), dir, movielens.LoadOptions{})
	if want := "u.item:6: movie id 5 is listed twice (first at line 5)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}
