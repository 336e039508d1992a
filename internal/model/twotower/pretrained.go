package twotower

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/moviegenie/genie/internal/model"
)

// Fingerprint hashes training data — the user and item vocabularies and
// every user's sequence, in order — so that a saved model can tell whether
// it was fit on exactly that data. Fit records it and Save writes it to
// config.json.
func Fingerprint(d *model.TrainData) string {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(uint64(d.NumUsers))
	put(uint64(d.NumItems))
	for _, id := range d.UserIDs {
		put(uint64(id))
	}
	for _, id := range d.ItemIDs {
		put(uint64(id))
	}
	put(uint64(len(d.Seqs)))
	for _, s := range d.Seqs {
		put(uint64(len(s)))
		for _, it := range s {
			put(uint64(uint32(it)))
		}
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// PretrainedSpec returns a harness spec whose model is the one saved in dir
// (by Save, e.g. "genie train two-tower --eval-protocols" into
// models/two_tower/<protocol>). When the harness fits it on the data that
// model was fit on (same Fingerprint), Fit only loads it; on any other data
// it trains a fresh model with the saved configuration and the saved side
// information (content vectors, genres, demographics of the saved
// vocabularies), and says so through logf (may be nil), which also
// receives that fit's epochs. This lets the evaluate stage reuse what the
// training stage trained instead of training again.
//
// train, when not nil, is the data the harness will fit the model on (the
// protocol's test-phase training data): the label then says which of the
// two Fit will do, "pretrained DIR (…)" or "trained here with DIR's
// configuration", so a table never calls a model the evaluation trained
// pretrained. With a nil train the label is the pretrained one.
func PretrainedSpec(dir string, train *model.TrainData, logf func(format string, args ...any)) (model.Spec, error) {
	m, err := Load(dir)
	if err != nil {
		return model.Spec{}, err
	}
	label := fmt.Sprintf("pretrained %s (%s)", dir, m.bestLabel())
	if train != nil && !m.fitOn(train) {
		label = fmt.Sprintf("trained here with %s's configuration", dir)
	}
	return model.Spec{Name: Name, Candidates: []model.Candidate{{
		Label: label,
		New:   func() model.Recommender { return &pretrained{dir: dir, logf: logf} },
	}}}, nil
}

// fitOn reports whether the saved model m was fit on exactly train.
func (m *Model) fitOn(train *model.TrainData) bool {
	return m.fingerprint == Fingerprint(train) && slices.Equal(m.userIDs, train.UserIDs) && slices.Equal(m.itemIDs, train.ItemIDs)
}

// pretrained is the recommender of PretrainedSpec.
type pretrained struct {
	dir  string
	logf func(format string, args ...any)
	// Loaded reports whether the last Fit loaded the saved model (true) or
	// trained a new one (false).
	Loaded bool
	*Model
}

// Fit loads the saved model when it was fit on train, and otherwise trains
// a new one on train with the saved configuration.
func (p *pretrained) Fit(ctx context.Context, train *model.TrainData) error {
	m, err := Load(p.dir)
	if err != nil {
		return err
	}
	fp := Fingerprint(train)
	if m.fitOn(train) {
		// The saved user embeddings were computed from exactly these
		// histories at the end of the fit: Score reuses them.
		m.seqs = train.Seqs
		p.Model, p.Loaded = m, true
		return nil
	}
	saved := m.fingerprint
	if saved == "" {
		saved = "none recorded"
	}
	if p.logf != nil {
		p.logf("two_tower: %s was fit on other data (fingerprint %s, this data %s): training a new model with its configuration", p.dir, saved, fp)
	}
	n := New(m.cfg, m.side)
	n.Log = p.logf
	if err := n.Fit(ctx, train); err != nil {
		return err
	}
	p.Model, p.Loaded = n, false
	return nil
}
