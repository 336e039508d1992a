package pipeline

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const diamondYAML = `stages:
  a:
    cmd: cp in a.out
    deps: [in]
    outs: [a.out]
  b:
    cmd: sh stage.sh b c
    deps: [a.out, stage.sh]
    outs: [b.out]
  c:
    cmd: sh stage.sh c b
    deps: [a.out, stage.sh]
    outs: [c.out]
  d:
    cmd: cat b.out c.out > d.out
    deps: [b.out, c.out]
    outs: [d.out]
`

// stage.sh records start/end timestamps; with GENIE_TEST_HANDSHAKE set it
// waits (bounded) until the other middle stage has started, so the two can
// only both finish if they ran at the same time. The start file appears
// atomically (mv) only after its timestamp was taken.
const stageSH = `me=$1; other=$2
mkdir -p ../ts-$GENIE_TEST_RUN
date +%s%N > ../ts-$GENIE_TEST_RUN/$me.tmp && mv ../ts-$GENIE_TEST_RUN/$me.tmp ../ts-$GENIE_TEST_RUN/$me.start
echo "hello from $me"
if [ -n "$GENIE_TEST_HANDSHAKE" ]; then
  i=0
  while [ ! -e ../ts-$GENIE_TEST_RUN/$other.start ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done
fi
cat a.out > $me.out
echo $me >> $me.out
date +%s%N > ../ts-$GENIE_TEST_RUN/$me.end
`

