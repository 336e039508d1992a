// Package seqnn is the transformer-encoder sequential recommender shared by
// SASRec and BERT4Rec: item and position embeddings, a stack of transformer
// blocks from internal/nn, a tied full-softmax output layer over every item,
// the training loop (sliding windows, AdamW with warm-up, gradient clipping,
// early stopping on validation NDCG@10, refit for the best epoch count),
// fast batched inference, and safetensors checkpoints.
//
// The two models differ only in their [Config]: SASRec is causal and learns
// the next item at every position (full cross-entropy, Klenitskiy &
// Vasilev 2023); BERT4Rec is bidirectional and learns masked items (cloze),
// predicting the next item from a mask token appended to the history.
// Packages sasrec and bert4rec hold their default configurations.
package seqnn

import (
	"errors"
	"fmt"

	"github.com/moviegenie/genie/internal/nn"
)

// Config is the architecture and training setup of a model. The yaml tags
// are the keys of params.yaml's model_training.<name> section.
type Config struct {
	// Name is the model's lower-case name (sasrec, bert4rec).
	Name string `yaml:"-" json:"name"`
	// Bidirectional selects BERT4Rec's cloze objective and bidirectional
	// attention; false is SASRec's causal next-item objective.
	Bidirectional bool `yaml:"-" json:"bidirectional"`
	// PreLN puts layer norm before each sub-layer (SASRec) and a final layer
	// norm after the blocks; post-LN (BERT4Rec) normalizes the embeddings
	// and each residual sum.
	PreLN bool `yaml:"-" json:"pre_ln"`
	// Head adds BERT4Rec's output transform (linear, GELU, layer norm) and
	// an output bias before the tied item layer.
	Head bool `yaml:"-" json:"head"`

	// MaxLen is the longest history the model reads (positions).
	MaxLen int `yaml:"max_len" json:"max_len"`
	// Dim is the hidden size; Heads divides it.
	Dim   int `yaml:"hidden_size" json:"hidden_size"`
	Heads int `yaml:"num_heads" json:"num_heads"`
	// Layers is the number of transformer blocks.
	Layers int `yaml:"num_layers" json:"num_layers"`
	// FFN is the feed-forward width; 0 means 4*Dim.
	FFN int `yaml:"ffn_size" json:"ffn_size"`
	// Activation is "gelu" or "relu".
	Activation string `yaml:"activation" json:"activation"`
	// Dropout applies to embeddings, sub-layer outputs and the feed-forward
	// hidden units; AttnDropout to attention probabilities.
	Dropout     float64 `yaml:"dropout" json:"dropout"`
	AttnDropout float64 `yaml:"attention_dropout" json:"attention_dropout"`
	// InitStd is the standard deviation of the weight initialization.
	InitStd float64 `yaml:"init_std" json:"init_std"`

	// BatchSize is the number of training windows per step.
	BatchSize int `yaml:"batch_size" json:"batch_size"`
	// LR is the peak AdamW learning rate, WeightDecay its decoupled decay.
	LR          float64 `yaml:"learning_rate" json:"learning_rate"`
	WeightDecay float64 `yaml:"weight_decay" json:"weight_decay"`
	// WarmupSteps ramps the learning rate up linearly; Decay ("constant",
	// "linear", "cosine") shapes it afterwards, reaching 0 at MaxEpochs.
	WarmupSteps int    `yaml:"warmup_steps" json:"warmup_steps"`
	Decay       string `yaml:"lr_decay" json:"lr_decay"`
	// ClipNorm clips the global gradient norm; 0 disables clipping.
	ClipNorm float64 `yaml:"clip_norm" json:"clip_norm"`
	// WindowStep is the sliding-window step over histories longer than the
	// window; 0 means the window length (no overlap).
	WindowStep int `yaml:"window_step" json:"window_step"`
	// MaskProb is BERT4Rec's cloze masking probability; LastMaskShare the
	// share of windows in which only the last item is masked.
	MaskProb      float64 `yaml:"mask_prob" json:"mask_prob"`
	LastMaskShare float64 `yaml:"last_mask_share" json:"last_mask_share"`

	// MaxEpochs bounds training with early stopping; training stops when
	// validation NDCG@10 has not improved for Patience evaluations, made
	// every EvalEvery epochs (Refit "best" only; the other modes validate
	// every EvalEvery epochs up to MaxEpochs without stopping).
	MaxEpochs int `yaml:"max_epochs" json:"max_epochs"`
	Patience  int `yaml:"patience" json:"patience"`
	EvalEvery int `yaml:"eval_every" json:"eval_every"`
	// Refit is what follows the validation run (which trains on all but
	// each user's last training item):
	//   - "best" (or empty): a fresh network trained on all the data for
	//     the best validation epoch count (the learning-rate schedule still
	//     spans MaxEpochs, so a decaying rate stops part-way);
	//   - "full": a fresh network trained on all the data for MaxEpochs,
	//     the whole schedule, whatever the validation curve;
	//   - "continue": no fresh network: the validation run's network,
	//     after MaxEpochs epochs, trains ContinueEpochs more on all the
	//     data (the schedule spans MaxEpochs+ContinueEpochs; 0 keeps the
	//     validation run's network as it is). Costs MaxEpochs+ContinueEpochs
	//     epochs instead of about twice MaxEpochs.
	Refit          string `yaml:"refit" json:"refit,omitempty"`
	ContinueEpochs int    `yaml:"continue_epochs" json:"continue_epochs,omitempty"`
	// Epochs, when positive, trains exactly that many epochs on all the
	// training data with no validation hold-out (a refit whose epoch count
	// is already known).
	Epochs int `yaml:"epochs" json:"epochs"`

	// EMADecay, when positive, keeps an exponential moving average of the
	// weights, updated after every optimizer step (ema = d*ema + (1-d)*w,
	// with d = min(EMADecay, (1+t)/(10+t)) at step t so that early steps
	// are not dominated by the initialization). Validation measures the
	// averaged weights, and they are the weights the fit returns and
	// saves; the raw weights only train. 0 disables averaging.
	EMADecay float64 `yaml:"ema_decay" json:"ema_decay,omitempty"`

	// Seed drives initialization, batch order, masking and dropout.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Threads is the training goroutine count (results are deterministic
	// for a given Seed and Threads); 0 means 1.
	Threads int `yaml:"threads" json:"threads"`
}

