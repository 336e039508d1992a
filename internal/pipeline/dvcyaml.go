package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// DvcYAML is the name of a pipeline definition file.
const DvcYAML = "dvc.yaml"

// Dep is a file or directory a stage depends on.
type Dep struct {
	Path string // as written in dvc.yaml, relative to the stage's wdir
	Abs  string // absolute, cleaned
}

// ParamDep is one params file a stage reads, with the tracked keys.
type ParamDep struct {
	File string   // as written, relative to wdir
	Abs  string   // absolute path
	Keys []string // nil: the whole file is tracked
}

// Out is a stage output (outs, metrics or plots).
type Out struct {
	Path    string // as written, relative to wdir
	Abs     string
	Kind    string // "outs", "metrics" or "plots"
	Cache   bool
	Persist bool
	Push    bool
	Remote  string
}

// Stage is one resolved pipeline stage.
type Stage struct {
	Name          string // name within its dvc.yaml (name@key for generated stages)
	Addr          string // name for ./dvc.yaml, else dir/dvc.yaml:name
	DvcFile       string // repo-relative slash path of the dvc.yaml
	Wdir          string // absolute working directory
	Cmd           any    // string or []string, exactly as defined (after interpolation)
	Deps          []Dep
	Params        []ParamDep
	Outs          []Out
	Frozen        bool
	AlwaysChanged bool
	Desc          string
}

// Lines returns the command lines to run, one process each.
func (s *Stage) Lines() []string {
	var raw []string
	switch c := s.Cmd.(type) {
	case string:
		raw = strings.Split(c, "\n")
	case []string:
		raw = c
	}
	var out []string
	for _, l := range raw {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// CmdString renders the command for messages.
func (s *Stage) CmdString() string {
	if l, ok := s.Cmd.([]string); ok {
		return strings.Join(l, "\n")
	}
	return fmt.Sprint(s.Cmd)
}

// IsCallback reports a stage with no deps and no outs (always changed).
func (s *Stage) IsCallback() bool {
	return len(s.Deps) == 0 && len(s.Params) == 0 && len(s.Outs) == 0
}

// Project is every stage of every dvc.yaml in a repository.
type Project struct {
	Root   string
	Stages []*Stage
	// DvcFiles are the .dvc files (data tracked by dvc add) found by the
	// same walk as the dvc.yaml files, as absolute paths in walk order.
	DvcFiles []string
}

// realDir returns dir as an absolute path with its symbolic links
// resolved, so that a repository reached through a link (a linked home
// folder, macOS's /tmp) is walked as the folder it names: filepath.WalkDir
// does not descend into a root that is itself a link. A path that does not
// resolve is returned absolute only.
func realDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	}
	return abs, nil
}

// ErrNoRepository is returned by FindRoot when no folder from dir up holds
// .dvc or .git.
var ErrNoRepository = errors.New("not inside a pipeline repository")

// FindRoot walks up from dir to the folder holding .dvc (or .git), with
// symbolic links resolved.
func FindRoot(dir string) (string, error) {
	abs, err := realDir(dir)
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(filepath.Join(d, ".dvc")); err == nil && fi.IsDir() {
			return d, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("%w: no .dvc or .git folder in %s or above it; run genie in the project's folder (a clone of Movie Genie, where dvc.yaml is)", ErrNoRepository, abs)
}

// LoadProject reads ./dvc.yaml and every other dvc.yaml under root, and
// lists the .dvc files beside them.
func LoadProject(root string) (*Project, error) {
	root, err := realDir(root)
	if err != nil {
		return nil, fmt.Errorf("load project: %w", err)
	}
	var files, dvcFiles []string
	dvcIgnore := NewIgnore(root)
	ignored := map[string]bool{} // dirs listed as /name in a .gitignore: outputs
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".dvc", ".hg", "node_modules":
				if p != root {
					return filepath.SkipDir
				}
			}
			if ignored[p] || dvcIgnore.Match(p, true) {
				return filepath.SkipDir
			}
			if gi, err := os.ReadFile(filepath.Join(p, ".gitignore")); err == nil {
				for _, l := range strings.Split(string(gi), "\n") {
					l = strings.TrimSpace(l)
					if strings.HasPrefix(l, "/") && !strings.ContainsAny(l[1:], "/*?[!") && len(l) > 1 {
						ignored[filepath.Join(p, l[1:])] = true
					}
				}
			}
			return nil
		}
		switch {
		case dvcIgnore.Match(p, false):
		case d.Name() == DvcYAML:
			files = append(files, p)
		case strings.HasSuffix(d.Name(), ".dvc"):
			dvcFiles = append(dvcFiles, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load project %s: %w", root, err)
	}
	sort.Slice(files, func(i, j int) bool {
		di, dj := filepath.Dir(files[i]) == root, filepath.Dir(files[j]) == root
		if di != dj {
			return di
		}
		return files[i] < files[j]
	})
	p := &Project{Root: root, DvcFiles: dvcFiles}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		stages, err := ParseDvcYAML(data, root, filepath.Dir(f))
		if err != nil {
			rel, _ := filepath.Rel(root, f)
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		p.Stages = append(p.Stages, stages...)
	}
	return p, nil
}

