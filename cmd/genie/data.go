package main

import (
	"github.com/spf13/cobra"
)

func newDataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Fetch, synthesize and inspect MovieLens datasets",
		Long: `Commands that bring raw MovieLens data into data/raw.

Releases: ml-100k (default), ml-1m, ml-10m, ml-20m, ml-25m, ml-32m and
ml-latest-small. Downloads come from GroupLens over HTTPS and are verified
against pinned checksums; offline, --from takes a local folder or zip.`,
		Example: `  genie data fetch ml-100k --from ../shared/datasets/ml-100k
  genie data synth --users 1000 --items 500 --ratings 50000 --format ml-25m --out /tmp/synth`,
	}
	cmd.AddCommand(dataSubcommands()...)
	return cmd
}
