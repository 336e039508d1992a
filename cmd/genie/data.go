package main

import "github.com/spf13/cobra"

func newDataCmd() *cobra.Command {
	return &cobra.Command{Use: "data", Short: "Fetch, synthesize and inspect MovieLens datasets"}
}

func newProcessCmd() *cobra.Command {
	return &cobra.Command{Use: "process", Short: "Clean, validate and filter raw MovieLens data into Parquet"}
}
