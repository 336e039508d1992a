package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/model/bert4rec"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
)

// newTrainCmd is "genie train", the neural models' training stages.
func newTrainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train a model: sasrec, bert4rec (sequential) or two-tower (retrieval)",
		Long: `train fits one of the pipeline's neural recommenders on the processed
ratings; hyper-parameters come from params.yaml, section model_training.<model>.

sasrec and bert4rec are transformer sequential recommenders trained with the
sequential protocol's splits: early stopping on validation NDCG@10 (training
on all but each user's last two items, validating on the second-to-last),
then a refit on all but each user's last item for the best epoch count,
measured on the last items (full ranking, seen items filtered). They write
models/<model>/model.safetensors, config.json (configuration and item id
vocabulary), history.json (per epoch: training loss, validation NDCG@10 and
HR@10, seconds; test metrics) and history.svg.

two-tower is the retrieval model (user and item towers, in-batch sampled
softmax): it trains the serving model on every rating, then one model per
evaluation protocol; see "genie train two-tower --help".`,
		Args: cobra.NoArgs,
	}
	for _, m := range []struct {
		name, short string
		defaults    func() seqnn.Config
	}{
		{sasrec.Name, "SASRec with full cross-entropy (causal self-attention)", sasrec.DefaultConfig},
		{bert4rec.Name, "BERT4Rec (bidirectional, cloze masking)", bert4rec.DefaultConfig},
	} {
		cmd.AddCommand(newTrainModelCmd(m.name, m.short, m.defaults))
	}
	return cmd
}

// trainOptions are the flags of "genie train <model>".
type trainOptions struct {
	params, ratings, out string
	threads              int
	quiet                bool
}

// newTrainModelCmd is "genie train <name>", the training stage of one
// sequential model; defaults gives its configuration before params.yaml.
func newTrainModelCmd(name, short string, defaults func() seqnn.Config) *cobra.Command {
	var o trainOptions
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Example: fmt.Sprintf(`  genie train %[1]s
  genie train %[1]s --params params.yaml --out models/%[1]s --threads 2`, name),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.threads < 0 || o.threads > seqnn.MaxThreads {
				return fmt.Errorf("train %s: --threads %d: want 1 to %d, or 0 for model_training.%s.threads", name, o.threads, seqnn.MaxThreads, name)
			}
			cfg, err := seqnn.LoadConfig(o.params, defaults())
			if err != nil {
				return err
			}
			if o.threads > 0 {
				cfg.Threads = o.threads
			}
			var progress io.Writer = cmd.ErrOrStderr()
			if o.quiet {
				progress = io.Discard
			}
			rep, err := seqnn.Train(cmd.Context(), cfg, o.ratings, o.out, progress)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s; test ndcg@10 %.4f hr@10 %.4f; %.0fs (%.0f CPU s); wrote %s\n",
				cfg.Name, rep.FitSummary(), rep.Test["ndcg@10"], rep.Test["hr@10"], rep.Seconds, rep.CPUSeconds, o.out)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.params, "params", "params.yaml", "parameters file (section model_training."+name+")")
	cmd.Flags().StringVar(&o.ratings, "ratings", filepath.Join("data", "processed", "ratings.parquet"), "processed ratings")
	cmd.Flags().StringVar(&o.out, "out", filepath.Join("models", name), "output folder")
	cmd.Flags().IntVar(&o.threads, "threads", 0, "training threads (0: model_training."+name+".threads)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no per-epoch progress")
	return cmd
}
