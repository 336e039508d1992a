package pipeline

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHostileLockHash: dvc.lock comes from whoever wrote the commit. An
// md5 that is not an md5 could name a file outside the cache (find used to
// remove such a "corrupted object"); it is refused with an error naming
// the entry, and the file outside stays as it was.
func TestHostileLockHash(t *testing.T) {
	const yaml = "stages:\n  s:\n    cmd: echo hi > out.txt\n    outs: [out.txt]\n"
	for _, md5 := range []string{
		"ab/../../../../../victim", // the repository's file "victim", seen from .dvc/cache/files/md5/ab/
		"../../../../../victim",
		"ab/../../../../../victim.dir",
		"0123456789ABCDEF0123456789ABCDEF", // upper case: not what DVC writes
	} {
		t.Run(md5, func(t *testing.T) {
			root := newTestRepo(t, map[string]string{"dvc.yaml": yaml, "victim": "precious\n"})
			mustRepro(t, root, ReproOptions{})
			lockPath := filepath.Join(root, "dvc.lock")
			lock := readFile(t, lockPath)
			hostile := regexp.MustCompile(`md5: [0-9a-f]{32}`).ReplaceAllString(lock, "md5: "+md5)
			if hostile == lock {
				t.Fatalf("no md5 in the lock file:\n%s", lock)
			}
			writeFile(t, lockPath, hostile)
			os.Remove(filepath.Join(root, "out.txt"))
			if err := RemoteAdd(root, "", "storage", t.TempDir(), true, false); err != nil {
				t.Fatal(err)
			}

			ctx := context.Background()
			r, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rem, err := r.OpenRemote("")
			if err != nil {
				t.Fatal(err)
			}
			for op, run := range map[string]func() error{
				"checkout": func() error { return r.Checkout(ctx) },
				"fetch":    func() error { _, err := r.Fetch(ctx, rem); return err },
				"gc":       func() error { _, err := r.GC(ctx); return err },
				"status":   func() error { _, err := r.Status(ctx, nil); return err },
			} {
				err := run()
				if err == nil || !strings.Contains(err.Error(), "out.txt: md5 ") || !strings.Contains(err.Error(), "expected 32 hexadecimal digits") {
					t.Errorf("%s: %v, want an error naming out.txt's md5", op, err)
				}
			}
			if got := readFile(t, filepath.Join(root, "victim")); got != "precious\n" {
				t.Errorf("victim file now %q", got)
			}
		})
	}
}

// TestHostileManifest: a .dir object may come from a remote. Its entries
// must name files inside the output directory and objects by md5;
// checkout refuses one that does not and writes nothing outside.
func TestHostileManifest(t *testing.T) {
	const yaml = "stages:\n  s:\n    cmd: mkdir -p d && echo hi > d/f.txt\n    outs: [d]\n"
	good := "764efa883dda1e11db47671c4a3bbd9e" // md5("hi\n")
	for _, tc := range []struct{ name, manifest, want string }{
		{"parent", `[{"md5": "` + good + `", "relpath": "../escaped"}]`, `relpath "../escaped"`},
		{"deeper parent", `[{"md5": "` + good + `", "relpath": "a/../../escaped"}]`, "relpath"},
		{"absolute", `[{"md5": "` + good + `", "relpath": "ABS/escaped"}]`, "relpath"},
		{"empty part", `[{"md5": "` + good + `", "relpath": "a//b"}]`, "relpath"},
		{"dot", `[{"md5": "` + good + `", "relpath": "./f.txt"}]`, "relpath"},
		{"object path", `[{"md5": "ab/../../../../../../escaped", "relpath": "f.txt"}]`, "expected 32 hexadecimal digits"},
		{"nested manifest", `[{"md5": "` + good + `.dir", "relpath": "f.txt"}]`, "expected 32 hexadecimal digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := newTestRepo(t, map[string]string{"dvc.yaml": yaml})
			mustRepro(t, root, ReproOptions{})
			abs := t.TempDir()
			tc.manifest = strings.ReplaceAll(tc.manifest, "ABS", filepath.ToSlash(abs))
			// Store the hostile manifest as a read-only object (as fetch
			// leaves them) and point the lock at it.
			sum := md5.Sum([]byte(tc.manifest))
			name := hex.EncodeToString(sum[:]) + ".dir"
			c := &Cache{Root: filepath.Join(root, ".dvc/cache")}
			if err := c.AddBytes(name, []byte(tc.manifest)); err != nil {
				t.Fatal(err)
			}
			lockPath := filepath.Join(root, "dvc.lock")
			lock := readFile(t, lockPath)
			hostile := regexp.MustCompile(`md5: [0-9a-f]{32}\.dir`).ReplaceAllString(lock, "md5: "+name)
			if hostile == lock {
				t.Fatalf("no directory md5 in the lock file:\n%s", lock)
			}
			writeFile(t, lockPath, hostile)
			os.RemoveAll(filepath.Join(root, "d"))

			r, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			err = r.Checkout(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkout: %v, want an error mentioning %s", err, tc.want)
			}
			for _, p := range []string{filepath.Join(root, "escaped"), filepath.Join(abs, "escaped")} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("checkout wrote %s", p)
				}
			}
		})
	}
}

