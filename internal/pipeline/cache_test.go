package pipeline

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/pipeline/remote"
	"github.com/moviegenie/genie/internal/pipeline/remote/local"
)

func TestStatCacheAvoidsRereading(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "d", "f")
	writeFile(t, p, "aaaa")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p, old, old)
	scPath := filepath.Join(root, "sc.tsv")
	sc, err := OpenStatCache(scPath)
	if err != nil {
		t.Fatal(err)
	}
	h := NewHasher(sc)
	hi1, err := h.Hash(context.Background(), filepath.Join(root, "d"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Save(); err != nil {
		t.Fatal(err)
	}
	// rewrite in place: same inode, size and mtime, other bytes
	f, _ := os.OpenFile(p, os.O_WRONLY, 0)
	f.WriteAt([]byte("bbbb"), 0)
	f.Close()
	os.Chtimes(p, old, old)
	sc2, _ := OpenStatCache(scPath)
	hi2, err := NewHasher(sc2).Hash(context.Background(), filepath.Join(root, "d"))
	if err != nil {
		t.Fatal(err)
	}
	if hi2.MD5 != hi1.MD5 {
		t.Errorf("stat cache not used: file was re-read")
	}
	hi3, _ := NewHasher(nil).Hash(context.Background(), filepath.Join(root, "d"))
	if hi3.MD5 == hi1.MD5 {
		t.Errorf("without the stat cache the new content must be seen")
	}
	// a changed mtime invalidates the entry
	now := old.Add(time.Minute)
	os.Chtimes(p, now, now)
	hi4, _ := NewHasher(sc2).Hash(context.Background(), filepath.Join(root, "d"))
	if hi4.MD5 != hi3.MD5 {
		t.Errorf("mtime change not noticed")
	}
	// recently modified files are not cached (racy window)
	writeFile(t, filepath.Join(root, "fresh"), "x")
	sc3, _ := OpenStatCache(filepath.Join(root, "sc3.tsv"))
	NewHasher(sc3).Hash(context.Background(), filepath.Join(root, "fresh"))
	if len(sc3.entries) != 0 {
		t.Errorf("racy file cached")
	}
}

// TestStatCacheForgetsDeletedPaths: a save leaves out the records of files
// and directories that are gone, and keeps the others.
func TestStatCacheForgetsDeletedPaths(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{"keep/a", "gone/b"} {
		writeFile(t, filepath.Join(root, f), f)
		os.Chtimes(filepath.Join(root, f), old, old)
	}
	scPath := filepath.Join(root, "sc.tsv")
	sc, err := OpenStatCache(scPath)
	if err != nil {
		t.Fatal(err)
	}
	h := NewHasher(sc)
	for _, p := range []string{"keep", "gone"} {
		if _, err := h.Hash(context.Background(), filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Save(); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(root, "gone"))
	writeFile(t, filepath.Join(root, "new", "n"), "n") // something to save
	os.Chtimes(filepath.Join(root, "new", "n"), old, old)
	sc2, _ := OpenStatCache(scPath)
	if _, err := NewHasher(sc2).Hash(context.Background(), filepath.Join(root, "new")); err != nil {
		t.Fatal(err)
	}
	sc2.StoreDir(filepath.Join(root, "keep"), "fp2", EmptyDirMD5) // directory records are saved when one changes
	if err := sc2.Save(); err != nil {
		t.Fatal(err)
	}
	files, dirs := readFile(t, scPath), readFile(t, scPath+".dirs")
	for _, want := range []string{"/keep/a\n", "/new/n\n"} {
		if !strings.Contains(files, want) {
			t.Errorf("stat cache lost %s:\n%s", want, files)
		}
	}
	for _, gone := range []string{"/gone/b\n"} {
		if strings.Contains(files, gone) {
			t.Errorf("stat cache kept deleted %s:\n%s", gone, files)
		}
	}
	if !strings.Contains(dirs, "/keep\n") || strings.Contains(dirs, "/gone\n") {
		t.Errorf("directory records:\n%s", dirs)
	}
}

func TestHasherHashesOnce(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "f")
	writeFile(t, p, "one")
	h := NewHasher(nil)
	a, _ := h.Hash(context.Background(), p)
	writeFile(t, p, "two")
	b, _ := h.Hash(context.Background(), p)
	if a.MD5 != b.MD5 {
		t.Errorf("path hashed twice in one invocation")
	}
	h.Invalidate(p)
	c, _ := h.Hash(context.Background(), p)
	if c.MD5 == a.MD5 {
		t.Errorf("Invalidate did not drop the memo")
	}
}

func TestCacheTypes(t *testing.T) {
	for _, typ := range []string{"copy", "hardlink", "symlink", "reflink,copy"} {
		t.Run(typ, func(t *testing.T) {
			root := newTestRepo(t, map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: mkdir -p d && echo 1 > d/a && echo 2 > f && touch empty\n    outs: [d, f, empty]\n"})
			if err := ConfigSet(root, "cache.type", typ, false); err != nil {
				t.Fatal(err)
			}
			mustRepro(t, root, ReproOptions{})
			fi, err := os.Lstat(filepath.Join(root, "f"))
			if err != nil {
				t.Fatal(err)
			}
			obj := filepath.Join(root, ".dvc/cache/files/md5/26/ab0db90d72e28ad0ba1e22ee510510")
			ofi, err := os.Stat(obj)
			if err != nil {
				t.Fatal(err)
			}
			if ofi.Mode().Perm() != 0o444 {
				t.Errorf("object mode %v", ofi.Mode())
			}
			switch typ {
			case "symlink":
				if fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("not a symlink")
				}
			case "hardlink":
				if !os.SameFile(fi, ofi) {
					t.Errorf("not a hardlink")
				}
			default:
				if os.SameFile(fi, ofi) || fi.Mode().Perm()&0o200 == 0 {
					t.Errorf("workspace copy shares the object or is read-only")
				}
			}
			if efi, _ := os.Lstat(filepath.Join(root, "empty")); efi.Mode()&os.ModeSymlink != 0 {
				t.Errorf("empty file linked")
			}
			// checkout after deletion restores with the same link type
			os.RemoveAll(filepath.Join(root, "d"))
			os.Remove(filepath.Join(root, "f"))
			writeFile(t, filepath.Join(root, "d", "extra"), "x")
			r, _ := Open(root)
			if err := r.Checkout(context.Background()); err != nil {
				t.Fatal(err)
			}
			r.Close()
			if got := readFile(t, filepath.Join(root, "d/a")); got != "1\n" {
				t.Errorf("d/a = %q", got)
			}
			if _, err := os.Stat(filepath.Join(root, "d/extra")); !os.IsNotExist(err) {
				t.Errorf("extra file kept by checkout")
			}
			if len(status(t, root)) != 0 {
				t.Errorf("status after checkout not clean")
			}
		})
	}
}

func TestPushPullFetchGC(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": logYAML, "w/in": "1"})
	remoteDir := t.TempDir()
	if err := RemoteAdd(root, "", "storage", remoteDir, true, false); err != nil {
		t.Fatal(err)
	}
	if cfg := readFile(t, filepath.Join(root, ".dvc/config")); cfg != "['remote \"storage\"']\n    url = "+remoteDir+"\n[core]\n    remote = storage\n" {
		t.Errorf("config:\n%s", cfg)
	}
	mustRepro(t, root, ReproOptions{})
	ctx := context.Background()
	r, _ := Open(root)
	rem, err := r.OpenRemote("")
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Push(ctx, rem)
	// a.out, b.out and c.out hold the same bytes: one object
	if err != nil || st.Transferred != 1 {
		t.Fatalf("push %+v %v", st, err)
	}
	st, _ = r.Push(ctx, rem)
	if st.Transferred != 0 || st.Skipped != 1 {
		t.Errorf("second push %+v", st)
	}
	r.Close()
	keys, _ := local.New(remoteDir).List(ctx, "files")
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "files/md5/") {
		t.Errorf("remote keys %v", keys)
	}
	// lose cache and outputs, pull them back
	os.RemoveAll(filepath.Join(root, ".dvc/cache"))
	for _, f := range []string{"w/a.out", "w/b.out", "w/c.out"} {
		os.Remove(filepath.Join(root, f))
	}
	r, _ = Open(root)
	if _, err := r.Pull(ctx, rem); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if len(status(t, root)) != 0 {
		t.Errorf("not up to date after pull")
	}
	// gc -w removes objects no lock references
	c := &Cache{Root: filepath.Join(root, ".dvc/cache")}
	c.AddBytes("0123456789abcdef0123456789abcdef", []byte("orphan"))
	r, _ = Open(root)
	gs, err := r.GC(ctx)
	r.Close()
	if err != nil || gs.Removed != 1 {
		t.Errorf("gc %+v %v", gs, err)
	}
	if len(status(t, root)) != 0 {
		t.Errorf("gc removed a used object")
	}
}

