package nn

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/moviegenie/genie/internal/atomicfile"
)

// maxHeaderSize bounds the JSON header of a checkpoint (the reference
// implementation's limit is 100 MB).
const maxHeaderSize = 100 << 20

// ErrFormat is wrapped by every error about a malformed checkpoint.
var ErrFormat = errors.New("malformed safetensors")

type stEntry struct {
	Dtype       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// SaveSafetensors writes tensors (by Name, which must be unique and not
// empty) and optional string metadata to w in the safetensors format: an
// 8-byte little-endian header length, a JSON header giving each tensor's
// dtype "F32", shape and data_offsets, padded with spaces to a multiple of
// 8 bytes, then the raw little-endian data in the order given.
func SaveSafetensors(w io.Writer, tensors []*Tensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		if t.Name == "" || t.Name == "__metadata__" {
			return fmt.Errorf("nn: save safetensors: invalid tensor name %q", t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("nn: save safetensors: duplicate tensor name %q", t.Name)
		}
		n := int64(4 * t.Len())
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = stEntry{Dtype: "F32", Shape: shape, DataOffsets: [2]int64{off, off + n}}
		off += n
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("nn: save safetensors: header: %w", err)
	}
	if pad := (8 - len(hj)%8) % 8; pad > 0 {
		hj = append(hj, bytes.Repeat([]byte{' '}, pad)...)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hj)))
	bw.Write(lenBuf[:])
	bw.Write(hj)
	var b [4]byte
	for _, t := range tensors {
		for _, v := range t.Data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			bw.Write(b[:])
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("nn: save safetensors: %w", err)
	}
	return nil
}

// SaveSafetensorsFile writes a checkpoint to path atomically with mode 0644
// (through a synced temporary file in the same directory and a rename; see
// [atomicfile.WriteWith]), creating the directory. On failure path is left
// as it was and no temporary file remains.
func SaveSafetensorsFile(path string, tensors []*Tensor, metadata map[string]string) error {
	return atomicfile.WriteWith(path, func(w io.Writer) error {
		return SaveSafetensors(w, tensors, metadata)
	})
}

// Checkpoint is the content of a safetensors file.
type Checkpoint struct {
	// Tensors holds every tensor by name, without gradients.
	Tensors map[string]*Tensor
	// Metadata is the optional __metadata__ string map.
	Metadata map[string]string
}

// LoadSafetensors reads a checkpoint written by [SaveSafetensors] or by
// PyTorch's safetensors (F32 tensors only). It validates the header fully:
// sizes, shapes and offsets must agree and the tensors must cover the data
// exactly, without overlap.
func LoadSafetensors(r io.Reader) (*Checkpoint, error) {
	var lenBuf [8]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("nn: load safetensors: header length: %w: %w", ErrFormat, err)
	}
	hl := binary.LittleEndian.Uint64(lenBuf[:])
	if hl > maxHeaderSize {
		return nil, fmt.Errorf("nn: load safetensors: header of %d bytes: %w", hl, ErrFormat)
	}
	hj := make([]byte, hl)
	if _, err := io.ReadFull(r, hj); err != nil {
		return nil, fmt.Errorf("nn: load safetensors: header: %w: %w", ErrFormat, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hj, &raw); err != nil {
		return nil, fmt.Errorf("nn: load safetensors: header: %w: %v", ErrFormat, err)
	}
	ck := &Checkpoint{Tensors: make(map[string]*Tensor, len(raw))}
	type span struct {
		name     string
		lo, hi   int64
		shape    []int
		elements int64
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &ck.Metadata); err != nil {
				return nil, fmt.Errorf("nn: load safetensors: metadata: %w: %v", ErrFormat, err)
			}
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("nn: load safetensors: empty tensor name: %w", ErrFormat)
		}
		var e stEntry
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("nn: load safetensors: tensor %q: %w: %v", name, ErrFormat, err)
		}
		if e.Dtype != "F32" {
			return nil, fmt.Errorf("nn: load safetensors: tensor %q: dtype %q not supported (only F32): %w", name, e.Dtype, ErrFormat)
		}
		elements := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && elements > math.MaxInt32/int64(d)) {
				return nil, fmt.Errorf("nn: load safetensors: tensor %q: shape %v: %w", name, e.Shape, ErrFormat)
			}
			elements *= int64(d)
		}
		lo, hi := e.DataOffsets[0], e.DataOffsets[1]
		if lo < 0 || hi < lo || hi-lo != 4*elements {
			return nil, fmt.Errorf("nn: load safetensors: tensor %q: offsets [%d, %d] do not hold shape %v: %w", name, lo, hi, e.Shape, ErrFormat)
		}
		spans = append(spans, span{name, lo, hi, e.Shape, elements})
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].lo != spans[j].lo {
			return spans[i].lo < spans[j].lo
		}
		return spans[i].hi < spans[j].hi
	})
	var end int64
	for _, s := range spans {
		if s.lo != end {
			return nil, fmt.Errorf("nn: load safetensors: tensor %q at [%d, %d] leaves a gap or overlaps: %w", s.name, s.lo, s.hi, ErrFormat)
		}
		end = s.hi
	}
	data := make([]byte, 0, min(end, 64<<20))
	buf := bytes.NewBuffer(data)
	n, err := io.CopyN(buf, r, end)
	if err != nil {
		return nil, fmt.Errorf("nn: load safetensors: data: %d of %d bytes: %w: %w", n, end, ErrFormat, err)
	}
	if extra, _ := io.CopyN(io.Discard, r, 1); extra != 0 {
		return nil, fmt.Errorf("nn: load safetensors: data beyond the last tensor: %w", ErrFormat)
	}
	all := buf.Bytes()
	for _, s := range spans {
		vals := make([]float32, s.elements)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(all[s.lo+4*int64(i):]))
		}
		ck.Tensors[s.name] = &Tensor{Name: s.name, Shape: append([]int{}, s.shape...), Data: vals}
	}
	return ck, nil
}

// LoadSafetensorsFile reads a checkpoint from path.
func LoadSafetensorsFile(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("nn: load %s: %w", path, err)
	}
	defer f.Close()
	ck, err := LoadSafetensors(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("nn: load %s: %w", path, err)
	}
	return ck, nil
}

// Restore copies the checkpoint's values into params by name. Every
// parameter must be present with the same shape.
func (c *Checkpoint) Restore(params []*Tensor) error {
	for _, p := range params {
		t, ok := c.Tensors[p.Name]
		if !ok {
			return fmt.Errorf("nn: restore: tensor %q missing from checkpoint", p.Name)
		}
		if !sameShape(t.Shape, p.Shape) {
			return fmt.Errorf("nn: restore: tensor %q has shape %v, want %v", p.Name, t.Shape, p.Shape)
		}
		copy(p.Data, t.Data)
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
