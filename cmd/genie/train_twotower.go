package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/twotower"
)

// twoTowerReport is report.json of "genie train two-tower".
type twoTowerReport struct {
	Model     string          `json:"model"`
	Config    twotower.Config `json:"config"`
	Protocol  string          `json:"protocol"`
	Users     int             `json:"users"`
	Items     int             `json:"items"`
	Pairs     int             `json:"pairs"`
	BestEpoch int             `json:"best_epoch"`
	// BestEpochs are each member's kept epoch, in an ensemble (BestEpoch
	// is the first member's, Epochs counts every member's epochs).
	BestEpochs []int                 `json:"best_epochs,omitempty"`
	Epochs     int                   `json:"epochs"`
	Test       map[string]float64    `json:"test,omitempty"`
	History    []twotower.EpochStats `json:"history"`
	Seconds    float64               `json:"seconds"`
	// CPUSeconds is user+system CPU time, steadier than wall time on a
	// shared machine.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// newTrainTwoTowerCmd is "genie train two-tower", the train_two_tower stage.
func newTrainTwoTowerCmd() *cobra.Command {
	var processed, paramsPath, out, protocol, evalProtocols string
	var threads, epochs, evalPatience int
	var quiet bool
	cmd := &cobra.Command{
		Use:   "two-tower",
		Short: "Train the Two-Tower retrieval model",
		Long: `two-tower trains the Two-Tower retrieval model (user tower: user id
embedding, user features, mean-pooled history; item tower: item id embedding,
content vector) with an in-batch sampled softmax and logQ correction,
stopping early on a held-out share of the training pairs. Parameters come
from params.yaml, section model_training.two_tower; with ensemble: N (the
project's params.yaml sets 3) every fit below trains N such models with
seeds seed..seed+N-1 and concatenates their embeddings (docs/twotower.md,
"Ensemble"), at N times the CPU cost (the members train at the same time
unless parallel_members limits how many); with ema: D (the project's params.yaml
sets 0.999) each model kept, and validated for early stopping, is the
moving average of its weights over the training steps instead of the last
step's weights; with popularity_prior: p (the project's params.yaml sets
0.25) the logQ correction is multiplied by 1 + p, so the towers rank popular
movies higher (docs/twotower.md, "Popularity prior"); with history: past
each training pair's history holds only the ratings before it (a better
next-item model alone, a worse partner for SASRec: docs/twotower.md,
"History direction").

By default it trains on every processed rating (each user's history in time
order) over the whole catalogue, for serving, into --out; then, for each of
--eval-protocols (default tfrs,recbole,sequential), it trains on that
protocol's training set (split with data_processing.random_seed, exactly as
genie eval splits; for sequential, every user's history but its last item)
into --out/<protocol>, reports the protocol's test metrics, and records a
fingerprint of the training set, so that genie eval loads these models
instead of training them again (and, under sequential, measures the
SASRec + Two-Tower blend the server serves). These fits use the same
configuration with early stopping after --eval-patience epochs without
improvement (default 2, against the configuration's patience), which
roughly halves their cost; the sequential fit keeps the configuration's
patience, as the served model does, since genie eval measures the served
blend with it. With --protocol tfrs, recbole or sequential it
trains only on that protocol's training set, into --out.

Reads ` + "data/processed/{ratings,movies,users,tags}.parquet and " + features.ContentFile + `
(built in memory when absent). Writes into each output folder: ` + twotower.WeightsFile + `,
` + twotower.ConfigFile + ` (configuration, id vocabularies, encoders, training-data fingerprint),
` + twotower.UserEmbeddingsFile + `, ` + twotower.ItemEmbeddingsFile + `, ` + twotower.HistoryFile + ` (per epoch),
` + twotower.HistoryPlotFile + ` and report.json.`,
		Example: `  genie train two-tower
  genie train two-tower --eval-protocols ""          # the serving model only
  genie train two-tower --protocol recbole --out /tmp/tt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := twotower.LoadConfig(paramsPath)
			if err != nil {
				return err
			}
			if threads > 0 {
				cfg.Threads = threads
			}
			if epochs > 0 {
				cfg.Epochs = epochs
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			pp, err := config.Load(paramsPath)
			if err != nil {
				return err
			}
			fp, err := features.LoadParams(paramsPath)
			if err != nil {
				return err
			}
			if evalPatience < 0 {
				return fmt.Errorf("train two-tower: --eval-patience %d: want >= 0", evalPatience)
			}
			runs := []twoTowerRun{{protocol: protocol, out: out, cfg: cfg}}
			switch protocol {
			case "none":
				ps, err := parseTwoTowerProtocols(evalProtocols)
				if err != nil {
					return err
				}
				pcfg := cfg
				if evalPatience > 0 {
					pcfg.Patience = evalPatience
				}
				for _, p := range ps {
					c := pcfg
					if p == eval.Sequential {
						// genie eval blends this fit with SASRec to measure
						// the served blend: it is fit as the served model is.
						c = cfg
					}
					runs = append(runs, twoTowerRun{protocol: string(p), out: filepath.Join(out, string(p)), cfg: c})
				}
			case string(eval.TFRS), string(eval.RecBole), string(eval.Sequential):
				if cmd.Flags().Changed("eval-protocols") {
					return fmt.Errorf("train two-tower: --eval-protocols needs --protocol none (got %q)", protocol)
				}
			default:
				return fmt.Errorf("train two-tower: --protocol %q: want none, tfrs, recbole or sequential", protocol)
			}
			t, err := dataset.ReadTables(processed)
			if err != nil {
				return err
			}
			content, err := dataset.ReadParquet[features.ContentRow](filepath.Join(processed, features.ContentFile))
			if errors.Is(err, os.ErrNotExist) {
				content, _, err = features.BuildContent(t.Movies, t.Tags, features.ContentOptions{Dim: fp.EmbeddingDim, Sources: fp.ContentFeatures})
			}
			if err != nil {
				return fmt.Errorf("train two-tower: content features: %w", err)
			}
			var log io.Writer = cmd.ErrOrStderr()
			if quiet {
				log = io.Discard
			}
			side := twotower.NewSideInfo(t, content)
			var d *eval.Dataset
			for _, r := range runs {
				if r.protocol != "none" && d == nil {
					if d, err = twoTowerDataset(t); err != nil {
						return err
					}
				}
				if err := r.train(cmd, side, t, d, pp.DataProcessing.RandomSeed, log); err != nil {
					return err
				}
			}
			if protocol == "none" {
				return removeStaleTwoTowerModels(cmd.OutOrStdout(), out, runs)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&processed, "processed", filepath.Join("data", "processed"), "folder of the processed tables and content features")
	cmd.Flags().StringVar(&paramsPath, "params", "params.yaml", "parameters file (model_training.two_tower, feature_engineering, data_processing.random_seed)")
	cmd.Flags().StringVar(&out, "out", filepath.Join("models", "two_tower"), "output folder")
	cmd.Flags().StringVar(&protocol, "protocol", "none", "train on all ratings (none) or only on the tfrs / recbole / sequential training set and report its test metrics")
	cmd.Flags().StringVar(&evalProtocols, "eval-protocols", "tfrs,recbole,sequential", "with --protocol none, also train on these protocols' training sets into OUT/<protocol> for genie eval (\"\": none)")
	cmd.Flags().IntVar(&evalPatience, "eval-patience", 2, "early-stopping patience of the tfrs and recbole fits of --eval-protocols (0: model_training.two_tower.patience)")
	cmd.Flags().IntVar(&threads, "threads", 0, "training threads of each member (0: model_training.two_tower.threads)")
	cmd.Flags().IntVar(&epochs, "epochs", 0, "maximum epochs (0: model_training.two_tower.epochs)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no per-epoch progress")
	return cmd
}

// twoTowerRun is one model "genie train two-tower" fits: on all ratings
// (protocol "none") or on a protocol's training set, with cfg.
type twoTowerRun struct {
	protocol, out string
	cfg           twotower.Config
}

// train fits one model and writes it with report.json into r.out. d (the
// evaluation dataset of the ratings) is needed for a protocol run; seed is
// the protocols' split seed.
func (r twoTowerRun) train(cmd *cobra.Command, side *twotower.SideInfo, t *dataset.Tables, d *eval.Dataset, seed uint64, log io.Writer) error {
	start, cpu0 := time.Now(), cpuSeconds()
	ctx, cfg := cmd.Context(), r.cfg
	m := twotower.New(cfg, side)
	m.Log = func(format string, args ...any) { fmt.Fprintf(log, format+"\n", args...) }
	if r.protocol != "none" {
		m.Log = func(format string, args ...any) { fmt.Fprintf(log, r.protocol+" "+format+"\n", args...) }
	}
	rep := &twoTowerReport{Model: twotower.Name, Config: cfg, Protocol: r.protocol}
	var train *model.TrainData
	var phase *eval.Phase
	if r.protocol == "none" {
		train = twotower.TrainDataFromTables(t)
	} else {
		p := eval.Protocol(r.protocol)
		sp, err := p.Split(d, seed)
		if err != nil {
			return fmt.Errorf("train two-tower: %w", err)
		}
		train, phase = sp.Test.Train, &sp.Test
	}
	if err := m.Fit(ctx, train); err != nil {
		return fmt.Errorf("train two-tower: %w", err)
	}
	if phase != nil {
		ms, err := eval.Protocol(r.protocol).Measure(ctx, m, phase, eval.Options{Workers: cfg.Threads})
		if err != nil {
			return fmt.Errorf("train two-tower: %w", err)
		}
		rep.Test = metricMap(ms)
	}
	if err := m.Save(r.out); err != nil {
		return err
	}
	rep.Users, rep.Items, rep.Pairs = train.NumUsers, train.NumItems, train.NumInteractions()
	rep.History, rep.BestEpoch, rep.Epochs = m.History(), m.BestEpoch(), len(m.History())
	if be := m.BestEpochs(); len(be) > 1 {
		rep.BestEpochs = be
	}
	rep.Seconds, rep.CPUSeconds = time.Since(start).Seconds(), cpuSeconds()-cpu0
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("train two-tower: %w", err)
	}
	if err := os.WriteFile(filepath.Join(r.out, "report.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("train two-tower: %w", err)
	}
	stdout := cmd.OutOrStdout()
	fmt.Fprintf(stdout, "two_tower: %d users, %d items, %d pairs; %s", rep.Users, rep.Items, rep.Pairs, m.FitSummary())
	if rep.Test != nil {
		keys := make([]string, 0, len(rep.Test))
		for k := range rep.Test {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintf(stdout, "; %s test", r.protocol)
		for _, k := range keys {
			fmt.Fprintf(stdout, " %s %.4f", k, rep.Test[k])
		}
	}
	fmt.Fprintf(stdout, "; %.0fs (%.0f CPU s); wrote %s\n", rep.Seconds, rep.CPUSeconds, r.out)
	return nil
}

// parseTwoTowerProtocols parses --eval-protocols: a comma-separated subset
// of tfrs, recbole and sequential, possibly empty.
func parseTwoTowerProtocols(s string) ([]eval.Protocol, error) {
	var ps []eval.Protocol
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		p := eval.Protocol(name)
		if p != eval.TFRS && p != eval.RecBole && p != eval.Sequential {
			return nil, fmt.Errorf("train two-tower: --eval-protocols: %q: want tfrs, recbole or sequential", name)
		}
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// removeStaleTwoTowerModels deletes OUT/<protocol> model folders left by an
// earlier run for protocols this run did not train, so that genie eval
// never loads a model trained with other parameters.
func removeStaleTwoTowerModels(w io.Writer, out string, runs []twoTowerRun) error {
	for _, p := range []eval.Protocol{eval.TFRS, eval.RecBole, eval.Sequential} {
		dir := filepath.Join(out, string(p))
		if slices.ContainsFunc(runs, func(r twoTowerRun) bool { return r.out == dir }) {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, twotower.ConfigFile)); err != nil {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("train two-tower: remove stale %s: %w", dir, err)
		}
		fmt.Fprintf(w, "removed %s (trained by an earlier run, not by this one)\n", dir)
	}
	return nil
}

// twoTowerDataset is the processed ratings as the evaluation dataset, as
// genie eval builds it.
func twoTowerDataset(t *dataset.Tables) (*eval.Dataset, error) {
	d, err := eval.NewDataset(eval.FromRatings(t.Ratings))
	if err != nil {
		return nil, fmt.Errorf("train two-tower: %w", err)
	}
	return d, nil
}