func readNanos(t *testing.T, p string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.TrimSpace(readFile(t, p)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestParallelDiamond(t *testing.T) {
	files := map[string]string{"dvc.yaml": diamondYAML, "in": "x\n", "stage.sh": stageSH}
	par := filepath.Join(newTestRepo(t, nil), "repo")
	seq := filepath.Join(newTestRepo(t, nil), "repo")
	for _, root := range []string{par, seq} {
		Init(root)
		for p, c := range files {
			writeFile(t, filepath.Join(root, p), c)
		}
	}
	t.Setenv("GENIE_TEST_RUN", "par")
	t.Setenv("GENIE_TEST_HANDSHAKE", "1")
	out := mustRepro(t, par, ReproOptions{Jobs: 2})
	ts := filepath.Join(filepath.Dir(par), "ts-par")
	bs, be := readNanos(t, filepath.Join(ts, "b.start")), readNanos(t, filepath.Join(ts, "b.end"))
	cs, ce := readNanos(t, filepath.Join(ts, "c.start")), readNanos(t, filepath.Join(ts, "c.end"))
	if !(bs < ce && cs < be) {
		t.Errorf("b [%d,%d] and c [%d,%d] did not overlap\n%s", bs, be, cs, ce, out)
	}
	if !strings.Contains(out, "[b] hello from b\n") || !strings.Contains(out, "[c] hello from c\n") {
		t.Errorf("stage output not prefixed:\n%s", out)
	}
	t.Setenv("GENIE_TEST_RUN", "seq")
	t.Setenv("GENIE_TEST_HANDSHAKE", "")
	mustRepro(t, seq, ReproOptions{Jobs: 1})
	lp, ls := readFile(t, filepath.Join(par, "dvc.lock")), readFile(t, filepath.Join(seq, "dvc.lock"))
	if lp != ls {
		t.Errorf("-j 2 lock differs from -j 1:\n%s\nvs\n%s", lp, ls)
	}
	if strings.Index(lp, "  b:") > strings.Index(lp, "  c:") {
		t.Errorf("lock not in run order:\n%s", lp)
	}
}

func TestParallelFailureStopsNewStarts(t *testing.T) {
	y := `stages:
  fail:
    cmd: echo fail >> log; exit 1
    deps: [in]
    outs: [f.out]
  slow:
    cmd: while [ ! -e log ]; do sleep 0.01; done; cp in s.out
    deps: [in]
    outs: [s.out]
  after:
    cmd: echo after >> log; cp s.out after.out
    deps: [s.out]
    outs: [after.out]
`
	root := newTestRepo(t, map[string]string{"dvc.yaml": y, "in": "1"})
	_, err := repro(t, root, ReproOptions{Jobs: 2})
	if err == nil {
		t.Fatal("expected failure")
	}
	if got := logLines(t, root); got != "fail" {
		t.Errorf("a new stage started after a failure: %s", got)
	}
	// the running stage was allowed to finish and was committed
	if _, err := os.Stat(filepath.Join(root, "s.out")); err != nil {
		t.Errorf("running stage not finished: %v", err)
	}
	os.Remove(filepath.Join(root, "log"))
	root2 := newTestRepo(t, map[string]string{"dvc.yaml": y, "in": "1"})
	repro(t, root2, ReproOptions{Jobs: 2, KeepGoing: true})
	if got := logLines(t, root2); got != "fail,after" {
		t.Errorf("-k with -j 2 ran %s", got)
	}
}

// TestMain lets the kill test re-run this binary as a `genie repro` child.
func TestMain(m *testing.M) {
	if dir := os.Getenv("GENIE_PIPELINE_CHILD"); dir != "" {
		r, err := Open(dir)
		if err == nil {
			_, err = r.Reproduce(context.Background(), ReproOptions{})
		}
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const killYAML = `stages:
  gen:
    cmd: mkdir -p big && for i in 1 2 3 4 5; do echo $i > big/f$i; done
    deps: [in]
    outs: [big]
  hang:
    cmd: if [ -e hang ]; then echo $$ > started; while :; do sleep 0.05; done; fi; cat big/f1 > h.out
    deps: [big]
    outs: [h.out]
`

// checkConsistent verifies every cache object matches its name and every
// lock entry's objects are present.
func checkConsistent(t *testing.T, root string) {
	t.Helper()
	ctx := context.Background()
	c := &Cache{Root: filepath.Join(root, ".dvc", "cache"), Types: defaultCacheTypes()}
	filepath.Walk(filepath.Join(c.Root, "files", "md5"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.Contains(fi.Name(), ".tmp-") {
			return nil
		}
		name := filepath.Base(filepath.Dir(p)) + strings.TrimSuffix(fi.Name(), ".dir")
		got, err := FileMD5(ctx, p)
		if err != nil || got != name {
			t.Errorf("corrupt cache object %s (hash %s)", p, got)
		}
		return nil
	})
	lf, err := ReadLockfile(filepath.Join(root, "dvc.lock"))
	if err != nil {
		t.Fatalf("dvc.lock unreadable after kill: %v", err)
	}
	for _, n := range lf.Names {
		for _, e := range lf.Stages[n].Outs {
			if !c.Has(ctx, e.MD5) {
				t.Errorf("lock entry %s/%s points at a missing object %s", n, e.Path, e.MD5)
			}
		}
	}
}

func TestKillMidStageLeavesConsistentState(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": killYAML, "in": "1", "hang": ""})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "GENIE_PIPELINE_CHILD="+root)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := filepath.Join(root, "started")
	var pid int
	for i := 0; i < 3000 && pid == 0; i++ { // bounded wait for the stage to start
		if b, err := os.ReadFile(started); err == nil && len(b) > 1 {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if pid == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if pid == 0 {
		cmd.Process.Kill()
		t.Fatal("stage never started")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	syscall.Kill(-pid, syscall.SIGKILL) // the orphaned stage command
	checkConsistent(t, root)
	lf, _ := ReadLockfile(filepath.Join(root, "dvc.lock"))
	if _, ok := lf.Stages["gen"]; !ok {
		t.Errorf("completed stage missing from the lock")
	}
	if _, ok := lf.Stages["hang"]; ok {
		t.Errorf("killed stage recorded in the lock")
	}
	// the next run (the kernel dropped the flock) completes the pipeline
	os.Remove(filepath.Join(root, "hang"))
	out := mustRepro(t, root, ReproOptions{})
	if strings.Join(ranStages(out), ",") != "hang" {
		t.Errorf("after kill ran %v\n%s", ranStages(out), out)
	}
	checkConsistent(t, root)
	if len(status(t, root)) != 0 {
		t.Errorf("not up to date after recovery")
	}
}

func TestInterruptCancelsStage(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": killYAML, "in": "1", "hang": ""})
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	r.Stdout, r.Stderr = io.Discard, io.Discard
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := r.Reproduce(ctx, ReproOptions{}); done <- err }()
	for i := 0; i < 3000; i++ {
		if _, err := os.Stat(filepath.Join(root, "started")); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	checkConsistent(t, root)
}

func TestRepoLockExcludesSecondRepro(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": chainYAML, "params.yaml": "lr: 1\n", "src.txt": "x"})
	lk, err := AcquireRepoLock(context.Background(), root, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = repro(t, root, ReproOptions{LockWait: time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Errorf("second repro err = %v", err)
	}
	lk.Release()
	mustRepro(t, root, ReproOptions{})
}

func TestRepoBusy(t *testing.T) {
	root := t.TempDir()
	busy := func(want bool) {
		t.Helper()
		got, err := RepoBusy(root)
		if err != nil || got != want {
			t.Fatalf("RepoBusy = %v, %v; want %v", got, err, want)
		}
	}
	busy(false) // no .dvc/tmp/lock yet
	lk, err := AcquireRepoLock(context.Background(), root, 0)
	if err != nil {
		t.Fatal(err)
	}
	busy(true)
	busy(true) // the probe left the holder's lock alone
	lk.Release()
	busy(false)
	// the probe does not keep the lock: a command can take it right after
	lk, err = AcquireRepoLock(context.Background(), root, 0)
	if err != nil {
		t.Fatalf("lock after probe: %v", err)
	}
	lk.Release()
}

func TestRWLockHonoursDVCEntries(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": chainYAML, "params.yaml": "lr: 1\n", "src.txt": "x"})
	// a live process (pid 1) writing prepared.txt, recorded the way DVC does
	entry := `{"write": {"` + filepath.Join(root, "prepared.txt") + `": {"pid": 1, "cmd": "dvc repro"}}}`
	writeFile(t, filepath.Join(root, ".dvc/tmp/rwlock"), entry)
	_, err := repro(t, root, ReproOptions{})
	if err == nil || !strings.Contains(err.Error(), "is busy, it is being blocked by: (PID 1): dvc repro") {
		t.Fatalf("err = %v", err)
	}
	// a dead process's entry is dropped
	entry = `{"write": {"` + filepath.Join(root, "prepared.txt") + `": {"pid": 999999999, "cmd": "dvc repro"}}}`
	writeFile(t, filepath.Join(root, ".dvc/tmp/rwlock"), entry)
	mustRepro(t, root, ReproOptions{})
	if got := readFile(t, filepath.Join(root, ".dvc/tmp/rwlock")); got != "{}" {
		t.Errorf("rwlock after run = %s", got)
	}
}
