// Command genie is Movie Genie: a DVC-compatible pipeline runner, the
// MovieLens data and model pipeline, and the recommendation server, in one
// binary.
//
// This package only wires commands to the internal packages that do the work.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		stop()
		os.Exit(failure(os.Stderr, err))
	}
}

// failure reports err on w, unless its message is empty (the exit status
// says it all: status -q), and returns the process exit status for it.
func failure(w io.Writer, err error) int {
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(w, "genie: %s\n", msg)
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 1
}

// exitCoder is an error that asks for a specific process exit status.
type exitCoder interface{ ExitCode() int }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "genie",
		Short: "Movie Genie: MovieLens data to trained recommenders to a served web app",
		Long: `genie turns raw MovieLens data into validated Parquet tables, trained
recommendation models and a served web app, driven by a DVC-compatible
pipeline (dvc.yaml + params.yaml -> dvc.lock).`,
		Example: `  genie data fetch ml-100k --from ../shared/datasets/ml-100k
  genie process
  genie repro -j 2`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var cpuProfile string
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile to this file (for developers)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	var stopProfile func()
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if stopProfile != nil {
			stopProfile()
		}
	}
	train := newTrainCmd()
	train.AddCommand(newTrainTwoTowerCmd())
	root.AddCommand(newDataCmd(), newProcessCmd(), newSequencesCmd(), newFeaturesCmd(), train,
		newEvalCmd(), newSearchCmd(), newModelsCmd(), newDBCmd(), newServeCmd(), newUpCmd())
	addPipelineCommands(root)
	return root
}
