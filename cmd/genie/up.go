package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/config"
	"github.com/moviegenie/genie/internal/movielens"
	"github.com/moviegenie/genie/internal/pipeline"
)

// newUpCmd is "genie up": fetch if needed, reproduce the pipeline, serve.
func newUpCmd() *cobra.Command {
	var (
		from string
		jobs int
		so   serveOptions
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "From a fresh clone to a running Movie Genie: fetch, repro, serve",
		Long: `up runs the whole product in one command:

  1. fetch the release named by params.yaml's data.dataset into data/raw/
     (from GroupLens, or from --from PATH, a local folder or zip) unless a
     verified copy is already there;
  2. genie repro: run every stage of dvc.yaml whose inputs changed (nothing
     on a second run), -j stages at a time;
  3. serve the app.

Interrupting it at any point is safe: the next genie up continues from
where it stopped.`,
		Example: `  genie up --from ../shared/datasets/ml-100k
  genie up -j 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			root, err := os.Getwd()
			if err != nil {
				return err
			}
			if _, err := os.Stat(filepath.Join(root, "dvc.yaml")); err != nil {
				return fmt.Errorf("genie up runs in the Movie Genie repository (the folder with dvc.yaml): %w", err)
			}
			p, err := config.Load(filepath.Join(root, "params.yaml"))
			if err != nil {
				return err
			}
			start := time.Now()
			res, err := movielens.Fetch(ctx, movielens.FetchOptions{
				Dataset: p.Data.Dataset, From: from, Dest: filepath.Join(root, movielens.DefaultRawDir), Progress: cmd.ErrOrStderr(),
			})
			if err != nil && from == "" {
				return fmt.Errorf("%w (without network access, give a local copy: genie up --from FOLDER-OR-ZIP)", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "data: %s in %s\n", res.Release.Name, res.Dir)
			path, err := pathWithGenie()
			if err != nil {
				return err
			}
			if _, err := os.Stat(filepath.Join(root, ".dvc")); errors.Is(err, os.ErrNotExist) {
				if err := pipeline.Init(root); err != nil {
					return err
				}
			}
			if err := reproduce(ctx, root, path, jobs, out, cmd.ErrOrStderr()); err != nil {
				return err
			}
			fmt.Fprintf(out, "pipeline up to date after %s\n", time.Since(start).Round(time.Millisecond))
			return serve(ctx, out, so)
		},
	}
	so.flags(cmd)
	cmd.Flags().StringVar(&from, "from", "", "local release folder or zip to use instead of downloading")
	cmd.Flags().IntVarP(&jobs, "jobs", "j", 2, "stages to run at once")
	return cmd
}

// reproduce runs the pipeline at root, its stage commands finding genie
// on path, and closes the repository (saving the stat cache).
func reproduce(ctx context.Context, root, path string, jobs int, stdout, stderr io.Writer) (err error) {
	repo, err := pipeline.Open(root)
	if err != nil {
		return err
	}
	defer closeRepo(repo, &err)
	repo.Stdout, repo.Stderr = stdout, stderr
	repo.Env = []string{"PATH=" + path}
	_, err = repo.Reproduce(ctx, pipeline.ReproOptions{Jobs: jobs})
	return err
}

// pathWithGenie is PATH with the running genie's folder first, so the
// stages' "genie …" commands run this very binary (also under go run).
func pathWithGenie() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locate the genie binary: %w", err)
	}
	dir := filepath.Dir(exe)
	path := os.Getenv("PATH")
	if strings.HasPrefix(path, dir+string(os.PathListSeparator)) {
		return path, nil
	}
	return dir + string(os.PathListSeparator) + path, nil
}
