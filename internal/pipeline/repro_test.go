package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// newTestRepo writes files into a fresh repository with a .dvc folder.
func newTestRepo(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := Init(root); err != nil {
		t.Fatal(err)
	}
	for p, c := range files {
		writeFile(t, filepath.Join(root, p), c)
	}
	return root
}

// repro opens root and reproduces; it returns the engine's output.
func repro(t testing.TB, root string, o ReproOptions) (string, error) {
	t.Helper()
	r, err := Open(root)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	r.Stdout, r.Stderr = &out, &out
	_, err = r.Reproduce(context.Background(), o)
	if cerr := r.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	return out.String(), err
}

func mustRepro(t testing.TB, root string, o ReproOptions) string {
	t.Helper()
	out, err := repro(t, root, o)
	if err != nil {
		t.Fatalf("repro: %v\n%s", err, out)
	}
	return out
}

func status(t testing.TB, root string) []*StageStatus {
	t.Helper()
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sts, err := r.Status(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return sts
}

func readFile(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ranStages extracts "Running stage 'X':" names in order.
func ranStages(out string) []string {
	var names []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Running stage '") {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(l, "Running stage '"), "':"))
		}
	}
	return names
}

const chainYAML = `stages:
  prepare:
    cmd: echo prepared > prepared.txt
    deps: [src.txt]
    outs: [prepared.txt]
  train:
    cmd: cat prepared.txt > model.txt && echo ${lr} >> model.txt
    deps: [prepared.txt]
    params: [lr]
    outs: [model.txt]
`

func TestReproChainAndNoop(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": chainYAML, "params.yaml": "lr: 0.1\n", "src.txt": "x"})
	out := mustRepro(t, root, ReproOptions{})
	if got := ranStages(out); strings.Join(got, ",") != "prepare,train" {
		t.Fatalf("ran %v\n%s", got, out)
	}
	// as DVC: the first entry generates the lock file, the second updates it
	if strings.Count(out, "Generating lock file 'dvc.lock'") != 1 || strings.Count(out, "Updating lock file 'dvc.lock'") != 1 ||
		strings.Index(out, "Generating") > strings.Index(out, "Updating") {
		t.Errorf("lock messages: want Generating then Updating once each:\n%s", out)
	}
	for _, st := range []string{"prepare", "train"} {
		if !regexp.MustCompile(`(?m)^Stage '` + st + `' finished in [0-9.]+m?s$`).MatchString(out) {
			t.Errorf("no time for stage %s:\n%s", st, out)
		}
	}
	lock1 := readFile(t, filepath.Join(root, "dvc.lock"))
	out = mustRepro(t, root, ReproOptions{})
	want := "Stage 'prepare' didn't change, skipping\nStage 'train' didn't change, skipping\nData and pipelines are up to date.\n"
	if out != want {
		t.Errorf("no-op output:\n%s", out)
	}
	if len(status(t, root)) != 0 {
		t.Errorf("status not clean")
	}
	if readFile(t, filepath.Join(root, "dvc.lock")) != lock1 {
		t.Errorf("lock changed by a no-op")
	}
	if gi := readFile(t, filepath.Join(root, ".gitignore")); gi != "/prepared.txt\n/model.txt\n" {
		t.Errorf(".gitignore = %q", gi)
	}
	// params: 0.1 -> 1e-1 is equal (no run); int 1 -> 1.0 equal
	writeFile(t, filepath.Join(root, "params.yaml"), "lr: 1e-1\n")
	if out := mustRepro(t, root, ReproOptions{}); len(ranStages(out)) != 0 {
		t.Errorf("equal param value re-ran:\n%s", out)
	}
	writeFile(t, filepath.Join(root, "params.yaml"), "lr: 0.2\n")
	sts := status(t, root)
	var b strings.Builder
	WriteStatusText(&b, sts)
	// ${lr} is also in the command, so the resolved command changed too
	if b.String() != "train:\n\tchanged deps:\n\t\tparams.yaml:\n\t\t\tmodified:           lr\n\tchanged command\n" {
		t.Errorf("status:\n%s", b.String())
	}
	if out := mustRepro(t, root, ReproOptions{}); strings.Join(ranStages(out), ",") != "train" {
		t.Errorf("param change ran %v", ranStages(out))
	}
}

