package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// smallRelease writes an ml-100k-layout release: nu users each rating
// every one of nm movies.
func smallRelease(t *testing.T, nu, nm int) string {
	t.Helper()
	dir := t.TempDir()
	var data, item, user strings.Builder
	ts := 880000000
	for u := 1; u <= nu; u++ {
		for m := 1; m <= nm; m++ {
			ts++
			data.WriteString(strings.Join([]string{itoa(u), itoa(m), itoa(1 + (u*m)%5), itoa(ts)}, "\t") + "\n")
		}
		user.WriteString(itoa(u) + "|30|F|writer|12345\n")
	}
	for m := 1; m <= nm; m++ {
		item.WriteString(itoa(m) + "|Movie " + itoa(m) + " (1990)|01-Jan-1990||http://x|0|1|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n")
	}
	for name, body := range map[string]string{"u.data": data.String(), "u.item": item.String(), "u.user": user.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestProcessCmd(t *testing.T) {
	work := t.TempDir()
	params := filepath.Join(work, "params.yaml")
	os.WriteFile(params, []byte("data_processing:\n  min_interactions: 100\n"), 0o644)
	tests := []struct {
		name     string
		args     []string
		wantOut  []string
		wantErr  string
		wantFile string
	}{
		{
			name:     "processes and reports",
			args:     []string{"process", "--input", smallRelease(t, 30, 25), "--params", params, "--output", "out"},
			wantOut:  []string{"PASS  user_activity", "processed: 30 users, 25 movies, 750 ratings"},
			wantFile: "out/ratings.parquet",
		},
		{
			name:    "failed check names itself",
			args:    []string{"process", "--input", smallRelease(t, 3, 5), "--params", params, "--output", "out2"},
			wantErr: "sufficient_interactions: measured 0, expected >= 100",
		},
		{
			name:    "not a release",
			args:    []string{"process", "--input", t.TempDir(), "--params", params},
			wantErr: "is not a MovieLens release",
		},
		{
			name:    "bad policy",
			args:    []string{"process", "--input", smallRelease(t, 3, 5), "--params", params, "--on-bad-line", "ignore"},
			wantErr: `unknown bad-line policy "ignore"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runGenie(t, work, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q\n%s", err, tc.wantErr, out)
				}
				if _, statErr := os.Stat(filepath.Join(work, "out2")); statErr == nil {
					t.Error("a failed run wrote outputs")
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if _, err := os.Stat(filepath.Join(work, tc.wantFile)); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSequencesCmd(t *testing.T) {
	work := t.TempDir()
	params := filepath.Join(work, "params.yaml")
	os.WriteFile(params, []byte("data_processing:\n  min_interactions: 100\nfeature_engineering:\n  max_sequence_length: 10\n"), 0o644)
	if out, err := runGenie(t, work, "process", "--input", smallRelease(t, 30, 25), "--params", params); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := runGenie(t, work, "sequences", "--params", params)
	if err != nil || !strings.Contains(out, "30 users, 750 interactions") {
		t.Fatalf("err %v, output %q", err, out)
	}
}
