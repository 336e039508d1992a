// Package twotower is the Two-Tower retrieval model: a user tower (user id
// embedding, user features and a mean-pooled embedding of the user's
// history, through an MLP) and an item tower (item id embedding and content
// features, through an MLP), scored by the dot product of their
// L2-normalised outputs times a learned inverse temperature. It trains on
// the nn engine with an in-batch sampled softmax and logQ popularity
// correction, stops early on a held-out share of the training
// interactions, and serves users without an id embedding (cold start) from
// their history and demographics alone.
//
// It implements model.Recommender for the evaluation harness, and Save /
// Load with exact top-K retrieval for serving.
package twotower

import (
	"errors"
	"fmt"
	"io/fs"
	"math"

	"github.com/moviegenie/genie/internal/config"
)

// Config holds the model's hyper-parameters, read from
// model_training.two_tower in params.yaml.
type Config struct {
	// EmbeddingDim is the width of the id and history embeddings.
	EmbeddingDim int `yaml:"embedding_dim" json:"embedding_dim"`
	// HiddenDims are the tower MLP widths; the last is the output width.
	HiddenDims []int `yaml:"hidden_dims" json:"hidden_dims"`
	// BatchSize is the number of (user, item) pairs per step, and so the
	// number of in-batch negatives + 1.
	BatchSize    int     `yaml:"batch_size" json:"batch_size"`
	LearningRate float64 `yaml:"learning_rate" json:"learning_rate"`
	// Epochs is the maximum number of passes over the training pairs.
	Epochs      int     `yaml:"epochs" json:"epochs"`
	WeightDecay float64 `yaml:"weight_decay" json:"weight_decay"`
	// Negatives selects the softmax: in_batch (the other positives of the
	// batch, with logQ correction) or all (every item of the catalogue,
	// an exact softmax; affordable for small catalogues).
	Negatives string `yaml:"negatives" json:"negatives"`
	// PopularityPrior strengthens in_batch's logQ correction: item i's
	// logit is corrected by (1 + PopularityPrior)·log q_i, q_i its share of
	// the training pairs. At 0 the towers estimate the full softmax's
	// log P(i | u); at p they learn log P(i | u) + p·log q_i, the
	// conditional times q_i^p, which ranks popular movies higher. Only
	// with in_batch (all has no correction to strengthen).
	PopularityPrior float64 `yaml:"popularity_prior" json:"popularity_prior,omitempty"`
	// Temperature is the initial softmax temperature (learned afterwards).
	Temperature float64 `yaml:"temperature" json:"temperature"`
	// IDDropout is the probability of hiding a training pair's user id and,
	// independently, its item id, the user's demographics and the user's
	// whole history, so the towers learn to work without each of them.
	IDDropout float64 `yaml:"id_dropout" json:"id_dropout"`
	// ShortHistory is the probability of cutting a training pair's history
	// to 1-10 random items (users with only a handful of ratings).
	ShortHistory float64 `yaml:"short_history" json:"short_history"`
	// HistoryLength caps the pooled history to the user's most recent items.
	HistoryLength int `yaml:"history_length" json:"history_length"`
	// History selects what a training pair's user tower sees: all (the
	// user's other items, before and after the target) or past (only the
	// items rated before it, as when predicting the next rating); empty
	// means all. With past, the held-out pairs are each user's last ones.
	History string `yaml:"history" json:"history,omitempty"`
	// Patience stops training after this many epochs without a better
	// validation recall; ValidationShare of the pairs are held out for it
	// (0 disables early stopping).
	Patience        int     `yaml:"patience" json:"patience"`
	ValidationShare float64 `yaml:"validation_share" json:"validation_share"`
	// Ensemble is the number of member models, each a pair of towers as
	// above trained independently (member k with seed Seed+k, all on the
	// same held-out pairs). A user's or item's embedding is the
	// concatenation of its members' embeddings, each scaled by 1/sqrt(N):
	// still unit length, and the dot product is the members' mean cosine.
	// 0 or 1: a single model.
	Ensemble int `yaml:"ensemble" json:"ensemble,omitempty"`
	// ParallelMembers is how many members train at the same time, each
	// with Threads goroutines (0: all of them). Members are independent,
	// so the model is bit-identical whatever the value; more at once is
	// faster (most of a member's step is not parallel) and holds that many
	// members' parameters, gradients and optimizer state in memory.
	ParallelMembers int `yaml:"parallel_members" json:"parallel_members,omitempty"`
	// EMA is the decay of an exponential moving average of each member's
	// weights over the training steps (nn.EMA): validation, early stopping
	// and the kept model use the average instead of the last step's
	// weights. 0 disables it; 0.999 averages over about the last thousand
	// steps (about six epochs of ml-100k).
	EMA float64 `yaml:"ema" json:"ema,omitempty"`
	// Seed seeds initialisation, shuffling and dropout; 0 means
	// data_processing.random_seed.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Threads is the goroutine count of each member's training (0: 2; at
	// most MaxThreads).
	// Results are bit-identical for a given seed and thread count.
	Threads int `yaml:"threads" json:"threads"`
}

