package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ReproOptions are the flags of `genie repro`.
type ReproOptions struct {
	Targets         []string
	Force           bool // -f: run even if unchanged, skip the run-cache
	Single          bool // -s: only the targets
	Downstream      bool // the targets and their dependents
	ForceDownstream bool // a stage that ran forces its dependents
	KeepGoing       bool // -k: skip dependents of a failure, continue, fail at the end
	IgnoreErrors    bool // continue after failures, dependents included
	Dry             bool // print what would run; change nothing
	NoCommit        bool // do not save outputs to the cache
	NoRunCache      bool // do not restore from the run-cache
	AllowMissing    bool // skip stages whose only changes are missing data
	Pull            bool // fetch missing cached data from the default remote first
	Pipeline        bool // -p: every stage of the targets' pipelines
	AllPipelines    bool // -P: every stage of every pipeline
	Jobs            int  // stages run at once (default 1)
	LockWait        time.Duration
}

// ReproResult lists what happened.
type ReproResult struct {
	Ran     []string // stages run or restored
	Failed  []string
	Skipped []string // dependents of failures not attempted
}

// ReproError reports failed stages: "failed to reproduce 'X'".
type ReproError struct {
	Stages []string
	Errs   []error
}

// Error renders "failed to reproduce 'X': <cause>".
func (e *ReproError) Error() string {
	q := make([]string, len(e.Stages))
	for i, s := range e.Stages {
		q[i] = "'" + s + "'"
	}
	msg := "failed to reproduce " + strings.Join(q, ", ")
	if len(e.Stages) > 1 {
		msg = "failed to reproduce stages: " + strings.Join(q, ", ")
	}
	var parts []string
	for _, err := range e.Errs {
		parts = append(parts, err.Error())
	}
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, "; ")
	}
	return msg
}

// Unwrap returns the stages' errors (for errors.Is/As).
func (e *ReproError) Unwrap() []error { return e.Errs }

// RunError is a command exiting non-zero.
type RunError struct {
	Cmd      string
	ExitCode int
}

// Error renders DVC's "failed to run: <cmd>, exited with N".
func (e *RunError) Error() string {
	return fmt.Sprintf("failed to run: %s, exited with %d", e.Cmd, e.ExitCode)
}

// MissingOutputError is a declared output a command did not produce, or
// the missing output of a frozen stage (which is verified, never run).
type MissingOutputError struct {
	Stage, Path string
	Frozen      bool
}

// Error names the stage and the missing path.
func (e *MissingOutputError) Error() string {
	if e.Frozen {
		return fmt.Sprintf("missing data '%s': stage '%s' is frozen, so it is not run to make it (genie pull restores it; or unfreeze the stage)", e.Path, e.Stage)
	}
	return fmt.Sprintf("output '%s' does not exist: stage '%s' ran but did not create it (check the path in dvc.yaml and the command)", e.Path, e.Stage)
}

// logf writes one engine message line atomically.
func (r *Repo) logf(format string, args ...any) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	fmt.Fprintf(r.Stdout, format+"\n", args...)
}

// Reproduce runs the pipeline like `dvc repro`, with optional parallelism.
func (r *Repo) Reproduce(ctx context.Context, opts ReproOptions) (*ReproResult, error) {
	var targets []*Stage
	if opts.AllPipelines {
		targets = append(targets, r.Project.Stages...)
	} else if len(opts.Targets) == 0 {
		for _, s := range r.Project.Stages {
			if s.DvcFile == DvcYAML {
				targets = append(targets, s)
			}
		}
		if len(targets) == 0 {
			// As DVC: without targets the root's dvc.yaml is the target.
			p := filepath.Join(r.Root, DvcYAML)
			if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("failed to reproduce: %s does not exist (name a target, or -P for every dvc.yaml below %s)", p, r.Root)
			}
		}
	} else {
		ts, err := r.Project.Resolve(opts.Targets)
		if err != nil {
			return nil, err
		}
		targets = ts
	}
	if opts.Pipeline && !opts.AllPipelines {
		in := map[*Stage]bool{}
		for _, t := range targets {
			in[t] = true
		}
		var all []*Stage
		for _, comp := range r.Graph.Components() {
			hit := false
			for _, s := range comp {
				hit = hit || in[s]
			}
			if hit {
				all = append(all, comp...)
			}
		}
		targets = all
	}
	plan := r.Graph.Plan(targets, opts.Single, opts.Downstream)
	r.mu.Lock()
	r.planIdx = map[string]int{}
	for i, s := range plan {
		r.planIdx[s.Addr] = i
	}
	r.mu.Unlock()
	if !opts.Dry {
		wait := opts.LockWait
		if wait == 0 {
			wait = 3 * time.Second
		}
		lk, err := AcquireRepoLock(ctx, r.Root, wait)
		if err != nil {
			return nil, err
		}
		defer lk.Release()
	}
	if opts.Pull && !opts.Dry {
		rem, err := r.OpenRemote("")
		if err != nil {
			return nil, fmt.Errorf("--pull: %w", err)
		}
		if _, err := r.Fetch(ctx, rem); err != nil && ctx.Err() != nil {
			return nil, err
		} else if err != nil {
			r.logf("WARNING: --pull: %v", err)
		}
	}
	if !opts.Force {
		r.prefetch(ctx, plan)
	}
	jobs := max(opts.Jobs, 1)
	res := &ReproResult{}
	err := r.schedule(ctx, plan, opts, jobs, res)
	if err == nil && len(res.Ran) == 0 && len(res.Failed) == 0 {
		r.logf("Data and pipelines are up to date.")
	} else if err == nil && len(res.Ran) > 0 && !opts.Dry && !opts.NoCommit {
		r.logf("Use `genie push` to send your updates to remote storage.")
	}
	return res, err
}