func TestWhitespaceCmdChangeReruns(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": chainYAML, "params.yaml": "lr: 0.1\n", "src.txt": "x"})
	mustRepro(t, root, ReproOptions{})
	writeFile(t, filepath.Join(root, "dvc.yaml"), strings.Replace(chainYAML, "echo prepared > prepared.txt", "echo prepared  > prepared.txt", 1))
	sts := status(t, root)
	if len(sts) != 1 || !sts[0].ChangedCmd || sts[0].Addr != "prepare" {
		t.Fatalf("status %+v", sts)
	}
	out := mustRepro(t, root, ReproOptions{})
	// prepare re-runs (its output is the same, so train is not changed)
	if got := ranStages(out); strings.Join(got, ",") != "prepare" {
		t.Errorf("ran %v", got)
	}
}

func TestReorderDepsRunsNothing(t *testing.T) {
	y := `stages:
  s:
    cmd: cat a b > o
    deps: [a, b]
    outs: [o]
`
	root := newTestRepo(t, map[string]string{"dvc.yaml": y, "a": "1", "b": "2"})
	mustRepro(t, root, ReproOptions{})
	lock := readFile(t, filepath.Join(root, "dvc.lock"))
	writeFile(t, filepath.Join(root, "dvc.yaml"), strings.Replace(y, "[a, b]", "[b, a]", 1))
	out := mustRepro(t, root, ReproOptions{})
	if len(ranStages(out)) != 0 {
		t.Errorf("reordering deps re-ran:\n%s", out)
	}
	if readFile(t, filepath.Join(root, "dvc.lock")) != lock {
		t.Errorf("lock changed")
	}
	// removing a dep does not make the stage changed either
	writeFile(t, filepath.Join(root, "dvc.yaml"), strings.Replace(y, "[a, b]", "[a]", 1))
	if out := mustRepro(t, root, ReproOptions{}); len(ranStages(out)) != 0 {
		t.Errorf("removing a dep re-ran:\n%s", out)
	}
}

const logYAML = `stages:
  a:
    cmd: echo a >> ../log && echo a > a.out
    wdir: w
    deps: [in]
    outs: [a.out]
  b:
    cmd: echo b >> ../log && cat a.out > b.out
    wdir: w
    deps: [a.out]
    outs: [b.out]
  c:
    cmd: echo c >> ../log && cat b.out > c.out
    wdir: w
    deps: [b.out]
    outs: [c.out]
`

func logLines(t *testing.T, root string) string {
	b, _ := os.ReadFile(filepath.Join(root, "log"))
	return strings.Join(strings.Fields(string(b)), ",")
}

func TestPlanOrders(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": logYAML, "w/in": "1"})
	mustRepro(t, root, ReproOptions{})
	if got := logLines(t, root); got != "a,b,c" {
		t.Fatalf("first run order %s", got)
	}
	os.Remove(filepath.Join(root, "log"))
	// -s runs only the targets, in the order given, even if unchanged with -f
	mustRepro(t, root, ReproOptions{Targets: []string{"c", "a"}, Single: true, Force: true})
	if got := logLines(t, root); got != "c,a" {
		t.Errorf("-s order %s", got)
	}
	os.Remove(filepath.Join(root, "log"))
	// --downstream from b: b then c
	mustRepro(t, root, ReproOptions{Targets: []string{"b"}, Downstream: true, Force: true})
	if got := logLines(t, root); got != "b,c" {
		t.Errorf("--downstream order %s", got)
	}
	os.Remove(filepath.Join(root, "log"))
	// target c without -s: upstream first; -f forces all of them
	mustRepro(t, root, ReproOptions{Targets: []string{"c"}, Force: true})
	if got := logLines(t, root); got != "a,b,c" {
		t.Errorf("target order %s", got)
	}
	os.Remove(filepath.Join(root, "log"))
	// --force-downstream: a changes, b is forced even though its dep is restored identical
	writeFile(t, filepath.Join(root, "dvc.yaml"), strings.Replace(logYAML, "echo a > a.out", "echo a  > a.out", 1))
	mustRepro(t, root, ReproOptions{ForceDownstream: true})
	if got := logLines(t, root); got != "a,b,c" {
		t.Errorf("--force-downstream ran %s", got)
	}
}

