package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/pipeline"
)

// smallParams shrink params.yaml for a dataset of a few hundred ratings:
// key (as written in params.yaml, at any depth) -> value.
var smallParams = map[string]string{
	"min_ratings_per_user":  "5",
	"min_ratings_per_movie": "2",
	"min_interactions":      "100",
	"embedding_dim":         "64", // the smallest genie features accepts
	"max_sequence_length":   "20",
	"epochs":                "1",
	"max_epochs":            "1",
	"patience":              "1",
}

// knownUndeclared are violations dvc.yaml is known to have, "stage: message"
// as the test reports them, logged instead of failing the test; an entry
// that is no longer found fails it, so that the list only shrinks. It is
// empty: the five undeclared reads this test first found (the sequences and
// search-index stages read every processed table) are declared since 46a36ac.
var knownUndeclared = map[string]struct{}{}

// TestDvcYAMLDeclaresFileAccess runs every stage of the project's dvc.yaml
// on a small generated ml-100k-layout release under strace and checks that
// each file a stage reads is a declared dep (or params.yaml, or one of its
// own persist outs, or a file it wrote itself) and each file it writes,
// renames or deletes is a declared out. Directories declared as deps or outs
// cover their contents. Temporary files renamed into a declared out, the
// system folders, GOROOT, the genie binary and TMPDIR are ignored.
func TestDvcYAMLDeclaresFileAccess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline under strace; skipped in -short")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (apt-get install strace): cannot record the stages' file access")
	}
	if out, err := exec.Command(strace, "-f", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here (ptrace not permitted?): %v %s", err, out)
	}
	repoRoot, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}

	scratch := t.TempDir()
	bin := filepath.Join(scratch, "bin")
	genie := filepath.Join(bin, "genie")
	if out, err := exec.Command("go", "build", "-o", genie, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(scratch, "tmp")
	work := filepath.Join(scratch, "work")
	for _, d := range []string{tmp, filepath.Join(work, ".dvc")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, filepath.Join(repoRoot, "dvc.yaml"), filepath.Join(work, "dvc.yaml"))
	params, err := os.ReadFile(filepath.Join(repoRoot, "params.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range smallParams {
		re := regexp.MustCompile(`(?m)^(\s*` + regexp.QuoteMeta(k) + `:\s*)[^\s#]+`)
		params = re.ReplaceAll(params, []byte("${1}"+v))
	}
	if err := os.WriteFile(filepath.Join(work, "params.yaml"), params, 0o644); err != nil {
		t.Fatal(err)
	}

	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "TMPDIR="+tmp)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(genie, args...)
		cmd.Dir, cmd.Env = work, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("genie %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// The release the ingest stage finds already fetched (as genie up
	// leaves it): a few hundred synthetic ratings in the ml-100k layout.
	release := filepath.Join(scratch, "release")
	run("data", "synth", "--format", "ml-100k", "--users", "40", "--items", "60", "--ratings", "900", "--seed", "3", "--out", release)
	proj, err := pipeline.LoadProject(work)
	if err != nil {
		t.Fatal(err)
	}
	stages := stageOrder(proj.Stages)
	// Deps no stage produces are the repository's own files (code folders,
	// judged queries): link them into the workspace.
	for _, s := range stages {
		for _, d := range s.Deps {
			if producerOf(stages, d.Abs) != nil {
				continue
			}
			rel, err := filepath.Rel(work, d.Abs)
			if err != nil || strings.HasPrefix(rel, "..") {
				continue
			}
			src := filepath.Join(repoRoot, rel)
			if _, err := os.Stat(src); err != nil {
				continue
			}
			if _, err := os.Lstat(d.Abs); err == nil {
				continue
			}
			if err := os.MkdirAll(filepath.Dir(d.Abs), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(src, d.Abs); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range stages {
		if s.Name == "ingest" {
			run(append(strings.Fields(s.Lines()[0])[1:], "--from", release)...)
		}
	}

	ignore := []string{"/proc", "/sys", "/dev", "/etc", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/run",
		strings.TrimSpace(string(goroot)), genie, tmp}
	var names []string
	known := map[string]bool{}
	for _, s := range stages {
		names = append(names, s.Name)
		before := snapshot(t, work)
		trace := filepath.Join(scratch, s.Name+".strace")
		for _, line := range s.Lines() {
			cmd := exec.Command(strace, "-f", "-y", "-qq", "-e", "trace=%file", "-o", trace, "/bin/sh", "-c", line)
			cmd.Dir, cmd.Env = s.Wdir, env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("stage %s: %s: %v\n%s", s.Name, line, err, out)
			}
			acc, err := parseStrace(trace, s.Wdir)
			if err != nil {
				t.Fatal(err)
			}
			var reads, writes int
			for _, a := range acc {
				if within(a.path, work) {
					if a.op == "read" {
						reads++
					} else {
						writes++
					}
				}
			}
			t.Logf("%s: %d reads and %d writes, renames, deletions in the workspace", s.Name, reads, writes)
			for _, v := range checkAccess(s, acc, before, ignore) {
				v = s.Name + ": " + v
				if _, ok := knownUndeclared[v]; ok {
					known[v] = true
					t.Logf("known, to fix in dvc.yaml: %s", v)
					continue
				}
				t.Errorf("%s", v)
				if d := os.Getenv("GENIE_KEEP_STRACE"); d != "" {
					copyFile(t, trace, filepath.Join(d, s.Name+".strace"))
				}
			}
		}
	}
	t.Logf("checked stages: %s", strings.Join(names, ", "))
	for v := range knownUndeclared {
		if !known[v] && slices.Contains(names, strings.SplitN(v, ":", 2)[0]) {
			t.Errorf("no longer found: %q; remove it from knownUndeclared", v)
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// stageOrder sorts stages so that each runs after the stages whose outs it
// depends on, keeping dvc.yaml's order otherwise.
func stageOrder(stages []*pipeline.Stage) []*pipeline.Stage {
	producer := func(dep string) *pipeline.Stage { return producerOf(stages, dep) }
	var order []*pipeline.Stage
	done := map[*pipeline.Stage]bool{}
	var visit func(s *pipeline.Stage)
	visit = func(s *pipeline.Stage) {
		if done[s] {
			return
		}
		done[s] = true
		for _, d := range s.Deps {
			if p := producer(d.Abs); p != nil && p != s {
				visit(p)
			}
		}
		order = append(order, s)
	}
	for _, s := range stages {
		visit(s)
	}
	return order
}

// producerOf returns the stage with an out that is dep, holds it or is
// inside it, or nil.
func producerOf(stages []*pipeline.Stage, dep string) *pipeline.Stage {
	for _, s := range stages {
		for _, o := range s.Outs {
			if within(dep, o.Abs) || within(o.Abs, dep) {
				return s
			}
		}
	}
	return nil
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+string(filepath.Separator))
}

// snapshot lists the regular files under root.
func snapshot(t *testing.T, root string) map[string]bool {
	t.Helper()
	files := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files[p] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// access is one successful file operation from a trace, in trace order.
type access struct {
	op   string // "read", "write", "delete", "mkdir", "rename"
	path string // absolute, cleaned
	to   string // rename's destination
}

// traceLine is "PID syscall(args) = result".
var traceLine = regexp.MustCompile(`^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)`)

// parseStrace reads an `strace -f -y` log of file system calls, joining
// the calls strace split across other processes' lines, and returns the
// successful opens, creations, renames and deletions with absolute paths
// (relative ones resolved against the annotated directory fd, or wdir).
func parseStrace(path, wdir string) ([]access, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []access
	pending := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		pid, rest, _ := strings.Cut(line, " ")
		// strace pads the pid column ("4266  renameat(...)" but
		// "14266 renameat(...)").
		rest = strings.TrimLeft(rest, " ")
		if before, ok := strings.CutSuffix(rest, " <unfinished ...>"); ok {
			pending[pid] = before
			continue
		}
		if strings.HasPrefix(rest, "<... ") {
			_, after, ok := strings.Cut(rest, " resumed>")
			if !ok {
				continue
			}
			rest = pending[pid] + after
			delete(pending, pid)
			line = pid + " " + rest
		}
		m := traceLine.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(m[4], "-") {
			continue // not a call, or a failed one
		}
		args := splitArgs(m[3])
		path := func(dirfd, p int) string {
			if p >= len(args) {
				return ""
			}
			name, err := strconv.Unquote(args[p])
			if err != nil {
				return ""
			}
			if filepath.IsAbs(name) {
				return filepath.Clean(name)
			}
			dir := wdir
			if dirfd >= 0 && dirfd < len(args) {
				if _, a, ok := strings.Cut(args[dirfd], "<"); ok {
					dir = strings.TrimSuffix(a, ">")
				}
			}
			return filepath.Join(dir, name)
		}
		flags := func(i int) string {
			if i < len(args) {
				return args[i]
			}
			return ""
		}
		switch m[2] {
		case "open", "openat", "openat2":
			p, fl := path(-1, 0), flags(1)
			if m[2] != "open" {
				p, fl = path(0, 1), flags(2)
			}
			switch {
			case strings.Contains(fl, "O_DIRECTORY"):
				// a listing, not a file's content
			case strings.Contains(fl, "O_WRONLY"), strings.Contains(fl, "O_RDWR"), strings.Contains(fl, "O_CREAT"), strings.Contains(fl, "O_TRUNC"):
				out = append(out, access{op: "write", path: p})
			default:
				out = append(out, access{op: "read", path: p})
			}
		case "creat":
			out = append(out, access{op: "write", path: path(-1, 0)})
		case "rename":
			out = append(out, access{op: "rename", path: path(-1, 0), to: path(-1, 1)})
		case "renameat", "renameat2":
			out = append(out, access{op: "rename", path: path(0, 1), to: path(2, 3)})
		case "unlink", "rmdir":
			out = append(out, access{op: "delete", path: path(-1, 0)})
		case "unlinkat":
			out = append(out, access{op: "delete", path: path(0, 1)})
		case "mkdir":
			out = append(out, access{op: "mkdir", path: path(-1, 0)})
		case "mkdirat":
			out = append(out, access{op: "mkdir", path: path(0, 1)})
		}
	}
	return out, sc.Err()
}

// splitArgs splits strace's argument list at the top-level commas.
func splitArgs(s string) []string {
	var args []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
		case c == '(' || c == '[' || c == '{' || c == '<':
			depth++
		case c == ')' || c == ']' || c == '}' || c == '>':
			depth--
		case c == ',' && depth == 0:
			args = append(args, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(args, strings.TrimSpace(s[start:]))
}

// checkAccess compares a stage's traced file access with its declaration
// and returns the violations. before lists the workspace's files when the
// stage started.
func checkAccess(s *pipeline.Stage, acc []access, before map[string]bool, ignore []string) []string {
	ignored := func(p string) bool {
		return slices.ContainsFunc(ignore, func(dir string) bool { return within(p, dir) })
	}
	isOut := func(p string) bool {
		return slices.ContainsFunc(s.Outs, func(o pipeline.Out) bool { return within(p, o.Abs) })
	}
	isPersistOut := func(p string) bool {
		return slices.ContainsFunc(s.Outs, func(o pipeline.Out) bool { return o.Persist && within(p, o.Abs) })
	}
	isDep := func(p string) bool {
		return slices.ContainsFunc(s.Deps, func(d pipeline.Dep) bool { return within(p, d.Abs) }) ||
			slices.ContainsFunc(s.Params, func(pd pipeline.ParamDep) bool { return p == pd.Abs }) ||
			p == filepath.Join(s.Wdir, "params.yaml")
	}
	isOutAncestor := func(p string) bool {
		return slices.ContainsFunc(s.Outs, func(o pipeline.Out) bool { return within(o.Abs, p) })
	}
	// A path renamed into a declared out (or a folder holding it) is a
	// temporary of that out; so is everything written under it.
	var staged []string
	for _, a := range acc {
		if a.op == "rename" && !ignored(a.to) && isOut(a.to) {
			staged = append(staged, a.path)
		}
	}
	// SQLite's -wal, -shm and -journal files beside a staged database are
	// temporaries of it too.
	isStaged := func(p string) bool {
		return slices.ContainsFunc(staged, func(dir string) bool {
			return within(p, dir) || p == dir+"-wal" || p == dir+"-shm" || p == dir+"-journal"
		})
	}
	seen := map[string]bool{}
	var bad []string
	report := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if !seen[msg] {
			seen[msg] = true
			bad = append(bad, msg)
		}
	}
	rel := func(p string) string {
		if r, err := filepath.Rel(s.Wdir, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return p
	}
	for _, a := range acc {
		if ignored(a.path) {
			continue
		}
		switch a.op {
		case "read":
			if isDep(a.path) || isPersistOut(a.path) || !before[a.path] && (isOut(a.path) || isStaged(a.path)) {
				continue
			}
			if !before[a.path] {
				// A file the stage itself created earlier, outside its outs:
				// reported as a write below.
				continue
			}
			report("reads %s, which is not a declared dep", rel(a.path))
		case "write", "delete":
			if isOut(a.path) || isStaged(a.path) {
				continue
			}
			verb := map[string]string{"write": "writes", "delete": "deletes"}[a.op]
			report("%s %s, which is not a declared out", verb, rel(a.path))
		case "mkdir":
			if isOut(a.path) || isStaged(a.path) || isOutAncestor(a.path) {
				continue
			}
			report("creates folder %s, which is not a declared out", rel(a.path))
		case "rename":
			if ignored(a.to) || isOut(a.to) || isStaged(a.to) {
				continue
			}
			report("renames %s to %s, which is not a declared out", rel(a.path), rel(a.to))
		}
	}
	return bad
}

// TestCheckAccess checks the trace parser and the checker on a made-up
// trace, so that the strace test cannot pass by seeing nothing.
func TestCheckAccess(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace")
	log := `10 openat(AT_FDCWD</w>, "in/a.txt", O_RDONLY|O_CLOEXEC) = 3</w/in/a.txt>
10 openat(AT_FDCWD</w>, "other.txt", O_RDONLY|O_CLOEXEC) = 3</w/other.txt>
10 openat(AT_FDCWD</w>, "missing.txt", O_RDONLY) = -1 ENOENT (No such file or directory)
10 openat(AT_FDCWD</w>, "/usr/lib/x.so", O_RDONLY) = 3</usr/lib/x.so>
11 openat(AT_FDCWD</w>, "out/.tmp-1", O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, 0600 <unfinished ...>
10 openat(3</w/in>, "b.txt", O_RDONLY) = 4</w/in/b.txt>
11 <... openat resumed>) = 5</w/out/.tmp-1>
11 renameat(AT_FDCWD</w>, "out/.tmp-1", AT_FDCWD</w>, "out/model.bin") = 0
11 openat(AT_FDCWD</w>, "stray.log", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 6</w/stray.log>
11 unlinkat(AT_FDCWD</w>, "old.txt", 0) = 0
11 mkdirat(AT_FDCWD</w>, "out", 0777) = 0
11 mkdirat(AT_FDCWD</w>, "junk", 0777) = 0
12  openat(AT_FDCWD</w>, "out/.tmp-2", O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 7</w/out/.tmp-2>
12  renameat(AT_FDCWD</w>, "out/.tmp-2", AT_FDCWD</w>, "out/model.bin" <unfinished ...>
11 openat(AT_FDCWD</w>, "/usr/lib/y.so", O_RDONLY) = 3</usr/lib/y.so>
12  <... renameat resumed>)           = 0
`
	if err := os.WriteFile(trace, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	acc, err := parseStrace(trace, "/w")
	if err != nil {
		t.Fatal(err)
	}
	if len(acc) != 13 {
		t.Fatalf("parsed %d accesses, want 13: %+v", len(acc), acc)
	}
	s := &pipeline.Stage{Name: "s", Wdir: "/w", Deps: []pipeline.Dep{{Path: "in", Abs: "/w/in"}}, Outs: []pipeline.Out{{Path: "out/model.bin", Abs: "/w/out/model.bin"}}}
	got := checkAccess(s, acc, map[string]bool{"/w/in/a.txt": true, "/w/in/b.txt": true, "/w/other.txt": true, "/w/old.txt": true}, []string{"/usr"})
	want := []string{
		"reads other.txt, which is not a declared dep",
		"writes stray.log, which is not a declared out",
		"deletes old.txt, which is not a declared out",
		"creates folder junk, which is not a declared out",
	}
	if !slices.Equal(got, want) {
		t.Errorf("checkAccess =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDvcignoreLeavesTestsOutOfCodeDeps checks the repository's .dvcignore:
// a code folder a stage depends on hashes the same when a test file or test
// data is added to it, and differently when a source file is, so editing a
// test re-runs no stage; and nothing dvc.yaml declares is ignored.
func TestDvcignoreLeavesTestsOutOfCodeDeps(t *testing.T) {
	repoRoot, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	copyFile(t, filepath.Join(repoRoot, ".dvcignore"), filepath.Join(work, ".dvcignore"))
	dir := filepath.Join(work, "internal", "model", "twotower")
	write := func(rel, data string) string {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hash := func() string {
		h := pipeline.NewHasher(nil)
		h.Ignore = pipeline.NewIgnore(work)
		hi, err := h.Hash(t.Context(), dir)
		if err != nil {
			t.Fatal(err)
		}
		return hi.MD5
	}
	write("model.go", "package twotower\n")
	base := hash()
	for _, tt := range []struct {
		rel     string
		changes bool
	}{
		{"model_test.go", false},
		{"testdata/fixture.csv", false},
		{"sub/testdata/deeper/x.json", false},
		{"net.go", true},
		{"sub/net.go", true},
		{"data/fixture.csv", true},
	} {
		p := write(tt.rel, "changed\n")
		if got := hash() != base; got != tt.changes {
			t.Errorf("adding %s changed the folder's hash: %v, want %v", tt.rel, got, tt.changes)
		}
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}

	proj, err := pipeline.LoadProject(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	ig := pipeline.NewIgnore(repoRoot)
	ignored := func(p string) bool { // p or a folder above it, up to the root
		for ; p != repoRoot && within(p, repoRoot); p = filepath.Dir(p) {
			fi, err := os.Stat(p)
			if ig.Match(p, err == nil && fi.IsDir()) {
				return true
			}
		}
		return false
	}
	for _, s := range proj.Stages {
		for _, d := range s.Deps {
			if ignored(d.Abs) {
				t.Errorf("stage %s: dep %s is ignored by .dvcignore", s.Name, d.Path)
			}
		}
		for _, o := range s.Outs {
			if ignored(o.Abs) {
				t.Errorf("stage %s: out %s is ignored by .dvcignore", s.Name, o.Path)
			}
		}
	}
}
