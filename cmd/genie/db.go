package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/backend"
)

// newDBCmd is `genie db`: the setup_database stage and database checks.
func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Build and check the app database (SQLite file or PostgreSQL)",
		Long: `db manages the database the server reads: movies, genres, users, their
ratings and feedback, model versions and search documents. --db is a SQLite
file path (the default, embedded) or a postgres:// URL.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.AddCommand(newDBSetupCmd(), newDBValidateCmd())
	return cmd
}

// dbFlags are the flags db setup and db validate share.
type dbFlags struct {
	processed, db, report string
}

func (f *dbFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.processed, "processed", "data/processed", "folder of the processed Parquet tables")
	cmd.Flags().StringVar(&f.db, "db", backend.DefaultCatalog, "SQLite file (the catalogue genie serve copies into its database) or postgres:// URL")
	cmd.Flags().StringVar(&f.report, "report", "data/reports/db_validation.json", "where to write the validation report (JSON)")
}

func newDBSetupCmd() *cobra.Command {
	var (
		f     dbFlags
		fresh bool
	)
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Load the processed Parquet tables into the database and validate it",
		Long: `setup is the pipeline's setup_database stage. It applies the schema
migrations, loads movies, genres, users, ratings, tags and search documents
from the processed Parquet tables in one transaction, and validates the
result: row counts equal the Parquet counts, a checksum of the ratings, no
orphan rows, foreign keys hold (SQLite: PRAGMA foreign_key_check and
integrity_check). Only a database that passes replaces the previous one: a
SQLite file is built next to the target and renamed over it; PostgreSQL
commits or rolls back. A failed check fails the command and names it.

With SQLite the default target is the catalogue, data/catalog.db: the
dataset only. genie serve keeps the app's rows (users it created, feedback,
model versions) in its own file, data/genie.db, and copies a new catalogue
into it at start-up or when the pipeline rebuilds it, so rating a movie
never changes this stage's output. Pointed at a database that holds app
rows (--db data/genie.db, or PostgreSQL), setup carries them over; --fresh
discards them.`,
		Example: `  genie db setup                        # data/catalog.db, for genie serve
  genie db setup --db postgres://genie@localhost:5432/genie`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := readProcessed(cmd.OutOrStdout(), f.processed)
			if err != nil {
				return err
			}
			start := time.Now()
			progress := func(format string, args ...any) { fmt.Fprintf(cmd.ErrOrStderr(), "  "+format+"\n", args...) }
			rep, err := backend.Setup(cmd.Context(), f.db, t, backend.SetupOptions{Fresh: fresh, Progress: progress})
			return finishReport(cmd.OutOrStdout(), rep, err, f, "set up", time.Since(start))
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&fresh, "fresh", false, "discard the app's users, feedback and model versions of the previous database")
	return cmd
}

func newDBValidateCmd() *cobra.Command {
	var f dbFlags
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check an existing database against the processed Parquet tables",
		Long: `validate runs the checks of db setup on an existing database without
changing it, writes the report and fails when a check fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := readProcessed(cmd.OutOrStdout(), f.processed)
			if err != nil {
				return err
			}
			start := time.Now()
			rep, err := backend.Validate(cmd.Context(), f.db, t)
			return finishReport(cmd.OutOrStdout(), rep, err, f, "validated", time.Since(start))
		},
	}
	f.register(cmd)
	return cmd
}

func readProcessed(w io.Writer, dir string) (*dataset.Tables, error) {
	start := time.Now()
	t, err := dataset.ReadTables(dir)
	if err != nil {
		return nil, fmt.Errorf("db: read processed tables (run genie process first): %w", err)
	}
	fmt.Fprintf(w, "read %s: %d movies, %d users, %d ratings, %d tags in %s\n", dir,
		len(t.Movies), len(t.Users), len(t.Ratings), len(t.Tags), time.Since(start).Round(time.Millisecond))
	return t, nil
}

// finishReport writes and prints the report (when there is one) and returns
// the command's error.
func finishReport(w io.Writer, rep *store.Report, err error, f dbFlags, verb string, took time.Duration) error {
	if rep != nil {
		rep.Processed = f.processed
		if werr := rep.WriteJSON(f.report); werr != nil {
			return werr
		}
		printReport(w, rep)
	}
	if err != nil {
		if rep != nil {
			return fmt.Errorf("db %s: %w\n(full report: %s)", backend.Display(f.db), err, f.report)
		}
		return fmt.Errorf("db %s: %w", backend.Display(f.db), err)
	}
	if err := rep.Err(); err != nil {
		return fmt.Errorf("%w\n(full report: %s)", err, f.report)
	}
	fmt.Fprintf(w, "%s %s (%s) in %s; report %s\n", verb, backend.Display(f.db), rep.Backend, took.Round(time.Millisecond), f.report)
	return nil
}

func printReport(w io.Writer, rep *store.Report) {
	fmt.Fprintf(w, "%-18s %10s %10s\n", "table", "parquet", "database")
	for _, table := range []string{store.TableMovies, store.TableGenres, store.TableMovieGenres, store.TableUsers,
		store.TableInteractions, store.TableTags, store.TableSearchDocuments} {
		if c, ok := rep.Counts[table]; ok {
			fmt.Fprintf(w, "%-18s %10d %10d\n", table, c.Expected, c.Actual)
		}
	}
	for _, table := range slices.Sorted(maps.Keys(rep.AppRows)) {
		fmt.Fprintf(w, "app rows kept: %s %d\n", table, rep.AppRows[table])
	}
	for _, c := range rep.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s %-26s %s\n", mark, c.Name, c.Detail)
	}
}
