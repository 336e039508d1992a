package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// LockFileName is the lock file beside each dvc.yaml.
const LockFileName = "dvc.lock"

// LockEntry is a dep or out as recorded in dvc.lock.
type LockEntry struct {
	Path   string
	Hash   string // "md5" for DVC 3 entries; "" marks a DVC 2 (md5-dos2unix) entry
	MD5    string
	Size   int64
	NFiles int
	IsExec bool
	// HasSize / HasNFiles record whether the fields were present.
	HasSize, HasNFiles bool
}

// Info returns the entry as a HashInfo.
func (e LockEntry) Info() HashInfo {
	return HashInfo{MD5: e.MD5, Size: e.Size, NFiles: e.NFiles, IsExec: e.IsExec, IsDir: len(e.MD5) > 4 && e.MD5[len(e.MD5)-4:] == ".dir"}
}

// Legacy reports a DVC 2 entry (hashed with md5-dos2unix).
func (e LockEntry) Legacy() bool { return e.Hash == "" }

// entryFromHash builds a DVC 3 lock entry.
func entryFromHash(path string, hi HashInfo) LockEntry {
	e := LockEntry{Path: path, Hash: "md5", MD5: hi.MD5, Size: hi.Size, HasSize: true, IsExec: hi.IsExec && !hi.IsDir}
	if hi.IsDir {
		e.NFiles, e.HasNFiles = hi.NFiles, true
	}
	return e
}

func (e LockEntry) toMap(withMeta bool) *Map {
	m := NewMap()
	m.Set("path", e.Path)
	if e.Hash != "" {
		m.Set("hash", e.Hash)
	}
	m.Set("md5", e.MD5)
	if withMeta && e.HasSize {
		m.Set("size", e.Size)
	}
	if withMeta && e.HasNFiles {
		m.Set("nfiles", int64(e.NFiles))
	}
	if e.IsExec {
		m.Set("isexec", true)
	}
	return m
}

// StageLock is one stage's lock entry.
type StageLock struct {
	Cmd    any // string or []string
	Deps   []LockEntry
	Params *Map // file -> *Map of key -> value
	Outs   []LockEntry
}

// toMap renders the entry with DVC's key order; withMeta=false drops size
// and nfiles (the form hashed by the run-cache).
func (s *StageLock) toMap(withMeta bool) *Map {
	m := NewMap()
	switch c := s.Cmd.(type) {
	case []string:
		l := make([]any, len(c))
		for i, x := range c {
			l[i] = x
		}
		m.Set("cmd", l)
	default:
		m.Set("cmd", c)
	}
	if len(s.Deps) > 0 {
		l := make([]any, len(s.Deps))
		for i, d := range s.Deps {
			l[i] = d.toMap(withMeta)
		}
		m.Set("deps", l)
	}
	if s.Params.Len() > 0 {
		m.Set("params", s.Params)
	}
	if len(s.Outs) > 0 {
		l := make([]any, len(s.Outs))
		for i, d := range s.Outs {
			l[i] = d.toMap(withMeta)
		}
		m.Set("outs", l)
	}
	return m
}

// Lockfile is a parsed dvc.lock; stage order is preserved.
type Lockfile struct {
	Path   string
	Names  []string
	Stages map[string]*StageLock
}

