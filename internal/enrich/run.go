package enrich

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/moviegenie/genie/internal/dataset"
)

// RunOptions configure Run, the whole `genie data enrich` step.
type RunOptions struct {
	// Files are the TMDB-style CSVs; several are merged (Merge).
	Files []string
	// Processed is the folder of movies.parquet and links.parquet.
	Processed string
	// Out is the enrichment table (default Processed/enrichment.parquet).
	Out string
	// Report is where the coverage report goes ("" for none).
	Report string
	// SkipBad passes over malformed rows instead of failing.
	SkipBad bool
	Match   MatchOptions
	// MinCoverage is the share of the catalogue that must be matched (0..1).
	MinCoverage float64
}

// Run parses the metadata files, matches them to the processed catalogue,
// writes the coverage report and, when the coverage reaches MinCoverage,
// the enrichment table (atomically). Below MinCoverage it writes the report
// only and returns the report with an error that says by how much.
func Run(o RunOptions) (*Coverage, error) {
	if len(o.Files) == 0 {
		return nil, fmt.Errorf("enrich: no metadata file given (--tmdb FILE)")
	}
	if !(o.MinCoverage >= 0 && o.MinCoverage <= 1) {
		return nil, fmt.Errorf("enrich: min coverage: expected a fraction from 0 to 1, got %v", o.MinCoverage)
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Processed, File)
	}
	var all [][]Record
	var dups, skipped int
	var firstSkipped string
	for _, name := range o.Files {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("enrich: %w", err)
		}
		res, err := Parse(f, Options{Name: name, SkipBad: o.SkipBad})
		f.Close()
		if err != nil {
			return nil, err
		}
		all = append(all, res.Records)
		dups += res.Duplicates
		skipped += res.Skipped
		if firstSkipped == "" {
			firstSkipped = res.FirstSkipped
		}
	}
	movies, err := dataset.ReadParquet[dataset.MovieRow](filepath.Join(o.Processed, dataset.MoviesFile))
	if err != nil {
		return nil, fmt.Errorf("enrich: %w (run `genie process` first)", err)
	}
	links, err := dataset.ReadParquet[dataset.LinkRow](filepath.Join(o.Processed, dataset.LinksFile))
	if err != nil {
		return nil, fmt.Errorf("enrich: %w", err)
	}
	rows, cov := Match(Merge(all...), movies, links, o.Match)
	cov.Sources = o.Files
	cov.DuplicateRecords, cov.SkippedLines, cov.FirstSkipped = dups, skipped, firstSkipped
	checkErr := cov.Check(o.MinCoverage)
	if o.Report != "" {
		if err := cov.WriteJSON(o.Report); err != nil {
			return cov, err
		}
	}
	if checkErr != nil {
		return cov, checkErr
	}
	if err := dataset.WriteParquet(o.Out, rows); err != nil {
		return cov, fmt.Errorf("write %s: %w", o.Out, err)
	}
	return cov, nil
}
