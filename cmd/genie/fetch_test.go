package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDataFetchCmd(t *testing.T) {
	src := t.TempDir()
	for name, body := range map[string]string{
		"u.data": "1\t1\t5\t874965758\n", "u.item": "1|Toy Story (1995)|01-Jan-1995||x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
		"u.user": "1|24|M|technician|85711\n", "u.genre": "unknown|0\n", "u.occupation": "technician\n",
	} {
		os.WriteFile(filepath.Join(src, name), []byte(body), 0o644)
	}
	dest := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{name: "from folder", args: []string{"ml-100k", "--from", src, "--dest", dest}, wantOut: "ml-100k fetched (NOT verified)"},
		{name: "again", args: []string{"--from", src, "--dest", dest}, wantOut: "ml-100k already present (verified)"},
		{name: "unknown", args: []string{"ml-100", "--dest", dest}, wantErr: `did you mean "ml-100k"`},
		{name: "wrong folder", args: []string{"ml-25m", "--from", src, "--dest", dest}, wantErr: "missing movies.csv, ratings.csv, links.csv, tags.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := newDataFetchCmd()
			var out, errOut bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SetArgs(tc.args)
			err := cmd.ExecuteContext(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("output %q, want %q", out.String(), tc.wantOut)
			}
		})
	}
}

func TestDataSynthCmd(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s")
	cmd := newDataSynthCmd()
	var buf bytes.Buffer
	cmd.SetOut(&buf)
	cmd.SetArgs([]string{"--users", "20", "--items", "30", "--ratings", "400", "--format", "ml-1m", "--seed", "5", "--out", out})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "400 ratings") {
		t.Errorf("output %q", buf.String())
	}
	if _, err := os.Stat(filepath.Join(out, "ratings.dat")); err != nil {
		t.Fatal(err)
	}
	cmd = newDataSynthCmd()
	cmd.SetOut(&buf)
	cmd.SetArgs([]string{"--format", "ml-7m", "--out", out})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Fatalf("err = %v", err)
	}
}

// TestDataSynthCmdGuardsOut replays the audit's case: --out data/raw, the
// parent of a fetched release, used to be replaced with the release in it.
func TestDataSynthCmdGuardsOut(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" when synth must write data/raw/...
	}{
		{name: "parent of a release", args: []string{"--out", "data/raw"},
			wantErr: "synth: --out data/raw is not empty and was not written by genie data synth (it holds ml-100k/, synth-ml-25m/); pass --force to replace it and everything in it, or choose another --out"},
		{name: "the release", args: []string{"--out", "data/raw/ml-100k"}, wantErr: "was not written by genie data synth (it holds README, u.data)"},
		{name: "current folder", args: []string{"--out", ".", "--force"}, wantErr: "synth: --out . is the current folder or one of its parents"},
		{name: "earlier synth output", args: []string{"--out", "data/raw/synth-ml-25m"}},
		{name: "default out", args: nil},
		{name: "release with force", args: []string{"--out", "data/raw/ml-100k", "--force"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			t.Chdir(work)
			for name, text := range map[string]string{"README": "SUMMARY & USAGE LICENSE\n", "u.data": "1\t1\t5\t874965758\n"} {
				if err := os.MkdirAll("data/raw/ml-100k", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join("data/raw/ml-100k", name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			synthArgs := []string{"--users", "5", "--items", "6", "--ratings", "20"}
			run := func(args ...string) (string, error) {
				cmd := newDataSynthCmd()
				var buf bytes.Buffer
				cmd.SetOut(&buf)
				cmd.SetErr(&buf)
				cmd.SetArgs(append(slices.Clone(synthArgs), args...))
				err := cmd.ExecuteContext(context.Background())
				return buf.String(), err
			}
			if _, err := run("--out", "data/raw/synth-ml-25m"); err != nil { // an earlier run
				t.Fatal(err)
			}
			out, err := run(tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				if _, err := os.Stat("data/raw/ml-100k/u.data"); err != nil {
					t.Fatalf("refused run removed the release: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !strings.HasPrefix(out, "wrote data/raw/") {
				t.Errorf("output %q", out)
			}
		})
	}
}