func TestFrozenStage(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": logYAML, "w/in": "1"})
	mustRepro(t, root, ReproOptions{})
	os.Remove(filepath.Join(root, "log"))
	writeFile(t, filepath.Join(root, "dvc.yaml"), strings.Replace(logYAML, "    deps: [a.out]\n", "    deps: [a.out]\n    frozen: true\n", 1))
	writeFile(t, filepath.Join(root, "w/in"), "2") // a changes
	out := mustRepro(t, root, ReproOptions{Targets: []string{"c"}})
	// b is frozen: its upstream (a) is cut off and b itself does not run
	if got := logLines(t, root); got != "" {
		t.Errorf("frozen pipeline ran %s\n%s", got, out)
	}
	sts := status(t, root)
	if len(sts) != 1 || sts[0].Addr != "a" {
		t.Errorf("status %v", sts)
	}
	// a frozen stage whose output is missing is not run: its output is
	// verified, and the missing output is an error
	os.Remove(filepath.Join(root, "w/b.out"))
	_, err := repro(t, root, ReproOptions{Targets: []string{"b"}})
	var mo *MissingOutputError
	if !errors.As(err, &mo) || logLines(t, root) != "" || !strings.Contains(err.Error(), "missing data 'b.out': stage 'b' is frozen") {
		t.Errorf("frozen stage with a missing output: %v, log %q", err, logLines(t, root))
	}
}

func TestKeepGoingVsIgnoreErrors(t *testing.T) {
	y := `stages:
  bad:
    cmd: echo bad >> log && echo x > bad.out && exit 3
    deps: [in]
    outs: [bad.out]
  after:
    cmd: echo after >> log && cp bad.out after.out
    deps: [bad.out]
    outs: [after.out]
  other:
    cmd: echo other >> log && cp in other.out
    deps: [in]
    outs: [other.out]
`
	tests := []struct {
		name    string
		opts    ReproOptions
		wantLog string
		wantErr bool
	}{
		{"default stops", ReproOptions{}, "bad", true},
		{"keep going skips dependents", ReproOptions{KeepGoing: true}, "bad,other", true},
		{"ignore errors runs dependents", ReproOptions{IgnoreErrors: true}, "bad,after,other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newTestRepo(t, map[string]string{"dvc.yaml": y, "in": "1"})
			out, err := repro(t, root, tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v\n%s", err, out)
			}
			if got := logLines(t, root); got != tt.wantLog {
				t.Errorf("ran %s", got)
			}
			if err != nil {
				var re *ReproError
				var run *RunError
				if !errors.As(err, &re) || !errors.As(err, &run) || run.ExitCode != 3 ||
					!strings.Contains(err.Error(), "failed to reproduce 'bad': failed to run: echo bad >> log && echo x > bad.out && exit 3, exited with 3") {
					t.Errorf("error %q", err)
				}
			}
		})
	}
}

func TestPersistOutsKept(t *testing.T) {
	y := `stages:
  s:
    cmd: echo run >> hist.txt
    deps: [in]
    outs:
    - hist.txt:
        persist: true
`
	root := newTestRepo(t, map[string]string{"dvc.yaml": y, "in": "1"})
	mustRepro(t, root, ReproOptions{})
	writeFile(t, filepath.Join(root, "in"), "2")
	mustRepro(t, root, ReproOptions{})
	if got := readFile(t, filepath.Join(root, "hist.txt")); got != "run\nrun\n" {
		t.Errorf("persist out = %q", got)
	}
	// no run-cache entry for persist outs
	if _, err := os.Stat(filepath.Join(root, ".dvc/cache/runs")); !os.IsNotExist(err) {
		t.Errorf("run-cache written for a persist out")
	}
}

