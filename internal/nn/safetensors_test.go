package nn

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	a := NewParam("layer.weight", 2, 3)
	copy(a.Data, []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.25})
	b := NewParam("bias", 3)
	copy(b.Data, []float32{7, 8, 9})
	s := NewParam("scalar") // rank 0
	s.Data[0] = 42
	path := filepath.Join(t.TempDir(), "model.safetensors")
	meta := map[string]string{"format": "pt", "epoch": "3"}
	if err := SaveSafetensorsFile(path, []*Tensor{a, b, s}, meta); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadSafetensorsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Metadata["epoch"] != "3" || len(ck.Tensors) != 3 {
		t.Fatalf("metadata %v, %d tensors", ck.Metadata, len(ck.Tensors))
	}
	a2, b2, s2 := NewParam("layer.weight", 2, 3), NewParam("bias", 3), NewParam("scalar")
	if err := ck.Restore([]*Tensor{a2, b2, s2}); err != nil {
		t.Fatal(err)
	}
	for i := range a.Data {
		if math.Float32bits(a.Data[i]) != math.Float32bits(a2.Data[i]) {
			t.Fatalf("a[%d] = %v, want %v", i, a2.Data[i], a.Data[i])
		}
	}
	if b2.Data[2] != 9 || s2.Data[0] != 42 {
		t.Fatalf("b = %v, s = %v", b2.Data, s2.Data)
	}
	if err := ck.Restore([]*Tensor{NewParam("bias", 4)}); err == nil {
		t.Fatal("Restore accepted a shape mismatch")
	}
	if err := ck.Restore([]*Tensor{NewParam("missing", 1)}); err == nil {
		t.Fatal("Restore accepted a missing tensor")
	}
}

// TestSafetensorsLayout checks the exact bytes against the format as the
// reference implementation writes it.
func TestSafetensorsLayout(t *testing.T) {
	x := NewParam("x", 2)
	copy(x.Data, []float32{1, 2})
	var buf bytes.Buffer
	if err := SaveSafetensors(&buf, []*Tensor{x}, nil); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	n := binary.LittleEndian.Uint64(out)
	header := string(out[8 : 8+n])
	want := `{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	if n%8 != 0 || header[:len(want)] != want {
		t.Fatalf("header %q (len %d), want %q padded to 8", header, n, want)
	}
	data := out[8+n:]
	if len(data) != 8 || binary.LittleEndian.Uint32(data[4:]) != math.Float32bits(2) {
		t.Fatalf("data % x", data)
	}
}

func stFile(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestLoadSafetensorsRejects(t *testing.T) {
	eight := make([]byte, 8)
	tests := []struct {
		name string
		file []byte
	}{
		{"empty", nil},
		{"short header", stFile(`{"x":`, nil)[:10]},
		{"bad json", stFile(`{"x":1}`, nil)},
		{"dtype", stFile(`{"x":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}`, eight)},
		{"size mismatch", stFile(`{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, eight)},
		{"negative dim", stFile(`{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, eight)},
		{"truncated data", stFile(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, eight[:5])},
		{"trailing data", stFile(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, append(eight, 0))},
		{"gap", stFile(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight)},
		{"overlap", stFile(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight)},
		{"unknown field", stFile(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"z":1}}`, eight)},
		{"huge header", stFile("", nil)[:0]},
		{"overflow shape", stFile(`{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil)},
	}
	tests[11].file = binary.LittleEndian.AppendUint64(nil, 1<<40)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSafetensors(bytes.NewReader(tt.file))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	x, y := NewParam("x", 2, 2), NewParam("y", 3)
	var buf bytes.Buffer
	if err := SaveSafetensors(&buf, []*Tensor{x, y}, map[string]string{"k": "v"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(stFile(`{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		ck, err := LoadSafetensors(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever loads must save and load back to the same tensors.
		var ts []*Tensor
		for _, tt := range ck.Tensors {
			if len(tt.Data) != numel(tt.Shape) {
				t.Fatalf("tensor %q: %d values for shape %v", tt.Name, len(tt.Data), tt.Shape)
			}
			ts = append(ts, tt)
		}
		var out bytes.Buffer
		if err := SaveSafetensors(&out, ts, ck.Metadata); err != nil {
			t.Fatalf("re-save: %v", err)
		}
		ck2, err := LoadSafetensors(&out)
		if err != nil {
			t.Fatalf("re-load: %v", err)
		}
		if len(ck2.Tensors) != len(ck.Tensors) {
			t.Fatalf("%d tensors after round trip, want %d", len(ck2.Tensors), len(ck.Tensors))
		}
	})
}

// TestSafetensorsReadByPyTorch loads a checkpoint into torch tensors with
// the reference layout rules (skipped without Debian's python3-torch).
func TestSafetensorsReadByPyTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python")
	}
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skip("python3-torch not installed")
	}
	a := NewParam("blocks.0.attn.qkv.weight", 3, 2)
	copy(a.Data, []float32{1, 2, 3, 4, 5, 6.5})
	b := NewParam("bias", 2)
	copy(b.Data, []float32{-1, 0.25})
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := SaveSafetensorsFile(path, []*Tensor{a, b}, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "testdata/read_safetensors.py", path).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := "bias [2] -0.750000\nblocks.0.attn.qkv.weight [3, 2] 21.500000\nmeta {\"format\": \"pt\"}\n"
	if string(out) != want {
		t.Fatalf("python read:\n%s\nwant:\n%s", out, want)
	}
}

// TestSaveSafetensorsFileFailure checks that a failed save leaves the
// previous checkpoint as it was and no temporary file beside it.
func TestSaveSafetensorsFileFailure(t *testing.T) {
	good := []*Tensor{NewParam("w", 2)}
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string) string // returns the path to save to
		tensors []*Tensor
	}{
		{"encoder error", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "model.safetensors")
			if err := SaveSafetensorsFile(path, good, nil); err != nil {
				t.Fatal(err)
			}
			return path
		}, []*Tensor{NewParam("w", 2), NewParam("w", 3)}},
		{"directory in the way", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "model.safetensors")
			if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
			return path
		}, good},
		{"parent is a file", func(t *testing.T, dir string) string {
			if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "f", "model.safetensors")
		}, good},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(t, dir)
			before := dirSnapshot(t, dir)
			err := SaveSafetensorsFile(path, tc.tensors, nil)
			if err == nil {
				t.Fatal("save succeeded")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if after := dirSnapshot(t, dir); after != before {
				t.Errorf("folder changed by a failed save:\n%s\nwant\n%s", after, before)
			}
		})
	}
}

// TestSaveSafetensorsFileMode checks that weights are world-readable
// (0644), whatever they replace, and that the folder is created.
func TestSaveSafetensorsFileMode(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		old  bool // a 0600 file is there already
	}{{"new", false}, {"replaced", true}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name, "model.safetensors")
			if tc.old {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := SaveSafetensorsFile(path, []*Tensor{NewParam("w", 2)}, nil); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want -rw-r--r--", fi.Mode().Perm())
			}
			if _, err := LoadSafetensorsFile(path); err != nil {
				t.Error(err)
			}
		})
	}
}

// dirSnapshot lists every file under dir with its size and content hash.
func dirSnapshot(t *testing.T, dir string) string {
	t.Helper()
	var sb strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			fmt.Fprintf(&sb, "%s/\n", rel)
			return nil
		}
		b, err := os.ReadFile(p)
		fmt.Fprintf(&sb, "%s %d %x\n", rel, len(b), sha256.Sum256(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb.String()
}
