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
	"strings"
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
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkParamsFlag(cmd); err != nil {
			return err
		}
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
		stopProfile = func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				fmt.Fprintf(os.Stderr, "genie: cpu profile: %v\n", err)
			}
		}
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
	for _, c := range root.Commands() {
		rejectUnknownSubcommands(c)
	}
	return root
}

// rejectUnknownSubcommands makes c, and every command below it that only
// groups subcommands, fail on an unknown one ("genie train sasrek"):
// cobra would print the help and exit 0, so a misspelt stage command
// would pass.
func rejectUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		rejectUnknownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Run != nil || c.RunE != nil {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.SuggestionsMinimumDistance = 2 // cobra sets it only on the root's own path
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
		}
		return fmt.Errorf("%s (see %s --help)", msg, cmd.CommandPath())
	}
}

// checkParamsFlag fails when --params names a file that is not there: the
// commands read the defaults without a params.yaml, which is right for
// the default path but hides a typo in one given on purpose.
func checkParamsFlag(cmd *cobra.Command) error {
	f := cmd.Flags().Lookup("params")
	if f == nil || !f.Changed {
		return nil
	}
	if _, err := os.Stat(f.Value.String()); err != nil {
		return fmt.Errorf("--params: %w", err)
	}
	return nil
}
