// Package bert4rec is BERT4Rec (Sun et al. 2019): a bidirectional
// transformer over a user's history trained with the cloze objective —
// random items of each sliding window are replaced by a mask token (a share
// of windows masks only the last item) and predicted with a full softmax
// over all items — and used for recommendation by appending the mask token
// to the history. Post-LN blocks with GELU, an output head (dense, GELU,
// layer norm) and an output layer tied to the item embeddings with a bias,
// AdamW with warm-up. The network, training loop and inference path live
// in package seqnn; this package holds BERT4Rec's configuration.
package bert4rec

import (
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// Name is the model's name in tables, exports and params.yaml
// (model_training.bert4rec).
const Name = "bert4rec"

// DefaultConfig returns the default hyper-parameters, chosen on ml-100k's
// sequential validation split within the pipeline's time budget. BERT4Rec
// learns slowly (its validation NDCG@10 was still rising at 24 epochs);
// raise max_epochs when time allows.
func DefaultConfig() seqnn.Config {
	return seqnn.Config{
		Name:          Name,
		Bidirectional: true,
		Head:          true,
		MaxLen:        50,
		Dim:           64,
		Heads:         2,
		Layers:        2,
		FFN:           256,
		Activation:    "gelu",
		Dropout:       0.2,
		AttnDropout:   0.2,
		InitStd:       0.02,
		BatchSize:     128,
		LR:            1e-3,
		WeightDecay:   0.01,
		WarmupSteps:   100,
		Decay:         "constant",
		ClipNorm:      5,
		WindowStep:    50,
		MaskProb:      0.2,
		LastMaskShare: 0.1,
		MaxEpochs:     24,
		Patience:      3,
		EvalEvery:     4,
		Seed:          42,
		Threads:       2,
	}
}

// New returns an unfitted BERT4Rec with configuration cfg.
func New(cfg seqnn.Config) *seqnn.Model { return seqnn.New(cfg) }

// Spec returns the harness spec of configuration cfg.
func Spec(cfg seqnn.Config) model.Spec { return seqnn.Spec(cfg) }