func TestMissingOutIsError(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: echo nothing\n    outs: [never.txt]\n"})
	_, err := repro(t, root, ReproOptions{})
	var mo *MissingOutputError
	if !errors.As(err, &mo) || mo.Path != "never.txt" || !strings.Contains(err.Error(), "failed to reproduce 's'") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "dvc.lock")); !os.IsNotExist(err) {
		t.Errorf("lock written for a failed stage")
	}
}

func TestMissingDepErrors(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": logYAML})
	_, err := repro(t, root, ReproOptions{})
	if err == nil || !strings.Contains(err.Error(), "missing dependency 'w/in'") || !strings.Contains(err.Error(), "no stage produces it") {
		t.Errorf("err = %v", err)
	}
	writeFile(t, filepath.Join(root, "w/in"), "1")
	_, err = repro(t, root, ReproOptions{Targets: []string{"b"}, Single: true})
	if err == nil || !strings.Contains(err.Error(), "missing dependency 'w/a.out'") || !strings.Contains(err.Error(), "produced by stage 'a'") {
		t.Errorf("err = %v", err)
	}
	_, err = repro(t, root, ReproOptions{Targets: []string{"bb"}})
	if !errors.Is(err, ErrUnknownStage) || !strings.Contains(err.Error(), "did you mean 'b'") {
		t.Errorf("err = %v", err)
	}
}

func TestRunCacheRestoresWithoutRunning(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": chainYAML, "params.yaml": "lr: 0.1\n", "src.txt": "x"})
	mustRepro(t, root, ReproOptions{})
	writeFile(t, filepath.Join(root, "params.yaml"), "lr: 0.2\n")
	mustRepro(t, root, ReproOptions{})
	if got := readFile(t, filepath.Join(root, "model.txt")); got != "prepared\n0.2\n" {
		t.Fatalf("model %q", got)
	}
	writeFile(t, filepath.Join(root, "params.yaml"), "lr: 0.1\n")
	// make the command fail if it runs: the run-cache must restore instead
	os.Chmod(filepath.Join(root, "prepared.txt"), 0o644)
	out := mustRepro(t, root, ReproOptions{})
	if !strings.Contains(out, "Stage 'train' is cached - skipping run, checking out outputs") || len(ranStages(out)) != 0 {
		t.Fatalf("not restored from run-cache:\n%s", out)
	}
	if got := readFile(t, filepath.Join(root, "model.txt")); got != "prepared\n0.1\n" {
		t.Errorf("restored model %q", got)
	}
	if len(status(t, root)) != 0 {
		t.Errorf("status not clean after restore")
	}
	// --no-run-cache runs it
	writeFile(t, filepath.Join(root, "params.yaml"), "lr: 0.2\n")
	out = mustRepro(t, root, ReproOptions{NoRunCache: true})
	if strings.Join(ranStages(out), ",") != "train" {
		t.Errorf("--no-run-cache did not run:\n%s", out)
	}
	// a deleted output whose lock entry still matches is checked out, not run
	os.Remove(filepath.Join(root, "model.txt"))
	out = mustRepro(t, root, ReproOptions{})
	if !strings.Contains(out, "is cached") || len(ranStages(out)) != 0 {
		t.Errorf("deleted out not restored:\n%s", out)
	}
}

