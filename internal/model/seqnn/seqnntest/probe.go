package seqnntest

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// netRec adapts a network to the harness's model.Recommender so that
// eval.Sequential.Measure can score it: Fit does nothing.
type netRec struct{ sc *seqnn.Scorer }

func (r netRec) Fit(context.Context, *model.TrainData) error { return nil }
func (r netRec) Score(_ int, h []int32, dst []float32)       { r.sc.Score(h, dst) }
func (r netRec) ScoreBatch(_ []int, hs [][]int32, dst [][]float32) {
	r.sc.ScoreBatch(hs, dst)
}

// probe measures, during a fit, the validation and the test metrics of
// the network being trained, of the fit's evaluation network (the moving
// average with EMADecay) and of uniform averages of the last K epochs'
// weights (SWA), every `every` epochs. It is an experiment tool: the test
// figures of the validation run come from a model that never trained on
// the validation items (the harness refits for the test phase).
type probe struct {
	t     *testing.T
	sp    *eval.Split
	every int
	swa   []int       // K values
	snaps [][]float32 // ring of flattened epoch-end weights, newest last
	rows  []string
	// screen: the fit trains on the validation phase's training data, so
	// its "refit" phase is measured on the validation items too.
	screen bool
}

// newProbe reads GENIE_SEQ_PROBE (epochs between measurements, 0 or
// unset: no probe) and GENIE_SEQ_PROBE_SWA (comma-separated K values).
func newProbe(t *testing.T, sp *eval.Split) *probe {
	every, _ := strconv.Atoi(os.Getenv("GENIE_SEQ_PROBE"))
	if every <= 0 {
		return nil
	}
	p := &probe{t: t, sp: sp, every: every}
	for _, f := range strings.Split(os.Getenv("GENIE_SEQ_PROBE_SWA"), ",") {
		if k, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && k > 1 {
			p.swa = append(p.swa, k)
		}
	}
	return p
}

func flatten(n *seqnn.Net) []float32 {
	var out []float32
	for _, p := range n.Params() {
		out = append(out, p.Data...)
	}
	return out
}

// averaged returns a network like like whose weights are the mean of the
// last k snapshots (fewer when fewer exist).
func (p *probe) averaged(like *seqnn.Net, k int) *seqnn.Net {
	n, err := seqnn.NewNet(like.Cfg, like.NumItems)
	if err != nil {
		p.t.Fatal(err)
	}
	snaps := p.snaps[max(0, len(p.snaps)-k):]
	off := 0
	for _, t := range n.Params() {
		for j := range t.Data {
			var s float64
			for _, sn := range snaps {
				s += float64(sn[off+j])
			}
			t.Data[j] = float32(s / float64(len(snaps)))
		}
		off += len(t.Data)
	}
	return n
}

func (p *probe) measure(n *seqnn.Net, ph *eval.Phase) (ndcg, hr float64) {
	m, err := eval.Sequential.Measure(context.Background(), netRec{seqnn.NewScorer(n, 2)}, ph, eval.Options{Workers: 1})
	if err != nil {
		p.t.Fatal(err)
	}
	ndcg, _ = m.Get("ndcg@10")
	hr, _ = m.Get("hr@10")
	return ndcg, hr
}

// hook is the Model.Probe function.
func (p *probe) hook(phase string, epoch int, raw, ev *seqnn.Net) {
	maxK := 1
	for _, k := range p.swa {
		maxK = max(maxK, k)
	}
	if epoch == 1 {
		p.snaps = p.snaps[:0]
	}
	p.snaps = append(p.snaps, flatten(raw))
	if len(p.snaps) > maxK {
		p.snaps = p.snaps[1:]
	}
	if epoch%p.every != 0 {
		return
	}
	type cand struct {
		name string
		net  *seqnn.Net
	}
	cs := []cand{{"raw", raw}}
	if ev != raw {
		cs = append(cs, cand{"ema", ev})
	}
	for _, k := range p.swa {
		cs = append(cs, cand{fmt.Sprintf("swa%d", k), p.averaged(raw, k)})
	}
	for _, c := range cs {
		line := fmt.Sprintf("%s %3d %-6s", phase, epoch, c.name)
		if phase == "valid" || p.screen {
			nd, hr := p.measure(c.net, &p.sp.Valid)
			line += fmt.Sprintf(" valid %.4f %.4f", nd, hr)
		} else {
			line += "                    "
		}
		nd, hr := p.measure(c.net, &p.sp.Test)
		line += fmt.Sprintf(" test %.4f %.4f", nd, hr)
		p.rows = append(p.rows, line)
		p.t.Log("probe " + line)
	}
}

// manualTest recomputes the test NDCG@10 of n by hand (history = all but
// the user's last item, its last MaxLen items read by the scorer, history
// items filtered, ties to the lower index) for comparison with the
// harness, and logs a few users' details.
func manualTest(t *testing.T, n *seqnn.Net, sp *eval.Split) float64 {
	sc := seqnn.NewScorer(n, 2)
	ph := &sp.Test
	var sum float64
	users := 0
	scores := make([]float32, n.NumItems)
	for u, ts := range ph.Targets {
		if len(ts) == 0 {
			continue
		}
		users++
		h := ph.Train.Seqs[u]
		sc.Score(h, scores)
		seen := make(map[int32]bool, len(h))
		for _, it := range h {
			seen[it] = true
		}
		target := ts[0]
		r := 0
		for j, v := range scores {
			if !seen[int32(j)] && (v > scores[target] || v == scores[target] && int32(j) < target) {
				r++
			}
		}
		if seen[target] {
			r = math.MaxInt32
		}
		if r < 10 {
			sum += 1 / math.Log2(float64(r)+2)
		}
		if users <= 3 || len(h) > 300 && users < 200 && users%20 == 0 {
			t.Logf("manual: user %d history %d (last 3 %v) valid target %v test target %d rank %d", u, len(h), h[max(0, len(h)-3):], sp.Valid.Targets[u], target, r)
		}
	}
	return sum / float64(users)
}
