package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/movielens"
	"github.com/moviegenie/genie/internal/synth"
)

// newDataFetchCmd is "genie data fetch".
func newDataFetchCmd() *cobra.Command {
	var (
		from, dest string
		force      bool
	)
	cmd := &cobra.Command{
		Use:   "fetch [dataset]",
		Short: "Download, verify and unpack a MovieLens release into data/raw/<dataset>",
		Long: `fetch places a verified copy of a MovieLens release in <dest>/<dataset>/.

Datasets: ` + strings.Join(movielens.ReleaseNames(), ", ") + ` (default ` + movielens.DefaultRelease + `).

Without --from it downloads the official zip from files.grouplens.org over
HTTPS (with a progress bar on a terminal), checks its size and the checksums
pinned for the release, and unpacks it safely: entries outside the folder,
symlinks, special files and oversized entries are refused. Everything happens
in a temporary folder inside <dest> that is renamed into place at the end, so
an interrupted or failed fetch leaves nothing behind.

--from takes a local copy instead, for offline use and tests:
  a folder   its files are copied; when a SHA256SUMS file sits inside it or
             beside it (as in ../shared/datasets), every file is checked;
  a zip      checked like a download when it is named like the release's zip
             (ml-100k.zip), otherwise unpacked with a warning unless its
             checksum matches anyway.

If <dest>/<dataset> already holds a verified copy, fetch does nothing; if it
holds something else, fetch stops unless --force is given.`,
		Example: `  genie data fetch
  genie data fetch ml-25m
  genie data fetch ml-100k --from ../shared/datasets/ml-100k
  genie data fetch ml-1m --from ~/Downloads/ml-1m.zip --dest /data/raw`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := movielens.DefaultRelease
			if len(args) == 1 {
				name = args[0]
			}
			res, err := movielens.Fetch(cmd.Context(), movielens.FetchOptions{
				Dataset: name, From: from, Dest: dest, Force: force, Progress: cmd.ErrOrStderr(),
			})
			if err != nil {
				return err
			}
			state := "fetched"
			if res.AlreadyPresent {
				state = "already present"
			}
			verified := "verified"
			if !res.Verified {
				verified = "NOT verified"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s (%s): %s, %d files\n", res.Release.Name, state, verified, res.Dir, len(res.Files))
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "local release folder or zip to use instead of downloading")
	cmd.Flags().StringVar(&dest, "dest", movielens.DefaultRawDir, "parent folder of the release folder")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing release folder that does not verify")
	return cmd
}

// newDataSynthCmd is "genie data synth".
func newDataSynthCmd() *cobra.Command {
	var o synth.Options
	cmd := &cobra.Command{
		Use:   "synth",
		Short: "Generate a synthetic MovieLens-shaped data set for scale tests",
		Long: `synth writes a synthetic data set in the file layout of a real release, so
every reader and stage can run on it unchanged:

  ml-25m   movies.csv, ratings.csv, links.csv, tags.csv (half-star ratings)
  ml-1m    movies.dat, ratings.dat, users.dat ("::"-separated)
  ml-100k  u.data, u.item, u.user, u.genre, u.occupation, u.info

The data look like MovieLens: Zipf-like movie popularity, heavy-tailed
(log-normal) user activity with at least 20 ratings per user where the
counts allow, a mean rating near 3.5, timestamps increasing per user within
the release's years, 1-4 genres per movie from the MovieLens genres, titles
like "Synthetic Movie 123 (1994)", and no repeated (user, movie) pair.

Output is written user by user, so 25 million ratings need little memory,
and the same --seed gives byte-identical files. The output folder is
replaced as a whole once generation succeeds. An existing --out folder is
replaced only when it is empty or holds an earlier synth output (recognised
by its README); anything else, such as a real release, is refused unless
--force is given. The current folder and its parents are always refused.`,
		Example: `  genie data synth --users 1000 --items 500 --ratings 50000
  genie data synth --users 162541 --items 62423 --ratings 25000095 --format ml-25m --out data/raw/synth-25m
  genie data synth --users 943 --items 1682 --ratings 100000 --format ml-100k --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Out == "" {
				o.Out = filepath.Join(movielens.DefaultRawDir, "synth-"+o.Format)
			}
			start := time.Now()
			st, err := synth.Generate(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(),
				"wrote %s (%s): %d users, %d movies, %d ratings, %d tags, mean rating %.2f, busiest user %d, top movie %d ratings, in %s\n",
				st.Dir, st.Format, st.Users, st.Items, st.Ratings, st.Tags, st.MeanRating,
				st.MaxUserRatings, st.MaxItemRatings, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Users, "users", 1000, "number of users")
	f.IntVar(&o.Items, "items", 500, "number of movies")
	f.Int64Var(&o.Ratings, "ratings", 50000, "number of ratings (users <= ratings <= users x items)")
	f.StringVar(&o.Format, "format", synth.FormatML25M, "file layout: "+strings.Join(synth.Formats(), ", "))
	f.Uint64Var(&o.Seed, "seed", 42, "random seed; the same seed gives the same files")
	f.StringVar(&o.Out, "out", "", "output folder (default data/raw/synth-<format>)")
	f.BoolVar(&o.Force, "force", false, "replace --out even when it holds files synth did not write")
	return cmd
}
