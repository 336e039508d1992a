package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// execute runs cmd with args and returns what it wrote to stdout and
// stderr together.
func execute(cmd *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// runGenie executes the root command with args in dir.
func runGenie(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	t.Chdir(dir)
	return execute(newRootCmd(), args...)
}

func TestPipelineCommands(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".dvc"), 0o755)
	files := map[string]string{
		"dvc.yaml": "stages:\n  prep:\n    cmd: cp in mid\n    deps: [in]\n    outs: [mid]\n  train:\n    cmd: cp mid model && echo x >> model\n    deps: [mid]\n    outs: [model]\n",
		"in":       "data\n",
	}
	for p, c := range files {
		os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644)
	}
	out, err := runGenie(t, dir, "status", "-q")
	var stderr bytes.Buffer
	if err == nil || failure(&stderr, err) != 1 || out != "" || stderr.Len() != 0 {
		t.Errorf("status -q on a changed pipeline: %v, exit status 1 expected, printed %q %q (want nothing)", err, out, stderr.String())
	}
	out, err = runGenie(t, dir, "repro", "-j", "2")
	if err != nil || !strings.Contains(out, "Running stage 'train':") {
		t.Fatalf("repro: %v\n%s", err, out)
	}
	if out, err := runGenie(t, dir, "status"); err != nil || out != "Data and pipelines are up to date.\n" {
		t.Errorf("status: %v %q", err, out)
	}
	if _, err := runGenie(t, dir, "status", "-q"); err != nil {
		t.Errorf("status -q clean: %v", err)
	}
	out, _ = runGenie(t, dir, "dag", "--mermaid")
	if out != "flowchart TD\n\tnode1[\"prep\"]\n\tnode2[\"train\"]\n\tnode1-->node2\n" {
		t.Errorf("dag --mermaid %q", out)
	}
	out, _ = runGenie(t, dir, "dag", "--md")
	if !strings.HasPrefix(out, "```mermaid\nflowchart TD\n") || !strings.HasSuffix(out, "\n```\n") {
		t.Errorf("dag --md %q", out)
	}
	out, _ = runGenie(t, dir, "dag", "--dot")
	if out != "strict digraph  {\n\"prep\";\n\"train\";\n\"prep\" -> \"train\";\n}\n" {
		t.Errorf("dag --dot %q", out)
	}
	if out, _ := runGenie(t, dir, "dag", "--outs", "--mermaid"); !strings.Contains(out, "[\"mid\"]") || !strings.Contains(out, "node1-->node2") {
		t.Errorf("dag --outs %q", out)
	}
	if _, err := runGenie(t, dir, "config", "cache.type", "hardlink"); err != nil {
		t.Fatal(err)
	}
	if out, _ := runGenie(t, dir, "config", "cache.type"); out != "hardlink\n" {
		t.Errorf("config get %q", out)
	}
	remote := t.TempDir()
	if _, err := runGenie(t, dir, "remote", "add", "-d", "store", remote); err != nil {
		t.Fatal(err)
	}
	if out, err := runGenie(t, dir, "push"); err != nil || !strings.Contains(out, "2 file(s) pushed") {
		t.Errorf("push: %v %q", err, out)
	}
	os.RemoveAll(filepath.Join(dir, ".dvc", "cache"))
	os.Remove(filepath.Join(dir, "model"))
	if out, err := runGenie(t, dir, "pull"); err != nil || !strings.Contains(out, "2 file(s) fetched") {
		t.Errorf("pull: %v %q", err, out)
	}
	os.Remove(filepath.Join(dir, "model"))
	os.WriteFile(filepath.Join(dir, "mid"), []byte("changed\n"), 0o644)
	if _, err := runGenie(t, dir, "checkout"); err != nil {
		t.Errorf("checkout: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "mid")); string(b) != "data\n" {
		t.Errorf("checkout left mid %q", b)
	}
	if out, err := runGenie(t, dir, "status"); err != nil || out != "Data and pipelines are up to date.\n" {
		t.Errorf("status after checkout: %v %q", err, out)
	}
	if out, _ := runGenie(t, dir, "cache", "dir"); strings.TrimSpace(out) != filepath.Join(dir, ".dvc", "cache") {
		t.Errorf("cache dir %q", out)
	}
	if out, err := runGenie(t, dir, "cache", "size"); err != nil || !strings.Contains(out, "2 objects") || !strings.Contains(out, "train") {
		t.Errorf("cache size: %v %q", err, out)
	}
	if _, err := runGenie(t, dir, "gc"); err == nil {
		t.Errorf("gc without a scope must fail")
	}
	if out, err := runGenie(t, dir, "gc", "-w"); err != nil || !strings.Contains(out, "Removed 0 objects") {
		t.Errorf("gc -w: %v %q", err, out)
	}
	if _, err := runGenie(t, dir, "repro", "trian"); err == nil || !strings.Contains(err.Error(), "did you mean 'train'") {
		t.Errorf("unknown stage: %v", err)
	}
	if out, err := runGenie(t, dir, "status", "--json"); err != nil || strings.TrimSpace(out) != "{}" {
		t.Errorf("status --json %q %v", out, err)
	}
	testCommit(t, dir)
}

// testCommit drives genie commit on TestPipelineCommands' reproduced
// repository: nothing to do, a listed change without -f, a recorded one
// with it, and a missing output.
func testCommit(t *testing.T, dir string) {
	t.Helper()
	if out, err := runGenie(t, dir, "commit"); err != nil || !strings.Contains(out, "Nothing to commit") {
		t.Errorf("commit on a clean pipeline: %v %q", err, out)
	}
	lock := filepath.Join(dir, "dvc.lock")
	before, _ := os.ReadFile(lock)
	os.WriteFile(filepath.Join(dir, "model"), []byte("fixed by hand\n"), 0o644)
	out, err := runGenie(t, dir, "commit")
	var ec exitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != 1 || !strings.Contains(err.Error(), "genie commit -f") || !strings.Contains(out, "modified:           model") {
		t.Errorf("commit without -f: %v %q", err, out)
	}
	if after, _ := os.ReadFile(lock); string(after) != string(before) {
		t.Errorf("commit without -f changed dvc.lock")
	}
	if out, err := runGenie(t, dir, "commit", "-f", "train"); err != nil || !strings.Contains(out, "Updating lock file") {
		t.Errorf("commit -f train: %v %q", err, out)
	}
	if out, err := runGenie(t, dir, "status"); err != nil || out != "Data and pipelines are up to date.\n" {
		t.Errorf("status after commit: %v %q", err, out)
	}
	if after, _ := os.ReadFile(lock); string(after) == string(before) {
		t.Errorf("commit -f left dvc.lock as it was")
	}
	os.Remove(filepath.Join(dir, "mid"))
	if _, err := runGenie(t, dir, "commit", "-f", "prep"); err == nil || !strings.Contains(err.Error(), "output 'mid' does not exist: nothing to record") {
		t.Errorf("commit -f of a missing output: %v", err)
	}
}

// TestEmptyRepository: status in a repository without stages says so as
// DVC does, and repro names the missing dvc.yaml.
func TestEmptyRepository(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".dvc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := runGenie(t, dir, "status"); err != nil || out != "There are no data or pipelines tracked in this project yet.\n" {
		t.Errorf("status: %v %q", err, out)
	}
	real, err := filepath.EvalSymlinks(dir) // the repository's root is the resolved folder
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runGenie(t, dir, "repro"); err == nil || !strings.Contains(err.Error(), filepath.Join(real, "dvc.yaml")+" does not exist") {
		t.Errorf("repro: %v", err)
	}
}
