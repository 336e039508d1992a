package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Repo is an open DVC repository: its stages, graph, config, cache and
// the per-invocation hasher.
type Repo struct {
	Root    string
	Project *Project
	Graph   *Graph
	Config  *Config
	Cache   *Cache
	Hasher  *Hasher
	Stdout  io.Writer
	Stderr  io.Writer
	// Env holds NAME=value pairs stage commands get on top of the
	// process's environment (a later value of a name wins).
	Env []string

	mu      sync.Mutex
	locks   map[string]*Lockfile // by dvc.yaml relative path
	params  map[string]*paramsFile
	gitMu   sync.Mutex
	stat    *StatCache
	outMu   sync.Mutex
	newLock map[string]bool // stage addresses first written by this run
	planIdx map[string]int  // run order of the current repro
}

type paramsFile struct {
	m   *Map
	err error
}

// Open loads the repository at root (the folder holding .dvc).
func Open(root string) (*Repo, error) {
	root, err := realDir(root)
	if err != nil {
		return nil, fmt.Errorf("open repo: %w", err)
	}
	cfg, err := LoadConfig(root)
	if err != nil {
		return nil, err
	}
	p, err := LoadProject(root)
	if err != nil {
		return nil, err
	}
	g, err := BuildGraph(p)
	if err != nil {
		return nil, err
	}
	sc, err := OpenStatCache(filepath.Join(root, filepath.FromSlash(StatCacheFile)))
	if err != nil {
		sc = nil // a broken cache is only a slowdown
	}
	r := &Repo{
		Root: root, Project: p, Graph: g, Config: cfg, Cache: OpenCache(root, cfg),
		Hasher: NewHasher(sc), Stdout: os.Stdout, Stderr: os.Stderr,
		locks: map[string]*Lockfile{}, params: map[string]*paramsFile{}, stat: sc, newLock: map[string]bool{},
	}
	r.Hasher.Ignore = NewIgnore(root)
	r.Hasher.Manifests = func(md5 string) ([]DirEntry, error) {
		return r.Cache.ReadManifest(context.Background(), md5)
	}
	return r, nil
}

// Close persists the stat cache.
func (r *Repo) Close() error {
	if r.stat == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(r.Root, ".dvc")); err != nil {
		return nil // not a DVC repo: do not create .dvc just for the cache
	}
	return r.stat.Save()
}

// lockfile returns the (cached) lock file for a stage's dvc.yaml.
func (r *Repo) lockfile(s *Stage) (*Lockfile, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lockfileLocked(s.DvcFile)
}

func (r *Repo) lockfileLocked(dvcFile string) (*Lockfile, error) {
	if lf, ok := r.locks[dvcFile]; ok {
		return lf, nil
	}
	path := filepath.Join(r.Root, filepath.FromSlash(filepath.Dir(dvcFile)), LockFileName)
	lf, err := ReadLockfile(path)
	if err != nil {
		return nil, err
	}
	r.locks[dvcFile] = lf
	return lf, nil
}

// LockEntry returns the stage's dvc.lock entry (nil when absent).
func (r *Repo) LockEntry(s *Stage) (*StageLock, error) {
	lf, err := r.lockfile(s)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return lf.Stages[s.Name], nil
}

// readParams reads a params file once per invocation.
func (r *Repo) readParams(path string) (*Map, error) {
	r.mu.Lock()
	pf, ok := r.params[path]
	r.mu.Unlock()
	if ok {
		return pf.m, pf.err
	}
	m, err := ReadParamsFile(path)
	r.mu.Lock()
	r.params[path] = &paramsFile{m, err}
	r.mu.Unlock()
	return m, err
}

func (r *Repo) forgetParams(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p := range r.params {
		if pathWithin(p, path) {
			delete(r.params, p)
		}
	}
}

// rel returns a repo-relative slash path.
func (r *Repo) rel(p string) string { return relTo(r.Root, p) }

// hashPath hashes a workspace path; a missing path returns fs.ErrNotExist.
func (r *Repo) hashPath(ctx context.Context, p string) (HashInfo, error) {
	hi, err := r.Hasher.Hash(ctx, p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return hi, fmt.Errorf("hash %s: %w", r.rel(p), err)
	}
	return hi, err
}

// matches reports whether the workspace path matches a lock entry,
// comparing DVC 2 entries with the md5-dos2unix hash.
func (r *Repo) matches(ctx context.Context, p string, e LockEntry) (bool, error) {
	if e.Legacy() {
		hi, err := LegacyHash(ctx, p, r.Hasher.Ignore)
		if err != nil {
			return false, err
		}
		return hi.MD5 == e.MD5, nil
	}
	hi, err := r.hashPath(ctx, p)
	if err != nil {
		return false, err
	}
	return hi.MD5 == e.MD5, nil
}

// TargetsIn qualifies command-line targets given in directory wd
// (QualifyTargets). With none and here set, they are the stages of wd's
// dvc.yaml, `dvc repro`'s default (none: every stage, as at the root).
func (r *Repo) TargetsIn(wd string, targets []string, here bool) ([]string, error) {
	wd, err := realDir(wd)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(r.Root, wd)
	if err != nil || !within(r.Root, wd) {
		return nil, fmt.Errorf("%s is not inside the repository %s", wd, r.Root)
	}
	rel = filepath.ToSlash(rel)
	if len(targets) == 0 && here && rel != "." {
		targets = []string{DvcYAML}
	}
	return QualifyTargets(rel, targets), nil
}
