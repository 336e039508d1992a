package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownSubcommand: a misspelt subcommand of a command that only
// groups others fails (cobra alone prints the help and exits 0), with a
// suggestion when one is close; the group alone still shows its help.
func TestUnknownSubcommand(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string // "" succeeds
	}{
		{[]string{"train", "sasrek"}, `unknown command "sasrek" for "genie train"; did you mean sasrec?`},
		{[]string{"db", "setpu"}, `unknown command "setpu" for "genie db"; did you mean setup?`},
		{[]string{"data", "zzz"}, `unknown command "zzz" for "genie data" (see genie data --help)`},
		{[]string{"train"}, ""},
		{[]string{"db"}, ""},
	}
	for _, tt := range tests {
		out, err := execute(newRootCmd(), tt.args...)
		var stderr bytes.Buffer
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("genie %v: %v", tt.args, err)
		case tt.wantErr == "" && !strings.Contains(out, "Usage:"):
			t.Errorf("genie %v printed no help: %q", tt.args, out)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || failure(&stderr, err) == 0):
			t.Errorf("genie %v: %v, want a failure containing %q", tt.args, err, tt.wantErr)
		}
	}
}

// TestParamsFlagMustExist: --params given on purpose must name a file.
func TestParamsFlagMustExist(t *testing.T) {
	dir := t.TempDir()
	_, err := runGenie(t, dir, "sequences", "--params", "typo.yaml")
	if err == nil || !strings.Contains(err.Error(), "--params: stat typo.yaml: no such file or directory") {
		t.Errorf("sequences --params typo.yaml: %v", err)
	}
}

// TestPathWithGenie: the stages of genie up find this very binary first on
// PATH, which is put there once, without changing the process's own PATH.
func TestPathWithGenie(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Dir(exe) + string(os.PathListSeparator)
	t.Setenv("PATH", "/usr/bin")
	got, err := pathWithGenie()
	if err != nil || got != dir+"/usr/bin" || os.Getenv("PATH") != "/usr/bin" {
		t.Errorf("pathWithGenie() = %q, %v (PATH now %q)", got, err, os.Getenv("PATH"))
	}
	t.Setenv("PATH", got)
	if again, _ := pathWithGenie(); again != got {
		t.Errorf("added twice: %q", again)
	}
}