func TestDryAndNoCommit(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": chainYAML, "params.yaml": "lr: 0.1\n", "src.txt": "x"})
	out := mustRepro(t, root, ReproOptions{Dry: true})
	if strings.Join(ranStages(out), ",") != "prepare" && strings.Join(ranStages(out), ",") != "prepare,train" {
		t.Errorf("dry ran %v", ranStages(out))
	}
	if _, err := os.Stat(filepath.Join(root, "dvc.lock")); !os.IsNotExist(err) {
		t.Errorf("--dry wrote the lock")
	}
	if _, err := os.Stat(filepath.Join(root, "prepared.txt")); !os.IsNotExist(err) {
		t.Errorf("--dry ran a command")
	}
	mustRepro(t, root, ReproOptions{NoCommit: true})
	if _, err := os.Stat(filepath.Join(root, ".dvc/cache/files")); !os.IsNotExist(err) {
		t.Errorf("--no-commit wrote to the cache")
	}
	sts := status(t, root)
	if len(sts) != 2 || sts[0].ChangedOuts.Len() != 1 {
		t.Errorf("status after --no-commit %+v", sts)
	}
}

func TestCallbackAndAlwaysChanged(t *testing.T) {
	y := `stages:
  cb:
    cmd: echo cb >> log
  ac:
    cmd: echo ac >> log && cp in ac.out
    deps: [in]
    outs: [ac.out]
    always_changed: true
`
	root := newTestRepo(t, map[string]string{"dvc.yaml": y, "in": "1"})
	mustRepro(t, root, ReproOptions{})
	mustRepro(t, root, ReproOptions{})
	if got := logLines(t, root); got != "cb,ac,cb,ac" {
		t.Errorf("ran %s", got)
	}
	sts := status(t, root)
	if len(sts) != 2 || !sts[0].AlwaysChanged || !sts[1].AlwaysChanged {
		t.Errorf("status %+v", sts)
	}
}

func TestEnvAndMultiLineCmd(t *testing.T) {
	y := `stages:
  s:
    cmd:
    - echo "$DVC_STAGE" > env.txt
    - pwd >> env.txt
    - false
    - echo never >> env.txt
    wdir: sub
  t:
    cmd: |
      echo one > ml.txt
      echo "$DVC_ROOT" >> ml.txt
    outs: [ml.txt]
`
	root := newTestRepo(t, map[string]string{"dvc.yaml": y, "sub/.keep": ""})
	_, err := repro(t, root, ReproOptions{Targets: []string{"s"}})
	var re *RunError
	if !errors.As(err, &re) || re.Cmd != "false" || re.ExitCode != 1 {
		t.Fatalf("err %v", err)
	}
	got := readFile(t, filepath.Join(root, "sub/env.txt"))
	if got != "s\n"+filepath.Join(root, "sub")+"\n" {
		t.Errorf("env.txt %q", got)
	}
	mustRepro(t, root, ReproOptions{Targets: []string{"t"}})
	if got := readFile(t, filepath.Join(root, "ml.txt")); got != "one\n"+root+"\n" {
		t.Errorf("ml.txt %q", got)
	}
	// Repo.Env reaches the commands and wins over the process's own.
	writeFile(t, filepath.Join(root, "dvc.yaml"), "stages:\n  e:\n    cmd: echo \"$HOME $GENIE_EXTRA\" > e.txt\n    outs: [e.txt]\n")
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Stdout, r.Stderr = io.Discard, io.Discard
	r.Env = []string{"HOME=/elsewhere", "GENIE_EXTRA=x"}
	if _, err := r.Reproduce(context.Background(), ReproOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(root, "e.txt")); got != "/elsewhere x\n" {
		t.Errorf("e.txt %q, want the Env values", got)
	}
}

