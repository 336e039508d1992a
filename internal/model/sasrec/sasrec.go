// Package sasrec is SASRec (Kang & McAuley 2018) trained with full softmax
// cross-entropy over all items at every position (Klenitskiy & Vasilev
// 2023): causal self-attention over a user's history, learned positional
// embeddings, pre-LN transformer blocks and an output layer tied to the item
// embeddings. The network, training loop and inference path live in
// package seqnn; this package holds SASRec's configuration.
package sasrec

import (
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// Name is the model's name in tables, exports and params.yaml
// (model_training.sasrec).
const Name = "sasrec"

// DefaultConfig returns the default hyper-parameters, chosen on ml-100k's
// sequential validation split within the pipeline's time budget.
func DefaultConfig() seqnn.Config {
	return seqnn.Config{
		Name:           Name,
		PreLN:          true,
		MaxLen:         50,
		Dim:            64,
		Heads:          1,
		Layers:         2,
		FFN:            64,
		Activation:     "relu",
		Dropout:        0.5,
		AttnDropout:    0.5,
		InitStd:        0.02,
		BatchSize:      128,
		LR:             2e-3,
		WeightDecay:    0.1,
		WarmupSteps:    0,
		Decay:          "linear",
		ClipNorm:       5,
		WindowStep:     0,
		MaxEpochs:      40,
		Refit:          seqnn.RefitContinue,
		ContinueEpochs: 80,
		Patience:       4,
		EvalEvery:      2,
		Seed:           42,
		Threads:        2,
	}
}

// New returns an unfitted SASRec with configuration cfg.
func New(cfg seqnn.Config) *seqnn.Model { return seqnn.New(cfg) }

// Spec returns the harness spec of configuration cfg.
func Spec(cfg seqnn.Config) model.Spec { return seqnn.Spec(cfg) }