// Variants of Config.History.
const (
	HistoryAll  = "all"
	HistoryPast = "past"
)

// Softmax variants of Config.Negatives.
const (
	NegativesInBatch = "in_batch"
	NegativesAll     = "all"
)

// DefaultConfig returns the seed pipeline's values plus our defaults for the
// keys the seed does not have.
func DefaultConfig() Config {
	return Config{
		EmbeddingDim: 64, HiddenDims: []int{128, 64}, BatchSize: 512, LearningRate: 0.001, Epochs: 100,
		WeightDecay: 0.5, Negatives: NegativesInBatch, Temperature: 0.05, IDDropout: 0.1, ShortHistory: 0.1, HistoryLength: 200,
		Patience: 5, ValidationShare: 0.05, Seed: 42, Threads: 2,
	}
}

// Upper bounds of a Config's sizes. They are far above any setting that
// trains in reasonable time on a MovieLens release, and they turn a typo
// (a few zeros too many) into an error naming the key, instead of an
// allocation larger than the machine's memory, which kills the process
// with a runtime out-of-memory dump.
const (
	// MaxEmbeddingDim bounds embedding_dim: the user and item id
	// embeddings hold (users + items) × embedding_dim floats per member,
	// four times over with their gradients and AdamW's two moments.
	MaxEmbeddingDim = 4096
	// MaxHiddenWidth bounds each of hidden_dims.
	MaxHiddenWidth = 4096
	// MaxHiddenLayers bounds the number of hidden_dims.
	MaxHiddenLayers = 16
	// MaxBatchSize bounds batch_size: a step's logits are batch_size²
	// floats.
	MaxBatchSize = 65536
	// MaxEpochs bounds epochs (and genie train two-tower's --epochs).
	MaxEpochs = 100000
	// MaxHistoryLength bounds history_length, the pooled window.
	MaxHistoryLength = 100000
	// MaxThreads bounds threads (and genie train two-tower's --threads):
	// each member runs that many goroutines, each with scratch buffers.
	MaxThreads = 256
	// MaxEnsemble bounds ensemble: every member holds its own towers.
	MaxEnsemble = 64
)

