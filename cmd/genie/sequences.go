package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/sequences"
)

// newSequencesCmd is "genie sequences", the sequential_processing stage.
func newSequencesCmd() *cobra.Command {
	var processed, paramsPath string
	cmd := &cobra.Command{
		Use:   "sequences",
		Short: "Build each user's time-ordered history for the sequential models",
		Long: `sequences is the pipeline's sequential_processing stage. From the
processed tables it writes ` + sequences.File + `: per user, the
movies rated in timestamp order (ties in source-file order), with ratings,
timestamps, source rows, years and genres alongside, and the last
feature_engineering.max_sequence_length movies as the model's input window.`,
		Example: `  genie sequences
  genie sequences --processed data/processed`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := config.Load(paramsPath)
			if err != nil {
				return err
			}
			t, err := dataset.ReadTables(processed)
			if err != nil {
				return fmt.Errorf("sequences: read processed tables (run genie process first): %w", err)
			}
			rows, err := sequences.Build(t, p.FeatureEngineering.MaxSequenceLength)
			if err != nil {
				return err
			}
			if err := sequences.Write(processed, rows); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d users, %d interactions\n", filepath.Join(processed, sequences.File), len(rows), len(t.Ratings))
			return nil
		},
	}
	cmd.Flags().StringVar(&processed, "processed", filepath.Join("data", "processed"), "folder of the processed tables (and of the output)")
	cmd.Flags().StringVar(&paramsPath, "params", "params.yaml", "parameters file")
	return cmd
}