// ReadLockfile reads path; a missing file gives an empty Lockfile.
func ReadLockfile(path string) (*Lockfile, error) {
	lf := &Lockfile{Path: path, Stages: map[string]*StageLock{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return lf, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lock: %w", err)
	}
	if err := lf.parse(data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lf, nil
}

func (lf *Lockfile) parse(data []byte) error {
	v, err := parseYAMLValue(data)
	if err != nil {
		return err
	}
	if v == nil {
		return nil
	}
	top, ok := v.(*Map)
	if !ok {
		return fmt.Errorf("lock file is not a mapping")
	}
	sv, _ := top.Get("stages")
	if sv == nil {
		return nil
	}
	stages, ok := sv.(*Map)
	if !ok {
		return fmt.Errorf("'stages' is not a mapping")
	}
	for _, name := range stages.Keys() {
		ev, _ := stages.Get(name)
		em, ok := ev.(*Map)
		if !ok {
			return fmt.Errorf("stage '%s': not a mapping", name)
		}
		sl := &StageLock{Params: NewMap()}
		cv, _ := em.Get("cmd")
		switch c := cv.(type) {
		case []any:
			l := make([]string, len(c))
			for i, x := range c {
				l[i] = pyStr(x)
			}
			sl.Cmd = l
		case nil:
			sl.Cmd = ""
		default:
			sl.Cmd = pyStr(c)
		}
		if sl.Deps, err = parseLockEntries(em, "deps"); err != nil {
			return fmt.Errorf("stage '%s': %w", name, err)
		}
		if sl.Outs, err = parseLockEntries(em, "outs"); err != nil {
			return fmt.Errorf("stage '%s': %w", name, err)
		}
		if pv, _ := em.Get("params"); pv != nil {
			pm, ok := pv.(*Map)
			if !ok {
				return fmt.Errorf("stage '%s': params is not a mapping", name)
			}
			for _, f := range pm.Keys() {
				fv, _ := pm.Get(f)
				if fv == nil {
					fv = NewMap()
				}
				if _, ok := fv.(*Map); !ok {
					return fmt.Errorf("stage '%s': params of '%s' is not a mapping", name, f)
				}
				sl.Params.Set(f, fv)
			}
		}
		lf.Set(name, sl)
	}
	return nil
}

func parseLockEntries(m *Map, key string) ([]LockEntry, error) {
	v, _ := m.Get(key)
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is not a list", key)
	}
	out := make([]LockEntry, 0, len(l))
	for _, x := range l {
		em, ok := x.(*Map)
		if !ok {
			return nil, fmt.Errorf("%s: entry is not a mapping", key)
		}
		var e LockEntry
		p, _ := em.Get("path")
		e.Path = pyStr(p)
		if h, ok := em.Get("hash"); ok {
			e.Hash = pyStr(h)
		}
		if md, ok := em.Get("md5"); ok {
			e.MD5 = pyStr(md)
			if !ValidMD5(e.MD5) {
				return nil, fmt.Errorf("%s: %s: %w", key, e.Path, errBadMD5(e.MD5))
			}
		}
		if s, ok := em.Get("size"); ok {
			if n, ok := s.(int64); ok {
				e.Size, e.HasSize = n, true
			}
		}
		if s, ok := em.Get("nfiles"); ok {
			if n, ok := s.(int64); ok {
				e.NFiles, e.HasNFiles = int(n), true
			}
		}
		if x, ok := em.Get("isexec"); ok {
			b, _ := x.(bool)
			e.IsExec = b
		}
		out = append(out, e)
	}
	return out, nil
}

// Set stores (or replaces in place) a stage entry.
func (lf *Lockfile) Set(name string, sl *StageLock) {
	if _, ok := lf.Stages[name]; !ok {
		lf.Names = append(lf.Names, name)
	}
	lf.Stages[name] = sl
}

// Bytes renders the lock file byte-for-byte as DVC writes it.
func (lf *Lockfile) Bytes() []byte {
	top := NewMap()
	top.Set("schema", "2.0")
	stages := NewMap()
	for _, n := range lf.Names {
		stages.Set(n, lf.Stages[n].toMap(true))
	}
	top.Set("stages", stages)
	return marshalYAML(top)
}

// Write atomically replaces the lock file.
func (lf *Lockfile) Write() error {
	return atomicWrite(lf.Path, lf.Bytes())
}

// atomicWrite writes data to a temp file beside path and renames it.
func atomicWrite(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	_ = os.Chmod(f.Name(), 0o644)
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// sortLockEntries sorts entries by path string, as DVC does.
func sortLockEntries(l []LockEntry) {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Path < l[j].Path })
}

// paramsForLock orders params files (params.yaml first, then alphabetical)
// and their keys (sorted, not recursively).
func paramsForLock(p *Map) *Map {
	out := NewMap()
	files := p.Keys()
	sort.Strings(files)
	if _, ok := p.Get(DefaultParamsFile); ok {
		v, _ := p.Get(DefaultParamsFile)
		out.Set(DefaultParamsFile, v.(*Map).Sorted())
	}
	for _, f := range files {
		if f == DefaultParamsFile {
			continue
		}
		v, _ := p.Get(f)
		out.Set(f, v.(*Map).Sorted())
	}
	return out
}
