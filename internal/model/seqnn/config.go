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
	"math"

	"github.com/moviegenie/genie/internal/config"
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
	// for a given Seed and Threads); 0 means 1, at most MaxThreads.
	Threads int `yaml:"threads" json:"threads"`
}

// ErrConfig reports an invalid configuration; every error of
// [Config.Validate] wraps it.
var ErrConfig = errors.New("seqnn: invalid config")

// Upper bounds of a Config's sizes. They are far above any setting that
// trains in reasonable time on a MovieLens release, and they turn a typo
// (a few zeros too many) into an error naming the key, instead of an
// allocation larger than the machine's memory, which kills the process
// with a runtime out-of-memory dump.
const (
	// MaxSeqLen bounds max_len: the position embedding has max_len rows,
	// and attention holds max_len² scores per head and window.
	MaxSeqLen = 4096
	// MaxHidden bounds hidden_size: the item embedding (also the output
	// layer) alone holds items × hidden_size floats, four times over with
	// its gradient and AdamW's two moments.
	MaxHidden = 4096
	// MaxHeads bounds num_heads, which must also divide hidden_size.
	MaxHeads = 64
	// MaxLayers bounds num_layers.
	MaxLayers = 48
	// MaxFFN bounds ffn_size: four times MaxHidden, the usual ratio.
	MaxFFN = 4 * MaxHidden
	// MaxBatchSize bounds batch_size: the activations of a step hold
	// batch_size × max_len × hidden_size floats per layer.
	MaxBatchSize = 65536
	// MaxEpochs bounds max_epochs, epochs and continue_epochs (the
	// learning-rate schedule counts their steps).
	MaxEpochs = 100000
	// MaxThreads bounds threads (and genie train's --threads): each
	// thread holds its own scratch buffers.
	MaxThreads = 256
)

// Validate reports every out-of-range or inconsistent value, each as a
// [config.ValueError] naming its params.yaml key
// (model_training.<name>.<key>) and the expected range, joined; each wraps
// [ErrConfig]. NaN and infinite numbers are out of range everywhere.
func (c *Config) Validate() error {
	var errs []error
	prefix := "seqnn."
	if c.Name != "" {
		prefix = "model_training." + c.Name + "."
	}
	bad := func(key, want string, got any) {
		errs = append(errs, &config.ValueError{Key: prefix + key, Want: want, Got: got, Err: ErrConfig})
	}
	between := func(key string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(key, fmt.Sprintf("%d to %d", lo, hi), v)
		}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

	between("max_len", c.MaxLen, 2, MaxSeqLen)
	between("hidden_size", c.Dim, 1, MaxHidden)
	switch {
	case c.Heads < 1 || c.Heads > MaxHeads:
		bad("num_heads", fmt.Sprintf("1 to %d", MaxHeads), c.Heads)
	case c.Dim >= 1 && c.Dim%c.Heads != 0:
		bad("num_heads", fmt.Sprintf("a divisor of hidden_size %d", c.Dim), c.Heads)
	}
	between("num_layers", c.Layers, 1, MaxLayers)
	if c.FFN < 0 || c.FFN > MaxFFN {
		bad("ffn_size", fmt.Sprintf("0 (4 × hidden_size) to %d", MaxFFN), c.FFN)
	}
	if c.Activation != "gelu" && c.Activation != "relu" {
		bad("activation", "gelu or relu", fmt.Sprintf("%q", c.Activation))
	}
	if !(c.Dropout >= 0 && c.Dropout < 1) {
		bad("dropout", "0 <= p < 1", c.Dropout)
	}
	if !(c.AttnDropout >= 0 && c.AttnDropout < 1) {
		bad("attention_dropout", "0 <= p < 1", c.AttnDropout)
	}
	if !(c.InitStd >= 0 && finite(c.InitStd)) {
		bad("init_std", "a finite number >= 0 (0: 0.02)", c.InitStd)
	}
	between("batch_size", c.BatchSize, 1, MaxBatchSize)
	if !(c.LR > 0 && finite(c.LR)) {
		bad("learning_rate", "a finite number > 0", c.LR)
	}
	if !(c.WeightDecay >= 0 && finite(c.WeightDecay)) {
		bad("weight_decay", "a finite number >= 0", c.WeightDecay)
	}
	if c.WarmupSteps < 0 {
		bad("warmup_steps", ">= 0", c.WarmupSteps)
	}
	if c.Decay != "constant" && c.Decay != "linear" && c.Decay != "cosine" {
		bad("lr_decay", "constant, linear or cosine", fmt.Sprintf("%q", c.Decay))
	}
	if !(c.ClipNorm >= 0 && finite(c.ClipNorm)) {
		bad("clip_norm", "a finite number >= 0 (0: no clipping)", c.ClipNorm)
	}
	if c.WindowStep < 0 {
		bad("window_step", ">= 0 (0: max_len)", c.WindowStep)
	}
	if c.Bidirectional {
		if !(c.MaskProb > 0 && c.MaskProb < 1) {
			bad("mask_prob", "0 < p < 1", c.MaskProb)
		}
		if !(c.LastMaskShare >= 0 && c.LastMaskShare <= 1) {
			bad("last_mask_share", "0 <= p <= 1", c.LastMaskShare)
		}
	}
	if !(c.EMADecay >= 0 && c.EMADecay < 1) {
		bad("ema_decay", "0 <= decay < 1 (0: no averaging)", c.EMADecay)
	}
	between("epochs", c.Epochs, 0, MaxEpochs)
	if c.Epochs == 0 {
		between("max_epochs", c.MaxEpochs, 1, MaxEpochs)
	} else {
		between("max_epochs", c.MaxEpochs, 0, MaxEpochs)
	}
	if c.Refit != "" && c.Refit != RefitBest && c.Refit != RefitFull && c.Refit != RefitContinue {
		bad("refit", "best, full or continue", fmt.Sprintf("%q", c.Refit))
	}
	switch {
	case c.ContinueEpochs < 0 || c.ContinueEpochs > MaxEpochs:
		bad("continue_epochs", fmt.Sprintf("0 to %d", MaxEpochs), c.ContinueEpochs)
	case c.ContinueEpochs > 0 && c.refit() != RefitContinue:
		bad("continue_epochs", fmt.Sprintf("0 with refit %q (only refit continue continues)", c.refit()), c.ContinueEpochs)
	}
	// Patience and eval_every matter only with validation (no fixed epoch
	// count), patience only for refit best; negative values mean nothing.
	switch {
	case c.Patience < 0:
		bad("patience", ">= 0", c.Patience)
	case c.Epochs == 0 && c.refit() == RefitBest && c.Patience < 1:
		bad("patience", ">= 1 with refit best", c.Patience)
	}
	switch {
	case c.EvalEvery < 0:
		bad("eval_every", ">= 0", c.EvalEvery)
	case c.Epochs == 0 && c.EvalEvery < 1:
		bad("eval_every", ">= 1 without a fixed epochs count", c.EvalEvery)
	}
	between("threads", c.Threads, 0, MaxThreads)
	return errors.Join(errs...)
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
