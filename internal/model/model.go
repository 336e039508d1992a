// Package model holds the small set of types every recommender in Movie
// Genie shares with the evaluation harness: the training data a model is fit
// on, the Recommender interface the evaluation protocols drive, and the
// hyper-parameter candidates a model offers for tuning.
//
// Concrete models live in subpackages (baseline, bert4rec, sasrec, ...). They
// depend on this package only; the evaluation harness (internal/eval) depends
// on this package and drives any implementation through it.
package model

import "context"

// TrainData is the training set of one evaluation phase, in dense indices.
//
// Users and items are numbered 0..NumUsers-1 and 0..NumItems-1 in ascending
// order of their raw ids, so a lower dense item index always means a lower
// raw item id (the protocols' tie rule). UserIDs and ItemIDs map dense
// indices back to raw ids for models that join metadata (genres, content
// features) by raw id.
type TrainData struct {
	// NumUsers and NumItems size the index spaces; they cover every user and
	// item of the evaluated dataset, including items absent from training.
	NumUsers, NumItems int
	// UserIDs[u] and ItemIDs[i] are the raw ids of dense user u and item i.
	UserIDs, ItemIDs []int64
	// Seqs[u] lists user u's training items in protocol order:
	// chronological (ties in source-file order) for the sequential protocol,
	// shuffled order for the random-split protocols.
	Seqs [][]int32
}

// NumInteractions returns the total number of training interactions.
func (d *TrainData) NumInteractions() int {
	n := 0
	for _, s := range d.Seqs {
		n += len(s)
	}
	return n
}

// ItemCounts returns how many training interactions each item has.
func (d *TrainData) ItemCounts() []int {
	c := make([]int, d.NumItems)
	for _, s := range d.Seqs {
		for _, it := range s {
			c[it]++
		}
	}
	return c
}

// Recommender is a model the evaluation protocols can fit and query.
//
// Fit trains on one phase's training data; it may be called more than once on
// the same value (validation fit, then test refit) and must then forget the
// earlier fit. Score writes one score per item into dst (len(dst) ==
// NumItems) for dense user u whose known history is history (the user's
// training items in protocol order; a sequential model scores from it, a
// general model may use u alone). Higher is better; ties are broken by the
// harness towards the lower item index. The harness filters excluded items
// itself, so Score scores every item. Score must be safe for concurrent use
// once Fit has returned.
type Recommender interface {
	Fit(ctx context.Context, train *TrainData) error
	Score(u int, history []int32, dst []float32)
}

// BatchScorer is an optional interface for models that score several users
// more efficiently at once (one matrix product instead of many vector
// products). The harness uses it when a Recommender implements it:
// ScoreBatch must write into dst[k] what Score(users[k], histories[k],
// dst[k]) would. It must be safe for concurrent use once Fit has returned.
type BatchScorer interface {
	ScoreBatch(users []int, histories [][]int32, dst [][]float32)
}

// Candidate is one hyper-parameter setting of a model.
type Candidate struct {
	// Label describes the setting, e.g. "lambda=500".
	Label string
	// New returns a fresh, unfitted model with this setting.
	New func() Recommender
}

// Spec names a model and the candidate settings it is tuned over. With one
// candidate no tuning happens; with several, the harness fits each on the
// validation phase and keeps the one with the best validation NDCG@10.
type Spec struct {
	// Name is the model's lower-case name, used in tables and export file
	// names (pop, itemknn, ease, markov, markov_itemknn, bert4rec, ...).
	Name string
	// Candidates are the settings to try; at least one.
	Candidates []Candidate
}