func TestNestedDvcYAMLAndWholeParams(t *testing.T) {
	root := newTestRepo(t, map[string]string{
		"dvc.yaml":       "stages:\n  top:\n    cmd: cat sub/o > top.out\n    deps: [sub/o]\n    outs: [top.out]\n",
		"sub/dvc.yaml":   "stages:\n  inner:\n    cmd: echo hi > o\n    params:\n    - empty.yaml:\n    - cfg.json: []\n    outs: [o]\n",
		"sub/empty.yaml": "",
		"sub/cfg.json":   `{"z": 1, "a": {"y": 2, "b": 3}}`,
	})
	out := mustRepro(t, root, ReproOptions{})
	if strings.Join(ranStages(out), ",") != "sub/dvc.yaml:inner,top" {
		t.Fatalf("ran %v", ranStages(out))
	}
	want := `schema: '2.0'
stages:
  inner:
    cmd: echo hi > o
    params:
      cfg.json:
        a:
          y: 2
          b: 3
        z: 1
      empty.yaml: {}
    outs:
    - path: o
      hash: md5
      md5: 764efa883dda1e11db47671c4a3bbd9e
      size: 3
`
	if got := readFile(t, filepath.Join(root, "sub/dvc.lock")); got != want {
		t.Errorf("sub/dvc.lock:\n%s", got)
	}
	if len(status(t, root)) != 0 {
		t.Errorf("not clean")
	}
	writeFile(t, filepath.Join(root, "sub/cfg.json"), `{"z": 1, "a": {"b": 3, "y": 2}, "new": true}`)
	sts := status(t, root)
	if len(sts) != 1 {
		t.Fatalf("status %+v", sts)
	}
	pm, _ := sts[0].ChangedDeps.Get("cfg.json")
	if m, ok := pm.(*Map); !ok || m.Len() != 1 {
		t.Errorf("whole-file params status %+v", pm)
	} else if v, _ := m.Get("new"); v != StatusNew {
		t.Errorf("new key status %v", v)
	}
}

func TestAllowMissingAndPull(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": logYAML, "w/in": "1"})
	remoteDir := t.TempDir()
	if err := RemoteAdd(root, "", "r", remoteDir, true, false); err != nil {
		t.Fatal(err)
	}
	mustRepro(t, root, ReproOptions{})
	r, _ := Open(root)
	rem, _ := r.OpenRemote("")
	if _, err := r.Push(context.Background(), rem); err != nil {
		t.Fatal(err)
	}
	r.Close()
	// a fresh checkout: no cache, no outputs
	os.RemoveAll(filepath.Join(root, ".dvc/cache"))
	for _, f := range []string{"w/a.out", "w/b.out", "w/c.out", "log"} {
		os.Remove(filepath.Join(root, f))
	}
	out := mustRepro(t, root, ReproOptions{AllowMissing: true})
	if len(ranStages(out)) != 0 || logLines(t, root) != "" {
		t.Errorf("--allow-missing ran stages:\n%s", out)
	}
	out = mustRepro(t, root, ReproOptions{Pull: true})
	if len(ranStages(out)) != 0 || logLines(t, root) != "" || !strings.Contains(out, "is cached") {
		t.Errorf("--pull did not restore from the remote:\n%s", out)
	}
	if len(status(t, root)) != 0 {
		t.Errorf("not up to date after --pull")
	}
}

