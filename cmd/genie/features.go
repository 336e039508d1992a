package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/features"
)

// featureParts are the outputs "genie features" can build, "all" last.
var featureParts = []string{"content", "users", "similarity", "all"}

// newFeaturesCmd is "genie features", the feature_engineering stage.
func newFeaturesCmd() *cobra.Command {
	var processed, paramsPath string
	var threads int
	cmd := &cobra.Command{
		Use:   "features [content|users|similarity|all]",
		Short: "Build content vectors, user features and item similarity lists",
		Long: `features is the pipeline's feature_engineering stage. From the processed
tables it writes, into the same folder:

  ` + features.ContentFile + `   per movie a feature_engineering.embedding_dim content
                              vector (genres, release year, hashed TF-IDF of title
                              words and trigrams, tags) and the raw content columns
  ` + features.UsersFile + `      per user scaled demographics, activity, rating mean
                              and spread, genre affinities and recency
                              (+ ` + features.UsersMetaFile + `: column names and scalers)
  ` + features.SimilarityFile + `    top-K neighbours per movie by co-occurrence
                              cosine and by content cosine (long format)

With no argument (or "all") every output is built. docs/features.md says
exactly how each is computed. The content sources overview and keywords
(feature_engineering.content_features) come from enrichment.parquet, which
"genie data enrich" writes; without it they add nothing.`,
		Example: `  genie features
  genie features similarity --processed data/processed`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.MaximumNArgs(1)(cmd, args); err != nil {
				return err
			}
			if len(args) == 1 && !slices.Contains(featureParts, args[0]) {
				return fmt.Errorf("features: unknown output %q: want one of %s", args[0], strings.Join(featureParts, ", "))
			}
			return nil
		},
		ValidArgs: featureParts,
		RunE: func(cmd *cobra.Command, args []string) error {
			what := "all"
			if len(args) == 1 {
				what = args[0]
			}
			p, err := features.LoadParams(paramsPath)
			if err != nil {
				return err
			}
			t, err := dataset.ReadTables(processed)
			if err != nil {
				return fmt.Errorf("features: read processed tables (run genie process first): %w", err)
			}
			out := cmd.OutOrStdout()
			var content []features.ContentRow
			if what == "content" || what == "all" {
				if content, err = features.WriteContent(processed, t, p); err != nil {
					return err
				}
				fmt.Fprintf(out, "wrote %s: %d movies x %d dims\n", filepath.Join(processed, features.ContentFile), len(content), p.EmbeddingDim)
			}
			if what == "users" || what == "all" {
				rows, err := features.WriteUsers(processed, t)
				if err != nil {
					return err
				}
				width := 0
				if len(rows) > 0 {
					width = len(rows[0].Features)
				}
				fmt.Fprintf(out, "wrote %s: %d users x %d features\n", filepath.Join(processed, features.UsersFile), len(rows), width)
			}
			if what == "similarity" || what == "all" {
				rows, err := features.WriteSimilarity(cmd.Context(), processed, t, content, p, threads)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "wrote %s: %d neighbour rows (top %d, %s and %s)\n", filepath.Join(processed, features.SimilarityFile), len(rows), p.SimilarityTopK, features.KindCooccurrence, features.KindContent)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&processed, "processed", filepath.Join("data", "processed"), "folder of the processed tables (and of the outputs)")
	cmd.Flags().StringVar(&paramsPath, "params", "params.yaml", "parameters file")
	cmd.Flags().IntVar(&threads, "threads", runtime.GOMAXPROCS(0), "goroutines for the similarity pass (the output does not depend on it)")
	return cmd
}
