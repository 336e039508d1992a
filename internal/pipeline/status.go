package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// Status values for deps and outs.
const (
	StatusModified   = "modified"
	StatusDeleted    = "deleted"
	StatusNew        = "new"
	StatusNotInCache = "not in cache"
)

// StageStatus is what changed in one stage, in DVC's order.
type StageStatus struct {
	Addr          string
	ChangedDeps   *Map // path -> status, or params file -> *Map(key -> status) / "deleted"
	ChangedOuts   *Map // path -> status
	AlwaysChanged bool
	ChangedCmd    bool
}

// Changed reports whether anything is listed.
func (s *StageStatus) Changed() bool {
	return s.ChangedDeps.Len() > 0 || s.ChangedOuts.Len() > 0 || s.AlwaysChanged || s.ChangedCmd
}

// needsRun reports DVC's Stage.changed(): like Changed, but a frozen stage
// ignores its deps (and so "always changed").
func (s *StageStatus) needsRun(st *Stage) bool {
	if s.ChangedCmd || s.ChangedOuts.Len() > 0 {
		return true
	}
	if st.Frozen {
		return false
	}
	return s.AlwaysChanged || s.ChangedDeps.Len() > 0
}

// onlyMissingData reports changes that are only absent data (deleted or
// not-in-cache outputs, deleted deps): what --allow-missing tolerates.
func (s *StageStatus) onlyMissingData() bool {
	if s.ChangedCmd || s.AlwaysChanged {
		return false
	}
	for _, k := range s.ChangedDeps.Keys() {
		if v, _ := s.ChangedDeps.Get(k); v != StatusDeleted {
			return false
		}
	}
	for _, k := range s.ChangedOuts.Keys() {
		if v, _ := s.ChangedOuts.Get(k); v != StatusDeleted && v != StatusNotInCache {
			return false
		}
	}
	return true
}

// cmdEqual compares a stage command with the lock's, exactly.
func cmdEqual(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []string:
		y, ok := b.([]string)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return false
}

// StageStatus computes the status of s against its lock entry.
func (r *Repo) StageStatus(ctx context.Context, s *Stage) (*StageStatus, error) {
	lock, err := r.LockEntry(s)
	if err != nil {
		return nil, err
	}
	st := &StageStatus{Addr: s.Addr, ChangedDeps: NewMap(), ChangedOuts: NewMap()}
	if !s.Frozen {
		if err := r.depsStatus(ctx, s, lock, st.ChangedDeps); err != nil {
			return nil, err
		}
	}
	for _, o := range s.Outs {
		var e *LockEntry
		if lock != nil {
			for i := range lock.Outs {
				if lock.Outs[i].Path == o.Path {
					e = &lock.Outs[i]
				}
			}
		}
		state, err := r.outStatus(ctx, o, e)
		if err != nil {
			return nil, fmt.Errorf("stage '%s': %w", s.Addr, err)
		}
		if state != "" {
			st.ChangedOuts.Set(o.Path, state)
		}
	}
	st.AlwaysChanged = s.AlwaysChanged || s.IsCallback()
	st.ChangedCmd = lock != nil && !cmdEqual(s.Cmd, lock.Cmd)
	return st, nil
}

func (r *Repo) outStatus(ctx context.Context, o Out, e *LockEntry) (string, error) {
	if e != nil && e.MD5 != "" && o.Cache && !e.Legacy() {
		// Fast path: an unchanged directory's manifest is the workspace's.
		inCache := false
		if e.Info().IsDir {
			if fi, err := os.Stat(o.Abs); err == nil && fi.IsDir() {
				hi, entries, err := r.Hasher.Manifest(ctx, o.Abs)
				if err == nil && hi.MD5 == e.MD5 {
					inCache = r.Cache.HasEntries(ctx, e.MD5, entries)
					if inCache {
						return "", nil
					}
					return StatusNotInCache, nil
				}
			}
		}
		if !inCache && !r.Cache.Has(ctx, e.MD5) {
			return StatusNotInCache, nil
		}
	}
	if _, err := os.Stat(o.Abs); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return StatusDeleted, nil
		}
		return "", fmt.Errorf("output '%s': %w", o.Path, err)
	}
	if e == nil || e.MD5 == "" {
		return StatusModified, nil
	}
	ok, err := r.matches(ctx, o.Abs, *e)
	if err != nil {
		return "", fmt.Errorf("output '%s': %w", o.Path, err)
	}
	if !ok {
		return StatusModified, nil
	}
	if e.Legacy() && o.Cache && !r.Cache.Has(ctx, e.MD5) {
		return StatusNotInCache, nil
	}
	return "", nil
}

