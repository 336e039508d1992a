package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/baseline"
	"github.com/moviegenie/genie/internal/model/seqnn"
	"github.com/moviegenie/genie/internal/model/twotower"
	"github.com/moviegenie/genie/internal/recommend"
)

// newEvalCmd is "genie eval", the evaluate stage.
func newEvalCmd() *cobra.Command {
	var (
		processed, paramsPath, metrics, export, protocols, modelsDir string
		verbose                                                      bool
	)
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Evaluate every model under the published protocols",
		Long: `eval is the pipeline's evaluate stage. It reads the processed ratings and
evaluates every model, each under the protocols of docs/eval.md:

  sequential  leave-one-out by time; rank all items minus the user's history;
              HR@1/5/10, NDCG@5/10, MRR@10 (plus the popularity-sampled-100 variant)
  tfrs        random 80/20 of ratings; rank all items, nothing filtered; top-K accuracy
  recbole     random 8:1:1 per user; rank all items minus train(+valid);
              Recall/NDCG/Hit/MRR/Precision@10

Besides the baselines, the models trained into --models are evaluated:
sasrec and bert4rec under sequential, two_tower under tfrs and recbole
(MODELS/two_tower/<protocol>, written by "genie train two-tower"). A saved
model fit on exactly the protocol's training set is loaded, not retrained;
otherwise its configuration is trained on it, and eval says so. Under
sequential, when MODELS/two_tower/sequential exists, two_tower and
sasrec+two_tower (the blend the server serves to users both models know, at
its weight) are evaluated too.

Hyper-parameters are tuned on the validation phase; the test figures come
from a refit. The tables are printed and written to --metrics (a DVC metrics
output); --export DIR writes every model's test rankings as
DIR/<model>.<protocol>.jsonl so an independent scorer can check each figure.`,
		Example: `  genie eval
  genie eval --protocols sequential --export /tmp/rankings`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			p, err := config.Load(paramsPath)
			if err != nil {
				return err
			}
			rs, err := dataset.ReadRatings(filepath.Join(processed, dataset.RatingsFile))
			if err != nil {
				return err
			}
			d, err := eval.NewDataset(eval.FromRatings(rs))
			if err != nil {
				return err
			}
			var ps []eval.Protocol
			for _, name := range strings.Split(protocols, ",") {
				pr, err := eval.ParseProtocol(strings.TrimSpace(name))
				if err != nil {
					return err
				}
				ps = append(ps, pr)
			}
			opts := eval.Options{Seed: p.DataProcessing.RandomSeed, ExportDir: export}
			logf := func(format string, args ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...) }
			if verbose {
				opts.Log = logf
			}
			if _, err := os.Stat(modelsDir); err != nil {
				if cmd.Flags().Changed("models") {
					return fmt.Errorf("--models: %w", err)
				}
				logf("no %s folder: evaluating the baselines only (genie repro trains the models)", modelsDir)
			}
			var all []*eval.Result
			for _, pr := range ps {
				specs, err := evalSpecs(pr, d, opts.Seed, modelsDir, logf)
				if err != nil {
					return err
				}
				start := time.Now()
				logf("%s protocol: %d models…", pr, len(specs))
				res, err := eval.Evaluate(ctx, d, pr, specs, opts)
				if err != nil {
					return fmt.Errorf("eval %s: %w", pr, err)
				}
				logf("%s protocol: done in %s", pr, time.Since(start).Round(100*time.Millisecond))
				all = append(all, res...)
			}
			if err := eval.WriteTable(cmd.OutOrStdout(), all); err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := eval.WriteJSON(&buf, all); err != nil {
				return err
			}
			if err := atomicfile.Write(metrics, buf.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", metrics)
			return nil
		},
	}
	cmd.AddCommand(newEvalSearchCmd())
	f := cmd.Flags()
	f.StringVar(&processed, "processed", filepath.Join("data", "processed"), "folder of the processed tables")
	f.StringVar(&paramsPath, "params", "params.yaml", "parameters file")
	f.StringVar(&metrics, "metrics", filepath.Join("metrics", "eval.json"), "where to write the metrics (JSON)")
	f.StringVar(&export, "export", "", "write every model's test rankings to DIR/<model>.<protocol>.jsonl")
	f.StringVar(&protocols, "protocols", "sequential,tfrs,recbole", "comma-separated protocols to run")
	f.StringVar(&modelsDir, "models", "models", "folder of trained models: every trained sequential model in it, and two_tower (under tfrs and recbole), is evaluated too")
	f.BoolVarP(&verbose, "verbose", "v", false, "log every tuning trial")
	return cmd
}

