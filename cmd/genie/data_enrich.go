package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/enrich"
	"github.com/moviegenie/genie/internal/search"
)

// newDataEnrichCmd is "genie data enrich".
func newDataEnrichCmd() *cobra.Command {
	var (
		o                  enrich.RunOptions
		titles, onBadLine  string
		processed, outPath string
	)
	cmd := &cobra.Command{
		Use:   "enrich --tmdb FILE [--tmdb FILE]...",
		Short: "Join TMDB-style metadata (overview, tagline, keywords, runtime, poster) to the processed movies",
		Long: `enrich joins a TMDB-style metadata CSV to the processed catalogue and writes
` + enrich.File + ` (movie_id, tmdb_id, imdb_id, overview, tagline, keywords,
runtime, poster_path, match_method) beside the processed tables, plus a JSON
coverage report. It is optional: nothing requires it.

The CSV is read by its header, in any column order: id or tmdb_id, imdb_id,
title, original_title, release_date (or year), overview, tagline, keywords
(JSON or Python-style list, or a|b|c), runtime, poster_path; other columns
(the Kaggle "TMDB 5000" and "movies_metadata.csv" layouts have many) are
ignored. Several --tmdb files are merged by id (movies_metadata.csv with its
keywords.csv).

Matching: by the release's links (tmdbId, else imdbId) where it has them
(ml-latest-small, ml-20m, ml-25m ...); by normalised title and release year
for movies without link ids — every movie of ml-100k and ml-1m ("Birdcage,
The" matches "The Birdcage", diacritics and punctuation ignored, alternative
titles in parentheses tried too). --year-tolerance 1 accepts a year off by
one when no record has the exact year. A title that fits several records
matches none.

When present, ` + enrich.File + ` is used by "genie features" (content sources
overview and keywords in feature_engineering.content_features) and by
"genie search index" (overview, tagline and keywords are searchable).
docs/data.md has the details.`,
		Example: `  genie data enrich --tmdb data/raw/tmdb/tmdb_5000_movies.csv
  genie data enrich --tmdb movies_metadata.csv --tmdb keywords.csv --on-bad-line skip --min-coverage 0.9
  genie data enrich --tmdb my_metadata.csv --year-tolerance 1 --processed data/processed`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: false,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			var err error
			if o.Match.Titles, err = enrich.ParseTitleMatching(titles); err != nil {
				return err
			}
			switch onBadLine {
			case "fail":
			case "skip":
				o.SkipBad = true
			default:
				return fmt.Errorf("--on-bad-line: expected fail or skip, got %q", onBadLine)
			}
			o.Processed, o.Out = processed, outPath
			if o.Out == "" {
				o.Out = filepath.Join(processed, enrich.File)
			}
			out := cmd.OutOrStdout()
			cov, err := enrich.Run(o)
			if cov != nil {
				cov.Summary(out)
			}
			if err != nil {
				if cov != nil && o.Report != "" {
					err = fmt.Errorf("%w\n(full report: %s)", err, o.Report)
				}
				return err
			}
			fmt.Fprintf(out, "wrote %s (%d movies)", o.Out, cov.Matched)
			if o.Report != "" {
				fmt.Fprintf(out, " and %s", o.Report)
			}
			fmt.Fprintf(out, " in %s\n", time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Files, "tmdb", nil, "TMDB-style metadata CSV (repeatable: files are merged by id)")
	f.StringVar(&processed, "processed", filepath.Join("data", "processed"), "folder of the processed tables (movies.parquet, links.parquet)")
	f.StringVar(&outPath, "out", "", "enrichment table (default <processed>/"+enrich.File+")")
	f.StringVar(&o.Report, "report", filepath.Join("data", "reports", "enrichment.json"), "coverage report (JSON); empty for none")
	f.Float64Var(&o.MinCoverage, "min-coverage", 0, "fail, writing no table, when fewer than this share (0..1) of the catalogue's movies match")
	f.IntVar(&o.Match.YearTolerance, "year-tolerance", 0, "title matching: accept a release year off by up to this many years when none is exact")
	f.StringVar(&titles, "by-title", string(enrich.TitlesAuto), "which movies to match by title + year: auto (those without link ids), always (also when ids find nothing) or never")
	f.StringVar(&onBadLine, "on-bad-line", "fail", "a malformed row: fail, or skip it and count it in the report")
	f.IntVar(&o.Match.Sample, "sample", 10, "unmatched titles to list")
	_ = cmd.MarkFlagRequired("tmdb")
	return cmd
}

// searchCatalog is the search catalogue of t with the overview, tagline and
// keywords of processed/enrichment.parquet when it exists (saying so on w):
// search.CatalogWithEnrichment over enrich.Load.
func searchCatalog(w io.Writer, processed string, t *dataset.Tables) ([]search.Movie, error) {
	rows, err := enrich.Load(processed)
	if err != nil || rows == nil {
		return search.CatalogFromTables(t), err
	}
	e := make(map[int32]search.Enrichment, len(rows))
	for _, r := range rows {
		e[r.MovieID] = search.Enrichment{Overview: r.Overview, Tagline: r.Tagline, Keywords: r.Keywords}
	}
	movies := search.CatalogWithEnrichment(t, e)
	fmt.Fprintf(w, "using %s: overview, tagline and keywords of %d movies\n", filepath.Join(processed, enrich.File), len(rows))
	return movies, nil
}