func (r *Repo) depsStatus(ctx context.Context, s *Stage, lock *StageLock, out *Map) error {
	for _, d := range s.Deps {
		var e *LockEntry
		if lock != nil {
			for i := range lock.Deps {
				if lock.Deps[i].Path == d.Path {
					e = &lock.Deps[i]
				}
			}
		}
		if _, err := os.Stat(d.Abs); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				out.Set(d.Path, StatusDeleted)
				continue
			}
			return fmt.Errorf("stage '%s': dependency '%s': %w", s.Addr, d.Path, err)
		}
		if e == nil || e.MD5 == "" {
			out.Set(d.Path, StatusModified)
			continue
		}
		ok, err := r.matches(ctx, d.Abs, *e)
		if err != nil {
			return fmt.Errorf("stage '%s': dependency '%s': %w", s.Addr, d.Path, err)
		}
		if !ok {
			out.Set(d.Path, StatusModified)
		}
	}
	for _, pd := range s.Params {
		var info *Map
		if lock != nil {
			if v, ok := lock.Params.Get(pd.File); ok {
				info, _ = v.(*Map)
			}
		}
		if info == nil {
			info = NewMap()
		}
		actual, err := r.readParams(pd.Abs)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				out.Set(pd.File, StatusDeleted)
				continue
			}
			return fmt.Errorf("stage '%s': %w", s.Addr, err)
		}
		keys := pd.Keys
		if keys == nil {
			keys = actual.Keys()
			for _, k := range info.Keys() {
				if _, ok := actual.Get(k); !ok {
					keys = append(keys, k)
				}
			}
		}
		states := NewMap()
		for _, k := range keys {
			var av any
			var aok bool
			if pd.Keys == nil {
				av, aok = actual.Get(k)
			} else {
				av, aok = LookupParam(actual, k)
			}
			iv, iok := info.Get(k)
			switch {
			case !aok:
				states.Set(k, StatusDeleted)
			case !iok:
				states.Set(k, StatusNew)
			case !PyEqual(av, iv):
				states.Set(k, StatusModified)
			}
		}
		if states.Len() > 0 {
			out.Set(pd.File, states)
		}
	}
	return nil
}

// Status computes the status of the given stages (default: all stages).
func (r *Repo) Status(ctx context.Context, targets []string) ([]*StageStatus, error) {
	stages := r.Project.Stages
	if len(targets) > 0 {
		ts, err := r.Project.Resolve(targets)
		if err != nil {
			return nil, err
		}
		stages = r.Graph.Plan(ts, false, false)
	}
	r.prefetch(ctx, stages)
	var out []*StageStatus
	for _, s := range stages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := r.StageStatus(ctx, s)
		if err != nil {
			return nil, err
		}
		if st.Changed() {
			out = append(out, st)
		}
	}
	return out, nil
}

const statusIndent = "\t"
const statusLen = 20

// WriteStatusText prints statuses like `dvc status`.
func WriteStatusText(w io.Writer, sts []*StageStatus) error {
	if len(sts) == 0 {
		_, err := fmt.Fprintln(w, "Data and pipelines are up to date.")
		return err
	}
	var b strings.Builder
	for _, st := range sts {
		fmt.Fprintf(&b, "%s:\n", st.Addr)
		if st.ChangedDeps.Len() > 0 {
			b.WriteString(statusIndent + "changed deps:\n")
			writeStatusMap(&b, st.ChangedDeps, 2)
		}
		if st.ChangedOuts.Len() > 0 {
			b.WriteString(statusIndent + "changed outs:\n")
			writeStatusMap(&b, st.ChangedOuts, 2)
		}
		if st.AlwaysChanged {
			b.WriteString(statusIndent + "always changed\n")
		}
		if st.ChangedCmd {
			b.WriteString(statusIndent + "changed command\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeStatusMap(b *strings.Builder, m *Map, indent int) {
	ind := strings.Repeat(statusIndent, indent)
	for _, k := range m.Keys() {
		v, _ := m.Get(k)
		switch x := v.(type) {
		case string:
			fmt.Fprintf(b, "%s%-*s%s\n", ind, statusLen, x+":", k)
		case *Map:
			if x.Len() > 0 {
				fmt.Fprintf(b, "%s%s:\n", ind, k)
				writeStatusMap(b, x, indent+1)
			}
		}
	}
}

// StatusJSON renders statuses like `dvc status --json`.
func StatusJSON(sts []*StageStatus) ([]byte, error) {
	top := NewMap()
	for _, st := range sts {
		var items []any
		if st.ChangedDeps.Len() > 0 {
			m := NewMap()
			m.Set("changed deps", st.ChangedDeps)
			items = append(items, m)
		}
		if st.ChangedOuts.Len() > 0 {
			m := NewMap()
			m.Set("changed outs", st.ChangedOuts)
			items = append(items, m)
		}
		if st.AlwaysChanged {
			items = append(items, "always changed")
		}
		if st.ChangedCmd {
			items = append(items, "changed command")
		}
		top.Set(st.Addr, items)
	}
	var raw json.RawMessage = []byte(pyJSON(top, false))
	return json.Marshal(raw)
}

// prefetch hashes every existing dep and output path of stages
// concurrently, so the per-stage checks that follow hit the memo. It must
// finish before any stage runs (it does: it returns when done).
func (r *Repo) prefetch(ctx context.Context, stages []*Stage) {
	seen := map[string]bool{}
	var paths []string
	for _, s := range stages {
		for _, d := range s.Deps {
			if !seen[d.Abs] {
				seen[d.Abs] = true
				paths = append(paths, d.Abs)
			}
		}
		for _, o := range s.Outs {
			if !seen[o.Abs] {
				seen[o.Abs] = true
				paths = append(paths, o.Abs)
			}
		}
	}
	if len(paths) < 2 {
		return
	}
	sem := make(chan struct{}, r.Hasher.workers())
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fi, err := os.Stat(p)
			if err != nil {
				return
			}
			if fi.IsDir() {
				r.Hasher.Manifest(ctx, p)
			} else {
				r.Hasher.Hash(ctx, p)
			}
		}()
	}
	wg.Wait()
}