// Validate names every out-of-range value, each as a [config.ValueError]
// naming its params.yaml key (model_training.two_tower.<key>) and the
// expected range, joined. NaN and infinite numbers are out of range
// everywhere.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, want string, got any) {
		errs = append(errs, &config.ValueError{Key: "model_training.two_tower." + key, Want: want, Got: got})
	}
	between := func(key string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(key, fmt.Sprintf("%d to %d", lo, hi), v)
		}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	between("embedding_dim", c.EmbeddingDim, 1, MaxEmbeddingDim)
	if len(c.HiddenDims) == 0 || len(c.HiddenDims) > MaxHiddenLayers {
		bad("hidden_dims", fmt.Sprintf("1 to %d widths", MaxHiddenLayers), c.HiddenDims)
	}
	for _, h := range c.HiddenDims {
		if h < 1 || h > MaxHiddenWidth {
			bad("hidden_dims", fmt.Sprintf("widths from 1 to %d", MaxHiddenWidth), c.HiddenDims)
			break
		}
	}
	between("batch_size", c.BatchSize, 2, MaxBatchSize)
	if !(c.LearningRate > 0 && finite(c.LearningRate)) {
		bad("learning_rate", "a finite number > 0", c.LearningRate)
	}
	between("epochs", c.Epochs, 1, MaxEpochs)
	if !(c.WeightDecay >= 0 && finite(c.WeightDecay)) {
		bad("weight_decay", "a finite number >= 0", c.WeightDecay)
	}
	if c.Negatives != NegativesInBatch && c.Negatives != NegativesAll {
		bad("negatives", NegativesInBatch+" or "+NegativesAll, c.Negatives)
	}
	if !(c.PopularityPrior >= 0 && c.PopularityPrior <= 4) {
		bad("popularity_prior", "0 <= p <= 4", c.PopularityPrior)
	} else if c.PopularityPrior != 0 && c.Negatives == NegativesAll {
		bad("popularity_prior", "0 with negatives: "+NegativesAll, c.PopularityPrior)
	}
	if !(c.Temperature > 0 && finite(c.Temperature)) {
		bad("temperature", "a finite number > 0", c.Temperature)
	}
	if !(c.IDDropout >= 0 && c.IDDropout < 1) {
		bad("id_dropout", "0 <= p < 1", c.IDDropout)
	}
	if !(c.ShortHistory >= 0 && c.ShortHistory <= 1) {
		bad("short_history", "0 <= p <= 1", c.ShortHistory)
	}
	between("history_length", c.HistoryLength, 1, MaxHistoryLength)
	if c.History != "" && c.History != HistoryAll && c.History != HistoryPast {
		bad("history", HistoryAll+" or "+HistoryPast, c.History)
	}
	if c.Patience < 1 {
		bad("patience", ">= 1", c.Patience)
	}
	if !(c.ValidationShare >= 0 && c.ValidationShare < 0.5) {
		bad("validation_share", "0 <= share < 0.5", c.ValidationShare)
	}
	if c.Ensemble < 0 || c.Ensemble > MaxEnsemble {
		bad("ensemble", fmt.Sprintf("0 <= n <= %d", MaxEnsemble), c.Ensemble)
	}
	if c.ParallelMembers < 0 {
		bad("parallel_members", ">= 0 (0: all members at once)", c.ParallelMembers)
	}
	if !(c.EMA >= 0 && c.EMA < 1) {
		bad("ema", "0 <= decay < 1", c.EMA)
	}
	between("threads", c.Threads, 0, MaxThreads)
	return errors.Join(errs...)
}

// label names the configuration in evaluation tables.
func (c Config) label() string {
	l := fmt.Sprintf("dim=%d, hidden=%v", c.EmbeddingDim, c.HiddenDims)
	if c.members() > 1 {
		l += fmt.Sprintf(", ensemble=%d", c.members())
	}
	if c.EMA > 0 {
		l += fmt.Sprintf(", ema=%g", c.EMA)
	}
	if c.History == HistoryPast {
		l += ", history=past"
	}
	if c.PopularityPrior != 0 {
		l += fmt.Sprintf(", popularity_prior=%g", c.PopularityPrior)
	}
	return l
}

// members returns the number of member models (at least 1).
func (c Config) members() int { return max(c.Ensemble, 1) }

// parallelMembers returns how many members train at a time.
func (c Config) parallelMembers() int {
	if c.ParallelMembers < 1 {
		return c.members()
	}
	return min(c.ParallelMembers, c.members())
}

func (c Config) threads() int {
	if c.Threads < 1 {
		return 2
	}
	return c.Threads
}

// LoadConfig reads model_training.two_tower from the YAML file at path over
// DefaultConfig, taking the seed from data_processing.random_seed unless
// the section sets one. A missing file or section gives the defaults; an
// unknown section anywhere in the file (a misspelt two_tower or
// model_training), an unknown key in the section, a value of the wrong
// type and an out-of-range value are errors naming the file, the line and
// the key.
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	f, err := config.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if n := f.Section("data_processing"); n != nil {
		var dp struct {
			RandomSeed *uint64 `yaml:"random_seed"`
		}
		if err := n.Decode(&dp); err != nil {
			return c, fmt.Errorf("%s: data_processing: %w", path, err)
		}
		if dp.RandomSeed != nil {
			c.Seed = *dp.RandomSeed
		}
	}
	if err := f.Decode(&c, "model_training", "two_tower"); err != nil {
		return c, err
	}
	if err := f.Locate(c.Validate()); err != nil {
		return c, err
	}
	return c, nil
}
