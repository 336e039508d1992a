package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/pretrained"
	"github.com/moviegenie/genie/internal/search/minilm"
)

// newModelsCmd is "genie models": pre-trained models that genie can use.
func newModelsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "models",
		Short: "Download and list pre-trained text models (sentence-transformers for search)",
		Long: `models manages the pre-trained text models genie can read from local files.
Today that is the search index's second dense embedder, a sentence-transformers
model (all-MiniLM-L6-v2) run in pure Go; see "genie models pull --help".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newModelsPullCmd(), newModelsListCmd())
	return cmd
}

// newModelsPullCmd is "genie models pull NAME".
func newModelsPullCmd() *cobra.Command {
	var (
		opts    pretrained.PullOptions
		verify  bool
		baseURL string
	)
	cmd := &cobra.Command{
		Use:   "pull NAME",
		Short: "Download a pre-trained model's files into models/pretrained/NAME, verified",
		Long: `pull downloads a pre-trained model from Hugging Face into <dir>/<NAME>/ so that
search can use it offline:

  genie models pull all-MiniLM-L6-v2
  genie search index --embedder minilm        # embed every movie once, cache the vectors
  genie search --embedder minilm "space adventure"
  genie eval search --model-dir models/pretrained/all-MiniLM-L6-v2

Models: ` + strings.Join(pretrained.Names(), ", ") + ` ("minilm" is an alias).
all-MiniLM-L6-v2 is three files, 90.9 MB:
  model.onnx      (onnx/model.onnx in the repository, 90.4 MB)
  tokenizer.json  (the WordPiece tokenizer)
  config.json     (the BERT configuration: maximum length)

Every file is fetched over HTTPS into a temporary file next to its final
place, its size and SHA-256 are checked against the values pinned in genie,
and only then is it renamed into place: an interrupted or failed pull never
leaves a partial model.onnx behind. Files already present and verified are
kept, so running pull again resumes a failed pull (--force fetches
everything again). A progress bar shows on a terminal; elsewhere a line
every 10%.

No network? Copy the files from another machine (a Hugging Face snapshot
folder works) and pass --from: they are verified the same way.

The model runs only in a genie built with "go build -tags hugot ./cmd/genie"
(the default build leaves the pure-Go ONNX runtime out; see docs/search.md).`,
		Example: `  genie models pull all-MiniLM-L6-v2
  genie models pull minilm --dir /data/models
  genie models pull all-MiniLM-L6-v2 --from ~/snapshots/all-MiniLM-L6-v2
  genie models pull all-MiniLM-L6-v2 --verify`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("pull takes one model name, got %d arguments (models: %s)", len(args), strings.Join(pretrained.Names(), ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := pretrained.Lookup(args[0])
			if err != nil {
				return err
			}
			if verify {
				dir := filepath.Join(opts.Dir, m.Name)
				if err := pretrained.Verify(cmd.Context(), dir, m); err != nil {
					return fmt.Errorf("verify %s: %w", dir, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: all %d files verified\n", dir, len(m.Files))
				return nil
			}
			opts.BaseURL = baseURL
			opts.Progress = cmd.ErrOrStderr()
			res, err := pretrained.Pull(cmd.Context(), m.Name, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d files fetched (%.1f MB), %d already present; all verified in %s\n",
				m.Name, len(res.Fetched), float64(res.Bytes)/1e6, len(res.Kept), res.Dir)
			if !minilm.Compiled {
				fmt.Fprintln(cmd.OutOrStdout(), "note: this genie was built without -tags hugot and cannot run the model; rebuild with `go build -tags hugot ./cmd/genie`")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", pretrained.DefaultDir, "parent folder: the model goes to <dir>/<NAME>")
	cmd.Flags().StringVar(&opts.From, "from", "", "copy the files from this local folder instead of downloading (verified the same way)")
	cmd.Flags().StringVar(&opts.Revision, "revision", "", "repository branch, tag or commit (default: the pinned one, main); the pinned checksums still apply")
	cmd.Flags().StringVar(&baseURL, "base-url", pretrained.DefaultBaseURL, "Hugging Face endpoint or mirror (https only)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "download every file again, even those already present and verified")
	cmd.Flags().BoolVar(&verify, "verify", false, "only check the files already in <dir>/<NAME> against the pins; download nothing")
	return cmd
}

// newModelsListCmd is "genie models list".
func newModelsListCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the models pull knows, their size and whether they are present",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			for _, m := range pretrained.Models() {
				state := "not pulled"
				p := filepath.Join(dir, m.Name)
				if err := pretrained.Verify(cmd.Context(), p, m); err == nil {
					state = "present and verified in " + p
				}
				fmt.Fprintf(w, "%s (%.1f MB; aliases: %s): %s\n  %s\n  from https://huggingface.co/%s at %s\n",
					m.Name, float64(m.Size())/1e6, strings.Join(m.Aliases, ", "), state, m.Description, m.Repo, m.Revision)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", pretrained.DefaultDir, "parent folder of pulled models")
	return cmd
}
