package main

import "github.com/spf13/cobra"

// dataSubcommands lists the commands under "genie data".
func dataSubcommands() []*cobra.Command {
	return []*cobra.Command{newDataFetchCmd(), newDataSynthCmd(), newDataEnrichCmd()}
}