// Stage returns the stage with the given address (or name within ./dvc.yaml).
func (p *Project) Stage(addr string) (*Stage, bool) {
	for _, s := range p.Stages {
		if s.Addr == addr {
			return s, true
		}
	}
	return nil, false
}

// ErrUnknownStage is returned (wrapped) for a target that names no stage.
var ErrUnknownStage = errors.New("unknown stage")

// QualifyTargets rewrites command-line targets given in directory cwd
// (repository-relative, slash-separated; "" or "." is the root) as DVC
// reads them: a stage name or FILE:name names a stage of the dvc.yaml
// there, a path to a dvc.yaml all of its stages.
func QualifyTargets(cwd string, targets []string) []string {
	if cwd == "" || cwd == "." {
		return targets
	}
	out := make([]string, len(targets))
	for i, t := range targets {
		switch file, name, ok := strings.Cut(t, ":"); {
		case ok:
			out[i] = path.Join(cwd, file) + ":" + name
		case path.Base(t) == DvcYAML:
			out[i] = path.Join(cwd, t)
		default:
			out[i] = path.Join(cwd, DvcYAML) + ":" + t
		}
	}
	return out
}

// Resolve maps targets to stages, with a helpful error for unknown ones:
// a stage address (name, or FILE:name for another dvc.yaml), a foreach or
// matrix group's name, or a dvc.yaml path for all of its stages.
func (p *Project) Resolve(targets []string) ([]*Stage, error) {
	var out []*Stage
	for _, t := range targets {
		t = strings.TrimPrefix(t, "./")
		t = strings.TrimPrefix(t, DvcYAML+":")
		if path.Base(t) == DvcYAML {
			n := len(out)
			for _, st := range p.Stages {
				if st.DvcFile == path.Clean(t) {
					out = append(out, st)
				}
			}
			if len(out) == n {
				return nil, fmt.Errorf("%w: '%s' defines no stages (is there such a file?)", ErrUnknownStage, t)
			}
			continue
		}
		s, ok := p.Stage(t)
		if !ok {
			// a foreach group name selects all generated stages
			var group []*Stage
			for _, st := range p.Stages {
				if strings.HasPrefix(st.Addr, t+"@") {
					group = append(group, st)
				}
			}
			if len(group) > 0 {
				out = append(out, group...)
				continue
			}
			return nil, p.unknownStageError(t)
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *Project) unknownStageError(t string) error {
	names := make([]string, len(p.Stages))
	best, bestD := "", 1<<30
	for i, s := range p.Stages {
		names[i] = s.Addr
		if d := levenshtein(t, s.Addr); d < bestD {
			best, bestD = s.Addr, d
		}
	}
	msg := fmt.Sprintf("stage '%s' not found", t)
	if len(names) == 0 {
		return fmt.Errorf("%w: %s: no stages are defined (is there a dvc.yaml?)", ErrUnknownStage, msg)
	}
	msg += "; stages: " + strings.Join(names, ", ")
	if bestD <= max(2, len(t)/2) {
		msg += fmt.Sprintf("; did you mean '%s'?", best)
	}
	return fmt.Errorf("%w: %s", ErrUnknownStage, msg)
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// safeJoin joins a dvc.yaml path to base and rejects results outside root.
func safeJoin(root, base, p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("empty path")
	}
	var abs string
	if filepath.IsAbs(p) {
		abs = filepath.Clean(p)
	} else {
		abs = filepath.Join(base, filepath.FromSlash(p))
	}
	if !within(root, abs) {
		return "", fmt.Errorf("path '%s' is outside the repository", p)
	}
	if err := checkLinks(root, filepath.Dir(abs), p); err != nil {
		return "", err
	}
	return abs, nil
}

// checkLinks rejects path p (as written in dvc.yaml) when the directory
// dir or one above it up to root is a symlink resolving outside root.
func checkLinks(root, dir, p string) error {
	link, err := linkedOutside(root, dir)
	if err != nil {
		return fmt.Errorf("path '%s': %w", p, err)
	}
	if link != "" {
		return fmt.Errorf("path '%s' goes through symlink '%s', which points outside the repository", p, link)
	}
	return nil
}

// within reports whether path p is root or below it (lexically).
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// linkedOutside returns the first directory below root down to dir
// (inclusive; repository-relative) that is a symlink resolving outside
// root: through it, a stage's outputs and .gitignore would be written
// elsewhere. safeJoin checks the directories above a path, not the path
// itself: a checked-out output with cache.type symlink points into the
// cache, which may live anywhere. Directories that do not exist yet are
// created inside the repository.
func linkedOutside(root, dir string) (string, error) {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == "." {
		return "", nil
	}
	cur, realRoot := root, ""
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if err != nil {
			return "", nil // missing: nothing below it exists either
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			continue
		}
		if realRoot == "" {
			if realRoot, err = filepath.EvalSymlinks(root); err != nil {
				return "", fmt.Errorf("resolve the repository root: %w", err)
			}
		}
		name, _ := filepath.Rel(root, cur)
		target, err := filepath.EvalSymlinks(cur)
		if err != nil {
			return "", fmt.Errorf("symlink '%s' does not resolve: %w", filepath.ToSlash(name), err)
		}
		if !within(realRoot, target) {
			return filepath.ToSlash(name), nil
		}
	}
	return "", nil
}

// ParseDvcYAML resolves the stages of one dvc.yaml located in dir.
func ParseDvcYAML(data []byte, root, dir string) ([]*Stage, error) {
	v, err := parseYAMLValue(data)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if v == nil {
		return nil, nil
	}
	top, ok := v.(*Map)
	if !ok {
		return nil, fmt.Errorf("top level must be a mapping, got %s", typeName(v))
	}
	ctx := NewMap()
	imported := map[string]bool{}
	if pf := filepath.Join(dir, DefaultParamsFile); fileExists(pf) {
		m, err := ReadParamsFile(pf)
		if err != nil {
			return nil, err
		}
		if err := mergeContext(ctx, m, DefaultParamsFile); err != nil {
			return nil, err
		}
		imported[pf] = true
	}
	if vars, ok := top.Get("vars"); ok {
		if err := loadVars(ctx, vars, root, dir, imported); err != nil {
			return nil, fmt.Errorf("vars: %w", err)
		}
	}
	stagesV, ok := top.Get("stages")
	if !ok || stagesV == nil {
		return nil, nil
	}
	stages, ok := stagesV.(*Map)
	if !ok {
		return nil, fmt.Errorf("'stages' must be a mapping")
	}
	rel, err := filepath.Rel(root, filepath.Join(dir, DvcYAML))
	if err != nil {
		return nil, err
	}
	dvcFile := filepath.ToSlash(rel)
	var out []*Stage
	definedBy := map[string]string{} // stage name -> the definition that made it
	for _, name := range stages.Keys() {
		defV, _ := stages.Get(name)
		def, ok := defV.(*Map)
		if !ok {
			return nil, fmt.Errorf("stage '%s': definition must be a mapping", name)
		}
		gen, err := expandStage(name, def, ctx)
		if err != nil {
			return nil, fmt.Errorf("stage '%s': %w", name, err)
		}
		for _, g := range gen {
			if first, dup := definedBy[g.name]; dup {
				return nil, fmt.Errorf("stage '%s' is defined twice: by '%s' and by '%s' (stage names must be unique)", g.name, first, name)
			}
			definedBy[g.name] = name
			st, err := buildStage(g.name, g.def, g.ctx, root, dir, imported)
			if err != nil {
				return nil, fmt.Errorf("stage '%s': %w", g.name, err)
			}
			st.DvcFile = dvcFile
			st.Addr = st.Name
			if dvcFile != DvcYAML {
				st.Addr = dvcFile + ":" + st.Name
			}
			out = append(out, st)
		}
	}
	return out, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// loadVars merges a vars list (files, file:k1,k2, inline dicts) into ctx.
func loadVars(ctx *Map, vars any, root, dir string, imported map[string]bool) error {
	list, ok := vars.([]any)
	if !ok {
		return fmt.Errorf("must be a list")
	}
	for _, item := range list {
		switch x := item.(type) {
		case *Map:
			if err := mergeContext(ctx, x, "vars"); err != nil {
				return err
			}
		case string:
			file, keys := x, ""
			if i := strings.LastIndex(x, ":"); i > 0 {
				file, keys = x[:i], x[i+1:]
			}
			abs, err := safeJoin(root, dir, file)
			if err != nil {
				return err
			}
			if keys == "" && imported[abs] {
				continue
			}
			m, err := ReadParamsFile(abs)
			if err != nil {
				return err
			}
			if keys != "" {
				sel := NewMap()
				for _, k := range strings.Split(keys, ",") {
					k = strings.TrimSpace(k)
					v, ok := LookupParam(m, k)
					if !ok {
						return fmt.Errorf("could not find '%s' in '%s'", k, file)
					}
					sel.Set(k, v)
				}
				m = sel
			}
			if err := mergeContext(ctx, m, file); err != nil {
				return err
			}
			if keys == "" {
				imported[abs] = true
			}
		default:
			return fmt.Errorf("unsupported vars entry of type %s", typeName(item))
		}
	}
	return nil
}

type genStage struct {
	name string
	def  *Map
	ctx  *Map
}

// expandStage applies foreach/do and matrix.
func expandStage(name string, def *Map, ctx *Map) ([]genStage, error) {
	if fe, ok := def.Get("foreach"); ok {
		doV, ok := def.Get("do")
		if !ok {
			return nil, fmt.Errorf("'foreach' requires 'do'")
		}
		do, ok := doV.(*Map)
		if !ok {
			return nil, fmt.Errorf("'do' must be a mapping")
		}
		if s, ok := fe.(string); ok {
			r, err := interpolateString(s, ctx, false)
			if err != nil {
				return nil, err
			}
			fe = r
		}
		var out []genStage
		switch x := fe.(type) {
		case []any:
			for i, item := range x {
				key := pyStr(item)
				switch item.(type) {
				case []any, *Map:
					key = fmt.Sprint(i)
				}
				c := copyValue(ctx).(*Map)
				c.Set("item", item)
				out = append(out, genStage{name + "@" + key, do, c})
			}
		case *Map:
			for _, k := range x.Keys() {
				item, _ := x.Get(k)
				c := copyValue(ctx).(*Map)
				c.Set("item", item)
				c.Set("key", k)
				out = append(out, genStage{name + "@" + k, do, c})
			}
		default:
			return nil, fmt.Errorf("'foreach' must be a list or a dict, got %s", typeName(fe))
		}
		return out, nil
	}
	if mx, ok := def.Get("matrix"); ok {
		mm, ok := mx.(*Map)
		if !ok {
			return nil, fmt.Errorf("'matrix' must be a mapping")
		}
		body := NewMap()
		for _, k := range def.Keys() {
			if k != "matrix" {
				v, _ := def.Get(k)
				body.Set(k, v)
			}
		}
		type axis struct {
			key  string
			vals []any
		}
		var axes []axis
		for _, k := range mm.Keys() {
			v, _ := mm.Get(k)
			if s, ok := v.(string); ok {
				r, err := interpolateString(s, ctx, false)
				if err != nil {
					return nil, err
				}
				v = r
			}
			l, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("matrix '%s' must be a list", k)
			}
			axes = append(axes, axis{k, l})
		}
		var out []genStage
		idx := make([]int, len(axes))
		for {
			item := NewMap()
			var parts []string
			for a, ax := range axes {
				if len(ax.vals) == 0 {
					return nil, nil
				}
				v := ax.vals[idx[a]]
				item.Set(ax.key, v)
				switch v.(type) {
				case []any, *Map:
					parts = append(parts, fmt.Sprintf("%s%d", ax.key, idx[a]))
				default:
					parts = append(parts, pyStr(v))
				}
			}
			c := copyValue(ctx).(*Map)
			c.Set("item", item)
			out = append(out, genStage{name + "@" + strings.Join(parts, "-"), body, c})
			a := len(axes) - 1
			for ; a >= 0; a-- {
				idx[a]++
				if idx[a] < len(axes[a].vals) {
					break
				}
				idx[a] = 0
			}
			if a < 0 {
				break
			}
		}
		return out, nil
	}
	return []genStage{{name, def, ctx}}, nil
}

var knownStageKeys = map[string]bool{
	"cmd": true, "wdir": true, "deps": true, "params": true, "outs": true, "metrics": true,
	"plots": true, "frozen": true, "always_changed": true, "desc": true, "meta": true, "vars": true,
}

// buildStage resolves templates and converts a stage definition.
func buildStage(name string, def, ctx *Map, root, dir string, imported map[string]bool) (*Stage, error) {
	for _, k := range def.Keys() {
		if !knownStageKeys[k] {
			return nil, fmt.Errorf("unknown key '%s'", k)
		}
	}
	st := &Stage{Name: name}
	wdir := dir
	if w, ok := def.Get("wdir"); ok && w != nil {
		rw, err := resolveTemplates(w, ctx, false)
		if err != nil {
			return nil, fmt.Errorf("wdir: %w", err)
		}
		ws, ok := rw.(string)
		if !ok {
			return nil, fmt.Errorf("wdir must be a string")
		}
		if wdir, err = safeJoin(root, dir, ws); err != nil {
			return nil, fmt.Errorf("wdir: %w", err)
		}
		if err := checkLinks(root, wdir, ws); err != nil { // the command runs in it
			return nil, fmt.Errorf("wdir: %w", err)
		}
	}
	st.Wdir = wdir
	if vars, ok := def.Get("vars"); ok {
		ctx = copyValue(ctx).(*Map)
		imp := map[string]bool{}
		for k, v := range imported {
			imp[k] = v
		}
		if err := loadVars(ctx, vars, root, wdir, imp); err != nil {
			return nil, fmt.Errorf("vars: %w", err)
		}
	}
	cmdV, ok := def.Get("cmd")
	if !ok || cmdV == nil {
		return nil, fmt.Errorf("missing 'cmd'")
	}
	switch c := cmdV.(type) { // DVC's schema: a string or a list
	case string:
		if strings.TrimSpace(c) == "" {
			return nil, fmt.Errorf("cmd: expected a command, got an empty string")
		}
	case []any:
		if len(c) == 0 {
			return nil, fmt.Errorf("cmd: expected a command, got an empty list")
		}
	default:
		return nil, fmt.Errorf("cmd: expected a string or a list of strings, got %s", typeName(cmdV))
	}
	rc, err := resolveTemplates(cmdV, ctx, true)
	if err != nil {
		return nil, fmt.Errorf("cmd: %w", err)
	}
	switch c := rc.(type) {
	case string:
		st.Cmd = c
	case []any:
		var l []string
		for _, e := range c {
			if _, bad := e.(*Map); bad {
				return nil, fmt.Errorf("cmd: list items must be strings")
			}
			if _, bad := e.([]any); bad {
				return nil, fmt.Errorf("cmd: list items must be strings")
			}
			l = append(l, pyStr(e))
		}
		st.Cmd = l
	default:
		st.Cmd = pyStr(c)
	}
	resolve := func(key string) (any, error) {
		v, ok := def.Get(key)
		if !ok || v == nil {
			return nil, nil
		}
		r, err := resolveTemplates(v, ctx, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return r, nil
	}
	for _, flag := range []string{"frozen", "always_changed"} {
		v, err := resolve(flag)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s must be a boolean", flag)
		}
		if flag == "frozen" {
			st.Frozen = b
		} else {
			st.AlwaysChanged = b
		}
	}
	if d, _ := def.Get("desc"); d != nil {
		st.Desc = pyStr(d)
	}
	depsV, err := resolve("deps")
	if err != nil {
		return nil, err
	}
	if depsV != nil {
		l, ok := depsV.([]any)
		if !ok {
			return nil, fmt.Errorf("deps must be a list")
		}
		for _, e := range l {
			var p string
			switch x := e.(type) {
			case string:
				p = x
			case *Map: // {path: {flags}}
				if x.Len() != 1 {
					return nil, fmt.Errorf("deps: bad entry")
				}
				p = x.Keys()[0]
			default:
				p = pyStr(x)
			}
			abs, err := safeJoin(root, wdir, p)
			if err != nil {
				return nil, fmt.Errorf("deps: %w", err)
			}
			st.Deps = append(st.Deps, Dep{Path: p, Abs: abs})
		}
	}
	paramsV, err := resolve("params")
	if err != nil {
		return nil, err
	}
	if paramsV != nil {
		if st.Params, err = parseParamDeps(paramsV, root, wdir); err != nil {
			return nil, fmt.Errorf("params: %w", err)
		}
	}
	for _, kind := range []string{"outs", "metrics", "plots"} {
		v, err := resolve(kind)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s must be a list", kind)
		}
		for _, e := range l {
			o := Out{Kind: kind, Cache: true, Push: true}
			switch x := e.(type) {
			case string:
				o.Path = x
			case *Map:
				if x.Len() != 1 {
					return nil, fmt.Errorf("%s: an entry must be a path or {path: {flags}}", kind)
				}
				o.Path = x.Keys()[0]
				fv, _ := x.Get(o.Path)
				if fv != nil {
					flags, ok := fv.(*Map)
					if !ok {
						return nil, fmt.Errorf("%s: flags of '%s' must be a mapping", kind, o.Path)
					}
					for _, fk := range flags.Keys() {
						val, _ := flags.Get(fk)
						switch fk {
						case "cache", "persist", "push":
							b, ok := val.(bool)
							if !ok {
								return nil, fmt.Errorf("%s: '%s' flag '%s' must be a boolean", kind, o.Path, fk)
							}
							switch fk {
							case "cache":
								o.Cache = b
							case "persist":
								o.Persist = b
							case "push":
								o.Push = b
							}
						case "remote":
							o.Remote = pyStr(val)
						}
					}
				}
			default:
				o.Path = pyStr(x)
			}
			abs, err := safeJoin(root, wdir, o.Path)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", kind, err)
			}
			o.Abs = abs
			st.Outs = append(st.Outs, o)
		}
	}
	return st, nil
}

