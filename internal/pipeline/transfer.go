package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/moviegenie/genie/internal/pipeline/remote"
	"github.com/moviegenie/genie/internal/pipeline/remote/local"
	"github.com/moviegenie/genie/internal/pipeline/remote/s3"
)

// OpenRemote returns the named remote (default: core.remote).
func (r *Repo) OpenRemote(name string) (remote.Remote, error) {
	if name == "" {
		d, ok := r.Config.Get("core", "remote")
		if !ok || d == "" {
			return nil, errors.New("no remote specified: set a default with `genie remote add -d NAME URL` or pass -r NAME")
		}
		name = d
	}
	sec := r.Config.Section(fmt.Sprintf("remote \"%s\"", name))
	u, ok := sec["url"]
	if !ok || u == "" {
		return nil, fmt.Errorf("remote '%s' is not configured (no url in .dvc/config)", name)
	}
	if strings.HasPrefix(u, "s3://") {
		return s3.New(u, s3.Options{
			Endpoint:     sec["endpointurl"],
			AccessKey:    sec["access_key_id"],
			SecretKey:    sec["secret_access_key"],
			SessionToken: sec["session_token"],
			Region:       sec["region"],
		})
	}
	if i := strings.Index(u, "://"); i >= 0 && !strings.HasPrefix(u, "file://") {
		return nil, fmt.Errorf("remote '%s': unsupported url scheme %q (supported: local paths and s3://)", name, u[:i])
	}
	u = strings.TrimPrefix(u, "file://")
	if !filepath.IsAbs(u) {
		u = filepath.Join(r.Root, ".dvc", filepath.FromSlash(u))
	}
	return local.New(u), nil
}

// objectKey is an object's key in a remote ("files/md5/ab/cdef…").
func objectKey(md5 string) string { return "files/md5/" + md5[:2] + "/" + md5[2:] }

// usedOut is a cached output referenced by a lock file.
type usedOut struct {
	stage *Stage
	out   Out
	entry LockEntry
}

// usedOuts lists every cached output of every stage with a lock entry, and
// of every .dvc file.
func (r *Repo) usedOuts(pushOnly bool) ([]usedOut, error) {
	var out []usedOut
	for _, s := range r.Project.Stages {
		lock, err := r.LockEntry(s)
		if err != nil {
			return nil, err
		}
		if lock == nil {
			continue
		}
		for _, o := range s.Outs {
			if !o.Cache || (pushOnly && !o.Push) {
				continue
			}
			for _, e := range lock.Outs {
				if e.Path == o.Path && e.MD5 != "" {
					out = append(out, usedOut{s, o, e})
				}
			}
		}
	}
	tracked, err := r.dvcFileOuts()
	if err != nil {
		return nil, err
	}
	for _, u := range tracked {
		if u.out.Cache && (!pushOnly || u.out.Push) {
			out = append(out, u)
		}
	}
	return out, nil
}

// TransferStats counts transferred objects.
type TransferStats struct {
	Transferred, Skipped, Missing int
}

// transferJobs is how many objects move at once.
const transferJobs = 8

// forEach runs fn over items on transferJobs goroutines; the first error
// cancels the rest.
func forEach(ctx context.Context, items []string, fn func(ctx context.Context, md5 string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, transferJobs)
	var wg sync.WaitGroup
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, it); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// transferCounter counts objects, safely across goroutines.
type transferCounter struct {
	mu      sync.Mutex
	st      TransferStats
	missing map[string]bool // objects not found (Fetch)
}

// missingMD5 records an object the remote does not have.
func (c *transferCounter) missingMD5(md5 string) {
	c.mu.Lock()
	if c.missing == nil {
		c.missing = map[string]bool{}
	}
	c.missing[md5] = true
	c.st.Missing++
	c.mu.Unlock()
}

func (c *transferCounter) add(transferred, skipped, missing int) {
	c.mu.Lock()
	c.st.Transferred += transferred
	c.st.Skipped += skipped
	c.st.Missing += missing
	c.mu.Unlock()
}

// remoteGroup is the outputs that go to one remote.
type remoteGroup struct {
	rem  remote.Remote
	used []usedOut
}

