package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/features"
	"github.com/moviegenie/genie/internal/model"
	"github.com/moviegenie/genie/internal/model/twotower"
)

// twoTowerReport is report.json of "genie train two-tower".
type twoTowerReport struct {
	Model     string                `json:"model"`
	Config    twotower.Config       `json:"config"`
	Protocol  string                `json:"protocol"`
	Users     int                   `json:"users"`
	Items     int                   `json:"items"`
	Pairs     int                   `json:"pairs"`
	BestEpoch int                   `json:"best_epoch"`
	Epochs    int                   `json:"epochs"`
	Test      map[string]float64    `json:"test,omitempty"`
	History   []twotower.EpochStats `json:"history"`
	Seconds   float64               `json:"seconds"`
	// CPUSeconds is user+system CPU time, steadier than wall time on a
	// shared machine.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// newTrainTwoTowerCmd is "genie train two-tower", the train_two_tower stage.
func newTrainTwoTowerCmd() *cobra.Command {
	var processed, paramsPath, out, protocol string
	var threads, epochs int
	var quiet bool
	cmd := &cobra.Command{
		Use:   "two-tower",
		Short: "Train the Two-Tower retrieval model",
		Long: `two-tower trains the Two-Tower retrieval model (user tower: user id
embedding, user features, mean-pooled history; item tower: item id embedding,
content vector) with an in-batch sampled softmax and logQ correction,
stopping early on a held-out share of the training pairs. Parameters come
from params.yaml, section model_training.two_tower.

By default it trains on every processed rating (each user's history in time
order) over the whole catalogue, for serving. With --protocol tfrs or
recbole it trains on that protocol's training set instead and also reports
the protocol's test metrics.

Reads ` + "data/processed/{ratings,movies,users,tags}.parquet and " + features.ContentFile + `
(built in memory when absent). Writes into --out: ` + twotower.WeightsFile + `,
` + twotower.ConfigFile + ` (configuration, id vocabularies, encoders), ` + twotower.UserEmbeddingsFile + `,
` + twotower.ItemEmbeddingsFile + `, ` + twotower.HistoryFile + ` (per epoch), ` + twotower.HistoryPlotFile + ` and
report.json.`,
		Example: `  genie train two-tower
  genie train two-tower --protocol recbole --out /tmp/tt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			cfg, err := twotower.LoadConfig(paramsPath)
			if err != nil {
				return err
			}
			if threads > 0 {
				cfg.Threads = threads
			}
			if epochs > 0 {
				cfg.Epochs = epochs
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			fp, err := features.LoadParams(paramsPath)
			if err != nil {
				return err
			}
			t, err := dataset.ReadTables(processed)
			if err != nil {
				return err
			}
			content, err := dataset.ReadParquet[features.ContentRow](filepath.Join(processed, features.ContentFile))
			if errors.Is(err, os.ErrNotExist) {
				content, _, err = features.BuildContent(t.Movies, t.Tags, features.ContentOptions{Dim: fp.EmbeddingDim, Sources: fp.ContentFeatures})
			}
			if err != nil {
				return fmt.Errorf("train two-tower: content features: %w", err)
			}
			var log io.Writer = cmd.ErrOrStderr()
			if quiet {
				log = io.Discard
			}
			m := twotower.New(cfg, twotower.NewSideInfo(t, content))
			m.Log = func(format string, args ...any) { fmt.Fprintf(log, format+"\n", args...) }
			rep := &twoTowerReport{Model: twotower.Name, Config: cfg, Protocol: protocol}
			var train *model.TrainData
			var phase *eval.Phase
			switch protocol {
			case "none":
				train = twoTowerTrainData(t)
			case string(eval.TFRS), string(eval.RecBole):
				in := make([]eval.Interaction, len(t.Ratings))
				for i, r := range t.Ratings {
					in[i] = eval.Interaction{User: int64(r.UserID), Item: int64(r.MovieID), Rating: r.Rating, Timestamp: r.Timestamp}
				}
				d, err := eval.NewDataset(in)
				if err != nil {
					return fmt.Errorf("train two-tower: %w", err)
				}
				sp := eval.SplitTFRS(d, cfg.Seed)
				if protocol == string(eval.RecBole) {
					sp = eval.SplitRecBole(d, cfg.Seed)
				}
				train, phase = sp.Test.Train, &sp.Test
			default:
				return fmt.Errorf("train two-tower: --protocol %q: want none, tfrs or recbole", protocol)
			}
			if err := m.Fit(cmd.Context(), train); err != nil {
				return fmt.Errorf("train two-tower: %w", err)
			}
			if phase != nil {
				ms, err := eval.Protocol(protocol).Measure(cmd.Context(), m, phase, eval.Options{Workers: cfg.Threads})
				if err != nil {
					return fmt.Errorf("train two-tower: %w", err)
				}
				rep.Test = map[string]float64{}
				for _, x := range ms {
					rep.Test[x.Name] = x.Value
				}
			}
			if err := m.Save(out); err != nil {
				return err
			}
			rep.Users, rep.Items, rep.Pairs = train.NumUsers, train.NumItems, train.NumInteractions()
			rep.History, rep.BestEpoch, rep.Epochs = m.History(), m.BestEpoch(), len(m.History())
			rep.Seconds, rep.CPUSeconds = time.Since(start).Seconds(), cpuSeconds()
			js, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				return fmt.Errorf("train two-tower: %w", err)
			}
			if err := os.WriteFile(filepath.Join(out, "report.json"), append(js, '\n'), 0o644); err != nil {
				return fmt.Errorf("train two-tower: %w", err)
			}
			best := m.History()[m.BestEpoch()-1]
			fmt.Fprintf(cmd.OutOrStdout(), "two_tower: %d users, %d items, %d pairs; best epoch %d of %d (valid recall@50 %.4f)", rep.Users, rep.Items, rep.Pairs, rep.BestEpoch, rep.Epochs, best.ValRecall)
			if rep.Test != nil {
				keys := make([]string, 0, len(rep.Test))
				for k := range rep.Test {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				fmt.Fprintf(cmd.OutOrStdout(), "; %s test", protocol)
				for _, k := range keys {
					fmt.Fprintf(cmd.OutOrStdout(), " %s %.4f", k, rep.Test[k])
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "; %.0fs (%.0f CPU s); wrote %s\n", rep.Seconds, rep.CPUSeconds, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&processed, "processed", filepath.Join("data", "processed"), "folder of the processed tables and content features")
	cmd.Flags().StringVar(&paramsPath, "params", "params.yaml", "parameters file (model_training.two_tower, feature_engineering)")
	cmd.Flags().StringVar(&out, "out", filepath.Join("models", "two_tower"), "output folder")
	cmd.Flags().StringVar(&protocol, "protocol", "none", "train on all ratings (none) or on the tfrs / recbole training set and report its test metrics")
	cmd.Flags().IntVar(&threads, "threads", 0, "training threads (0: model_training.two_tower.threads)")
	cmd.Flags().IntVar(&epochs, "epochs", 0, "maximum epochs (0: model_training.two_tower.epochs)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no per-epoch progress")
	return cmd
}

// twoTowerTrainData is every processed rating as training data: users of
// the users table and every movie of the catalogue (unrated ones are
// reached through their content), each history in time order.
func twoTowerTrainData(t *dataset.Tables) *model.TrainData {
	td := &model.TrainData{}
	for _, u := range t.Users {
		td.UserIDs = append(td.UserIDs, int64(u.UserID))
	}
	for _, m := range t.Movies {
		td.ItemIDs = append(td.ItemIDs, int64(m.MovieID))
	}
	slices.Sort(td.UserIDs)
	slices.Sort(td.ItemIDs)
	td.NumUsers, td.NumItems = len(td.UserIDs), len(td.ItemIDs)
	users := make(map[int64]int, td.NumUsers)
	for i, id := range td.UserIDs {
		users[id] = i
	}
	items := make(map[int64]int32, td.NumItems)
	for i, id := range td.ItemIDs {
		items[id] = int32(i)
	}
	type ev struct {
		seq  int32
		item int32
	}
	per := make([][]ev, td.NumUsers)
	for _, r := range t.Ratings {
		u, ok := users[int64(r.UserID)]
		it, ok2 := items[int64(r.MovieID)]
		if ok && ok2 {
			per[u] = append(per[u], ev{r.UserSeq, it})
		}
	}
	td.Seqs = make([][]int32, td.NumUsers)
	for u, evs := range per {
		slices.SortFunc(evs, func(a, b ev) int { return int(a.seq) - int(b.seq) })
		for _, e := range evs {
			td.Seqs[u] = append(td.Seqs[u], e.item)
		}
	}
	return td
}
