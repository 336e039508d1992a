package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/eval"
	"github.com/moviegenie/genie/internal/model/bert4rec"
	"github.com/moviegenie/genie/internal/model/sasrec"
	"github.com/moviegenie/genie/internal/model/seqnn"
	"github.com/moviegenie/genie/internal/nn/blas"
)

// Files written by "genie train <model>" next to the weights.
const (
	trainHistoryFile = "history.json"
	trainPlotFile    = "history.svg"
)

// newTrainCmd is "genie train", the neural models' training stages.
func newTrainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train a model: sasrec, bert4rec (sequential) or two-tower (retrieval)",
		Long: `train fits one of the pipeline's neural recommenders on the processed
ratings; hyper-parameters come from params.yaml, section model_training.<model>.

sasrec and bert4rec are transformer sequential recommenders trained with the
sequential protocol's splits: early stopping on validation NDCG@10 (training
on all but each user's last two items, validating on the second-to-last),
then a refit on all but each user's last item for the best epoch count,
measured on the last items (full ranking, seen items filtered). They write
models/<model>/model.safetensors, config.json (configuration and item id
vocabulary), history.json (per epoch: training loss, validation NDCG@10 and
HR@10, seconds; test metrics) and history.svg.

two-tower is the retrieval model (user and item towers, in-batch sampled
softmax): it trains the serving model on every rating, then one model per
evaluation protocol; see "genie train two-tower --help".`,
		Args: cobra.NoArgs,
	}
	for _, m := range []struct {
		name, short string
		defaults    func() seqnn.Config
	}{
		{sasrec.Name, "SASRec with full cross-entropy (causal self-attention)", sasrec.DefaultConfig},
		{bert4rec.Name, "BERT4Rec (bidirectional, cloze masking)", bert4rec.DefaultConfig},
	} {
		cmd.AddCommand(newTrainModelCmd(m.name, m.short, m.defaults))
	}
	return cmd
}

// trainOptions are the flags of "genie train <model>".
type trainOptions struct {
	params, ratings, out string
	threads              int
	quiet                bool
}

func newTrainModelCmd(name, short string, defaults func() seqnn.Config) *cobra.Command {
	var o trainOptions
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Example: fmt.Sprintf(`  genie train %[1]s
  genie train %[1]s --params params.yaml --out models/%[1]s --threads 2`, name),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := defaults()
			if err := readModelParams(o.params, name, &cfg); err != nil {
				return err
			}
			if o.threads > 0 {
				cfg.Threads = o.threads
			}
			var log io.Writer = cmd.ErrOrStderr()
			if o.quiet {
				log = io.Discard
			}
			_, err := runTrain(cmd.Context(), cfg, o.ratings, o.out, cmd.OutOrStdout(), log)
			return err
		},
	}
	cmd.Flags().StringVar(&o.params, "params", "params.yaml", "parameters file (section model_training."+name+")")
	cmd.Flags().StringVar(&o.ratings, "ratings", filepath.Join("data", "processed", "ratings.parquet"), "processed ratings")
	cmd.Flags().StringVar(&o.out, "out", filepath.Join("models", name), "output folder")
	cmd.Flags().IntVar(&o.threads, "threads", 0, "training threads (0: model_training."+name+".threads)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no per-epoch progress")
	return cmd
}

