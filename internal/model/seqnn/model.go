package seqnn

import (
	"context"
	"fmt"

	"github.com/moviegenie/genie/internal/model"
)

// Model is a sequential recommender: a [model.Recommender] and
// [model.BatchScorer] whose Fit trains a [Net] (with early stopping unless
// Config.Epochs fixes the epoch count) and whose scores come from the
// history passed to Score, not from the user index.
type Model struct {
	// OnEpoch, when set, is called after every training epoch with the
	// phase ("valid": the early-stopping run; "refit": the final run).
	OnEpoch func(phase string, e Epoch)
	// Probe, when set, is called after every training epoch (before
	// OnEpoch) with the phase, the epoch (from 1), the network being
	// trained and the one validation measures and the fit keeps (the
	// moving average of the weights with Config.EMADecay, else the same
	// network). It is for experiments: the networks must not be changed
	// and are only valid during the call.
	Probe func(phase string, epoch int, raw, eval *Net)

	cfg     Config
	net     *Net
	scorer  *Scorer
	hist    History
	itemIDs []int64
}

// New returns an unfitted model.
func New(cfg Config) *Model { return &Model{cfg: cfg} }

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Fit trains on train.Seqs (chronological item indices per user), forgetting
// any earlier fit. Without a fixed epoch count it holds each user's last
// training item out for early stopping on NDCG@10 and then refits on all
// of train for the best epoch count: fit on the sequential protocol's test
// training data (all but each user's last item) it validates on exactly the
// protocol's validation items.
func (m *Model) Fit(ctx context.Context, train *model.TrainData) error {
	if err := m.cfg.Validate(); err != nil {
		return err
	}
	net, h, err := fit(ctx, m.cfg, train.NumItems, train.Seqs, hooks{onEpoch: m.OnEpoch, probe: m.Probe})
	if err != nil {
		return fmt.Errorf("seqnn: %s: fit: %w", m.cfg.Name, err)
	}
	m.net, m.hist = net, h
	m.itemIDs = append([]int64(nil), train.ItemIDs...)
	m.scorer = NewScorer(net, 1)
	return nil
}

// History returns what the last Fit did.
func (m *Model) History() History { return m.hist }

// Net returns the trained network (nil before Fit).
func (m *Model) Net() *Net { return m.net }

// Scorer returns the model's inference path (nil before Fit).
func (m *Model) Scorer() *Scorer { return m.scorer }

// ItemIDs returns the raw item id of every item index (nil before Fit).
func (m *Model) ItemIDs() []int64 { return m.itemIDs }

// Score implements [model.Recommender]: next-item scores after history.
func (m *Model) Score(_ int, history []int32, dst []float32) {
	m.scorer.Score(history, dst)
}

// ScoreBatch implements [model.BatchScorer].
func (m *Model) ScoreBatch(_ []int, histories [][]int32, dst [][]float32) {
	m.scorer.ScoreBatch(histories, dst)
}

// Spec returns the harness spec of one configuration: a single candidate
// (its epoch count is chosen inside Fit by early stopping).
func Spec(cfg Config) model.Spec {
	label := fmt.Sprintf("d=%d,layers=%d,heads=%d,len=%d,dropout=%g", cfg.Dim, cfg.Layers, cfg.Heads, cfg.MaxLen, cfg.Dropout)
	if cfg.Epochs > 0 {
		label += fmt.Sprintf(",epochs=%d", cfg.Epochs)
	}
	return model.Spec{Name: cfg.Name, Candidates: []model.Candidate{{
		Label: label,
		New:   func() model.Recommender { return New(cfg) },
	}}}
}
