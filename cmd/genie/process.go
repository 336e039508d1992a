package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/movielens"
)

func newProcessCmd() *cobra.Command {
	var (
		input, output, report, paramsPath, onBadLine string
	)
	cmd := &cobra.Command{
		Use:   "process",
		Short: "Clean, validate, filter and split raw MovieLens data into Parquet",
		Long: `process is the pipeline's data_processing stage. It reads a raw release
(any MovieLens layout), rejects malformed lines with their file, line and
field, keeps users with at least data_processing.min_ratings_per_user
ratings and movies with at least min_ratings_per_movie (repeated until both
hold), and writes Snappy-compressed Parquet:

  movies.parquet   the whole catalogue: title, year, genres, 19 genre flags, rating stats
  users.parquet    users who kept ratings: demographics (where known) and rating stats
  ratings.parquet  filtered ratings in source order, with each user's sequence
                   position, a temporal leave-one-out split and a seeded random split
  links.parquet    IMDb/TMDB ids;  tags.parquet  user tags (CSV releases)

It also writes a data-quality report (JSON) and prints a summary; a failed
check fails the command and says which check, by how much and where.`,
		Example: `  genie process
  genie process --input data/raw/ml-latest-small --on-bad-line skip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := config.Load(paramsPath)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("on-bad-line") {
				p.DataProcessing.OnBadLine = onBadLine
			}
			policy, err := movielens.ParsePolicy(p.DataProcessing.OnBadLine)
			if err != nil {
				return err
			}
			if input == "" {
				input = filepath.Join("data", "raw", p.Data.Dataset)
			}
			start := time.Now()
			ds, err := movielens.Load(cmd.Context(), input, movielens.LoadOptions{OnBadLine: policy})
			if err != nil {
				return fmt.Errorf("process %s: %w", input, err)
			}
			runtime.GC() // the raw file's bytes are garbage now: free them before processing
			dp := p.DataProcessing
			tables, rep, err := dataset.Process(cmd.Context(), ds, dataset.Options{
				Dataset: filepath.Base(input), MinRatingsPerUser: dp.MinRatingsPerUser, MinRatingsPerMovie: dp.MinRatingsPerMovie,
				TestSplitRatio: dp.TestSplitRatio, Seed: dp.RandomSeed, MinInteractions: dp.MinInteractions,
				MinCompleteness: dp.MinCompleteness, DropOrphans: policy == movielens.Skip,
			})
			if err != nil {
				return err
			}
			if err := rep.WriteJSON(report); err != nil {
				return err
			}
			rep.Summary(cmd.OutOrStdout())
			if err := rep.Err(); err != nil {
				return fmt.Errorf("%w\n(full report: %s)", err, report)
			}
			if err := tables.Write(output); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s/{%s,%s,%s,%s,%s} and %s in %s\n", output,
				dataset.MoviesFile, dataset.UsersFile, dataset.RatingsFile, dataset.LinksFile, dataset.TagsFile,
				report, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&input, "input", "", "raw release folder (default data/raw/<data.dataset from params>)")
	f.StringVar(&output, "output", filepath.Join("data", "processed"), "folder for the Parquet outputs")
	f.StringVar(&report, "report", filepath.Join("data", "reports", "data_quality.json"), "where to write the data-quality report")
	f.StringVar(&paramsPath, "params", "params.yaml", "parameters file")
	f.StringVar(&onBadLine, "on-bad-line", "fail", "what to do with a malformed line: fail or skip (overrides data_processing.on_bad_line)")
	return cmd
}
