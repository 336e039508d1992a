package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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
