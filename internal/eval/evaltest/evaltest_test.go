package evaltest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadUData(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "u.data")
	os.WriteFile(good, []byte("196\t242\t3\t881250949\n186\t302\t3\t891717742\n"), 0o644)
	got, err := ReadUData(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].User != 186 || got[1].Item != 302 || got[1].Rating != 3 || got[1].Timestamp != 891717742 {
		t.Fatalf("got %+v", got)
	}
	bad := filepath.Join(dir, "bad.data")
	os.WriteFile(bad, []byte("1\t2\t3\t4\n1\tx\t3\t4\n"), 0o644)
	if _, err := ReadUData(bad); err == nil || !strings.Contains(err.Error(), "line 2: field 2") {
		t.Fatalf("err = %v, want a located parse error", err)
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	a := Synthetic(1, 10, 20, 5)
	b := Synthetic(1, 10, 20, 5)
	if len(a) != 50 || len(a) != len(b) {
		t.Fatalf("len %d %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("not deterministic")
		}
	}
}