// TestRepoThroughSymlink opens a repository by a path through a symbolic
// link (a linked home folder; /tmp on macOS): the stages are found, run and
// reported up to date, and a relative remote is stored as from the real
// folder.
func TestRepoThroughSymlink(t *testing.T) {
	real := newTestRepo(t, map[string]string{
		"dvc.yaml": "stages:\n  copy:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n",
		"in.txt":   "hello\n",
		"sub/x":    "",
	})
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	realRoot, err := filepath.EvalSymlinks(real)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{link, filepath.Join(link, "sub")} {
		if got, err := FindRoot(dir); err != nil || got != realRoot {
			t.Errorf("FindRoot(%s) = %q, %v; want %q", dir, got, err, realRoot)
		}
	}
	if out := mustRepro(t, link, ReproOptions{}); !slices.Equal(ranStages(out), []string{"copy"}) {
		t.Fatalf("ran %v, want [copy]\n%s", ranStages(out), out)
	}
	if got := readFile(t, filepath.Join(real, "out.txt")); got != "hello\n" {
		t.Errorf("out.txt = %q", got)
	}
	for _, st := range status(t, link) {
		if st.Changed() {
			t.Errorf("after repro through the link, %s changed: %+v", st.Addr, st)
		}
	}
	if err := RemoteAdd(link, filepath.Join(link, "sub"), "r", "../../store", false, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := ConfigGet(real, "remote.r.url"); v != "../../store" {
		t.Errorf("stored url %q, want ../../store (relative to .dvc/)", v)
	}
}

// TestOutsideRepository: a folder with no .dvc or .git above it is an
// error, not an empty pipeline, and reproducing a repository without a
// dvc.yaml says so instead of "up to date".
func TestOutsideRepository(t *testing.T) {
	dir := t.TempDir()
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		for _, marker := range []string{".dvc", ".git"} {
			if _, err := os.Stat(filepath.Join(d, marker)); err == nil {
				t.Skipf("the temporary folder is inside a repository (%s)", filepath.Join(d, marker))
			}
		}
	}
	if root, err := FindRoot(dir); !errors.Is(err, ErrNoRepository) {
		t.Errorf("FindRoot outside a repository = %q, %v; want ErrNoRepository", root, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("FindRoot wrote into the folder: %v", entries)
	}

	root := newTestRepo(t, nil)
	out, err := repro(t, root, ReproOptions{})
	if err == nil || !strings.Contains(err.Error(), "dvc.yaml does not exist") {
		t.Errorf("repro without dvc.yaml: %v\n%s", err, out)
	}
}

// TestTargetsIn: targets are read in the directory they are given in, as
// DVC reads them, and repro's default there is that directory's dvc.yaml.
func TestTargetsIn(t *testing.T) {
	root := newTestRepo(t, map[string]string{
		"dvc.yaml":     "stages:\n  top:\n    cmd: cp sub/s.txt top.txt\n    deps: [sub/s.txt]\n    outs: [top.txt]\n",
		"sub/dvc.yaml": "stages:\n  s:\n    cmd: echo s > s.txt\n    outs: [s.txt]\n  t:\n    cmd: echo t > t.txt\n    outs: [t.txt]\n",
	})
	sub := filepath.Join(root, "sub")
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tests := []struct {
		wd      string
		targets []string
		here    bool
		want    string // stage addresses resolved, comma-separated
	}{
		{root, nil, true, ""}, // every stage: Reproduce's own default
		{sub, nil, true, "sub/dvc.yaml:s,sub/dvc.yaml:t"},
		{sub, nil, false, ""},
		{sub, []string{"s"}, false, "sub/dvc.yaml:s"},
		{sub, []string{"dvc.yaml:t"}, false, "sub/dvc.yaml:t"},
		{sub, []string{"../dvc.yaml:top"}, false, "top"},
		{root, []string{"sub/dvc.yaml"}, false, "sub/dvc.yaml:s,sub/dvc.yaml:t"},
		{root, []string{"dvc.yaml"}, false, "top"},
		{root, []string{"sub/dvc.yaml:s", "top"}, false, "sub/dvc.yaml:s,top"},
	}
	for _, tt := range tests {
		ts, err := r.TargetsIn(tt.wd, tt.targets, tt.here)
		if err != nil {
			t.Fatal(err)
		}
		stages, err := r.Project.Resolve(ts)
		if err != nil {
			t.Errorf("%s %v: %v", tt.wd, tt.targets, err)
			continue
		}
		var got []string
		for _, s := range stages {
			got = append(got, s.Addr)
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("in %s, targets %v (here %v) = %v, want %s", tt.wd, tt.targets, tt.here, got, tt.want)
		}
	}
	if _, err := r.Project.Resolve([]string{"nowhere/dvc.yaml"}); err == nil || !strings.Contains(err.Error(), "'nowhere/dvc.yaml' defines no stages") {
		t.Errorf("a missing dvc.yaml: %v", err)
	}
	// repro from sub/ runs sub's stages only
	ts, _ := r.TargetsIn(sub, nil, true)
	res, err := r.Reproduce(context.Background(), ReproOptions{Targets: ts})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Ran, ","); got != "sub/dvc.yaml:s,sub/dvc.yaml:t" {
		t.Errorf("repro in sub ran %s", got)
	}
}