// evalSpecs lists the models evaluated under a protocol: the baselines of
// every table, and for the sequential protocol the sequential ones too,
// including the strongest simple baseline (Markov + ItemKNN over the last
// items), so a neural model is measured against the hardest honest bar,
// and every sequential model trained into modelsDir (its training stage's
// weights are reused when it was trained on d's sequential training data;
// otherwise its configuration is trained on it, logf says so and the row
// is labelled "trained here", not "pretrained"). Under tfrs and recbole the
// Two-Tower model trained into modelsDir is evaluated: twotower.EvalModelDir
// says which saved model; under sequential the one fit on that protocol's
// training data, alone and blended with SASRec as served. logf (may be nil)
// receives the models' progress when they have to train.
func evalSpecs(p eval.Protocol, d *eval.Dataset, seed uint64, modelsDir string, logf func(format string, args ...any)) ([]model.Spec, error) {
	if p != eval.Sequential {
		specs := baseline.Specs()
		dir := twotower.EvalModelDir(modelsDir, p)
		if dir == "" {
			return specs, nil
		}
		sp, err := p.Split(d, seed) // the test phase's data, for the row's label
		if err != nil {
			return nil, fmt.Errorf("eval %s: %w", p, err)
		}
		s, err := twotower.PretrainedSpec(dir, sp.Test.Train, logf)
		if err != nil {
			return nil, fmt.Errorf("eval %s: %w", twotower.Name, err)
		}
		return append(specs, s), nil
	}
	specs := append(baseline.SequentialSpecs(), baseline.RecentMarkovKNNSpec())
	var sasrec *model.Spec
	var train *model.TrainData // the sequential protocol's test-phase training data
	for _, name := range seqnn.Names() {
		dir := filepath.Join(modelsDir, name)
		if _, err := os.Stat(filepath.Join(dir, seqnn.WeightsFile)); err != nil {
			continue
		}
		if train == nil {
			sp := eval.SplitSequential(d)
			train = sp.Test.Train
		}
		s, err := seqnn.PretrainedSpec(dir, train, logf)
		if err != nil {
			return nil, fmt.Errorf("eval %s: %w", name, err)
		}
		specs = append(specs, s)
		if name == "sasrec" {
			sasrec = &s
		}
	}
	// The Two-Tower model fit on this protocol's training data, alone and
	// blended with SASRec as the server blends them for known users.
	dir := twotower.ProtocolDir(filepath.Join(modelsDir, twotower.Name), eval.Sequential)
	if _, err := os.Stat(filepath.Join(dir, twotower.WeightsFile)); err != nil {
		return specs, nil
	}
	if train == nil {
		train = eval.SplitSequential(d).Test.Train
	}
	tt, err := twotower.PretrainedSpec(dir, train, logf)
	if err != nil {
		return nil, fmt.Errorf("eval %s: %w", twotower.Name, err)
	}
	specs = append(specs, tt)
	if sasrec != nil {
		b := recommend.DefaultBlend().ForModel("sasrec")
		blend, err := recommend.BlendSpec("sasrec+"+twotower.Name, *sasrec, tt, b.Weight(true, 0), b.Fusion)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		specs = append(specs, blend)
	}
	return specs, nil
}
