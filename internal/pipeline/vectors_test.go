package pipeline

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirHashVectors(t *testing.T) {
	tests := []struct {
		name     string
		entries  []DirEntry
		manifest string
		md5      string
		size     int64
		nfiles   int
	}{
		{
			name:     "spec foo/bar",
			entries:  []DirEntry{{RelPath: "foo", MD5: "acbd18db4cc2f85cedef654fccc4a4d8", Size: 3}, {RelPath: "bar", MD5: "37b51d194a7513e45b56f6524f2d51f2", Size: 3}},
			manifest: `[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}]`,
			md5:      "5ea40360f5b4ec688df672a4db9c17d1.dir", size: 6, nfiles: 2,
		},
		{name: "empty", manifest: `[]`, md5: EmptyDirMD5},
		{
			// generated with python3 json.dumps(..., sort_keys=True)
			name:     "non-ascii surrogate pairs",
			entries:  []DirEntry{{RelPath: "dé/😀", MD5: "x"}},
			manifest: `[{"md5": "x", "relpath": "d\u00e9/\ud83d\ude00"}]`,
			md5:      "a4e96212a9f7a83b817a3b3db6f25c00.dir", nfiles: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(ManifestBytes(tt.entries)); got != tt.manifest {
				t.Errorf("manifest = %s, want %s", got, tt.manifest)
			}
			hi := DirHash(tt.entries)
			if hi.MD5 != tt.md5 || hi.Size != tt.size || hi.NFiles != tt.nfiles {
				t.Errorf("DirHash = %+v, want %s size %d nfiles %d", hi, tt.md5, tt.size, tt.nfiles)
			}
		})
	}
}

func TestHashDirOnDisk(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "d", "foo"), "foo")
	writeFile(t, filepath.Join(dir, "d", "bar"), "bar")
	os.MkdirAll(filepath.Join(dir, "d", "empty", "nested"), 0o755)
	writeFile(t, filepath.Join(dir, "d", ".dvc", "x"), "ignored")
	writeFile(t, filepath.Join(dir, "e", ".keep"), "")
	os.Remove(filepath.Join(dir, "e", ".keep"))
	h := NewHasher(nil)
	hi, err := h.Hash(context.Background(), filepath.Join(dir, "d"))
	if err != nil {
		t.Fatal(err)
	}
	if hi.MD5 != "5ea40360f5b4ec688df672a4db9c17d1.dir" || hi.Size != 6 || hi.NFiles != 2 {
		t.Errorf("got %+v", hi)
	}
	hi, err = h.Hash(context.Background(), filepath.Join(dir, "e"))
	if err != nil || hi.MD5 != EmptyDirMD5 {
		t.Errorf("empty dir: %+v %v", hi, err)
	}
	fi, err := h.Hash(context.Background(), filepath.Join(dir, "d", "foo"))
	if err != nil || fi.MD5 != "acbd18db4cc2f85cedef654fccc4a4d8" || fi.Size != 3 {
		t.Errorf("file: %+v %v", fi, err)
	}
}

