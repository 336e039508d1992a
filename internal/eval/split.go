package eval

import (
	"math/rand/v2"
	"slices"

	"github.com/moviegenie/genie/internal/model"
)

// Phase is one fit-and-rank round of a protocol: the model is fit on Train,
// each user u is scored from Train.Seqs[u], the items in Exclude[u] are
// removed from u's ranking, and the items in Targets[u] are looked for.
type Phase struct {
	// Train is what the model is fit on.
	Train *model.TrainData
	// Exclude[u] lists the items filtered out of u's ranking; nil filters
	// nothing (the TFRS protocol).
	Exclude [][]int32
	// Targets[u] lists the held-out items of u; users without targets are
	// not evaluated.
	Targets [][]int32
}

// NumTargets returns the total number of held-out items.
func (p *Phase) NumTargets() int {
	n := 0
	for _, t := range p.Targets {
		n += len(t)
	}
	return n
}

// NumEvalUsers returns the number of users with at least one target.
func (p *Phase) NumEvalUsers() int {
	n := 0
	for _, t := range p.Targets {
		if len(t) > 0 {
			n++
		}
	}
	return n
}

// Split is a protocol's validation and test phases.
type Split struct {
	// Valid is used to choose among a model's candidates.
	Valid Phase
	// Test is the reported phase (and the exported one).
	Test Phase
	// Refit reports whether the test phase trains on different data than the
	// validation phase; when false (RecBole) the validation fit is reused.
	Refit bool
}

// userSequences groups the dataset's interaction indices by user, keeping
// the order of the order slice (interaction indices).
func (d *Dataset) userSequences(order []int) [][]int {
	counts := make([]int, d.NumUsers())
	for _, k := range order {
		counts[d.Users[k]]++
	}
	seqs := make([][]int, d.NumUsers())
	for u, c := range counts {
		seqs[u] = make([]int, 0, c)
	}
	for _, k := range order {
		u := d.Users[k]
		seqs[u] = append(seqs[u], k)
	}
	return seqs
}

// sourceOrder returns 0..n-1.
func sourceOrder(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = i
	}
	return o
}

// ShuffledOrder returns the interaction indices 0..n-1 shuffled with
// rand.New(rand.NewPCG(seed, 0)).Shuffle, the random-split protocols' shuffle.
func ShuffledOrder(n int, seed uint64) []int {
	o := sourceOrder(n)
	r := rand.New(rand.NewPCG(seed, 0))
	r.Shuffle(n, func(i, j int) { o[i], o[j] = o[j], o[i] })
	return o
}

// ChronologicalSequences returns every user's interaction indices sorted by
// timestamp, ties kept in source-file order (a stable sort).
func (d *Dataset) ChronologicalSequences() [][]int {
	seqs := d.userSequences(sourceOrder(d.Len()))
	for _, s := range seqs {
		slices.SortStableFunc(s, func(a, b int) int {
			ta, tb := d.Timestamps[a], d.Timestamps[b]
			switch {
			case ta < tb:
				return -1
			case ta > tb:
				return 1
			}
			return 0
		})
	}
	return seqs
}

// ChronologicalTrainData returns every user's whole history, in time
// order (ChronologicalSequences), as training data: what the served models
// fit on.
func (d *Dataset) ChronologicalTrainData() *model.TrainData {
	var seqs [][]int32
	for _, seq := range d.ChronologicalSequences() {
		seqs = append(seqs, d.items(seq))
	}
	return d.trainData(seqs)
}

// items maps interaction indices to their dense items.
func (d *Dataset) items(idx []int) []int32 {
	out := make([]int32, len(idx))
	for i, k := range idx {
		out[i] = d.Items[k]
	}
	return out
}

// SplitSequential builds the sequential leave-one-out protocol: per user,
// interactions sorted by timestamp (ties in source-file order), the last is
// the test target and the second-to-last the validation target. The
// validation phase trains on all but each user's last two interactions, the
// test phase on all but the last; both filter the user's training history
// from the ranking. Users with fewer than three interactions have no targets
// and keep all their interactions in both training sets.
func SplitSequential(d *Dataset) Split {
	seqs := d.ChronologicalSequences()
	nu := d.NumUsers()
	validSeqs := make([][]int32, nu)
	testSeqs := make([][]int32, nu)
	validT := make([][]int32, nu)
	testT := make([][]int32, nu)
	for u, s := range seqs {
		all := d.items(s)
		n := len(all)
		if n < 3 {
			validSeqs[u], testSeqs[u] = all, all
			continue
		}
		validSeqs[u] = all[: n-2 : n-2]
		testSeqs[u] = all[: n-1 : n-1]
		validT[u] = []int32{all[n-2]}
		testT[u] = []int32{all[n-1]}
	}
	return Split{
		Valid: Phase{Train: d.trainData(validSeqs), Exclude: validSeqs, Targets: validT},
		Test:  Phase{Train: d.trainData(testSeqs), Exclude: testSeqs, Targets: testT},
		Refit: true,
	}
}

// SplitTFRS builds the TFRS-style retrieval protocol: the ratings (in
// source-file order) are shuffled with ShuffledOrder(n, seed); the first
// n*8/10 train and the rest are test targets, ranked with nothing filtered.
//
// TFRS has no validation set, so for tuning the training part is split again
// the same way without a second shuffle: its first m*9/10 (m = n*8/10) train
// the validation model and the remaining ones are its targets. The test
// model is refit on the whole training part.
func SplitTFRS(d *Dataset, seed uint64) Split {
	order := ShuffledOrder(d.Len(), seed)
	m := d.Len() * 8 / 10
	v := m * 9 / 10
	phase := func(train, test []int) Phase {
		ts := d.userSequences(train)
		seqs := make([][]int32, len(ts))
		for u, s := range ts {
			seqs[u] = d.items(s)
		}
		tt := d.userSequences(test)
		targets := make([][]int32, len(tt))
		for u, s := range tt {
			targets[u] = d.items(s)
		}
		return Phase{Train: d.trainData(seqs), Targets: targets}
	}
	return Split{
		Valid: phase(order[:v], order[v:m]),
		Test:  phase(order[:m], order[m:]),
		Refit: true,
	}
}

// SplitRecBole builds the RecBole-style general protocol: the ratings are
// shuffled with ShuffledOrder(n, seed) and grouped by user keeping the
// shuffled order; per user with n interactions, valid = test = floor(0.1*n)
// and train = the rest, in the order train, valid, test. The model is fit on
// train only, once; the validation ranking filters train items, the test
// ranking filters train and validation items.
func SplitRecBole(d *Dataset, seed uint64) Split {
	order := ShuffledOrder(d.Len(), seed)
	seqs := d.userSequences(order)
	nu := d.NumUsers()
	train := make([][]int32, nu)
	trainValid := make([][]int32, nu)
	validT := make([][]int32, nu)
	testT := make([][]int32, nu)
	for u, s := range seqs {
		all := d.items(s)
		n := len(all)
		k := n / 10
		tr := n - 2*k
		train[u] = all[:tr:tr]
		trainValid[u] = all[: tr+k : tr+k]
		if k > 0 {
			validT[u] = all[tr : tr+k : tr+k]
			testT[u] = all[tr+k:]
		}
	}
	td := d.trainData(train)
	return Split{
		Valid: Phase{Train: td, Exclude: train, Targets: validT},
		Test:  Phase{Train: td, Exclude: trainValid, Targets: testT},
		Refit: false,
	}
}
