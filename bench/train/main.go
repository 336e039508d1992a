// Command train benchmarks the nn engine against PyTorch on the same
// model, data and thread count, reporting seconds (and CPU seconds) per
// epoch. run.sh runs genie (pure Go and -tags openblas) and the PyTorch
// references side by side and prints the ratios.
//
// -model bert4rec (the default) trains a BERT4Rec of the seed's shape
// (hidden 128, 4 post-LN layers, 8 heads, length 50, batch 256, GELU, full
// softmax over the items at the masked positions, AdamW) on MovieLens-100k
// sliding windows built from -data (u.data). With -windows it also writes
// the exact batches it trains on, so bert4rec_ref.py trains the PyTorch
// reference on identical data.
//
// -model two-tower runs internal/model/twotower's own Fit (configuration
// from -params, section model_training.two_tower, early stopping off) on
// the processed tables in -processed (genie process + genie features
// content). With -dump FILE it writes every step's inputs (after Fit's
// cold-start dropout draws) instead of timing, so twotower_ref.py trains
// the PyTorch reference on identical batches.
//
//	go run ./bench/train -threads 2 -epochs 3
//	go run ./bench/train -model two-tower -processed data/processed -threads 2 -epochs 3
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moviegenie/genie/internal/nn"
	"github.com/moviegenie/genie/internal/nn/blas"
)

type options struct {
	model, processed, params, dump string
	cpuProfile                     string
	data, windows                  string
	threads, epochs, batch, length int
	dim, layers, heads, step       int
	maskProb, dropout, lr          float64
	seed                           uint64
}

