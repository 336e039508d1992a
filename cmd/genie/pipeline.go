package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/moviegenie/genie/internal/pipeline"
)

// addPipelineCommands registers repro, status, dag, gc, push, pull, fetch,
// config, remote and cache.
func addPipelineCommands(root *cobra.Command) {
	root.AddCommand(
		newReproCmd(), newStatusCmd(), newCommitCmd(), newDagCmd(), newGCCmd(),
		newTransferCmd("push", "Upload cached outputs to a remote"),
		newTransferCmd("pull", "Download outputs from a remote and check them out"),
		newCheckoutCmd(),
		newTransferCmd("fetch", "Download outputs from a remote into the cache"),
		newConfigCmd(), newRemoteCmd(), newCacheCmd(),
	)
}

// pipelineExit is an error carrying an exit status (see exitCoder in main.go).
type pipelineExit struct {
	code int
	msg  string
}

func (e pipelineExit) Error() string { return e.msg }
func (e pipelineExit) ExitCode() int { return e.code }

// openRepo opens the repository containing the working directory.
func openRepo(cmd *cobra.Command) (*pipeline.Repo, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	root, err := pipeline.FindRoot(wd)
	if err != nil {
		return nil, err
	}
	r, err := pipeline.Open(root)
	if err != nil {
		return nil, err
	}
	r.Stdout, r.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	if f, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.Hasher.Progress = newTermProgress(f)
	}
	return r, nil
}

// withRepo opens the repository containing the working directory, runs fn
// on it and closes it (persisting the stat cache), keeping fn's error
// before the close's.
func withRepo(cmd *cobra.Command, fn func(r *pipeline.Repo) error) (err error) {
	r, err := openRepo(cmd)
	if err != nil {
		return err
	}
	defer closeRepo(r, &err)
	return fn(r)
}

// withStatus runs fn with the repository and the status of targets (all
// stages when empty), as withRepo.
func withStatus(cmd *cobra.Command, targets []string, fn func(r *pipeline.Repo, sts []*pipeline.StageStatus) error) error {
	return withRepo(cmd, func(r *pipeline.Repo) error {
		targets, err := targetsHere(r, targets, false)
		if err != nil {
			return err
		}
		sts, err := r.Status(cmd.Context(), targets)
		if err != nil {
			return err
		}
		return fn(r, sts)
	})
}

// targetsHere reads command-line targets as given in the working
// directory (Repo.TargetsIn): a stage name there is a stage of its
// dvc.yaml; here makes no targets mean that dvc.yaml's stages (repro).
func targetsHere(r *pipeline.Repo, args []string, here bool) ([]string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	return r.TargetsIn(wd, args, here)
}

// closeRepo persists the stat cache, keeping the first error.
func closeRepo(r *pipeline.Repo, err *error) {
	if p, ok := r.Hasher.Progress.(*termProgress); ok {
		p.bar.Finish()
		p.bar.Clear()
	}
	if cerr := r.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}

// termProgress shows bytes hashed on a terminal.
type termProgress struct{ bar *progressbar.ProgressBar }

func newTermProgress(w io.Writer) *termProgress {
	return &termProgress{bar: progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("hashing"),
		progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000), progressbar.OptionSpinnerType(14))}
}

func (p *termProgress) Add(n int64)                     { _ = p.bar.Add64(n) }
func (p *termProgress) Stage(name string, running bool) { p.bar.Describe(name) }

