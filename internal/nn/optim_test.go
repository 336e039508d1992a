package nn

import (
	"bytes"
	"math"
	"testing"
)

func TestAdamWStep(t *testing.T) {
	// One AdamW step from zero moments moves each weight by
	// lr*(sign(g) + wd*w) (bias-corrected m/sqrt(v) = g/|g|).
	p := NewParam("w", 3)
	copy(p.Data, []float32{1, -2, 0.5})
	copy(p.Grad, []float32{0.1, -3, 0})
	opt := NewAdamW([]*Tensor{p}, 0.1)
	opt.Step(0.01)
	want := []float64{1 - 0.01*(1+0.1*1), -2 - 0.01*(-1+0.1*-2), 0.5 - 0.01*0.1*0.5}
	for i, w := range want {
		if math.Abs(float64(p.Data[i])-w) > 1e-6 {
			t.Errorf("w[%d] = %v, want %v", i, p.Data[i], w)
		}
	}
}

func TestAdamConverges(t *testing.T) {
	for _, decoupled := range []bool{false, true} {
		// Minimize sum((w - target)^2).
		p := NewParam("w", 4)
		target := []float32{1, -2, 3, 0.5}
		opt := NewAdamW([]*Tensor{p}, 0)
		opt.Decoupled = decoupled
		for range 2000 {
			for i := range p.Data {
				p.Grad[i] = 2 * (p.Data[i] - target[i])
			}
			opt.Step(0.01)
		}
		for i := range p.Data {
			if math.Abs(float64(p.Data[i]-target[i])) > 1e-2 {
				t.Errorf("decoupled=%v: w[%d] = %v, want %v", decoupled, i, p.Data[i], target[i])
			}
		}
	}
}

func TestSparseAdamTouchesOnlyGradientRows(t *testing.T) {
	e := NewParam("e", 4, 2)
	e.SetSparse(true)
	InitConst(e, 1)
	opt := NewAdamW([]*Tensor{e}, 0.5)
	g := NewGraph(Config{Threads: 1})
	y := g.Embedding(e, []int32{2, 2, -1})
	if err := g.Backward(g.Dot(y, []float32{1, 1, 1, 1, 1, 1})); err != nil {
		t.Fatal(err)
	}
	if rows, ok := e.sparseRows(); !ok || len(rows) != 1 || rows[0] != 2 {
		t.Fatalf("sparse rows = %v, %v; want [2]", rows, ok)
	}
	if e.Grad[4] != 2 || e.Grad[5] != 2 {
		t.Fatalf("grad row 2 = %v, want [2 2]", e.Grad[4:6])
	}
	opt.Step(0.1)
	for r := 0; r < 4; r++ {
		changed := e.Data[2*r] != 1
		if changed != (r == 2) {
			t.Errorf("row %d changed=%v", r, changed)
		}
	}
	ZeroGrad([]*Tensor{e})
	for i, v := range e.Grad {
		if v != 0 {
			t.Fatalf("grad[%d] = %v after ZeroGrad", i, v)
		}
	}
	// A dense use (tied output layer) makes the step dense.
	g.Reset()
	y = g.MatMul(g.Embedding(e, []int32{1}), e, false, true)
	if err := g.Backward(g.Dot(y, []float32{1, 1, 1, 1})); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.sparseRows(); ok {
		t.Fatal("gradient should be dense after MatMul")
	}
	// So does a gather through a view.
	ZeroGrad([]*Tensor{e})
	g.Reset()
	y = g.Embedding(g.View(e, 8, 1), []int32{3})
	if err := g.Backward(g.Dot(y, []float32{1})); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.sparseRows(); ok {
		t.Fatal("gradient should be dense after a write through a view")
	}
}

func TestClipGradNorm(t *testing.T) {
	a, b := NewParam("a", 2), NewParam("b", 1)
	copy(a.Grad, []float32{3, 0})
	copy(b.Grad, []float32{4})
	if n := ClipGradNorm([]*Tensor{a, b}, 10); n != 5 || a.Grad[0] != 3 {
		t.Fatalf("norm %v, grad %v: clipping below the limit changed something", n, a.Grad)
	}
	if n := ClipGradNorm([]*Tensor{a, b}, 1); n != 5 {
		t.Fatalf("norm = %v, want 5", n)
	}
	if n := ClipGradNorm([]*Tensor{a, b}, 0); math.Abs(float64(n)-1) > 1e-5 {
		t.Fatalf("norm after clipping = %v, want 1", n)
	}
}

func TestSchedule(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
		step int
		want float32
	}{
		{"warmup first", Schedule{Peak: 1, Warmup: 10, Total: 110, Decay: LinearDecay}, 0, 0.1},
		{"warmup end", Schedule{Peak: 1, Warmup: 10, Total: 110, Decay: LinearDecay}, 9, 1},
		{"linear mid", Schedule{Peak: 1, Warmup: 10, Total: 110, Decay: LinearDecay}, 60, 0.5},
		{"linear end", Schedule{Peak: 1, Warmup: 10, Total: 110, Decay: LinearDecay}, 500, 0},
		{"cosine mid", Schedule{Peak: 1, Final: 0.2, Warmup: 0, Total: 100, Decay: CosineDecay}, 50, 0.6},
		{"cosine start", Schedule{Peak: 1, Final: 0.2, Warmup: 0, Total: 100, Decay: CosineDecay}, 0, 1},
		{"constant", Schedule{Peak: 0.3, Warmup: 2}, 1000, 0.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.s.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tt.s.LR(tt.step); math.Abs(float64(got-tt.want)) > 1e-6 {
				t.Errorf("LR(%d) = %v, want %v", tt.step, got, tt.want)
			}
		})
	}
	if err := (Schedule{Peak: 1, Warmup: 10, Total: 5, Decay: CosineDecay}).Validate(); err == nil {
		t.Error("Validate accepted Total <= Warmup")
	}
}

func TestAdamStateRoundTrip(t *testing.T) {
	run := func(opt *Adam, p *Tensor, steps int) {
		for range steps {
			for i := range p.Data {
				p.Grad[i] = p.Data[i] - float32(i)
			}
			opt.Step(0.1)
		}
	}
	p := NewParam("w", 2, 3)
	opt := NewAdamW([]*Tensor{p}, 0.01)
	run(opt, p, 3)
	var buf bytes.Buffer
	if err := SaveSafetensors(&buf, append([]*Tensor{p}, opt.State()...), nil); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadSafetensors(&buf)
	if err != nil {
		t.Fatal(err)
	}
	q := NewParam("w", 2, 3)
	if err := ck.Restore([]*Tensor{q}); err != nil {
		t.Fatal(err)
	}
	opt2 := NewAdamW([]*Tensor{q}, 0.01)
	if err := opt2.LoadState(ck); err != nil {
		t.Fatal(err)
	}
	run(opt, p, 2)
	run(opt2, q, 2)
	for i := range p.Data {
		if p.Data[i] != q.Data[i] {
			t.Fatalf("w[%d]: %v continuing, %v resumed", i, p.Data[i], q.Data[i])
		}
	}
	if opt2.Steps() != 5 {
		t.Fatalf("steps = %d, want 5", opt2.Steps())
	}
}
