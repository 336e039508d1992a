package pipeline

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func parseStages(t *testing.T, files map[string]string) ([]*Stage, error) {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		writeFile(t, filepath.Join(root, p), c)
	}
	p, err := LoadProject(root)
	if err != nil {
		return nil, err
	}
	return p.Stages, nil
}

func TestParseDvcYAML(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		check  func(t *testing.T, st []*Stage)
		errSub string
	}{
		{
			name: "cmd forms",
			files: map[string]string{"dvc.yaml": `stages:
  a:
    cmd: echo a
  b:
    cmd: [echo 1, echo 2]
  c:
    cmd: |
      echo x
      echo y
`},
			check: func(t *testing.T, st []*Stage) {
				if st[0].Cmd != "echo a" || !reflect.DeepEqual(st[1].Cmd, []string{"echo 1", "echo 2"}) {
					t.Errorf("cmds: %#v %#v", st[0].Cmd, st[1].Cmd)
				}
				if st[2].Cmd != "echo x\necho y\n" || !reflect.DeepEqual(st[2].Lines(), []string{"echo x", "echo y"}) {
					t.Errorf("multiline: %#v %#v", st[2].Cmd, st[2].Lines())
				}
			},
		},
		{
			name: "deps outs flags wdir",
			files: map[string]string{"dvc.yaml": `stages:
  train:
    wdir: sub
    cmd: python train.py
    deps: [train.py, ../data]
    outs:
    - model.pkl
    - cache_dir:
        cache: false
        persist: true
        push: false
        desc: annotation
    metrics:
    - m.json:
        cache: false
    plots:
    - p.csv
    frozen: true
    always_changed: true
    desc: hi
`},
			check: func(t *testing.T, st []*Stage) {
				s := st[0]
				if !strings.HasSuffix(s.Wdir, "/sub") || s.Deps[1].Path != "../data" || !strings.HasSuffix(s.Deps[1].Abs, "/data") {
					t.Errorf("wdir/deps: %s %+v", s.Wdir, s.Deps)
				}
				if len(s.Outs) != 4 || s.Outs[1].Cache || !s.Outs[1].Persist || s.Outs[1].Push || s.Outs[2].Kind != "metrics" || s.Outs[2].Cache || !s.Outs[3].Cache {
					t.Errorf("outs: %+v", s.Outs)
				}
				if !s.Frozen || !s.AlwaysChanged || s.Desc != "hi" {
					t.Errorf("flags %+v", s)
				}
			},
		},
		{
			name: "params forms",
			files: map[string]string{"dvc.yaml": `stages:
  s:
    cmd: x
    params:
    - lr
    - train.epochs
    - other.yaml: [a, b.c]
    - whole.json:
    - whole2.toml: []
    - lr
`},
			check: func(t *testing.T, st []*Stage) {
				ps := st[0].Params
				if len(ps) != 4 || ps[0].File != "params.yaml" || !reflect.DeepEqual(ps[0].Keys, []string{"lr", "train.epochs"}) {
					t.Fatalf("params %+v", ps)
				}
				if !reflect.DeepEqual(ps[1].Keys, []string{"a", "b.c"}) || ps[2].Keys != nil || ps[3].Keys != nil {
					t.Errorf("params %+v", ps)
				}
			},
		},
		{
			name: "foreach list dict and matrix",
			files: map[string]string{"dvc.yaml": `vars:
  - models: [a, b]
stages:
  build:
    foreach: ${models}
    do:
      cmd: make ${item}
      outs:
      - out/${item}
  cfg:
    foreach:
      us: {n: 1}
      eu: {n: 2}
    do:
      cmd: run ${key} ${item.n}
  objs:
    foreach: [{x: 1}, {x: 2}]
    do:
      cmd: echo ${item.x}
  grid:
    matrix:
      m: [lin, tree]
      lr: [0.1, 1]
    cmd: fit ${item.m} ${item.lr}
`},
			check: func(t *testing.T, st []*Stage) {
				var names, cmds []string
				for _, s := range st {
					names = append(names, s.Addr)
					cmds = append(cmds, s.Cmd.(string))
				}
				want := []string{"build@a", "build@b", "cfg@us", "cfg@eu", "objs@0", "objs@1", "grid@lin-0.1", "grid@lin-1", "grid@tree-0.1", "grid@tree-1"}
				if !reflect.DeepEqual(names, want) {
					t.Errorf("names %v", names)
				}
				if cmds[2] != "run us 1" || cmds[5] != "echo 2" || cmds[7] != "fit lin 1" || st[1].Outs[0].Path != "out/b" {
					t.Errorf("cmds %v", cmds)
				}
			},
		},
		{
			name: "interpolation stringification",
			files: map[string]string{
				"params.yaml": "lr: 0.00001\nbig: 1.0e+16\nflag: true\nnone: null\nn: 3\nopts: {a: 1, b: true, c: false, s: two words, l: [1, x y]}\nname: model\n",
				"dvc.yaml": `stages:
  s:
    cmd: python t.py ${lr} ${big} ${flag} ${none} ${n} ${opts} \${literal}
    outs:
    - ${name}.pkl
`},
			check: func(t *testing.T, st []*Stage) {
				want := "python t.py 1e-05 1e+16 true None 3 --a 1 --b --s 'two words' --l 1 'x y' ${literal}"
				if st[0].Cmd != want {
					t.Errorf("cmd = %q\nwant  %q", st[0].Cmd, want)
				}
				if st[0].Outs[0].Path != "model.pkl" {
					t.Errorf("out %q", st[0].Outs[0].Path)
				}
			},
		},
		{
			name: "vars files and keys, stage vars",
			files: map[string]string{
				"cfg.yaml":       "a: 1\nb: 2\n",
				"sub/local.yaml": "c: 3\n",
				"dvc.yaml": `vars:
  - cfg.yaml:a
  - {d: 4}
stages:
  s:
    wdir: sub
    vars: [local.yaml]
    cmd: echo ${a} ${d} ${c}
`},
			check: func(t *testing.T, st []*Stage) {
				if st[0].Cmd != "echo 1 4 3" {
					t.Errorf("cmd %q", st[0].Cmd)
				}
			},
		},
		{name: "redefined var", files: map[string]string{"params.yaml": "a: 1\n", "dvc.yaml": "vars: [{a: 2}]\nstages:\n  s:\n    cmd: echo ${a}\n"}, errSub: "cannot redefine 'a'"},
		{name: "list in string", files: map[string]string{"dvc.yaml": "vars: [{l: [1]}]\nstages:\n  s:\n    cmd: echo\n    deps:\n    - a${l}\n"}, errSub: "type 'list'"},
		{name: "missing var", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: echo ${nope}\n"}, errSub: "could not find 'nope'"},
		{name: "escaping dep", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: x\n    deps: [../../etc/passwd]\n"}, errSub: "outside the repository"},
		{name: "escaping out", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: x\n    outs: [/etc/x]\n"}, errSub: "outside the repository"},
		{name: "escaping wdir", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: x\n    wdir: ..\n"}, errSub: "outside the repository"},
		{name: "missing cmd", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    deps: [a]\n"}, errSub: "missing 'cmd'"},
		{name: "unknown key", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: x\n    dep: [a]\n"}, errSub: "unknown key 'dep'"},
		{name: "cmd a number", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: 5\n"}, errSub: "cmd: expected a string or a list of strings, got int"},
		{name: "cmd a mapping", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: {a: 1}\n"}, errSub: "cmd: expected a string or a list of strings, got dict"},
		{name: "cmd empty list", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: []\n"}, errSub: "cmd: expected a command, got an empty list"},
		{name: "cmd blank", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    cmd: ' '\n"}, errSub: "cmd: expected a command, got an empty string"},
		{name: "generated name taken", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    foreach: [a, b]\n    do:\n      cmd: echo ${item}\n  s@a:\n    cmd: y\n"}, errSub: "stage 's@a' is defined twice: by 's' and by 's@a'"},
		{name: "foreach repeats a key", files: map[string]string{"dvc.yaml": "stages:\n  s:\n    foreach: [a, a]\n    do:\n      cmd: echo ${item}\n"}, errSub: "stage 's@a' is defined twice"},
		{
			name:  "nested dvc.yaml addressing",
			files: map[string]string{"dvc.yaml": "stages:\n  a:\n    cmd: x\n", "sub/dvc.yaml": "stages:\n  b:\n    cmd: y\n    outs: [o]\n"},
			check: func(t *testing.T, st []*Stage) {
				if st[0].Addr != "a" || st[1].Addr != "sub/dvc.yaml:b" || !strings.HasSuffix(st[1].Outs[0].Abs, "sub/o") {
					t.Errorf("%s %s", st[0].Addr, st[1].Addr)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := parseStages(t, tt.files)
			if tt.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSub) {
					t.Fatalf("err = %v, want containing %q", err, tt.errSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, st)
		})
	}
}

func TestReadParamsFormats(t *testing.T) {
	tests := []struct {
		ext, text string
		key       string
		want      any
	}{
		{".yaml", "lr: 0.1\ntrain:\n  epochs: 10\n", "train.epochs", int64(10)},
		{".yaml", "x: 1e-5\n", "x", 1e-05},
		{".yaml", "x: yes\n", "x", "yes"}, // YAML 1.2: yes is a string
		{".yaml", "l: [1, 2]\n", "l.1", int64(2)},
		{".yaml", "l: [1, 2]\n", "l[0]", int64(1)},
		{".json", `{"a": {"b": 1.5}, "c": true}`, "a.b", 1.5},
		{".json", `{"n": 10}`, "n", int64(10)},
		{".toml", "lr = 0.1\n[train]\nepochs = 10\n", "train.epochs", int64(10)},
		{".py", "LR = 0.1\nEPOCHS = 10\nUSE = True\nNAME = 'x'\n", "USE", true},
		{".py", "LR = 0.1\n", "LR", 0.1},
		{".yml", "a: null\n", "a", nil},
	}
	for _, tt := range tests {
		m, err := ParseParams([]byte(tt.text), tt.ext)
		if err != nil {
			t.Fatalf("%s %q: %v", tt.ext, tt.text, err)
		}
		v, ok := LookupParam(m, tt.key)
		if !ok || !reflect.DeepEqual(v, tt.want) {
			t.Errorf("%s %q [%s] = %#v, want %#v", tt.ext, tt.text, tt.key, v, tt.want)
		}
	}
	m, _ := ParseParams([]byte("z = 1\na = 2\n[t]\ny = 1\nb = 2\n"), ".toml")
	if !reflect.DeepEqual(m.Keys(), []string{"z", "a", "t"}) {
		t.Errorf("toml order %v", m.Keys())
	}
	if _, err := ParseParams([]byte("- 1\n"), ".yaml"); err == nil {
		t.Errorf("a list at top level must be rejected")
	}
}

func TestUnknownStageError(t *testing.T) {
	st, err := parseStages(t, map[string]string{"dvc.yaml": "stages:\n  prepare:\n    cmd: x\n  train:\n    cmd: y\n"})
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Stages: st}
	_, err = p.Resolve([]string{"trian"})
	if err == nil || !strings.Contains(err.Error(), "stages: prepare, train") || !strings.Contains(err.Error(), "did you mean 'train'") {
		t.Errorf("err = %v", err)
	}
}

func TestSymlinkedPaths(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name, dvcYAML string
		errSub        string // "" accepted
	}{
		{"out through a link outside", "stages:\n  s:\n    cmd: x\n    outs: [out/new.txt]\n", "goes through symlink 'out', which points outside the repository"},
		{"nested out through a link outside", "stages:\n  s:\n    cmd: x\n    outs: [out/a/b.txt]\n", "goes through symlink 'out'"},
		{"dep through a link outside", "stages:\n  s:\n    cmd: x\n    deps: [out/in.txt]\n", "goes through symlink 'out'"},
		{"wdir through a link outside", "stages:\n  s:\n    cmd: x\n    wdir: out\n", "goes through symlink 'out'"},
		{"out through a link inside", "stages:\n  s:\n    cmd: x\n    outs: [in/new.txt]\n", ""},
		{"the link itself as an out", "stages:\n  s:\n    cmd: x\n    outs: [out]\n", ""},
		{"out through a dangling link", "stages:\n  s:\n    cmd: x\n    outs: [gone/x]\n", "symlink 'gone' does not resolve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, filepath.Join(root, "dvc.yaml"), tt.dvcYAML)
			if err := os.Mkdir(filepath.Join(root, "real"), 0o755); err != nil {
				t.Fatal(err)
			}
			for link, target := range map[string]string{"out": outside, "in": filepath.Join(root, "real"), "gone": filepath.Join(root, "nowhere")} {
				if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
					t.Skip("symlinks unavailable:", err)
				}
			}
			_, err := LoadProject(root)
			switch {
			case tt.errSub == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tt.errSub != "" && (err == nil || !strings.Contains(err.Error(), tt.errSub)):
				t.Fatalf("err = %v, want containing %q", err, tt.errSub)
			}
		})
	}
}