// ErrConfig reports an invalid configuration.
var ErrConfig = errors.New("seqnn: invalid config")

// Validate reports an inconsistent configuration.
func (c *Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrConfig, c.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case c.MaxLen < 2:
		return bad("max_len %d < 2", c.MaxLen)
	case c.Dim <= 0 || c.Heads <= 0 || c.Dim%c.Heads != 0:
		return bad("hidden_size %d not divisible by num_heads %d", c.Dim, c.Heads)
	case c.Layers < 1:
		return bad("num_layers %d < 1", c.Layers)
	case c.FFN < 0:
		return bad("ffn_size %d < 0", c.FFN)
	case c.Activation != "gelu" && c.Activation != "relu":
		return bad("activation %q (want gelu or relu)", c.Activation)
	case c.Dropout < 0 || c.Dropout >= 1 || c.AttnDropout < 0 || c.AttnDropout >= 1:
		return bad("dropout %g / attention_dropout %g outside [0, 1)", c.Dropout, c.AttnDropout)
	case c.BatchSize < 1:
		return bad("batch_size %d < 1", c.BatchSize)
	case c.LR <= 0 || c.WeightDecay < 0 || c.ClipNorm < 0 || c.WarmupSteps < 0:
		return bad("learning_rate %g, weight_decay %g, clip_norm %g, warmup_steps %d", c.LR, c.WeightDecay, c.ClipNorm, c.WarmupSteps)
	case c.Decay != "constant" && c.Decay != "linear" && c.Decay != "cosine":
		return bad("lr_decay %q (want constant, linear or cosine)", c.Decay)
	case c.WindowStep < 0:
		return bad("window_step %d < 0", c.WindowStep)
	case c.Bidirectional && (c.MaskProb <= 0 || c.MaskProb >= 1 || c.LastMaskShare < 0 || c.LastMaskShare > 1):
		return bad("mask_prob %g / last_mask_share %g", c.MaskProb, c.LastMaskShare)
	case c.EMADecay < 0 || c.EMADecay >= 1:
		return bad("ema_decay %g outside [0, 1)", c.EMADecay)
	case c.Epochs < 0 || (c.Epochs == 0 && c.MaxEpochs < 1):
		return bad("epochs %d, max_epochs %d", c.Epochs, c.MaxEpochs)
	case c.Refit != "" && c.Refit != RefitBest && c.Refit != RefitFull && c.Refit != RefitContinue:
		return bad("refit %q (want best, full or continue)", c.Refit)
	case c.ContinueEpochs < 0 || (c.ContinueEpochs > 0 && c.refit() != RefitContinue):
		return bad("continue_epochs %d with refit %q", c.ContinueEpochs, c.Refit)
	case c.Epochs == 0 && (c.EvalEvery < 1 || c.refit() == RefitBest && c.Patience < 1):
		return bad("patience %d, eval_every %d", c.Patience, c.EvalEvery)
	}
	return nil
}

// The Refit modes.
const (
	RefitBest     = "best"
	RefitFull     = "full"
	RefitContinue = "continue"
)

func (c *Config) refit() string {
	if c.Refit == "" {
		return RefitBest
	}
	return c.Refit
}

// scheduleEpochs is the length of the learning-rate schedule in epochs:
// MaxEpochs (plus ContinueEpochs when continuing), or Epochs without
// MaxEpochs.
func (c *Config) scheduleEpochs() int {
	if c.MaxEpochs == 0 {
		return c.Epochs
	}
	if c.refit() == RefitContinue {
		return c.MaxEpochs + c.ContinueEpochs
	}
	return c.MaxEpochs
}

func (c *Config) ffn() int {
	if c.FFN > 0 {
		return c.FFN
	}
	return 4 * c.Dim
}

func (c *Config) act() nn.Activation {
	if c.Activation == "relu" {
		return nn.ReLU
	}
	return nn.GELU
}

func (c *Config) threads() int { return max(c.Threads, 1) }

func (c *Config) step() int {
	if c.WindowStep > 0 {
		return c.WindowStep
	}
	return c.MaxLen
}

func (c *Config) decay() nn.Decay {
	switch c.Decay {
	case "linear":
		return nn.LinearDecay
	case "cosine":
		return nn.CosineDecay
	}
	return nn.Constant
}