// readModelParams overlays params.yaml's model_training.<name> section on
// cfg. A missing file or section keeps the defaults; unknown keys fail.
func readModelParams(path, name string, cfg *seqnn.Config) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("params: %w", err)
	}
	var doc struct {
		ModelTraining map[string]yaml.Node `yaml:"model_training"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("params %s: %w", path, err)
	}
	node, ok := doc.ModelTraining[name]
	if !ok {
		return nil
	}
	sec, err := yaml.Marshal(&node)
	if err != nil {
		return fmt.Errorf("params %s: model_training.%s: %w", path, name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(sec))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("params %s: model_training.%s: %w", path, name, err)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("params %s: %w", path, err)
	}
	return nil
}

// trainReport is history.json.
type trainReport struct {
	Model    string        `json:"model"`
	Backend  string        `json:"blas_backend"`
	Config   seqnn.Config  `json:"config"`
	History  seqnn.History `json:"history"`
	Protocol string        `json:"protocol"`
	// Test holds the saved model's test metrics under the sequential
	// protocol (full ranking, seen items filtered).
	Test    map[string]float64 `json:"test"`
	Users   int                `json:"users"`
	Items   int                `json:"items"`
	Seconds float64            `json:"seconds"`
	// CPUSeconds is the process's user+system CPU time, steadier than wall
	// time on a shared machine.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// runTrain trains cfg on the ratings file and writes the model folder.
func runTrain(ctx context.Context, cfg seqnn.Config, ratingsPath, out string, stdout, log io.Writer) (*trainReport, error) {
	start := time.Now()
	rs, err := dataset.ReadRatings(ratingsPath)
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	d, err := eval.NewDataset(eval.FromRatings(rs))
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	sp := eval.SplitSequential(d)
	m := seqnn.New(cfg)
	limit := cfg.MaxEpochs
	m.OnEpoch = func(phase string, e seqnn.Epoch) {
		if phase == "refit" {
			what := "refit"
			if cfg.Refit == seqnn.RefitContinue {
				what = "continued on all data,"
			}
			fmt.Fprintf(log, "%s %s epoch %3d  loss %.4f  %.1fs\n", cfg.Name, what, e.Epoch, e.Loss, e.Seconds)
			return
		}
		line := fmt.Sprintf("%s epoch %3d/%d  loss %.4f", cfg.Name, e.Epoch, limit, e.Loss)
		if e.Validated {
			line += fmt.Sprintf("  valid ndcg@10 %.4f hr@10 %.4f", e.ValidNDCG10, e.ValidHR10)
		}
		fmt.Fprintf(log, "%s  %.1fs\n", line, e.Seconds)
	}
	if err := m.Fit(ctx, sp.Test.Train); err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	test, err := eval.Sequential.Measure(ctx, m, &sp.Test, eval.Options{})
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	rep := &trainReport{
		Model: cfg.Name, Backend: blas.Backend, Config: cfg, History: m.History(),
		Protocol: string(eval.Sequential), Test: metricMap(test), Users: d.NumUsers(), Items: d.NumItems(),
		Seconds: time.Since(start).Seconds(), CPUSeconds: cpuSeconds(),
	}
	if err := m.Save(out, seqnn.Fingerprint(sp.Test.Train)); err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	if err := os.WriteFile(filepath.Join(out, trainHistoryFile), append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	if err := os.WriteFile(filepath.Join(out, trainPlotFile), historySVG(cfg.Name, rep.History), 0o644); err != nil {
		return nil, fmt.Errorf("train %s: %w", cfg.Name, err)
	}
	h := rep.History
	var fitted string
	switch cfg.Refit {
	case seqnn.RefitFull, seqnn.RefitContinue:
		fitted = fmt.Sprintf("valid ndcg@10 %.4f hr@10 %.4f at epoch %d (best %.4f at %d)", h.LastNDCG10, h.LastHR10, h.LastEpoch, h.BestNDCG10, h.BestEpoch)
		if cfg.Refit == seqnn.RefitFull {
			fitted += fmt.Sprintf(", refit %d epochs", h.RefitEpochs)
		} else {
			fitted += fmt.Sprintf(", continued %d epochs on all data (%d in all)", cfg.ContinueEpochs, h.RefitEpochs)
		}
	default:
		fitted = fmt.Sprintf("best epoch %d (valid ndcg@10 %.4f, hr@10 %.4f), refit %d epochs", h.BestEpoch, h.BestNDCG10, h.BestHR10, h.RefitEpochs)
	}
	fmt.Fprintf(stdout, "%s: %s; test ndcg@10 %.4f hr@10 %.4f; %.0fs (%.0f CPU s); wrote %s\n",
		cfg.Name, fitted, rep.Test["ndcg@10"], rep.Test["hr@10"], rep.Seconds, rep.CPUSeconds, out)
	return rep, nil
}

// cpuSeconds returns the user and system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func metricMap(ms eval.Metrics) map[string]float64 {
	out := make(map[string]float64, len(ms))
	for _, m := range ms {
		out[m.Name] = m.Value
	}
	return out
}

// historySVG plots the training loss (left axis) and the validation
// NDCG@10 (right axis) per epoch.
func historySVG(name string, h seqnn.History) []byte {
	const (
		w, ht                = 720, 400
		left, right, top, bt = 70, 70, 40, 50
	)
	pw, ph := float64(w-left-right), float64(ht-top-bt)
	eps := h.Epochs
	n := max(len(eps), 1)
	lossLo, lossHi := math.Inf(1), math.Inf(-1)
	ndcgHi := 0.0
	for _, e := range eps {
		lossLo, lossHi = min(lossLo, e.Loss), max(lossHi, e.Loss)
		if e.Validated {
			ndcgHi = max(ndcgHi, e.ValidNDCG10)
		}
	}
	if len(eps) == 0 || lossHi <= lossLo {
		lossLo, lossHi = 0, max(lossHi, 1)
	}
	if ndcgHi <= 0 {
		ndcgHi = 1
	}
	ndcgHi *= 1.1
	x := func(ep int) float64 { return float64(left) + pw*float64(ep)/float64(n) }
	yl := func(v float64) float64 { return float64(top) + ph*(1-(v-lossLo)/(lossHi-lossLo)) }
	yn := func(v float64) float64 { return float64(top) + ph*(1-v/ndcgHi) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, ht, w, ht)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, ht)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15">%s: training loss and validation NDCG@10 per epoch</text>`+"\n", left, name)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%g" height="%g" fill="none" stroke="#999"/>`+"\n", left, top, pw, ph)
	for i := 0; i <= 4; i++ {
		f := float64(i) / 4
		y := float64(top) + ph*(1-f)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%g" y2="%.1f" stroke="#eee"/>`+"\n", left, y, float64(left)+pw, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#1f77b4">%.3f</text>`+"\n", left-6, y+4, lossLo+f*(lossHi-lossLo))
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" fill="#d62728">%.3f</text>`+"\n", float64(left)+pw+6, y+4, f*ndcgHi)
	}
	for i := 0; i <= 5; i++ {
		ep := int(math.Round(float64(n) * float64(i) / 5))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", x(ep), ht-bt+18, ep)
	}
	fmt.Fprintf(&b, `<text x="%g" y="%d" text-anchor="middle">epoch</text>`+"\n", float64(left)+pw/2, ht-12)
	var loss, ndcg []string
	for _, e := range eps {
		loss = append(loss, fmt.Sprintf("%.1f,%.1f", x(e.Epoch), yl(e.Loss)))
		if e.Validated {
			ndcg = append(ndcg, fmt.Sprintf("%.1f,%.1f", x(e.Epoch), yn(e.ValidNDCG10)))
		}
	}
	fmt.Fprintf(&b, `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="%s"/>`+"\n", strings.Join(loss, " "))
	fmt.Fprintf(&b, `<polyline fill="none" stroke="#d62728" stroke-width="2" points="%s"/>`+"\n", strings.Join(ndcg, " "))
	if h.BestEpoch > 0 {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%g" stroke="#d62728" stroke-dasharray="4 3"/>`+"\n", x(h.BestEpoch), top, x(h.BestEpoch), float64(top)+ph)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#1f77b4">— training loss (left)</text>`+"\n", left+10, top+16)
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#d62728">— validation NDCG@10 (right); dashed: best epoch %d</text>`+"\n", left+10, top+32, h.BestEpoch)
	b.WriteString("</svg>\n")
	return []byte(b.String())
}