func TestConfigRoundTrip(t *testing.T) {
	root := newTestRepo(t, nil)
	for _, kv := range [][2]string{{"cache.type", "hardlink,symlink"}, {"cache.dir", "../mycache"}, {"core.remote", "s"}, {"cache.protected", "true"}, {"remote.s.url", "s3://b/p"}} {
		if err := ConfigSet(root, kv[0], kv[1], false); err != nil {
			t.Fatal(err)
		}
		if v, err := ConfigGet(root, kv[0]); err != nil || v != kv[1] {
			t.Errorf("%s = %q %v", kv[0], v, err)
		}
	}
	if err := ConfigSet(root, "cache.type", "teleport", false); err == nil {
		t.Errorf("bad cache.type accepted")
	}
	if err := ConfigSet(root, "core.nope", "1", false); err == nil {
		t.Errorf("unknown option accepted")
	}
	cfg, _ := LoadConfig(root)
	if c := OpenCache(root, cfg); c.Root != filepath.Join(root, "mycache") || strings.Join(c.Types, ",") != "hardlink,symlink" {
		t.Errorf("cache %+v", c)
	}
	want := "[cache]\n    type = hardlink,symlink\n    dir = ../mycache\n    protected = true\n[core]\n    remote = s\n['remote \"s\"']\n    url = s3://b/p\n"
	if got := readFile(t, filepath.Join(root, ".dvc/config")); got != want {
		t.Errorf("config:\n%s", got)
	}
	// DVC's own quoting variants parse
	c, err := ParseConfig([]byte("[core]\nremote = x\n[remote \"x\"]\nurl = /tmp/r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("remote \"x\"", "url"); v != "/tmp/r" {
		t.Errorf("url %q", v)
	}
}

func TestRemoteAddRelativePath(t *testing.T) {
	root := newTestRepo(t, nil)
	if err := RemoteAdd(root, root, "r", "../store", false, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := ConfigGet(root, "remote.r.url"); v != "../../store" {
		t.Errorf("stored url %q, want ../../store (relative to .dvc/)", v)
	}
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	rem, err := r.OpenRemote("r")
	if err != nil {
		t.Fatal(err)
	}
	if got := rem.(*local.Remote).Root; got != filepath.Join(filepath.Dir(root), "store") {
		t.Errorf("remote root %s", got)
	}
	if err := RemoteAdd(root, root, "r", "/x", false, false); err == nil {
		t.Errorf("overwriting a remote without force must fail")
	}
}

func TestSetCacheDirRelativePath(t *testing.T) {
	root := newTestRepo(t, nil)
	sub := filepath.Join(root, "sub")
	os.MkdirAll(sub, 0o755)
	if err := SetCacheDir(root, sub, "../../shared-cache"); err != nil {
		t.Fatal(err)
	}
	if v, _ := ConfigGet(root, "cache.dir"); v != "../../shared-cache" {
		t.Errorf("stored cache.dir %q, want ../../shared-cache (relative to .dvc/)", v)
	}
	cfg, _ := LoadConfig(root)
	if got, want := OpenCache(root, cfg).Root, filepath.Join(filepath.Dir(root), "shared-cache"); got != want {
		t.Errorf("cache root %s, want %s (the path as given from sub/)", got, want)
	}
}

func TestDirFingerprintRecord(t *testing.T) {
	root := newTestRepo(t, map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: mkdir -p d && echo 1 > d/a && echo 2 > d/b\n    outs: [d]\n"})
	mustRepro(t, root, ReproOptions{})
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{"d/a", "d/b"} {
		os.Chtimes(filepath.Join(root, f), old, old)
	}
	if len(status(t, root)) != 0 { // records the fingerprint
		t.Fatal("not clean")
	}
	r, _ := Open(root)
	fp := r.stat.dirs[filepath.Join(root, "d")]
	r.Close()
	if fp.md5 == "" {
		t.Fatal("no directory record stored")
	}
	// a content change with a new mtime is seen
	writeFile(t, filepath.Join(root, "d/b"), "3\n")
	os.Chtimes(filepath.Join(root, "d/b"), old.Add(time.Second), old.Add(time.Second))
	sts := status(t, root)
	if len(sts) != 1 {
		t.Fatalf("modified file in a recorded dir not noticed: %+v", sts)
	}
	// an added file too
	writeFile(t, filepath.Join(root, "d/b"), "2\n")
	os.Chtimes(filepath.Join(root, "d/b"), old, old)
	if len(status(t, root)) != 0 {
		t.Fatal("restored content not clean")
	}
	writeFile(t, filepath.Join(root, "d/c"), "new")
	if len(status(t, root)) != 1 {
		t.Fatal("added file not noticed")
	}
}

// TestPullNamesMissingOutputs: a remote without some outputs' objects
// (here a push: false output) still gives back the others, and the error
// names what it could not.
func TestPullNamesMissingOutputs(t *testing.T) {
	y := "stages:\n  s:\n    cmd: echo a > a.txt && echo b > b.txt && mkdir -p d && echo c > d/c.txt\n    outs:\n    - a.txt\n    - b.txt:\n        push: false\n    - d\n"
	root := newTestRepo(t, map[string]string{"dvc.yaml": y})
	if err := RemoteAdd(root, "", "storage", t.TempDir(), true, false); err != nil {
		t.Fatal(err)
	}
	mustRepro(t, root, ReproOptions{})
	rem, _ := pushAll(t, root)
	os.RemoveAll(filepath.Join(root, ".dvc/cache"))
	for _, f := range []string{"a.txt", "b.txt", "d"} {
		os.RemoveAll(filepath.Join(root, f))
	}
	r, _ := Open(root)
	defer r.Close()
	_, err := r.Pull(context.Background(), rem)
	var fm *FetchMissingError
	if !errors.As(err, &fm) || !strings.Contains(err.Error(), "'b.txt' (stage 's')") || len(fm.Names) != 1 {
		t.Fatalf("pull: %v; want a FetchMissingError naming only b.txt", err)
	}
	if readFile(t, filepath.Join(root, "a.txt")) != "a\n" || readFile(t, filepath.Join(root, "d/c.txt")) != "c\n" {
		t.Errorf("the complete outputs were not checked out")
	}
	if _, err := os.Stat(filepath.Join(root, "b.txt")); !os.IsNotExist(err) {
		t.Errorf("b.txt: %v", err)
	}
}

func TestGitignoreEscape(t *testing.T) {
	names := map[string]string{
		"plain.txt":    "plain.txt",
		"a[1].txt":     `a\[1\].txt`,
		"st*r?.txt":    `st\*r\?.txt`,
		"#notcomment":  `\#notcomment`,
		"!neg":         `\!neg`,
		`back\slash`:   `back\\slash`,
		"trailing  ":   `trailing\ \ `,
		"spa ce.txt":   "spa ce.txt",
		"ünïcode.json": "ünïcode.json",
	}
	for name, want := range names {
		if got := gitignoreEscape(name); got != want {
			t.Errorf("gitignoreEscape(%q) = %q, want %q", name, got, want)
		}
	}
	// git agrees: each entry ignores its file and nothing else
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	if out, err := exec.Command(git, "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	for _, n := range []string{"a[1].txt", "a1.txt", "st*r?.txt", "stXrY.txt", "#c", "!neg", "trailing  "} {
		writeFile(t, filepath.Join(dir, n), "x")
	}
	for _, n := range []string{"a[1].txt", "st*r?.txt", "#c", "!neg", "trailing  "} {
		if err := addGitignore(dir, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(git, "-C", dir, "status", "--porcelain", "-uall").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != "?? .gitignore\n?? a1.txt\n?? stXrY.txt\n" {
		t.Errorf("git status after the .gitignore entries:\n%s", got)
	}
}

// TestOutputRemote: an output's remote: flag sends it to that remote (the
// others go to the default one), and pull brings it back from there.
func TestOutputRemote(t *testing.T) {
	y := "stages:\n  s:\n    cmd: echo a > a.txt && echo c > c.txt\n    outs:\n    - a.txt\n    - c.txt:\n        remote: other\n"
	root := newTestRepo(t, map[string]string{"dvc.yaml": y})
	mainDir, otherDir := t.TempDir(), t.TempDir()
	if err := RemoteAdd(root, "", "main", mainDir, true, false); err != nil {
		t.Fatal(err)
	}
	if err := RemoteAdd(root, "", "other", otherDir, false, false); err != nil {
		t.Fatal(err)
	}
	mustRepro(t, root, ReproOptions{})
	ctx := context.Background()
	rem, st := pushAll(t, root)
	if st.Transferred != 2 {
		t.Fatalf("push %+v", st)
	}
	for dir, want := range map[string]string{mainDir: "a\n", otherDir: "c\n"} {
		keys, _ := local.New(dir).List(ctx, "files")
		if len(keys) != 1 || readFile(t, filepath.Join(dir, filepath.FromSlash(keys[0]))) != want {
			t.Errorf("remote %s holds %v, want only the object of %q", dir, keys, want)
		}
	}
	os.RemoveAll(filepath.Join(root, ".dvc/cache"))
	os.Remove(filepath.Join(root, "a.txt"))
	os.Remove(filepath.Join(root, "c.txt"))
	r, _ := Open(root)
	defer r.Close()
	if st, err := r.Pull(ctx, rem); err != nil || st.Transferred != 2 {
		t.Fatalf("pull %+v %v", st, err)
	}
	if readFile(t, filepath.Join(root, "c.txt")) != "c\n" || readFile(t, filepath.Join(root, "a.txt")) != "a\n" {
		t.Errorf("pull did not restore both outputs")
	}
}

// TestDvcFileTrackedData: data a .dvc file tracks (dvc add) is pushed,
// pulled and checked out like a stage's output.
func TestDvcFileTrackedData(t *testing.T) {
	root := newTestRepo(t, map[string]string{"data/ds.csv": "a,b\n1,2\n"})
	ctx := context.Background()
	md5, err := FileMD5(ctx, filepath.Join(root, "data/ds.csv"))
	if err != nil {
		t.Fatal(err)
	}
	c := &Cache{Root: filepath.Join(root, ".dvc/cache")}
	if err := c.AddBytes(md5, []byte("a,b\n1,2\n")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "data/ds.csv.dvc"), "outs:\n- md5: "+md5+"\n  size: 8\n  hash: md5\n  path: ds.csv\n")
	if err := RemoteAdd(root, "", "storage", t.TempDir(), true, false); err != nil {
		t.Fatal(err)
	}
	rem, st := pushAll(t, root)
	if st.Transferred != 1 {
		t.Fatalf("push %+v", st)
	}
	os.RemoveAll(filepath.Join(root, ".dvc/cache"))
	os.Remove(filepath.Join(root, "data/ds.csv"))
	r, _ := Open(root)
	defer r.Close()
	if st, err := r.Pull(ctx, rem); err != nil || st.Transferred != 1 {
		t.Fatalf("pull %+v %v", st, err)
	}
	if got := readFile(t, filepath.Join(root, "data/ds.csv")); got != "a,b\n1,2\n" {
		t.Errorf("pulled %q", got)
	}
	os.WriteFile(filepath.Join(root, "data/ds.csv"), []byte("edited"), 0o644)
	if err := r.Checkout(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(root, "data/ds.csv")); got != "a,b\n1,2\n" {
		t.Errorf("checked out %q", got)
	}
}

// pushAll opens root, pushes every output to the default remote and closes
// the repository; it returns that remote for a later pull.
func pushAll(t *testing.T, root string) (remote.Remote, TransferStats) {
	t.Helper()
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rem, err := r.OpenRemote("")
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Push(context.Background(), rem)
	if err != nil {
		t.Fatalf("push %+v: %v", st, err)
	}
	return rem, st
}