func parseParamDeps(v any, root, wdir string) ([]ParamDep, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("must be a list")
	}
	var order []string
	byFile := map[string]*ParamDep{}
	add := func(file string, keys []string, whole bool) error {
		pd, ok := byFile[file]
		if !ok {
			abs, err := safeJoin(root, wdir, file)
			if err != nil {
				return err
			}
			pd = &ParamDep{File: file, Abs: abs, Keys: []string{}}
			byFile[file] = pd
			order = append(order, file)
		}
		if whole {
			pd.Keys = nil
			return nil
		}
		if pd.Keys == nil {
			return nil
		}
		for _, k := range keys {
			dup := false
			for _, e := range pd.Keys {
				dup = dup || e == k
			}
			if !dup {
				pd.Keys = append(pd.Keys, k)
			}
		}
		return nil
	}
	for _, e := range l {
		switch x := e.(type) {
		case *Map:
			for _, f := range x.Keys() {
				kv, _ := x.Get(f)
				switch ks := kv.(type) {
				case nil:
					if err := add(f, nil, true); err != nil {
						return nil, err
					}
				case []any:
					if len(ks) == 0 {
						if err := add(f, nil, true); err != nil {
							return nil, err
						}
						continue
					}
					var keys []string
					for _, k := range ks {
						keys = append(keys, pyStr(k))
					}
					if err := add(f, keys, false); err != nil {
						return nil, err
					}
				default:
					return nil, fmt.Errorf("keys of '%s' must be a list", f)
				}
			}
		default:
			if err := add(DefaultParamsFile, []string{pyStr(x)}, false); err != nil {
				return nil, err
			}
		}
	}
	out := make([]ParamDep, 0, len(order))
	for _, f := range order {
		out = append(out, *byFile[f])
	}
	return out, nil
}
