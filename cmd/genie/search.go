package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/search"
	"github.com/moviegenie/genie/internal/search/minilm"
)

// newSearchCmd is `genie search`: query the search index, and its `index`
// subcommand, the pipeline stage that builds it.
func newSearchCmd() *cobra.Command {
	var (
		indexDir, mode string
		asJSON         bool
		k              int
		emb            embedderFlags
	)
	cmd := &cobra.Command{
		Use:   "search [flags] QUERY...",
		Short: "Search movies by title, genre, era, theme or \"like <title>\"",
		Long: `search answers a free-text query from the index that "genie search index"
built: titles with typos ("shawshank redemtion"), genres and synonyms
("funny animated movies for kids"), eras ("90s thrillers", "before 1970"),
negation ("not horror") and "movies like Fargo". Results are fused from
lexical (BM25 with typo tolerance) and dense (collaborative text encoder)
retrieval, and each says why it matched.

--embedder minilm uses the pre-trained sentence-transformers model instead of
the trained encoder for the dense part: pull it with "genie models pull
all-MiniLM-L6-v2", embed the catalogue once with "genie search index
--embedder minilm", and run a genie built with -tags hugot.`,
		Example: `  genie search "shawshank redemtion"
  genie search --json --k 5 "90s thrillers"
  genie search --mode lexical "movies like fargo"
  genie search --embedder minilm "space adventure"`,
		Args:          cobra.MinimumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if k < 1 || k > search.MaxK {
				return fmt.Errorf("search: --k %d: want a number of results from 1 to %d", k, search.MaxK)
			}
			m, err := search.ParseMode(mode)
			if err != nil {
				return err
			}
			useMiniLM, err := emb.minilm()
			if err != nil {
				return err
			}
			ix, err := search.Open(cmd.Context(), indexDir)
			if err != nil {
				return err
			}
			if useMiniLM {
				e, err := attachMiniLM(cmd.Context(), ix, indexDir, &emb)
				if err != nil {
					return err
				}
				defer e.Close()
			}
			res, err := ix.Search(cmd.Context(), strings.Join(args, " "), search.Options{K: k, Mode: m})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			printResult(cmd.OutOrStdout(), res)
			return nil
		},
	}
	cmd.Flags().StringVar(&indexDir, "index", filepath.Join("models", "search"), "search index folder")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON (raw movie ids, scores, reasons)")
	cmd.Flags().IntVarP(&k, "k", "k", search.DefaultK, fmt.Sprintf("number of results, 1 to %d", search.MaxK))
	cmd.Flags().StringVar(&mode, "mode", string(search.ModeFused), "retrievers: fused, lexical or dense")
	emb.register(cmd.Flags())
	cmd.AddCommand(newSearchIndexCmd())
	return cmd
}