// byRemote splits used by the outputs' remote: flag, as DVC does: an
// output naming a remote goes there, the others to def (the -r remote or
// core.remote).
func (r *Repo) byRemote(used []usedOut, def remote.Remote) ([]remoteGroup, error) {
	groups := []remoteGroup{{rem: def}}
	idx := map[string]int{"": 0}
	for _, u := range used {
		i, ok := idx[u.out.Remote]
		if !ok {
			rem, err := r.OpenRemote(u.out.Remote)
			if err != nil {
				return nil, fmt.Errorf("stage '%s': output '%s': %w", u.stage.Addr, u.out.Path, err)
			}
			i = len(groups)
			idx[u.out.Remote] = i
			groups = append(groups, remoteGroup{rem: rem})
		}
		groups[i].used = append(groups[i].used, u)
	}
	return groups, nil
}

// add sums transfer statistics.
func (t *TransferStats) add(o TransferStats) {
	t.Transferred += o.Transferred
	t.Skipped += o.Skipped
	t.Missing += o.Missing
}

// Push uploads cached outputs to the remote (or the one an output's
// remote: flag names), several objects at once; a .dir object goes up
// only after all its files are there.
func (r *Repo) Push(ctx context.Context, rem remote.Remote) (TransferStats, error) {
	var total TransferStats
	used, err := r.usedOuts(true)
	if err != nil {
		return total, err
	}
	groups, err := r.byRemote(used, rem)
	if err != nil {
		return total, err
	}
	for _, g := range groups {
		st, err := r.pushTo(ctx, g.rem, g.used)
		total.add(st)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// pushTo uploads used's objects to rem.
func (r *Repo) pushTo(ctx context.Context, rem remote.Remote, used []usedOut) (TransferStats, error) {
	var cnt transferCounter
	seen := map[string]bool{}
	var files, dirs []string
	dirFiles := map[string][]string{}
	for _, u := range used {
		m := u.entry.MD5
		if seen[m] {
			continue
		}
		seen[m] = true
		if !u.entry.Info().IsDir {
			files = append(files, m)
			continue
		}
		dirs = append(dirs, m)
		entries, err := r.Cache.ReadManifest(ctx, m)
		if err != nil {
			continue // counted as missing below
		}
		for _, e := range entries {
			dirFiles[m] = append(dirFiles[m], e.MD5)
			if !seen[e.MD5] {
				seen[e.MD5] = true
				files = append(files, e.MD5)
			}
		}
	}
	var mu sync.Mutex
	ok := map[string]bool{}
	put := func(ctx context.Context, md5 string) error {
		p, found := r.Cache.find(ctx, md5)
		if !found {
			cnt.add(0, 0, 1)
			return nil
		}
		exists, err := rem.Exists(ctx, objectKey(md5))
		if err != nil {
			return err
		}
		if exists {
			cnt.add(0, 1, 0)
		} else {
			if err := rem.Upload(ctx, objectKey(md5), p); err != nil {
				return err
			}
			cnt.add(1, 0, 0)
		}
		mu.Lock()
		ok[md5] = true
		mu.Unlock()
		return nil
	}
	if err := forEach(ctx, files, put); err != nil {
		return cnt.st, err
	}
	var readyDirs []string
	for _, d := range dirs {
		complete := true
		if _, found := r.Cache.find(ctx, d); !found {
			complete = false
		}
		for _, f := range dirFiles[d] {
			complete = complete && ok[f]
		}
		if complete {
			readyDirs = append(readyDirs, d)
		} else {
			cnt.add(0, 0, 1) // never upload a .dir whose files are not all there
		}
	}
	if err := forEach(ctx, readyDirs, put); err != nil {
		return cnt.st, err
	}
	if cnt.st.Missing > 0 {
		return cnt.st, fmt.Errorf("push: %d object(s) missing from the local cache (run `genie repro` or `genie pull` first)", cnt.st.Missing)
	}
	return cnt.st, nil
}

// Fetch downloads missing objects of every locked output into the cache
// from rem (or the remote an output's remote: flag names), several at
// once: .dir objects first, then the files they list. Objects the remotes
// lack make a *FetchMissingError after everything else was fetched.
func (r *Repo) Fetch(ctx context.Context, rem remote.Remote) (TransferStats, error) {
	used, err := r.usedOuts(false)
	if err != nil {
		return TransferStats{}, err
	}
	return r.fetch(ctx, rem, used)
}

// fetch is Fetch of the outputs used.
func (r *Repo) fetch(ctx context.Context, rem remote.Remote, used []usedOut) (TransferStats, error) {
	var total TransferStats
	groups, err := r.byRemote(used, rem)
	if err != nil {
		return total, err
	}
	var missing *FetchMissingError
	for _, g := range groups {
		st, err := r.fetchFrom(ctx, g.rem, g.used)
		total.add(st)
		var fm *FetchMissingError
		switch {
		case errors.As(err, &fm) && missing == nil:
			missing = fm
		case errors.As(err, &fm):
			missing.Objects += fm.Objects
			maps.Copy(missing.Outs, fm.Outs)
			missing.Names = append(missing.Names, fm.Names...)
		case err != nil:
			return total, err
		}
	}
	if missing != nil {
		return total, missing
	}
	return total, nil
}

// fetchFrom downloads used's missing objects from rem.
func (r *Repo) fetchFrom(ctx context.Context, rem remote.Remote, used []usedOut) (TransferStats, error) {
	var cnt transferCounter
	get := func(ctx context.Context, md5 string) error {
		if _, ok := r.Cache.find(ctx, md5); ok {
			cnt.add(0, 1, 0)
			return nil
		}
		dst := r.Cache.ObjectPath(md5)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		tmp.Close()
		defer os.Remove(tmp.Name())
		if err := rem.Download(ctx, objectKey(md5), tmp.Name()); err != nil {
			if errors.Is(err, remote.ErrNotFound) {
				cnt.missingMD5(md5)
				return nil
			}
			return err
		}
		got, err := FileMD5(ctx, tmp.Name())
		if err != nil {
			return err
		}
		if got != strings.TrimSuffix(md5, ".dir") {
			return fmt.Errorf("fetch: object %s is corrupted in the remote (content hashes to %s)", md5, got)
		}
		if err := os.Chmod(tmp.Name(), 0o444); err != nil { // cache objects are read-only
			return fmt.Errorf("fetch: %w", err)
		}
		if err := os.Rename(tmp.Name(), dst); err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		cnt.add(1, 0, 0)
		return nil
	}
	seen := map[string]bool{}
	var files, dirs []string
	for _, u := range used {
		if seen[u.entry.MD5] {
			continue
		}
		seen[u.entry.MD5] = true
		if u.entry.Info().IsDir {
			dirs = append(dirs, u.entry.MD5)
		} else {
			files = append(files, u.entry.MD5)
		}
	}
	if err := forEach(ctx, dirs, get); err != nil {
		return cnt.st, err
	}
	dirFiles := map[string][]string{}
	for _, d := range dirs {
		entries, err := r.Cache.ReadManifest(ctx, d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			dirFiles[d] = append(dirFiles[d], e.MD5)
			if !seen[e.MD5] {
				seen[e.MD5] = true
				files = append(files, e.MD5)
			}
		}
	}
	if err := forEach(ctx, files, get); err != nil {
		return cnt.st, err
	}
	if cnt.st.Missing > 0 {
		return cnt.st, missingOutputs(used, cnt.missing, dirFiles)
	}
	return cnt.st, nil
}

// FetchMissingError names the outputs a fetch could not complete because
// the remote lacks some of their objects.
type FetchMissingError struct {
	// Objects is the number of objects missing; Outs the incomplete
	// outputs (their absolute paths) and Names how to show them.
	Objects int
	Outs    map[string]bool
	Names   []string
}

// Error lists the incomplete outputs (the first ten).
func (e *FetchMissingError) Error() string {
	names := e.Names
	more := ""
	if len(names) > 10 {
		names, more = names[:10], fmt.Sprintf(" and %d more", len(e.Names)-10)
	}
	return fmt.Sprintf("fetch: %d object(s) are missing from the remote, so these outputs cannot be checked out: %s%s (push them from a workspace that has them; outputs with push: false are never uploaded)", e.Objects, strings.Join(names, ", "), more)
}

// missingOutputs builds the FetchMissingError of objects missing: an
// output is incomplete when its object, or for a directory its .dir
// object or one of its files, is missing.
func missingOutputs(used []usedOut, missing map[string]bool, dirFiles map[string][]string) error {
	e := &FetchMissingError{Objects: len(missing), Outs: map[string]bool{}}
	for _, u := range used {
		bad := missing[u.entry.MD5]
		for _, f := range dirFiles[u.entry.MD5] {
			bad = bad || missing[f]
		}
		if bad && !e.Outs[u.out.Abs] {
			e.Outs[u.out.Abs] = true
			e.Names = append(e.Names, fmt.Sprintf("'%s' (stage '%s')", u.out.Path, u.stage.Addr))
		}
	}
	return e
}

// Pull fetches then checks out every locked output; when the remote lacks
// some objects, the complete outputs are still checked out and the error
// names the others.
func (r *Repo) Pull(ctx context.Context, rem remote.Remote) (TransferStats, error) {
	used, err := r.usedOuts(false)
	if err != nil {
		return TransferStats{}, err
	}
	st, err := r.fetch(ctx, rem, used)
	var fm *FetchMissingError
	if err != nil && !errors.As(err, &fm) {
		return st, err
	}
	if cerr := r.checkout(ctx, used, fm); cerr != nil {
		return st, cerr
	}
	return st, err
}

// Checkout makes every locked cached output match the cache.
func (r *Repo) Checkout(ctx context.Context) error {
	used, err := r.usedOuts(false)
	if err != nil {
		return err
	}
	return r.checkout(ctx, used, nil)
}

// checkout is Checkout of the outputs used, skipping those skip names
// (nil: none).
func (r *Repo) checkout(ctx context.Context, used []usedOut, skip *FetchMissingError) error {
	for _, u := range used {
		if skip != nil && skip.Outs[u.out.Abs] {
			continue
		}
		if err := r.Cache.Checkout(ctx, r.Hasher, u.out.Abs, u.entry.Info()); err != nil {
			return fmt.Errorf("stage '%s': %w", u.stage.Addr, err)
		}
		if err := r.addGitignore(u.out.Abs); err != nil {
			return err
		}
	}
	return nil
}

// GCStats reports what GC removed.
type GCStats struct {
	Removed int
	Bytes   int64
}

// GC removes cache objects not referenced by the workspace's lock files and
// .dvc files. The run-cache is kept.
func (r *Repo) GC(ctx context.Context) (GCStats, error) {
	var st GCStats
	keep := map[string]bool{}
	var refs []string
	for _, s := range r.Project.Stages {
		lock, err := r.LockEntry(s)
		if err != nil {
			return st, err
		}
		if lock == nil {
			continue
		}
		for _, e := range lock.Outs {
			refs = append(refs, e.MD5)
		}
	}
	// stale lock entries (stages no longer defined) still reference objects
	r.mu.Lock()
	for _, lf := range r.locks {
		for _, n := range lf.Names {
			for _, e := range lf.Stages[n].Outs {
				refs = append(refs, e.MD5)
			}
		}
	}
	r.mu.Unlock()
	dvcFileRefs, err := r.dvcFileRefs()
	if err != nil {
		return st, err
	}
	refs = append(refs, dvcFileRefs...)
	for _, m := range refs {
		if m == "" || keep[m] {
			continue
		}
		keep[m] = true
		if strings.HasSuffix(m, ".dir") {
			if entries, err := r.Cache.ReadManifest(ctx, m); err == nil {
				for _, e := range entries {
					keep[e.MD5] = true
				}
			}
		}
	}
	sweep := func(base string, legacy bool) error {
		ents, err := os.ReadDir(base)
		if err != nil {
			return nil
		}
		for _, d := range ents {
			if !d.IsDir() || len(d.Name()) != 2 || !isHex(d.Name()) {
				continue
			}
			sub := filepath.Join(base, d.Name())
			objs, err := os.ReadDir(sub)
			if err != nil {
				return fmt.Errorf("gc: %w", err)
			}
			for _, o := range objs {
				name := d.Name() + o.Name()
				if strings.Contains(o.Name(), ".tmp-") || strings.HasSuffix(o.Name(), ".fetch") {
					name = "" // stale temp file from an interrupted write
				}
				if name != "" && keep[name] {
					continue
				}
				p := filepath.Join(sub, o.Name())
				if fi, err := os.Stat(p); err == nil {
					st.Bytes += fi.Size()
				}
				if err := os.Remove(p); err != nil {
					return fmt.Errorf("gc: remove %s: %w", p, err)
				}
				st.Removed++
			}
			os.Remove(sub)
		}
		return nil
	}
	if err := sweep(filepath.Join(r.Cache.Root, "files", "md5"), false); err != nil {
		return st, err
	}
	return st, sweep(r.Cache.Root, true)
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// dvcFileRefs lists the objects .dvc files reference (data added with
// dvc add), which gc keeps.
func (r *Repo) dvcFileRefs() ([]string, error) {
	outs, err := r.dvcFileOuts()
	if err != nil {
		return nil, err
	}
	refs := make([]string, len(outs))
	for i, u := range outs {
		refs[i] = u.entry.MD5
	}
	return refs, nil
}

// dvcFileOuts lists the outputs .dvc files track, each as the output of a
// stage named after its file (DVC treats a .dvc file as a stage), for gc,
// push, fetch, pull and checkout; the files are those LoadProject's walk
// found, so no command walks the tree a second time. A .dvc file that
// cannot be read, or whose path leaves the repository, stops the command
// with its name: skipping it would let gc delete what it uses.
func (r *Repo) dvcFileOuts() ([]usedOut, error) {
	var outs []usedOut
	for _, p := range r.Project.DvcFiles {
		bad := func(err error) error {
			return fmt.Errorf("%s: %w (fix or remove this .dvc file first: gc keeps, and push/pull move, what it tracks)", p, err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, bad(err)
		}
		v, err := parseYAMLValue(data)
		if err != nil {
			return nil, bad(err)
		}
		m, ok := v.(*Map)
		if !ok {
			return nil, bad(errors.New("not a mapping"))
		}
		entries, err := parseLockEntries(m, "outs")
		if err != nil {
			return nil, bad(err)
		}
		raw, _ := m.Get("outs")
		list, _ := raw.([]any)
		rel, _ := filepath.Rel(r.Root, p)
		st := &Stage{Name: filepath.ToSlash(rel), Addr: filepath.ToSlash(rel), DvcFile: filepath.ToSlash(rel), Wdir: filepath.Dir(p)}
		for i, e := range entries {
			if e.MD5 == "" {
				continue
			}
			abs, err := safeJoin(r.Root, filepath.Dir(p), e.Path)
			if err != nil {
				return nil, bad(err)
			}
			o := Out{Path: e.Path, Abs: abs, Kind: "outs", Cache: true, Push: true}
			if em, ok := list[i].(*Map); ok { // parseLockEntries checked the shape
				if c, ok := em.Get("cache"); ok {
					o.Cache = c != false
				}
				if c, ok := em.Get("push"); ok {
					o.Push = c != false
				}
				if c, ok := em.Get("remote"); ok {
					o.Remote = pyStr(c)
				}
			}
			outs = append(outs, usedOut{st, o, e})
		}
	}
	return outs, nil
}

// CacheSize summarises the cache: objects, bytes, and per-stage output sizes.
type CacheSize struct {
	Objects int
	Bytes   int64
	Stages  []StageSize
}

// StageSize is the size of a stage's cached outputs per dvc.lock.
type StageSize struct {
	Stage string
	Bytes int64
	Files int
}

// CacheSize walks the cache.
func (r *Repo) CacheSize(ctx context.Context) (CacheSize, error) {
	var cs CacheSize
	err := filepath.WalkDir(r.Cache.Root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if p == r.Cache.Root {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if d.Name() == "runs" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.Contains(d.Name(), ".tmp-") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		cs.Objects++
		cs.Bytes += fi.Size()
		return ctx.Err()
	})
	if err != nil {
		return cs, fmt.Errorf("cache size: %w", err)
	}
	for _, s := range r.Project.Stages {
		lock, err := r.LockEntry(s)
		if err != nil {
			return cs, err
		}
		if lock == nil {
			continue
		}
		ss := StageSize{Stage: s.Addr}
		for _, o := range s.Outs {
			for _, e := range lock.Outs {
				if e.Path == o.Path && o.Cache {
					ss.Bytes += e.Size
					if e.HasNFiles {
						ss.Files += e.NFiles
					} else {
						ss.Files++
					}
				}
			}
		}
		cs.Stages = append(cs.Stages, ss)
	}
	sort.SliceStable(cs.Stages, func(i, j int) bool { return cs.Stages[i].Bytes > cs.Stages[j].Bytes })
	return cs, nil
}
