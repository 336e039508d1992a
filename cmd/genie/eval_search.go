package main

import (
	"bytes"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/search"
)

// newEvalSearchCmd is "genie eval search".
func newEvalSearchCmd() *cobra.Command {
	var indexDir, queries, metrics string
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Evaluate search on the judged query set, per query type and retriever",
		Long: `search runs every query of the judged set (testdata/search/queries.jsonl,
built from the catalogue as docs/search.md describes) through the lexical,
dense and fused retrievers and reports MRR for known-item queries (with and
without typos) and nDCG@10 / precision@10 for genre, era, theme and "like"
queries. The table is printed and written to --metrics.`,
		Example: `  genie eval search
  genie eval search --index models/search --metrics metrics/search.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			ix, err := search.Open(ctx, indexDir)
			if err != nil {
				return err
			}
			qs, err := search.ReadQueries(queries)
			if err != nil {
				return err
			}
			rep, err := search.Evaluate(ctx, ix, qs, search.ModeLexical, search.ModeDense, search.ModeFused)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), rep.Markdown())
			var buf bytes.Buffer
			if err := rep.WriteJSON(&buf); err != nil {
				return err
			}
			if err := atomicfile.Write(metrics, buf.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", metrics)
			return nil
		},
	}
	cmd.Flags().StringVar(&indexDir, "index", filepath.Join("models", "search"), "search index folder")
	cmd.Flags().StringVar(&queries, "queries", filepath.Join("testdata", "search", "queries.jsonl"), "judged queries (JSON lines)")
	cmd.Flags().StringVar(&metrics, "metrics", filepath.Join("metrics", "search.json"), "where to write the metrics (JSON)")
	return cmd
}
