package main

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model/twotower"
)

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
` + twotower.HistoryPlotFile + ` and ` + twotower.ReportFile + `.`,
		Example: `  genie train two-tower
  genie train two-tower --eval-protocols ""          # the serving model only
  genie train two-tower --protocol recbole --out /tmp/tt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if threads < 0 || threads > twotower.MaxThreads {
				return fmt.Errorf("train two-tower: --threads %d: want 1 to %d, or 0 for model_training.two_tower.threads", threads, twotower.MaxThreads)
			}
			if epochs < 0 || epochs > twotower.MaxEpochs {
				return fmt.Errorf("train two-tower: --epochs %d: want 1 to %d, or 0 for model_training.two_tower.epochs", epochs, twotower.MaxEpochs)
			}
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
			var ps []eval.Protocol
			switch {
			case protocol == twotower.AllRatings:
				if ps, err = parseTwoTowerProtocols(evalProtocols); err != nil {
					return err
				}
			case slices.Contains(twotower.EvalProtocols(), eval.Protocol(protocol)):
				if cmd.Flags().Changed("eval-protocols") {
					return fmt.Errorf("train two-tower: --eval-protocols needs --protocol none (got %q)", protocol)
				}
			default:
				return fmt.Errorf("train two-tower: --protocol %q: want none, tfrs, recbole or sequential", protocol)
			}
			runs := twotower.PlanRuns(cfg, protocol, out, ps, evalPatience)
			ctx := cmd.Context()
			t, err := dataset.ReadTables(processed)
			if err != nil {
				return err
			}
			content, err := features.LoadOrBuildContent(ctx, processed, t, fp)
			if err != nil {
				return fmt.Errorf("train two-tower: content features: %w", err)
			}
			tr := &twotower.Trainer{Tables: t, Side: twotower.NewSideInfo(t, content), Seed: pp.DataProcessing.RandomSeed, Progress: cmd.ErrOrStderr()}
			if quiet {
				tr.Progress = io.Discard
			}
			stdout := cmd.OutOrStdout()
			for _, r := range runs {
				m, rep, err := tr.Train(ctx, r)
				if err != nil {
					return err
				}
				printTwoTowerRun(stdout, r, m, rep)
			}
			if protocol != twotower.AllRatings {
				return nil
			}
			removed, err := twotower.RemoveStale(out, runs)
			for _, dir := range removed {
				fmt.Fprintf(stdout, "removed %s (trained by an earlier run, not by this one)\n", dir)
			}
			return err
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

// printTwoTowerRun writes the summary line of run r: the data, the early
// stopping, the protocol's test metrics (by name) and the cost.
func printTwoTowerRun(w io.Writer, r twotower.Run, m *twotower.Model, rep *twotower.Report) {
	fmt.Fprintf(w, "two_tower: %d users, %d items, %d pairs; %s", rep.Users, rep.Items, rep.Pairs, m.FitSummary())
	if rep.Test != nil {
		keys := slices.Sorted(maps.Keys(rep.Test))
		fmt.Fprintf(w, "; %s test", r.Protocol)
		for _, k := range keys {
			fmt.Fprintf(w, " %s %.4f", k, rep.Test[k])
		}
	}
	fmt.Fprintf(w, "; %.0fs (%.0f CPU s); wrote %s\n", rep.Seconds, rep.CPUSeconds, r.Out)
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
		if !slices.Contains(twotower.EvalProtocols(), p) {
			return nil, fmt.Errorf("train two-tower: --eval-protocols: %q: want tfrs, recbole or sequential", name)
		}
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	return ps, nil
}
