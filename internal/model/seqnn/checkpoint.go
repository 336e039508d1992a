package seqnn

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/nn"
)

// File names inside a model directory (models/<name>/).
const (
	WeightsFile = "model.safetensors"
	InfoFile    = "config.json"
)

// Info is a saved model's description, written next to its weights as
// config.json (and into the safetensors metadata under "info").
type Info struct {
	// Config is the architecture and training setup.
	Config Config `json:"config"`
	// ItemIDs[i] is the raw (MovieLens) id of item index i: the vocabulary
	// of the item embedding and of the output layer.
	ItemIDs []int64 `json:"item_ids"`
	// TrainFingerprint identifies the training data (see Fingerprint).
	TrainFingerprint string `json:"train_fingerprint"`
	// BestEpoch is the early-stopping epoch count; RefitEpochs the length
	// of the run that produced these weights.
	BestEpoch   int `json:"best_epoch"`
	RefitEpochs int `json:"refit_epochs"`
}

// ErrNotFitted is returned when saving a model that has not been fit.
var ErrNotFitted = errors.New("seqnn: model not fitted")

// Fingerprint hashes training data (item vocabulary and every sequence), so
// that a saved model can tell whether it was trained on the same data.
func Fingerprint(d *model.TrainData) string {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(uint64(d.NumItems))
	put(uint64(len(d.Seqs)))
	for _, id := range d.ItemIDs {
		put(uint64(id))
	}
	for _, s := range d.Seqs {
		put(uint64(len(s)))
		for _, it := range s {
			put(uint64(uint32(it)))
		}
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// Info returns the description Save writes; fingerprint may be empty.
func (m *Model) Info(fingerprint string) Info {
	return Info{Config: m.cfg, ItemIDs: m.itemIDs, TrainFingerprint: fingerprint, BestEpoch: m.hist.BestEpoch, RefitEpochs: m.hist.RefitEpochs}
}

// Save writes the fitted model to dir: WeightsFile (safetensors, readable
// by PyTorch, parameter names as in [Net.Params]) and then InfoFile, each
// atomically with mode 0644. fingerprint (from [Fingerprint] of the
// training data) may be empty.
//
// The weights file is the model: it carries the description in its
// metadata and is all [Load] reads, so a crash or failure between the two
// files leaves a loadable new model beside a stale (or missing) InfoFile,
// which is informational only; a crash before the weights are renamed
// into place leaves the previous model whole.
func (m *Model) Save(dir, fingerprint string) error {
	if m.net == nil {
		return ErrNotFitted
	}
	info := m.Info(fingerprint)
	js, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("seqnn: save: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("seqnn: save: %w", err)
	}
	meta := map[string]string{"format": "genie-seqnn-1", "info": string(js)}
	if err := nn.SaveSafetensorsFile(filepath.Join(dir, WeightsFile), m.net.Params(), meta); err != nil {
		return fmt.Errorf("seqnn: save: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, InfoFile), append(js, '\n')); err != nil {
		return fmt.Errorf("seqnn: save: %w", err)
	}
	return nil
}

// Load reads a model saved by [Model.Save]: the description from the
// weights file's metadata, the weights restored by name with shapes checked.
// The result scores like the saved model, bit for bit.
func Load(dir string) (*Model, *Info, error) {
	ck, err := nn.LoadSafetensorsFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, nil, fmt.Errorf("seqnn: load %s: %w", dir, err)
	}
	var info Info
	if err := json.Unmarshal([]byte(ck.Metadata["info"]), &info); err != nil {
		return nil, nil, fmt.Errorf("seqnn: load %s: metadata: %w", dir, err)
	}
	net, err := NewNet(info.Config, len(info.ItemIDs))
	if err != nil {
		return nil, nil, fmt.Errorf("seqnn: load %s: %w", dir, err)
	}
	if err := ck.Restore(net.Params()); err != nil {
		return nil, nil, fmt.Errorf("seqnn: load %s: %w", dir, err)
	}
	m := &Model{cfg: info.Config, net: net, scorer: NewScorer(net, 1), itemIDs: info.ItemIDs,
		hist: History{BestEpoch: info.BestEpoch, RefitEpochs: info.RefitEpochs}}
	return m, &info, nil
}

// Scored is one recommended item.
type Scored struct {
	ItemID int64   `json:"item_id"`
	Score  float32 `json:"score"`
}

// Recommend returns the k best next items after history (raw item ids,
// oldest first; ids outside the vocabulary are skipped), leaving out the
// history itself and the raw ids in exclude. Ties go to the lower raw id.
// It is safe for concurrent use.
func (m *Model) Recommend(history []int64, k int, exclude []int64) []Scored {
	if m.net == nil || k <= 0 {
		return nil
	}
	idx := func(id int64) (int32, bool) {
		i, ok := slices.BinarySearch(m.itemIDs, id)
		return int32(i), ok
	}
	hist := make([]int32, 0, len(history))
	for _, id := range history {
		if i, ok := idx(id); ok {
			hist = append(hist, i)
		}
	}
	scores := make([]float32, m.net.NumItems)
	m.scorer.Score(hist, scores)
	drop := make([]bool, len(scores))
	for _, i := range hist {
		drop[i] = true
	}
	for _, id := range exclude {
		if i, ok := idx(id); ok {
			drop[i] = true
		}
	}
	return topK(scores, drop, k, m.itemIDs)
}

// topK returns the k best items not dropped, best first, ties to the lower
// index (= lower raw id).
func topK(scores []float32, drop []bool, k int, ids []int64) []Scored {
	better := func(a, b int) bool { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b) }
	top := make([]int, 0, k)
	for i := range scores {
		if drop[i] || (len(top) == k && !better(i, top[k-1])) {
			continue
		}
		j := len(top)
		if j < k {
			top = append(top, i)
		} else {
			j = k - 1 // replaces the worst
		}
		for ; j > 0 && better(i, top[j-1]); j-- {
			top[j] = top[j-1]
		}
		top[j] = i
	}
	out := make([]Scored, len(top))
	for j, i := range top {
		out[j] = Scored{ItemID: ids[i], Score: scores[i]}
	}
	return out
}

// PretrainedSpec returns a harness spec whose model is the one saved in dir
// (by Train, into models/<name>). When the harness fits it on the data that
// model was trained on (same Fingerprint and item vocabulary), Fit only
// loads the weights; on any other data it trains a fresh model with the
// saved configuration for the saved refit epoch count, and says so through
// logf (may be nil), which also receives that fit's epochs. This lets an
// evaluation stage reuse the training stage's model instead of training
// again.
//
// train, when not nil, is the data the harness will fit the model on (the
// protocol's test-phase training data): the candidate's label then says
// which of the two Fit will do, "pretrained DIR (N epochs)" or "trained
// here with DIR's configuration (N epochs)", so that a table never calls a
// model trained by the evaluation pretrained. With a nil train the label
// is the pretrained one.
func PretrainedSpec(dir string, train *model.TrainData, logf func(format string, args ...any)) (model.Spec, error) {
	_, info, err := Load(dir)
	if err != nil {
		return model.Spec{}, err
	}
	label := fmt.Sprintf("pretrained %s (%d epochs)", dir, info.RefitEpochs)
	if train != nil && !info.fitOn(train) {
		label = fmt.Sprintf("trained here with %s's configuration (%d epochs)", dir, info.retrainEpochs())
	}
	return model.Spec{Name: info.Config.Name, Candidates: []model.Candidate{{
		Label: label,
		New:   func() model.Recommender { return &pretrained{dir: dir, logf: logf} },
	}}}, nil
}

// fitOn reports whether the saved model was trained on exactly train.
func (info *Info) fitOn(train *model.TrainData) bool {
	return info.TrainFingerprint != "" && info.TrainFingerprint == Fingerprint(train) && slices.Equal(info.ItemIDs, train.ItemIDs)
}

// retrainEpochs is the epoch count a model of the saved configuration
// trains for on other data: the saved model's refit length.
func (info *Info) retrainEpochs() int { return max(info.RefitEpochs, 1) }

// pretrained is the recommender of PretrainedSpec.
type pretrained struct {
	dir  string
	logf func(format string, args ...any)
	// Loaded reports whether the last Fit loaded the saved model (true) or
	// trained a new one (false).
	Loaded bool
	*Model
}

// Fit loads the saved model when it was trained on train, and otherwise
// trains a new one on train with the saved configuration, saying so
// through p.logf.
func (p *pretrained) Fit(ctx context.Context, train *model.TrainData) error {
	m, info, err := Load(p.dir)
	if err != nil {
		return err
	}
	if info.fitOn(train) {
		p.Model, p.Loaded = m, true
		return nil
	}
	cfg := info.Config
	cfg.Epochs = info.retrainEpochs()
	saved := info.TrainFingerprint
	if saved == "" {
		saved = "none recorded"
	}
	n := New(cfg)
	if p.logf != nil {
		p.logf("%s: %s was trained on other data (fingerprint %s, this data %s): training a new model with its configuration for %d epochs",
			cfg.Name, p.dir, saved, Fingerprint(train), cfg.Epochs)
		n.OnEpoch = func(_ string, e Epoch) {
			p.logf("%s epoch %d/%d: loss %.4f, %.1fs", cfg.Name, e.Epoch, cfg.Epochs, e.Loss, e.Seconds)
		}
	}
	if err := n.Fit(ctx, train); err != nil {
		return err
	}
	p.Model, p.Loaded = n, false
	return nil
}