type stageState int

const (
	statePending stageState = iota
	stateRunning
	stateDone    // succeeded (ran or skipped as unchanged)
	stateFailed  // failed
	stateSkipped // not attempted (dependent of a failure, or stopped)
)

// schedule runs plan with up to jobs stages at once. A stage starts when
// every upstream stage in the plan is done.
func (r *Repo) schedule(ctx context.Context, plan []*Stage, opts ReproOptions, jobs int, res *ReproResult) error {
	inPlan := map[*Stage]int{}
	for i, s := range plan {
		inPlan[s] = i
	}
	state := make([]stageState, len(plan))
	forced := make([]bool, len(plan))
	for i := range forced {
		forced[i] = opts.Force
	}
	ups := make([][]int, len(plan))
	for i, s := range plan {
		if opts.Single && jobs == 1 {
			continue // -s -j 1: exactly the given order, like DVC
		}
		for _, u := range r.Graph.activeUpstream(s) {
			if j, ok := inPlan[u]; ok {
				ups[i] = append(ups[i], j)
			}
		}
	}
	type result struct {
		i   int
		ran bool
		err error
	}
	done := make(chan result)
	running := 0
	stopped := false
	var failed []string
	var errs []error
	var skippedBy = map[int]bool{}
	// markSkipped skips every transitive dependent of i.
	var markSkipped func(i int)
	markSkipped = func(i int) {
		for k := range plan {
			if state[k] != statePending {
				continue
			}
			for _, u := range ups[k] {
				if u == i {
					state[k] = stateSkipped
					skippedBy[k] = true
					res.Skipped = append(res.Skipped, plan[k].Addr)
					markSkipped(k)
					break
				}
			}
		}
	}
	ready := func(i int) bool {
		for _, u := range ups[i] {
			switch state[u] {
			case stateDone:
			case stateFailed:
				if !opts.IgnoreErrors {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	for {
		if !stopped && ctx.Err() == nil {
			for i := range plan {
				if running >= jobs {
					break
				}
				if state[i] != statePending || !ready(i) {
					continue
				}
				state[i] = stateRunning
				running++
				go func(i int, force bool) {
					ran, err := r.reproStage(ctx, plan[i], opts, force, jobs > 1)
					done <- result{i, ran, err}
				}(i, forced[i])
				if jobs == 1 {
					break
				}
			}
		}
		if running == 0 {
			break
		}
		rs := <-done
		running--
		s := plan[rs.i]
		if rs.err != nil {
			state[rs.i] = stateFailed
			failed = append(failed, s.Addr)
			errs = append(errs, rs.err)
			res.Failed = append(res.Failed, s.Addr)
			switch {
			case opts.IgnoreErrors:
				r.logf("ERROR: failed to reproduce '%s': %v", s.Addr, rs.err)
			case opts.KeepGoing:
				r.logf("ERROR: failed to reproduce '%s': %v", s.Addr, rs.err)
				markSkipped(rs.i)
			default:
				stopped = true
			}
			continue
		}
		state[rs.i] = stateDone
		if rs.ran {
			res.Ran = append(res.Ran, s.Addr)
		}
		if opts.ForceDownstream && (rs.ran || forced[rs.i]) {
			for k := range plan {
				for _, u := range ups[k] {
					if u == rs.i {
						forced[k] = true
					}
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(failed) > 0 && !opts.IgnoreErrors {
		return &ReproError{Stages: failed, Errs: errs}
	}
	return nil
}

// reproStage reproduces one stage; ran reports whether it ran or was restored.
func (r *Repo) reproStage(ctx context.Context, s *Stage, opts ReproOptions, force, parallel bool) (bool, error) {
	lock, err := r.LockEntry(s)
	if err != nil {
		return false, err
	}
	if s.Frozen {
		r.logf("Stage '%s' is frozen. Its dependencies are not going to be reproduced.", s.Addr)
	}
	var status *StageStatus
	if !force {
		status, err = r.StageStatus(ctx, s)
		if err != nil {
			return false, err
		}
		if !status.needsRun(s) || (opts.AllowMissing && status.onlyMissingData()) {
			r.logf("Stage '%s' didn't change, skipping", s.Addr)
			return false, nil
		}
	}
	if s.Frozen {
		// DVC never runs a frozen stage's command: it verifies the outputs
		// and records them.
		r.logf("Verifying outputs in frozen stage: '%s'", s.Addr)
		if opts.Dry {
			return true, nil
		}
		deps, params, err := r.collectDeps(ctx, s)
		if err != nil {
			return false, err
		}
		return true, r.commitStage(ctx, s, deps, params, opts)
	}
	if err := r.checkDeps(s, opts.Dry); err != nil {
		return false, err
	}
	if opts.Dry {
		r.logf("Running stage '%s':", s.Addr)
		for _, l := range s.Lines() {
			r.logf("> %s", l)
		}
		return true, nil
	}
	reads, writes := r.stagePaths(s)
	if err := rwlockAcquire(r.Root, "genie repro "+s.Addr, reads, writes); err != nil {
		return false, fmt.Errorf("stage '%s': %w", s.Addr, err)
	}
	defer rwlockRelease(r.Root, reads, writes)

	// Hash deps before running (what the command read), once.
	deps, params, err := r.collectDeps(ctx, s)
	if err != nil {
		return false, err
	}
	if err := r.removeOuts(s); err != nil {
		return false, err
	}
	if !force && canRunCache(s) {
		restored, err := r.tryRestore(ctx, s, lock, status, deps, params, opts)
		if err != nil {
			return false, err
		}
		if restored {
			return true, nil
		}
	}
	r.logf("Running stage '%s':", s.Addr)
	if p := r.Hasher.Progress; p != nil {
		p.Stage(s.Addr, true)
		defer p.Stage(s.Addr, false)
	}
	start := time.Now()
	if err := r.runCmd(ctx, s, parallel); err != nil {
		return false, err
	}
	ran := time.Since(start)
	if err := r.commitStage(ctx, s, deps, params, opts); err != nil {
		return false, err
	}
	// Not a DVC line: how long the command took, for the user and for
	// reports of a pipeline's time per stage.
	r.logf("Stage '%s' finished in %s", s.Addr, ran.Round(100*time.Millisecond))
	return true, nil
}

// stagePaths lists the absolute paths a stage reads (deps and params
// files) and writes (outs), as DVC records them in its rwlock.
func (r *Repo) stagePaths(s *Stage) (reads, writes []string) {
	for _, d := range s.Deps {
		reads = append(reads, d.Abs)
	}
	for _, p := range s.Params {
		reads = append(reads, p.Abs)
	}
	for _, o := range s.Outs {
		writes = append(writes, o.Abs)
	}
	return reads, writes
}

// checkDeps reports a missing dependency with the stage that produces it.
// In a dry run a dep another stage would produce is fine.
func (r *Repo) checkDeps(s *Stage, dry bool) error {
	for _, d := range s.Deps {
		if _, err := os.Stat(d.Abs); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("stage '%s': dependency '%s': %w", s.Addr, d.Path, err)
		}
		var producer string
		for _, o := range r.Project.Stages {
			for _, out := range o.Outs {
				if pathWithin(d.Abs, out.Abs) || pathWithin(out.Abs, d.Abs) {
					producer = o.Addr
				}
			}
		}
		if producer != "" && dry {
			continue
		}
		if producer != "" {
			return fmt.Errorf("stage '%s': missing dependency '%s': it is produced by stage '%s', which has not produced it yet (run `genie repro %s` first, or drop -s)", s.Addr, r.rel(d.Abs), producer, producer)
		}
		return fmt.Errorf("stage '%s': missing dependency '%s': no stage produces it, and it does not exist (add the file, or `genie pull` it)", s.Addr, r.rel(d.Abs))
	}
	return nil
}

// collectDeps hashes deps and reads params for the lock entry.
func (r *Repo) collectDeps(ctx context.Context, s *Stage) ([]LockEntry, *Map, error) {
	deps := make([]LockEntry, len(s.Deps))
	errs := make([]error, len(s.Deps))
	var wg sync.WaitGroup
	for i, d := range s.Deps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hi, err := r.hashPath(ctx, d.Abs)
			if err != nil {
				errs[i] = fmt.Errorf("stage '%s': dependency '%s': %w", s.Addr, d.Path, err)
				return
			}
			deps[i] = entryFromHash(d.Path, hi)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	sortLockEntries(deps)
	params := NewMap()
	for _, pd := range s.Params {
		m, err := r.readParams(pd.Abs)
		if err != nil {
			return nil, nil, fmt.Errorf("stage '%s': %w", s.Addr, err)
		}
		vals := NewMap()
		if pd.Keys == nil {
			for _, k := range m.Keys() {
				v, _ := m.Get(k)
				vals.Set(k, v)
			}
		} else {
			var missing []string
			for _, k := range pd.Keys {
				v, ok := LookupParam(m, k)
				if !ok {
					missing = append(missing, k)
					continue
				}
				vals.Set(k, v)
			}
			if len(missing) > 0 {
				return nil, nil, fmt.Errorf("stage '%s': parameters '%s' are missing from '%s'", s.Addr, strings.Join(missing, "', '"), pd.File)
			}
		}
		params.Set(pd.File, vals)
	}
	return deps, paramsForLock(params), nil
}

// removeOuts deletes outputs before a run; persist outputs are kept (and
// made writable copies if they were links into the cache).
func (r *Repo) removeOuts(s *Stage) error {
	for _, o := range s.Outs {
		if o.Persist {
			if err := unprotect(o.Abs); err != nil {
				return fmt.Errorf("stage '%s': unprotect '%s': %w", s.Addr, o.Path, err)
			}
			continue
		}
		if err := os.RemoveAll(o.Abs); err != nil {
			return fmt.Errorf("stage '%s': remove output '%s': %w", s.Addr, o.Path, err)
		}
		r.Hasher.Invalidate(o.Abs)
	}
	return nil
}

// unprotect replaces links into the cache with writable copies.
func unprotect(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	fix := func(p string, fi os.FileInfo) error {
		st, _ := fi.Sys().(*syscall.Stat_t)
		if fi.Mode()&os.ModeSymlink == 0 && (st == nil || st.Nlink <= 1) && fi.Mode().Perm()&0o200 != 0 {
			return nil
		}
		tmp := p + ".genie-unprotect"
		if err := copyFile(context.Background(), p, tmp); err != nil {
			return err
		}
		return os.Rename(tmp, p)
	}
	if !fi.IsDir() {
		return fix(path, fi)
	}
	return filepath.Walk(path, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		lfi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		return fix(p, lfi)
	})
}

// tryRestore checks outputs out of the cache instead of running, when the
// lock entry still matches or the run-cache has an entry.
func (r *Repo) tryRestore(ctx context.Context, s *Stage, lock *StageLock, status *StageStatus, deps []LockEntry, params *Map, opts ReproOptions) (bool, error) {
	var cached *StageLock
	if lock != nil && status != nil && !status.ChangedCmd && status.ChangedDeps.Len() == 0 && len(lock.Outs) > 0 {
		all := true
		for _, o := range s.Outs {
			found := false
			for _, e := range lock.Outs {
				if e.Path == o.Path && e.MD5 != "" && !e.Legacy() {
					found = true
				}
			}
			all = all && found
		}
		if all {
			cached = lock
		}
	}
	if cached == nil && !opts.NoRunCache {
		probe := &StageLock{Cmd: s.Cmd, Deps: deps, Params: params}
		for _, o := range s.Outs {
			probe.Outs = append(probe.Outs, LockEntry{Path: o.Path})
		}
		sortLockEntries(probe.Outs)
		c, err := r.Cache.LoadRun(probe)
		if err != nil {
			return false, err
		}
		cached = c
	}
	if cached == nil {
		return false, nil
	}
	byPath := map[string]LockEntry{}
	for _, e := range cached.Outs {
		byPath[e.Path] = e
	}
	for _, o := range s.Outs {
		e, ok := byPath[o.Path]
		if !ok || !o.Cache || !r.Cache.Has(ctx, e.MD5) {
			return false, nil
		}
	}
	for _, o := range s.Outs {
		e := byPath[o.Path]
		if err := r.Cache.Checkout(ctx, r.Hasher, o.Abs, e.Info()); err != nil {
			return false, fmt.Errorf("stage '%s': %w", s.Addr, err)
		}
		if err := r.addGitignore(o.Abs); err != nil {
			return false, err
		}
	}
	r.logf("Stage '%s' is cached - skipping run, checking out outputs", s.Addr)
	entry := &StageLock{Cmd: s.Cmd, Deps: deps, Params: params}
	for _, o := range s.Outs {
		entry.Outs = append(entry.Outs, byPath[o.Path])
	}
	sortLockEntries(entry.Outs)
	return true, r.writeLock(s, entry)
}

func (r *Repo) addGitignore(path string) error {
	r.gitMu.Lock()
	defer r.gitMu.Unlock()
	return addGitignore(r.Root, path)
}

// runCmd runs each command line with $SHELL -c in the stage's wdir.
func (r *Repo) runCmd(ctx context.Context, s *Stage, parallel bool) error {
	shell := os.Getenv("SHELL")
	if shell == "" {
		shell = "/bin/sh"
	}
	env := append(append(os.Environ(), r.Env...), "DVC_ROOT="+r.Root, "DVC_STAGE="+s.Addr)
	for _, line := range s.Lines() {
		r.logf("> %s", line)
		cmd := exec.CommandContext(ctx, shell, "-c", line)
		cmd.Dir = s.Wdir
		cmd.Env = env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
		cmd.WaitDelay = 5 * time.Second
		var flush []func()
		if parallel {
			ow := &prefixWriter{r: r, w: r.Stdout, prefix: "[" + s.Addr + "] "}
			ew := &prefixWriter{r: r, w: r.Stderr, prefix: "[" + s.Addr + "] "}
			cmd.Stdout, cmd.Stderr = ow, ew
			flush = append(flush, ow.Flush, ew.Flush)
		} else {
			cmd.Stdout, cmd.Stderr = r.Stdout, r.Stderr
		}
		err := cmd.Run()
		for _, f := range flush {
			f()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return &RunError{Cmd: line, ExitCode: ee.ExitCode()}
			}
			return fmt.Errorf("failed to run: %s: %w", line, err)
		}
	}
	return nil
}

// prefixWriter prefixes each complete output line with the stage name.
type prefixWriter struct {
	r      *Repo
	w      io.Writer
	prefix string
	mu     sync.Mutex
	buf    bytes.Buffer
}

// Write buffers b and emits each complete line with the prefix.
func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	for {
		i := bytes.IndexByte(p.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		line := p.buf.Next(i + 1)
		p.r.outMu.Lock()
		io.WriteString(p.w, p.prefix)
		p.w.Write(line)
		p.r.outMu.Unlock()
	}
	return len(b), nil
}

// Flush writes a trailing partial line.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.buf.Len() == 0 {
		return
	}
	p.r.outMu.Lock()
	io.WriteString(p.w, p.prefix)
	p.w.Write(p.buf.Bytes())
	io.WriteString(p.w, "\n")
	p.r.outMu.Unlock()
	p.buf.Reset()
}

// commitStage hashes outputs, saves them to the cache and run-cache, and
// writes the lock entry.
func (r *Repo) commitStage(ctx context.Context, s *Stage, deps []LockEntry, params *Map, opts ReproOptions) error {
	entry := &StageLock{Cmd: s.Cmd, Deps: deps, Params: params}
	type outHash struct {
		hi      HashInfo
		entries []DirEntry
	}
	hashes := make([]outHash, len(s.Outs))
	for i, o := range s.Outs {
		r.Hasher.Invalidate(o.Abs)
		r.forgetParams(o.Abs)
		fi, err := os.Stat(o.Abs)
		if errors.Is(err, os.ErrNotExist) {
			return &MissingOutputError{Stage: s.Addr, Path: o.Path, Frozen: s.Frozen}
		}
		if err != nil {
			return fmt.Errorf("stage '%s': output '%s': %w", s.Addr, o.Path, err)
		}
		if fi.IsDir() {
			hi, ents, err := r.Hasher.Manifest(ctx, o.Abs)
			if err != nil {
				return fmt.Errorf("stage '%s': hash output '%s': %w", s.Addr, o.Path, err)
			}
			hashes[i] = outHash{hi, ents}
		} else {
			hi, err := r.hashPath(ctx, o.Abs)
			if err != nil {
				return fmt.Errorf("stage '%s': hash output '%s': %w", s.Addr, o.Path, err)
			}
			hashes[i] = outHash{hi: hi}
		}
		entry.Outs = append(entry.Outs, entryFromHash(o.Path, hashes[i].hi))
	}
	sortLockEntries(entry.Outs)
	if !opts.NoCommit {
		allCached := true
		for i, o := range s.Outs {
			if !o.Cache {
				allCached = false
				continue
			}
			if err := r.Cache.Commit(ctx, o.Abs, hashes[i].hi, hashes[i].entries); err != nil {
				return fmt.Errorf("stage '%s': commit output '%s': %w", s.Addr, o.Path, err)
			}
			r.Hasher.Invalidate(o.Abs)
			if err := r.addGitignore(o.Abs); err != nil {
				return err
			}
		}
		if allCached && canRunCache(s) {
			if err := r.Cache.SaveRun(entry); err != nil {
				return fmt.Errorf("stage '%s': %w", s.Addr, err)
			}
		}
	}
	return r.writeLock(s, entry)
}

// writeLock stores a stage entry and rewrites its dvc.lock. Entries new to
// the lock are kept in stage-definition order, so -j N writes the same lock
// as -j 1.
func (r *Repo) writeLock(s *Stage, entry *StageLock) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	lf, err := r.lockfileLocked(s.DvcFile)
	if err != nil {
		return err
	}
	if _, ok := lf.Stages[s.Name]; !ok {
		r.newLock[s.Addr] = true
	}
	before := lf.Bytes()
	lf.Set(s.Name, entry)
	// reorder the entries this run added by stage order
	var newIdx []int
	for i, n := range lf.Names {
		addr := n
		if s.DvcFile != DvcYAML {
			addr = s.DvcFile + ":" + n
		}
		if r.newLock[addr] {
			newIdx = append(newIdx, i)
		}
	}
	names := make([]string, len(newIdx))
	for k, i := range newIdx {
		names[k] = lf.Names[i]
	}
	order := func(n string) int {
		addr := n
		if s.DvcFile != DvcYAML {
			addr = s.DvcFile + ":" + n
		}
		if i, ok := r.planIdx[addr]; ok {
			return i
		}
		return 1 << 30
	}
	sort.SliceStable(names, func(a, b int) bool { return order(names[a]) < order(names[b]) })
	for k, i := range newIdx {
		lf.Names[i] = names[k]
	}
	// DVC's lines: generating a new lock file, updating a changed one;
	// nothing when the entry is what it was (restored from the run-cache).
	switch _, err := os.Stat(lf.Path); {
	case errors.Is(err, os.ErrNotExist):
		r.logf("Generating lock file '%s'", relTo(r.Root, lf.Path))
	case !bytes.Equal(before, lf.Bytes()):
		r.logf("Updating lock file '%s'", relTo(r.Root, lf.Path))
	}
	return lf.Write()
}

// Commit records the workspace's current deps, params and outputs of the
// given stages (default: all) in dvc.lock and the cache without running
// anything, like `dvc commit`.
func (r *Repo) Commit(ctx context.Context, targets []string) error {
	stages := r.Project.Stages
	if len(targets) > 0 {
		ts, err := r.Project.Resolve(targets)
		if err != nil {
			return err
		}
		stages = ts
	}
	lk, err := AcquireRepoLock(ctx, r.Root, 3*time.Second)
	if err != nil {
		return err
	}
	defer lk.Release()
	r.mu.Lock()
	r.planIdx = map[string]int{}
	for i, s := range stages {
		r.planIdx[s.Addr] = i
	}
	r.mu.Unlock()
	for _, s := range stages {
		if err := r.checkDeps(s, false); err != nil {
			return err
		}
		deps, params, err := r.collectDeps(ctx, s)
		if err != nil {
			return err
		}
		if err := r.commitStage(ctx, s, deps, params, ReproOptions{}); err != nil {
			if me := (*MissingOutputError)(nil); errors.As(err, &me) {
				return fmt.Errorf("commit stage '%s': output '%s' does not exist: nothing to record (genie repro %s makes it)", s.Addr, me.Path, s.Addr)
			}
			return fmt.Errorf("commit stage '%s': %w", s.Addr, err)
		}
	}
	return nil
}
