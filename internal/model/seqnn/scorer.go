package seqnn

import (
	"fmt"
	"sync"

	"github.com/moviegenie/genie/internal/nn"
)

// Scorer computes next-item scores of histories with a trained [Net]. It
// is safe for concurrent use: each call borrows an inference graph from a
// pool. The network must not change while a Scorer uses it.
type Scorer struct {
	net     *Net
	threads int
	pool    sync.Pool
}

// inferState is one inference graph and its scratch.
type inferState struct {
	g    *nn.Graph
	bt   Batch
	rows []int32
}

// NewScorer returns a scorer for net whose graphs run threads goroutines
// each (1 when many callers score concurrently).
func NewScorer(net *Net, threads int) *Scorer {
	s := &Scorer{net: net, threads: max(threads, 1)}
	s.pool.New = func() any {
		g := nn.NewGraph(nn.Config{Threads: s.threads})
		g.Train, g.NoGrad = false, true
		return &inferState{g: g}
	}
	return s
}

// Net returns the scorer's network.
func (s *Scorer) Net() *Net { return s.net }

// Score writes the score of every item (len(dst) == NumItems) as the next
// item after history (item indices, oldest first; only the last MaxLen
// items, MaxLen-1 for BERT4Rec, are read).
func (s *Scorer) Score(history []int32, dst []float32) {
	s.ScoreBatch([][]int32{history}, [][]float32{dst})
}

// ScoreBatch scores several histories at once; dst[k] receives what
// Score(histories[k], dst[k]) would.
func (s *Scorer) ScoreBatch(histories [][]int32, dst [][]float32) {
	if len(histories) != len(dst) {
		panic(fmt.Sprintf("seqnn: ScoreBatch: %d histories, %d outputs", len(histories), len(dst)))
	}
	if len(histories) == 0 {
		return
	}
	st := s.pool.Get().(*inferState)
	defer s.pool.Put(st)
	n := s.net
	keep := n.Cfg.MaxLen
	if n.Cfg.Bidirectional {
		keep-- // room for the mask token
	}
	L := 1
	for _, h := range histories {
		l := min(len(h), keep)
		if n.Cfg.Bidirectional {
			l++
		}
		L = max(L, l)
	}
	st.bt.reset(len(histories), L)
	st.rows = st.rows[:0]
	for b, h := range histories {
		h = h[max(0, len(h)-keep):]
		tok := st.bt.Tokens[b*L : (b+1)*L]
		end := L
		if n.Cfg.Bidirectional {
			tok[L-1] = Mask
			end--
		}
		copy(tok[end-len(h):end], h)
		st.rows = append(st.rows, int32(b*L+L-1))
	}
	g := st.g
	g.Reset()
	logits := n.Logits(g, g.GatherRows(n.Encode(g, &st.bt), st.rows))
	ni := n.NumItems
	for b, d := range dst {
		if len(d) != ni {
			panic(fmt.Sprintf("seqnn: ScoreBatch: dst[%d] has %d entries, want %d", b, len(d), ni))
		}
		copy(d, logits.Data[b*ni:(b+1)*ni])
	}
}