func main() {
	var o options
	flag.StringVar(&o.model, "model", "bert4rec", "model to bench: bert4rec or two-tower")
	flag.StringVar(&o.processed, "processed", "data/processed", "two-tower: folder of the processed tables and content_features.parquet")
	flag.StringVar(&o.params, "params", "params.yaml", "two-tower: parameters file (model_training.two_tower)")
	flag.StringVar(&o.dump, "dump", "", "two-tower: write every step's inputs here for the PyTorch reference (no timing)")
	flag.StringVar(&o.data, "data", "../shared/datasets/ml-100k/u.data", "MovieLens u.data")
	flag.StringVar(&o.windows, "windows", "", "write the training batches here for the PyTorch reference")
	flag.IntVar(&o.threads, "threads", 2, "threads")
	flag.IntVar(&o.epochs, "epochs", 2, "epochs to time (the first is reported separately as warm-up)")
	flag.IntVar(&o.batch, "batch", 256, "batch size")
	flag.IntVar(&o.length, "length", 50, "max sequence length")
	flag.IntVar(&o.step, "step", 25, "sliding-window step")
	flag.IntVar(&o.dim, "dim", 128, "hidden size")
	flag.IntVar(&o.layers, "layers", 4, "transformer layers")
	flag.IntVar(&o.heads, "heads", 8, "attention heads")
	flag.Float64Var(&o.maskProb, "mask", 0.2, "mask probability")
	flag.Float64Var(&o.dropout, "dropout", 0.1, "dropout")
	flag.Float64Var(&o.lr, "lr", 1e-3, "AdamW learning rate")
	flag.Uint64Var(&o.seed, "seed", 42, "seed (two-tower: the params file's unless set)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run here")
	flag.Parse()
	var err error
	if o.cpuProfile != "" {
		f, perr := os.Create(o.cpuProfile)
		if perr == nil {
			perr = pprof.StartCPUProfile(f)
		}
		if perr != nil {
			fmt.Fprintln(os.Stderr, "train:", perr)
			os.Exit(1)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	switch o.model {
	case "bert4rec":
		err = run(o)
	case "two-tower", "twotower":
		seedSet := false
		flag.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
		if !seedSet {
			o.seed = 0
		}
		runtime.GOMAXPROCS(max(o.threads, 1))
		err = runTwoTower(o)
	default:
		err = fmt.Errorf("-model %q: want bert4rec or two-tower", o.model)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// dataset is the masked windows: ids and targets are windows x length,
// 0 = padding, items 1..items, items+1 = [mask]; target -1 = not masked.
type dataset struct {
	items   int
	ids     []int32
	targets []int32
	n       int
}

func load(o options) (*dataset, error) {
	f, err := os.Open(o.data)
	if err != nil {
		return nil, fmt.Errorf("load ratings: %w", err)
	}
	defer f.Close()
	type event struct {
		item, row int
		ts        int64
	}
	byUser := map[int][]event{}
	maxItem := 0
	sc := bufio.NewScanner(f)
	for row := 0; sc.Scan(); row++ {
		fs := strings.Fields(sc.Text())
		if len(fs) != 4 {
			return nil, fmt.Errorf("load ratings: %s: line %d: %d fields", o.data, row+1, len(fs))
		}
		u, err1 := strconv.Atoi(fs[0])
		it, err2 := strconv.Atoi(fs[1])
		ts, err3 := strconv.ParseInt(fs[3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("load ratings: %s: line %d: bad number", o.data, row+1)
		}
		byUser[u] = append(byUser[u], event{it, row, ts})
		maxItem = max(maxItem, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("load ratings: %w", err)
	}
	users := make([]int, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	slices.Sort(users)
	d := &dataset{items: maxItem}
	rng := rand.New(rand.NewPCG(o.seed, 1))
	maskID := int32(maxItem + 1)
	for _, u := range users {
		ev := byUser[u]
		slices.SortStableFunc(ev, func(a, b event) int {
			if a.ts != b.ts {
				return int(a.ts - b.ts)
			}
			return a.row - b.row
		})
		// Hold out the last two items (validation, test) as the protocol does.
		seq := ev[:max(len(ev)-2, 0)]
		for end := len(seq); end > 0; end -= o.step {
			win := seq[max(0, end-o.length):end]
			ids := make([]int32, o.length)
			tg := make([]int32, o.length)
			for i := range tg {
				tg[i] = -1
			}
			off := o.length - len(win)
			for i, e := range win {
				ids[off+i] = int32(e.item)
				if rng.Float64() < o.maskProb || i == len(win)-1 {
					tg[off+i] = int32(e.item)
					ids[off+i] = maskID
				}
			}
			d.ids = append(d.ids, ids...)
			d.targets = append(d.targets, tg...)
			d.n++
			if end <= o.length {
				break
			}
		}
	}
	return d, nil
}

// writeWindows stores the dataset for the PyTorch reference: int32 little
// endian n, length, items, then ids and targets.
func writeWindows(path string, d *dataset, length int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write windows: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, v := range [][]int32{{int32(d.n), int32(length), int32(d.items)}, d.ids, d.targets} {
		if err := binary.Write(w, binary.LittleEndian, v); err != nil {
			f.Close()
			return fmt.Errorf("write windows: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write windows: %w", err)
	}
	return f.Close()
}

type model struct {
	items, pos *nn.Embedding
	ln         *nn.LayerNorm
	blocks     []*nn.TransformerBlock
	dropout    float32
}

func newModel(o options, items int) (*model, error) {
	rng := rand.New(rand.NewPCG(o.seed, 2))
	m := &model{
		items:   nn.NewEmbedding("items", items+2, o.dim, 0.02, false, rng),
		pos:     nn.NewEmbedding("pos", o.length, o.dim, 0.02, false, rng),
		ln:      nn.NewLayerNorm("ln", o.dim),
		dropout: float32(o.dropout),
	}
	for i := range o.layers {
		b, err := nn.NewTransformerBlock(fmt.Sprintf("blocks.%d", i), nn.BlockConfig{
			Dim: o.dim, Heads: o.heads, Hidden: 4 * o.dim, Dropout: float32(o.dropout),
			AttnDropout: float32(o.dropout), Act: nn.GELU,
		}, rng)
		if err != nil {
			return nil, err
		}
		m.blocks = append(m.blocks, b)
	}
	return m, nil
}

func (m *model) params() []*nn.Tensor {
	ps := nn.Params(m.items, m.pos, m.ln)
	for _, b := range m.blocks {
		ps = append(ps, b.Params()...)
	}
	return ps
}

// loss runs one batch: ids (batch*length, 0 = padding), targets (-1 = not
// masked).
func (m *model) loss(g *nn.Graph, ids, targets []int32, batch, length int) *nn.Tensor {
	emb := make([]int32, len(ids))
	valid := make([]bool, len(ids))
	var pos, tgt []int32
	for i, id := range ids {
		emb[i] = id
		if id == 0 {
			emb[i] = -1
		} else {
			valid[i] = true
		}
		if targets[i] >= 0 {
			pos = append(pos, int32(i))
			tgt = append(tgt, targets[i])
		}
	}
	x := g.AddTiled(g.Embedding(m.items.W, emb), m.pos.W)
	x = g.Dropout(m.ln.Forward(g, x), m.dropout)
	for _, b := range m.blocks {
		x = b.Forward(g, x, batch, length, nn.AttentionMask{Valid: valid})
	}
	h := g.GatherRows(x, pos)
	return g.CrossEntropy(g.MatMul(h, m.items.W, false, true), tgt)
}

type result struct {
	Model         string    `json:"model"`
	Engine        string    `json:"engine"`
	Threads       int       `json:"threads"`
	Windows       int       `json:"windows,omitempty"`
	Users         int       `json:"users,omitempty"`
	Pairs         int       `json:"pairs,omitempty"`
	Items         int       `json:"items"`
	EpochSeconds  []float64 `json:"epoch_seconds"`
	EpochCPU      []float64 `json:"epoch_cpu_seconds"`
	SecondsPerEp  float64   `json:"seconds_per_epoch"`
	CPUPerEp      float64   `json:"cpu_seconds_per_epoch"`
	FinalLoss     float64   `json:"final_loss"`
	StepsPerEpoch int       `json:"steps_per_epoch"`
}

func run(o options) error {
	runtime.GOMAXPROCS(max(o.threads, 1))
	d, err := load(o)
	if err != nil {
		return err
	}
	if o.windows != "" {
		if err := writeWindows(o.windows, d, o.length); err != nil {
			return err
		}
	}
	m, err := newModel(o, d.items)
	if err != nil {
		return err
	}
	params := m.params()
	opt := nn.NewAdamW(params, 0.01)
	opt.Threads = o.threads
	g := nn.NewGraph(nn.Config{Threads: o.threads, Seed: o.seed})
	res := result{Model: "bert4rec", Engine: "genie-" + blas.Backend, Threads: o.threads, Windows: d.n, Items: d.items}
	var last float64
	for ep := 0; ep < o.epochs; ep++ {
		start, cpu0 := time.Now(), cpuSeconds()
		var sum float64
		steps := 0
		for b0 := 0; b0 < d.n; b0 += o.batch {
			b1 := min(b0+o.batch, d.n)
			g.Reset()
			loss := m.loss(g, d.ids[b0*o.length:b1*o.length], d.targets[b0*o.length:b1*o.length], b1-b0, o.length)
			nn.ZeroGrad(params)
			if err := g.Backward(loss); err != nil {
				return fmt.Errorf("epoch %d: %w", ep, err)
			}
			nn.ClipGradNorm(params, 5)
			opt.Step(float32(o.lr))
			sum += float64(loss.Data[0])
			steps++
		}
		sec, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
		res.EpochSeconds = append(res.EpochSeconds, sec)
		res.EpochCPU = append(res.EpochCPU, cpu)
		res.StepsPerEpoch = steps
		last = sum / float64(steps)
		fmt.Fprintf(os.Stderr, "%s epoch %d: %.2f s (%.2f CPU s), loss %.4f\n", res.Engine, ep+1, sec, cpu, last)
	}
	res.FinalLoss = last
	// Report the mean over epochs after the first (warm-up: buffer
	// allocation) when there are several.
	res.SecondsPerEp, res.CPUPerEp = meanAfterFirst(res.EpochSeconds), meanAfterFirst(res.EpochCPU)
	return json.NewEncoder(os.Stdout).Encode(res)
}

func meanAfterFirst(xs []float64) float64 {
	if len(xs) > 1 {
		xs = xs[1:]
	}
	var m float64
	for _, x := range xs {
		m += x / float64(len(xs))
	}
	return m
}

// cpuSeconds returns the user and system CPU time of the process, which
// is steadier than wall time on a shared machine.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