func newReproCmd() *cobra.Command {
	var o pipeline.ReproOptions
	cmd := &cobra.Command{
		Use:   "repro [targets...]",
		Short: "Reproduce changed pipeline stages (DVC-compatible, optionally in parallel)",
		Example: `  genie repro              # every stage of ./dvc.yaml that changed
  genie repro -j 2 train   # train and its upstream stages, two at a time
  genie repro --dry`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRepo(cmd, func(r *pipeline.Repo) error {
				var err error
				if o.Targets, err = targetsHere(r, args, true); err != nil {
					return err
				}
				_, err = r.Reproduce(cmd.Context(), o)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Force, "force", "f", false, "reproduce even if nothing changed")
	f.BoolVarP(&o.Single, "single-item", "s", false, "reproduce only the targets, without their dependencies")
	f.BoolVar(&o.Downstream, "downstream", false, "reproduce the targets and every stage depending on them")
	f.BoolVar(&o.ForceDownstream, "force-downstream", false, "reproduce every stage downstream of one that ran")
	f.BoolVarP(&o.KeepGoing, "keep-going", "k", false, "after a failure, skip its dependents and continue; fail at the end")
	f.BoolVar(&o.IgnoreErrors, "ignore-errors", false, "after a failure, continue with every other stage")
	f.BoolVar(&o.Dry, "dry", false, "print the commands that would run; change nothing")
	f.BoolVar(&o.NoCommit, "no-commit", false, "do not save outputs to the cache")
	f.BoolVar(&o.NoRunCache, "no-run-cache", false, "do not restore outputs from the run-cache")
	f.BoolVar(&o.AllowMissing, "allow-missing", false, "skip stages whose only changes are missing data")
	f.BoolVar(&o.Pull, "pull", false, "fetch missing data from the default remote before reproducing")
	f.BoolVarP(&o.Pipeline, "pipeline", "p", false, "reproduce the whole pipeline(s) the targets belong to")
	f.BoolVarP(&o.AllPipelines, "all-pipelines", "P", false, "reproduce every pipeline in the repository")
	f.IntVarP(&o.Jobs, "jobs", "j", 1, "number of stages to run at once")
	return cmd
}

func newStatusCmd() *cobra.Command {
	var asJSON, quiet bool
	cmd := &cobra.Command{
		Use:   "status [targets...]",
		Short: "Show changed stages (like `dvc status`)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStatus(cmd, args, func(r *pipeline.Repo, sts []*pipeline.StageStatus) error {
				out := cmd.OutOrStdout()
				switch {
				case quiet:
				case asJSON:
					b, err := pipeline.StatusJSON(sts)
					if err != nil {
						return err
					}
					fmt.Fprintln(out, string(b))
				case len(r.Project.Stages) == 0:
					fmt.Fprintln(out, "There are no data or pipelines tracked in this project yet.")
				default:
					if err := pipeline.WriteStatusText(out, sts); err != nil {
						return err
					}
				}
				if quiet && len(sts) > 0 {
					return pipelineExit{1, ""} // -q prints nothing, as dvc status -q
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing; exit 1 if anything changed")
	return cmd
}

func newCommitCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "commit [targets...]",
		Short: "Record changed stages in dvc.lock and the cache without running them (like `dvc commit`)",
		Long: `commit records the workspace's current dependencies, parameters and outputs
of the target stages (default: every stage) in dvc.lock, and the outputs in
the cache, without running any command: for when an output was made or
fixed by hand, or a dependency changed in a way that needs no re-run.

Recording a change nobody ran is how a pipeline stops describing its
outputs, so without --force commit only lists the stages that changed (as
genie status does) and exits with status 1; --force records them. With
nothing changed it records nothing and says so.`,
		Example: `  genie commit               # which stages would be recorded
  genie commit -f features   # record stage features as the workspace has it`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStatus(cmd, args, func(r *pipeline.Repo, sts []*pipeline.StageStatus) error {
				out := cmd.OutOrStdout()
				if len(sts) == 0 {
					fmt.Fprintln(out, "Nothing to commit: data and pipelines are up to date.")
					return nil
				}
				if !force {
					if err := pipeline.WriteStatusText(out, sts); err != nil {
						return err
					}
					return pipelineExit{1, fmt.Sprintf("commit: %d stage(s) changed; run genie commit -f to record them as they are without running them", len(sts))}
				}
				changed := make([]string, len(sts))
				for i, st := range sts {
					changed[i] = st.Addr
				}
				return r.Commit(cmd.Context(), changed)
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "record the changed stages (without it, only list them)")
	return cmd
}

func newDagCmd() *cobra.Command {
	var dot, mermaid, md, outs, full bool
	cmd := &cobra.Command{
		Use:   "dag [target]",
		Short: "Show the pipeline graph (ASCII, --dot, --mermaid, --md)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRepo(cmd, func(r *pipeline.Repo) error {
				format := pipeline.DagASCII
				switch {
				case dot:
					format = pipeline.DagDot
				case md:
					format = pipeline.DagMarkdown
				case mermaid:
					format = pipeline.DagMermaid
				}
				targets, err := targetsHere(r, args, false)
				if err != nil {
					return err
				}
				target := ""
				if len(targets) == 1 {
					target = targets[0]
				}
				s, err := r.Dag(target, full, outs, format)
				if err != nil {
					return err
				}
				_, err = io.WriteString(cmd.OutOrStdout(), s)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&dot, "dot", false, "print the graph in DOT format")
	cmd.Flags().BoolVar(&mermaid, "mermaid", false, "print the graph as a mermaid flowchart")
	cmd.Flags().BoolVar(&md, "md", false, "print the mermaid flowchart in a Markdown block")
	cmd.Flags().BoolVarP(&outs, "outs", "o", false, "show outputs instead of stages")
	cmd.Flags().BoolVar(&full, "full", false, "show the whole pipeline the target belongs to")
	return cmd
}

func newGCCmd() *cobra.Command {
	var workspace bool
	cmd := &cobra.Command{
		Use:   "gc -w",
		Short: "Remove cache objects not used by the workspace",
		RunE: func(cmd *cobra.Command, args []string) error {
			if !workspace {
				return errors.New("gc: choose a scope: -w/--workspace keeps what the workspace's dvc.lock and .dvc files use")
			}
			return withRepo(cmd, func(r *pipeline.Repo) error {
				st, err := r.GC(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Removed %d objects (%d bytes) from the cache.\n", st.Removed, st.Bytes)
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&workspace, "workspace", "w", false, "keep only objects used in the workspace")
	return cmd
}

func newTransferCmd(name, short string) *cobra.Command {
	var remoteName string
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRepo(cmd, func(r *pipeline.Repo) error {
				rem, err := r.OpenRemote(remoteName)
				if err != nil {
					return err
				}
				var st pipeline.TransferStats
				switch name {
				case "push":
					st, err = r.Push(cmd.Context(), rem)
				case "pull":
					st, err = r.Pull(cmd.Context(), rem)
				default:
					st, err = r.Fetch(cmd.Context(), rem)
				}
				verb := map[string]string{"push": "pushed", "pull": "fetched", "fetch": "fetched"}[name]
				switch {
				case st.Transferred > 0: // also when some were missing
					fmt.Fprintf(cmd.OutOrStdout(), "%d file(s) %s\n", st.Transferred, verb)
				case err == nil:
					fmt.Fprintln(cmd.OutOrStdout(), "Everything is up to date.")
				}
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&remoteName, "remote", "r", "", "remote name (default: core.remote)")
	return cmd
}

func newCheckoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "checkout",
		Short: "Restore every output from the cache as dvc.lock records it (like `dvc checkout`)",
		Long: `checkout makes each cached output of every stage with a dvc.lock entry match
the cache: a deleted or changed output comes back as recorded, without
running anything. Objects missing from the cache (after gc, on a fresh
clone) are an error naming them: genie pull fetches them from a remote.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRepo(cmd, func(r *pipeline.Repo) error { return r.Checkout(cmd.Context()) })
		},
	}
}

func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return pipeline.FindRoot(wd)
}

func newConfigCmd() *cobra.Command {
	var unset, local bool
	cmd := &cobra.Command{
		Use:   "config KEY [VALUE]",
		Short: "Get or set a .dvc/config option (cache.type, cache.dir, core.remote, remote.NAME.url, …)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := repoRoot()
			if err != nil {
				return err
			}
			switch {
			case unset:
				return pipeline.ConfigUnset(root, args[0])
			case len(args) == 2:
				return pipeline.ConfigSet(root, args[0], args[1], local)
			}
			v, err := pipeline.ConfigGet(root, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), v)
			return nil
		},
	}
	cmd.Flags().BoolVar(&unset, "unset", false, "remove the option")
	cmd.Flags().BoolVar(&local, "local", false, "write to .dvc/config.local (for secrets)")
	return cmd
}

func newRemoteCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "remote", Short: "Manage remotes"}
	var def, force bool
	add := &cobra.Command{
		Use:   "add [-d] NAME URL",
		Short: "Add a remote (a local directory or s3://bucket/path)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := repoRoot()
			if err != nil {
				return err
			}
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			return pipeline.RemoteAdd(root, wd, args[0], args[1], def, force)
		},
	}
	add.Flags().BoolVarP(&def, "default", "d", false, "make it the default remote (core.remote)")
	add.Flags().BoolVarP(&force, "force", "f", false, "overwrite an existing remote")
	cmd.AddCommand(add)
	return cmd
}

func newCacheCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cache", Short: "Inspect the cache"}
	cmd.AddCommand(&cobra.Command{
		Use:   "dir [PATH]",
		Short: "Print (or set) the cache directory (PATH relative to the current directory)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := repoRoot()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				cwd, err := os.Getwd()
				if err != nil {
					return err
				}
				return pipeline.SetCacheDir(root, cwd, args[0])
			}
			cfg, err := pipeline.LoadConfig(root)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), pipeline.OpenCache(root, cfg).Root)
			return nil
		},
	}, &cobra.Command{
		Use:   "size",
		Short: "Print the cache's object count and bytes, and each stage's outputs",
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRepo(cmd, func(r *pipeline.Repo) error {
				cs, err := r.CacheSize(cmd.Context())
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "%s\t%d objects, %s\n", r.Cache.Root, cs.Objects, humanBytes(cs.Bytes))
				for _, s := range cs.Stages {
					fmt.Fprintf(out, "  %-30s %10s  %d file(s)\n", s.Stage, humanBytes(s.Bytes), s.Files)
				}
				return nil
			})
		},
	})
	return cmd
}

func humanBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0") + " " + units[i]
}