// newSearchIndexCmd is `genie search index`, the setup_semantic_search stage.
func newSearchIndexCmd() *cobra.Command {
	var (
		processed, out string
		emb            embedderFlags
	)
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Build the search index from the processed tables",
		Long: `index is the pipeline's setup_semantic_search stage. It reads the processed
movies, ratings and tags and writes the search index artefacts (same input,
same bytes):

  manifest.json     format version, sizes, embedder
  catalog.json      the searchable catalogue: titles, years, genres, tags, rating stats
  neighbours.bin    top-50 item-item neighbours by audience cosine similarity
  collab_text.bin   the default dense embedder: item vectors from a truncated SVD
                    of the ratings and a ridge text encoder into that space

When the processed folder holds enrichment.parquet ("genie data enrich"), the
movies' overviews, taglines and keywords are indexed too.

With --embedder minilm it also runs every movie's text (title, year, genres,
tags, overview) through the pre-trained sentence-transformers model in
--model-dir, in batches, and caches the vectors:

  minilm.bin        384-dim vectors per movie, tagged with the model's and the
                    catalogue's fingerprints (used only with the same model
                    and movies)

so that "genie search --embedder minilm" embeds only the query. This needs the
model ("genie models pull all-MiniLM-L6-v2") and a genie built with -tags hugot;
on ml-100k it takes minutes on two cores.`,
		Example: `  genie search index
  genie search index --processed data/processed --out models/search
  genie search index --embedder minilm --model-dir models/pretrained/all-MiniLM-L6-v2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			useMiniLM, err := emb.minilm()
			if err != nil {
				return err
			}
			var e *minilm.Embedder
			var progress *embedProgress
			if useMiniLM { // load first: a missing model fails before the work
				if e, progress, err = emb.load(cmd.Context(), cmd.ErrOrStderr()); err != nil {
					return err
				}
				defer e.Close()
			}
			start := time.Now()
			t, err := dataset.ReadTables(processed)
			if err != nil {
				return fmt.Errorf("search index: read processed tables (run genie process first): %w", err)
			}
			movies, err := searchCatalog(cmd.OutOrStdout(), processed, t)
			if err != nil {
				return fmt.Errorf("search index: %w", err)
			}
			ix, err := search.BuildFromCatalog(cmd.Context(), movies, t.Ratings, search.BuildOptions{})
			if err != nil {
				return err
			}
			if err := ix.Write(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "indexed %d movies into %s in %s\n", len(ix.Movies()), out,
				time.Since(start).Round(time.Millisecond))
			if e != nil {
				start = time.Now()
				progress.restart()
				if err := minilm.IndexVectors(cmd.Context(), ix, e, out); err != nil {
					return err
				}
				d := time.Since(start)
				fmt.Fprintf(cmd.OutOrStdout(), "embedded %d movies with %s into %s in %s (%.1f ms per movie)\n",
					len(ix.Movies()), minilm.Name, filepath.Join(out, minilm.VectorsFile), d.Round(time.Millisecond),
					float64(d.Microseconds())/1000/float64(len(ix.Movies())))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&processed, "processed", filepath.Join("data", "processed"), "processed tables folder")
	cmd.Flags().StringVar(&out, "out", filepath.Join("models", "search"), "index output folder")
	emb.register(cmd.Flags())
	return cmd
}

// printResult writes a result for people.
func printResult(w io.Writer, res *search.Result) {
	for _, f := range res.Query.Filters {
		fmt.Fprintf(w, "filter: %s %s (from %q)\n", f.Kind, f.Value, f.Source)
	}
	if res.Like != nil {
		fmt.Fprintf(w, "like: %s (%d) [id %d]\n", res.Like.Title, res.Like.Year, res.Like.MovieID)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for i, h := range res.Hits {
		year := ""
		if h.Year != 0 {
			year = fmt.Sprintf(" (%d)", h.Year)
		}
		fmt.Fprintf(w, "%2d. %s%s  [id %d]  %s  score %.4g%s\n", i+1, h.Title, year, h.MovieID,
			strings.Join(h.Genres, "|"), h.Score, whyText(&h.Why))
	}
}

// whyText summarises a hit's reasons on one line.
func whyText(y *search.Why) string {
	var parts []string
	if y.ExactTitle {
		parts = append(parts, "exact title")
	}
	for _, t := range y.Terms {
		s := t.Query
		if t.Matched != t.Query {
			s += "->" + t.Matched
		}
		parts = append(parts, s+" in "+strings.Join(t.Fields, ","))
	}
	if len(y.Genres) > 0 {
		parts = append(parts, "genres "+strings.Join(y.Genres, ","))
	}
	if y.Similarity != 0 {
		parts = append(parts, fmt.Sprintf("audience similarity %.2f", y.Similarity))
	}
	if y.Dense != 0 {
		parts = append(parts, fmt.Sprintf("meaning %.2f", y.Dense))
	}
	if len(parts) == 0 {
		return ""
	}
	return "  — " + strings.Join(parts, "; ")
}
