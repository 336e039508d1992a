package pipeline

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies a fixture into a temp dir, keeping exec bits.
func copyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		// the fixture is stored so that neither DVC nor genie mistakes it for
		// part of this repository's pipeline: _dvc is .dvc, dvc.yaml.fixture
		// is dvc.yaml
		rel = strings.Replace(rel, "_dvc", ".dvc", 1)
		rel = strings.TrimSuffix(rel, ".fixture")
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestGoldenDVCRepo: a repository whose dvc.lock and cache were written the
// way DVC writes them (DVC 3 entries with hash: md5, a .dir object, flow-style
// nested params, and a DVC 2 md5-dos2unix entry with a CRLF file in the
// legacy cache layout) is up to date for genie.
func TestGoldenDVCRepo(t *testing.T) {
	root := copyTree(t, "testdata/golden")
	sts := status(t, root)
	if len(sts) != 0 {
		var b strings.Builder
		WriteStatusText(&b, sts)
		t.Fatalf("golden repo not up to date:\n%s", b.String())
	}
	out := mustRepro(t, root, ReproOptions{})
	if !strings.HasSuffix(out, "Data and pipelines are up to date.\n") || len(ranStages(out)) != 0 {
		t.Errorf("repro on golden repo:\n%s", out)
	}
	// Modifying a tracked file is noticed; the legacy entry too.
	writeFile(t, filepath.Join(root, "notes.txt"), "line one\nline 2\n")
	writeFile(t, filepath.Join(root, "params.yaml"), "lr: 0.10\ntrain:\n  epochs: 10.0\n")
	writeFile(t, filepath.Join(root, "other.yaml"), "nested:\n  a: 1.0\n")
	sts = status(t, root)
	if len(sts) != 1 || sts[0].Addr != "legacy" {
		t.Fatalf("status after edits: %+v", sts)
	}
	// outputs are checked out of the fixture's cache (both layouts)
	os.Remove(filepath.Join(root, "model.pkl"))
	os.Remove(filepath.Join(root, "legacy.out"))
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Checkout(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(root, "model.pkl")); got != "model-bytes\n" {
		t.Errorf("checkout model.pkl = %q", got)
	}
	if got := readFile(t, filepath.Join(root, "legacy.out")); got != "legacy out\r\n" {
		t.Errorf("checkout legacy.out = %q", got)
	}
}