func TestValidMD5AndRelPath(t *testing.T) {
	const h = "764efa883dda1e11db47671c4a3bbd9e"
	for _, tc := range []struct {
		md5  string
		want bool
	}{
		{h, true}, {h + ".dir", true}, {EmptyDirMD5, true},
		{"", false}, {h[:31], false}, {h + "0", false}, {strings.ToUpper(h), false},
		{h + ".DIR", false}, {h + ".dir.dir", false}, {"ab/../" + h[6:], false}, {h[:30] + "/x", false},
	} {
		if got := ValidMD5(tc.md5); got != tc.want {
			t.Errorf("ValidMD5(%q) = %v, want %v", tc.md5, got, tc.want)
		}
	}
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{"f.txt", true}, {"a/b/c", true}, {"..x", true}, {"x..", true}, {".hidden", true}, {`a\b`, true},
		{"", false}, {"/abs", false}, {"a/", false}, {"a//b", false}, {".", false}, {"..", false},
		{"./a", false}, {"a/./b", false}, {"a/../b", false}, {"../a", false}, {"a\x00b", false},
	} {
		if got := validRelPath(tc.rel); got != tc.want {
			t.Errorf("validRelPath(%q) = %v, want %v", tc.rel, got, tc.want)
		}
	}
}

// TestGCKeepsObjectsOfDvcFiles: gc keeps the objects .dvc files use, and
// stops, deleting nothing, at a .dvc file it cannot read rather than
// dropping that file's objects.
func TestGCKeepsObjectsOfDvcFiles(t *testing.T) {
	const obj = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct{ name, dvcFile, wantErr string }{
		{"valid", "outs:\n- md5: " + obj + "\n  path: data.csv\n", ""},
		{"bad md5", "outs:\n- md5: " + obj + "\n  path: data.csv\n- md5: ../../x\n  path: other.csv\n", "expected 32 hexadecimal digits"},
		{"not YAML", "outs: [\n", "data.dvc"},
		{"not a mapping", "- 1\n", "not a mapping"},
		{"path outside", "outs:\n- md5: " + obj + "\n  path: ../../victim\n", "outside the repository"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := newTestRepo(t, map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: echo hi > out.txt\n    outs: [out.txt]\n"})
			mustRepro(t, root, ReproOptions{})
			writeFile(t, filepath.Join(root, "data.dvc"), tc.dvcFile)
			c := &Cache{Root: filepath.Join(root, ".dvc/cache")}
			if err := c.AddBytes(obj, []byte("tracked by data.dvc")); err != nil {
				t.Fatal(err)
			}
			r, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			st, err := r.GC(context.Background())
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("gc: %v, want error %q", err, tc.wantErr)
			}
			if st.Removed != 0 {
				t.Errorf("gc removed %d objects", st.Removed)
			}
			if _, ok := c.find(context.Background(), obj); !ok {
				t.Errorf("gc removed the object data.dvc uses")
			}
		})
	}
}