func TestPyFloatRepr(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1e-05, "1e-05"}, {100.0, "100.0"}, {1e16, "1e+16"}, {1e6, "1000000.0"}, {0.1, "0.1"},
		{0.0001, "0.0001"}, {1.5e-7, "1.5e-07"}, {123456789.125, "123456789.125"},
		{1e15, "1000000000000000.0"}, {-2.5, "-2.5"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"},
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {5e-324, "5e-324"}, {1e22, "1e+22"},
		{math.Inf(1), "inf"}, {math.NaN(), "nan"}, {0.30000000000000004, "0.30000000000000004"},
	}
	for _, tt := range tests {
		if got := pyFloatRepr(tt.f); got != tt.want {
			t.Errorf("pyFloatRepr(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

func TestPyEqual(t *testing.T) {
	m1, m2 := NewMap(), NewMap()
	m1.Set("a", int64(1))
	m1.Set("b", "x")
	m2.Set("b", "x")
	m2.Set("a", 1.0)
	tests := []struct {
		a, b any
		want bool
	}{
		{int64(1), 1.0, true}, {true, int64(1), true}, {true, 1.0, true}, {false, int64(0), true},
		{int64(1), "1", false}, {nil, nil, true}, {nil, int64(0), false}, {"a", "a", true},
		{[]any{int64(1), true}, []any{1.0, int64(1)}, true}, {[]any{int64(1)}, []any{int64(1), int64(2)}, false},
		{m1, m2, true}, {0.1, 0.1, true}, {int64(1) << 60, float64(int64(1) << 60), true},
	}
	for _, tt := range tests {
		if got := PyEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("PyEqual(%#v, %#v) = %v", tt.a, tt.b, got)
		}
	}
}

func specLock() *Lockfile {
	lf := &Lockfile{Stages: map[string]*StageLock{}}
	params := NewMap()
	p1 := NewMap()
	p1.Set("train.epochs", int64(10))
	p1.Set("lr", 0.1)
	nested := NewMap()
	nested.Set("a", int64(1))
	p2 := NewMap()
	p2.Set("nested", nested)
	params.Set("other.yaml", p2)
	params.Set("params.yaml", p1)
	deps := []LockEntry{
		entryFromHash("train.py", HashInfo{MD5: "acbd18db4cc2f85cedef654fccc4a4d8", Size: 3, IsExec: true}),
		entryFromHash("data/features", HashInfo{MD5: "5ea40360f5b4ec688df672a4db9c17d1.dir", Size: 6, NFiles: 2, IsDir: true}),
	}
	sortLockEntries(deps)
	lf.Set("train", &StageLock{
		Cmd:    "python train.py",
		Deps:   deps,
		Params: paramsForLock(params),
		Outs:   []LockEntry{entryFromHash("model.pkl", HashInfo{MD5: "0d5bb4a7c0d5e4f3a1b2c3d4e5f60718", Size: 2206748})},
	})
	return lf
}

// The spec's example, except that nested param dicts are written in block
// style: DVC dumps with ruamel default_flow_style=False
// (dvc/utils/serialize/_yaml.py), so `nested: {a: 1}` comes out as a block.
const specLockText = `schema: '2.0'
stages:
  train:
    cmd: python train.py
    deps:
    - path: data/features
      hash: md5
      md5: 5ea40360f5b4ec688df672a4db9c17d1.dir
      size: 6
      nfiles: 2
    - path: train.py
      hash: md5
      md5: acbd18db4cc2f85cedef654fccc4a4d8
      size: 3
      isexec: true
    params:
      params.yaml:
        lr: 0.1
        train.epochs: 10
      other.yaml:
        nested:
          a: 1
    outs:
    - path: model.pkl
      hash: md5
      md5: 0d5bb4a7c0d5e4f3a1b2c3d4e5f60718
      size: 2206748
`

func TestLockSpecExample(t *testing.T) {
	got := string(specLock().Bytes())
	if got != specLockText {
		t.Errorf("lock bytes differ:\n%s\nwant:\n%s", got, specLockText)
	}
	// round trip: parse then write gives the same bytes
	lf := &Lockfile{Stages: map[string]*StageLock{}}
	if err := lf.parse([]byte(specLockText)); err != nil {
		t.Fatal(err)
	}
	if again := string(lf.Bytes()); again != specLockText {
		t.Errorf("round trip differs:\n%s", again)
	}
	// the spec's flow-style form parses to the same entry
	flow := strings.Replace(specLockText, "        nested:\n          a: 1\n", "        nested: {a: 1}\n", 1)
	lf2 := &Lockfile{Stages: map[string]*StageLock{}}
	if err := lf2.parse([]byte(flow)); err != nil {
		t.Fatal(err)
	}
	if string(lf2.Bytes()) != specLockText {
		t.Errorf("flow-style lock does not normalise to the block form")
	}
}

func TestYAMLScalars(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{"plain", "plain"}, {"2.0", "'2.0'"}, {"true", "'true'"}, {"", "''"}, {"null", "'null'"},
		{"a: b", "'a: b'"}, {"#x", "'#x'"}, {"it's", "it's"}, {"'q'", `"'q'"`}, {"- x", "'- x'"},
		{"10", "'10'"}, {"1e5", "'1e5'"}, {" lead", "' lead'"}, {"tab\there", `"tab\there"`},
		{1e-05, "1e-05"}, {100.0, "100.0"}, {int64(7), "7"}, {true, "true"}, {math.Inf(1), ".inf"},
		{"echo \"hi\" > out", `echo "hi" > out`}, {"é", "é"},
	}
	for _, tt := range tests {
		m := NewMap()
		m.Set("k", tt.v)
		got := strings.TrimSuffix(strings.TrimPrefix(string(marshalYAML(m)), "k: "), "\n")
		if got != tt.want {
			t.Errorf("scalar %#v = %s, want %s", tt.v, got, tt.want)
		}
		back, err := parseYAMLValue(marshalYAML(m))
		if err != nil {
			t.Fatalf("reparse %#v: %v", tt.v, err)
		}
		bv, _ := back.(*Map).Get("k")
		if !PyEqual(bv, tt.v) && !(isNaN(bv) && isNaN(tt.v)) {
			t.Errorf("round trip %#v -> %#v", tt.v, bv)
		}
	}
}

func isNaN(v any) bool { f, ok := v.(float64); return ok && math.IsNaN(f) }

func TestYAMLFolding(t *testing.T) {
	long := "python src/train.py --data data/prepared/train.parquet --model models/model.pkl --epochs 10 --lr 0.1"
	m := NewMap()
	st := NewMap()
	st.Set("cmd", long)
	m.Set("train", st)
	got := string(marshalYAML(m))
	want := "train:\n  cmd: python src/train.py --data data/prepared/train.parquet --model models/model.pkl\n    --epochs 10 --lr 0.1\n"
	if got != want {
		t.Errorf("folded:\n%q\nwant\n%q", got, want)
	}
	back, _ := parseYAMLValue([]byte(got))
	tr, _ := back.(*Map).Get("train")
	c, _ := tr.(*Map).Get("cmd")
	if c != long {
		t.Errorf("folded cmd reads back as %q", c)
	}
	ml := "echo a\necho b"
	st.Set("cmd", ml)
	got = string(marshalYAML(m))
	back, _ = parseYAMLValue([]byte(got))
	tr, _ = back.(*Map).Get("train")
	if c, _ := tr.(*Map).Get("cmd"); c != ml {
		t.Errorf("multi-line cmd %q reads back as %q", got, c)
	}
}

func TestRunCacheVectors(t *testing.T) {
	// values generated with python3: json.dumps(entry, sort_keys=True) + sha256
	params := NewMap()
	p := NewMap()
	p.Set("lr", 1e-05)
	p.Set("big", 1e16)
	p.Set("m", 1e6)
	p.Set("train.epochs", int64(10))
	p.Set("x", 100.0)
	p.Set("s", "é")
	params.Set("params.yaml", p)
	sl := &StageLock{
		Cmd: "python train.py",
		Deps: []LockEntry{
			entryFromHash("data/features", HashInfo{MD5: "5ea40360f5b4ec688df672a4db9c17d1.dir", Size: 6, NFiles: 2, IsDir: true}),
			entryFromHash("train.py", HashInfo{MD5: "acbd18db4cc2f85cedef654fccc4a4d8", Size: 3, IsExec: true}),
		},
		Params: paramsForLock(params),
		Outs:   []LockEntry{entryFromHash("model.pkl", HashInfo{MD5: "0d5bb4a7c0d5e4f3a1b2c3d4e5f60718", Size: 2206748})},
	}
	wantJSON := `{"cmd": "python train.py", "deps": [{"hash": "md5", "md5": "5ea40360f5b4ec688df672a4db9c17d1.dir", "path": "data/features"}, {"hash": "md5", "isexec": true, "md5": "acbd18db4cc2f85cedef654fccc4a4d8", "path": "train.py"}], "outs": [{"hash": "md5", "md5": "0d5bb4a7c0d5e4f3a1b2c3d4e5f60718", "path": "model.pkl"}], "params": {"params.yaml": {"big": 1e+16, "lr": 1e-05, "m": 1000000.0, "s": "\u00e9", "train.epochs": 10, "x": 100.0}}}`
	if got := pyJSON(sl.toMap(false), true); got != wantJSON {
		t.Errorf("json:\n%s\nwant\n%s", got, wantJSON)
	}
	if got := runCacheValue(sl); got != "486805a365f2cdac3388b244e705cac9e4a12fee02971bf1ffb18c14e9c4066b" {
		t.Errorf("value = %s", got)
	}
	if got := runCacheKey(sl); got != "93b78bf32185ca9e2b0b1f4b14bc92b71a973c46e9e8beb1dbfbd28d78efca58" {
		t.Errorf("key = %s", got)
	}
}

func TestStatusTextSpec(t *testing.T) {
	deps := NewMap()
	deps.Set("data/features", StatusModified)
	pm := NewMap()
	pm.Set("lr", StatusModified)
	deps.Set("params.yaml", pm)
	outs := NewMap()
	outs.Set("model.pkl", StatusNotInCache)
	var b strings.Builder
	err := WriteStatusText(&b, []*StageStatus{{Addr: "train", ChangedDeps: deps, ChangedOuts: outs, ChangedCmd: true}})
	if err != nil {
		t.Fatal(err)
	}
	want := "train:\n" +
		"\tchanged deps:\n" +
		"\t\tmodified:           data/features\n" +
		"\t\tparams.yaml:\n" +
		"\t\t\tmodified:           lr\n" +
		"\tchanged outs:\n" +
		"\t\tnot in cache:       model.pkl\n" +
		"\tchanged command\n"
	if b.String() != want {
		t.Errorf("status text:\n%q\nwant\n%q", b.String(), want)
	}
	js, _ := StatusJSON([]*StageStatus{{Addr: "train", ChangedDeps: deps, ChangedOuts: outs, ChangedCmd: true}})
	wantJS := `{"train":[{"changed deps":{"data/features":"modified","params.yaml":{"lr":"modified"}}},{"changed outs":{"model.pkl":"not in cache"}},"changed command"]}`
	if string(js) != wantJS {
		t.Errorf("json %s", js)
	}
	b.Reset()
	WriteStatusText(&b, nil)
	if b.String() != "Data and pipelines are up to date.\n" {
		t.Errorf("empty status %q", b.String())
	}
}

func TestDos2Unix(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	crlf := filepath.Join(dir, "crlf.txt")
	writeFile(t, crlf, "a\r\nb\r\n")
	got, err := FileMD5Dos2Unix(ctx, crlf)
	if err != nil {
		t.Fatal(err)
	}
	lf := filepath.Join(dir, "lf.txt")
	writeFile(t, lf, "a\nb\n")
	want, _ := FileMD5(ctx, lf)
	if got != want {
		t.Errorf("dos2unix(crlf) = %s, want md5 of LF text %s", got, want)
	}
	bin := filepath.Join(dir, "bin")
	writeFile(t, bin, "a\r\n\x00b")
	g1, _ := FileMD5Dos2Unix(ctx, bin)
	g2, _ := FileMD5(ctx, bin)
	if g1 != g2 {
		t.Errorf("binary chunk must not be converted")
	}
}

func writeFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseManifestFastPath(t *testing.T) {
	for _, in := range []string{
		`[]`,
		`[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}]`,
		`[{"md5": "x", "relpath": "d\u00e9/\ud83d\ude00"}]`, // escapes: slow path
		`[{"relpath": "a", "md5": "b"}]`,                    // other key order: slow path
		`[{"md5": "a", "relpath": "q\"uote"}]`,
	} {
		got, err := parseManifest([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var want []DirEntry
		var raw []map[string]string
		if err := json.Unmarshal([]byte(in), &raw); err != nil {
			t.Fatal(err)
		}
		for _, e := range raw {
			want = append(want, DirEntry{MD5: e["md5"], RelPath: e["relpath"]})
		}
		if len(got) != len(want) {
			t.Fatalf("%s: got %v want %v", in, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: entry %d = %+v, want %+v", in, i, got[i], want[i])
			}
		}
	}
}
