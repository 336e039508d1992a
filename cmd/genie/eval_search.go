package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/atomicfile"
	"github.com/moviegenie/genie/internal/search"
	"github.com/moviegenie/genie/internal/search/minilm"
)

// newEvalSearchCmd is "genie eval search".
func newEvalSearchCmd() *cobra.Command {
	var (
		indexDir, queries, metrics string
		emb                        embedderFlags
	)
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Evaluate search on the judged query set, per query type and retriever",
		Long: `search runs every query of the judged set (testdata/search/queries.jsonl,
built from the catalogue as docs/search.md describes) through the lexical,
dense and fused retrievers and reports MRR for known-item queries (with and
without typos) and nDCG@10 / precision@10 for genre, era, theme and "like"
queries. The table is printed and written to --metrics.

With --model-dir (or --embedder minilm) the pre-trained sentence-transformers
embedder is evaluated too, from the vectors "genie search index --embedder
minilm" cached in the index: one table per embedder, the trained one's written
to --metrics as always, minilm's beside it (metrics/search-minilm.json). The
lexical column does not depend on the embedder. Needs a genie built with
-tags hugot.`,
		Example: `  genie eval search
  genie eval search --index models/search --metrics metrics/search.json
  genie eval search --model-dir models/pretrained/all-MiniLM-L6-v2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			useMiniLM, err := emb.minilm()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("model-dir") && !cmd.Flags().Changed("embedder") {
				useMiniLM = true
			}
			ix, err := search.Open(ctx, indexDir)
			if err != nil {
				return err
			}
			qs, err := search.ReadQueries(queries)
			if err != nil {
				return err
			}
			// The model and its cached vectors are read first: a missing one
			// fails before the evaluation runs.
			var e *minilm.Embedder
			var vecs [][]float32
			if useMiniLM {
				if e, _, err = emb.load(ctx, nil); err != nil {
					return err
				}
				defer e.Close()
				if vecs, err = minilm.ReadVectors(indexDir, e.Fingerprint(), ix.Movies()); err != nil {
					return err
				}
			}
			modes := []search.Mode{search.ModeLexical, search.ModeDense, search.ModeFused}
			rep, err := search.Evaluate(ctx, ix, qs, modes...)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if useMiniLM {
				fmt.Fprintf(out, "embedder %s (trained)\n\n", search.CollabTextName)
			}
			fmt.Fprintln(out, rep.Markdown())
			if err := writeSearchReport(out, rep, metrics); err != nil {
				return err
			}
			if e == nil {
				return nil
			}
			if err := ix.AddEmbedderVectors(e, vecs); err != nil {
				return err
			}
			rep, err = search.Evaluate(ctx, ix, qs, modes...)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "\nembedder %s (pre-trained, %s)\n\n", minilm.Name, emb.modelDir)
			fmt.Fprintln(out, rep.Markdown())
			return writeSearchReport(out, rep, strings.TrimSuffix(metrics, ".json")+"-"+minilm.Name+".json")
		},
	}
	cmd.Flags().StringVar(&indexDir, "index", filepath.Join("models", "search"), "search index folder")
	cmd.Flags().StringVar(&queries, "queries", filepath.Join("testdata", "search", "queries.jsonl"), "judged queries (JSON lines)")
	cmd.Flags().StringVar(&metrics, "metrics", filepath.Join("metrics", "search.json"), "where to write the metrics (JSON); minilm's go to <name>-minilm.json")
	emb.register(cmd.Flags())
	return cmd
}

// writeSearchReport writes a search evaluation's JSON to path.
func writeSearchReport(out io.Writer, rep search.Report, path string) error {
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		return err
	}
	if err := atomicfile.Write(path, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s\n", path)
	return nil
}
