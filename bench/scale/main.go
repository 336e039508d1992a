// Command scalebench is the scale run of issue 9: genie's data stages on a
// synthetic 25M-rating release (ml-25m layout and size), and the data and
// training stages on a synthetic ml-1m-sized release with a fixed small
// epoch count. Every stage runs as its own `genie` process with the
// pipeline's command line (dvc.yaml), and the run records per stage the
// wall time, user and system CPU time and peak RSS (the child's wait4
// rusage, what GNU time -v reports), the size of what it wrote, and the
// machine's load average sampled every few seconds while it ran. For the
// models it adds seconds per epoch from their history.json and a projected
// full-training time with params.yaml's epoch counts.
//
// It writes results.json and results.md (-name) into -work and prints the
// Markdown.
// bench/scale/run.sh builds genie and runs it.
//
//	go run ./bench/scale -genie /tmp/scale/genie -work /tmp/genie-scale -part all
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// set is one synthetic release and what runs on it.
type set struct {
	Name    string `json:"name"`
	Format  string `json:"format"`
	Users   int    `json:"users"`
	Items   int    `json:"items"`
	Ratings int    `json:"ratings"`
	Seed    uint64 `json:"seed"`
	Train   bool   `json:"train"`
}

// Stage is one measured genie process.
type Stage struct {
	Set      string   `json:"set"`
	Name     string   `json:"stage"`
	Command  string   `json:"command"`
	Status   string   `json:"status"` // ok, failed: ..., skipped: ...
	Wall     float64  `json:"wall_seconds"`
	User     float64  `json:"user_seconds"`
	Sys      float64  `json:"sys_seconds"`
	MaxRSS   int64    `json:"max_rss_bytes"`
	OutBytes int64    `json:"output_bytes"`
	Load     loadStat `json:"load1"`
	// MinAvailable is the lowest MemAvailable seen while the stage ran.
	MinAvailable int64 `json:"min_mem_available_bytes"`
	// Busiest are the other processes using the most CPU when it started.
	Busiest []string `json:"busiest_at_start,omitempty"`
	Tail    []string `json:"log_tail,omitempty"`
	Start   string   `json:"start"`
}

// loadStat summarises the 1-minute load average over a stage.
type loadStat struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
	N    int     `json:"samples"`
}

// Training is what a model's history.json says, plus the projection.
type Training struct {
	Model   string `json:"model"`
	Threads int    `json:"threads"`
	// Epochs run here: the early-stopping (validation) run and, for the
	// sequential models, the refit on all training data.
	ValidEpochs int `json:"valid_epochs"`
	RefitEpochs int `json:"refit_epochs"`
	Validations int `json:"validations"`
	Windows     int `json:"windows,omitempty"`
	// Fits is the number of models the stage trains (Two-Tower: the
	// serving model plus one per evaluation protocol).
	Fits int `json:"fits,omitempty"`
	// WallPerEpoch is the mean wall time of all epochs run (validation
	// passes included where they ran). On a shared machine it depends on
	// the neighbours; CPUPerEpoch, the stage's user+system CPU time over
	// the epochs (data loading and the final test included, so a little
	// high), does much less, and CPUPerEpoch/Threads is what an idle
	// machine's wall time per epoch would be at best.
	WallPerEpoch float64 `json:"wall_seconds_per_epoch"`
	CPUPerEpoch  float64 `json:"cpu_seconds_per_epoch"`
	// EpochSeconds lists the epochs' wall times in order (refit last).
	EpochSeconds []float64 `json:"epoch_seconds"`
	// FullEpochs is params.yaml's epoch bound; FullRun the epochs a run to
	// that bound does (twice for the sequential models: the validation run
	// and a refit as long, when the best epoch is the last; once per fit
	// for Two-Tower); Projected*
	// are FullRun times the per-epoch figures (upper bounds: early stopping
	// ends sooner).
	FullEpochs       int                `json:"full_epochs"`
	FullRun          int                `json:"full_run_epochs"`
	ProjectedWall    float64            `json:"projected_wall_seconds"`
	ProjectedIdle    float64            `json:"projected_idle_seconds"`
	Test             map[string]float64 `json:"test,omitempty"`
	StageWall        float64            `json:"stage_wall_seconds"`
	StageCPU         float64            `json:"stage_cpu_seconds"`
	StageMaxRSSBytes int64              `json:"stage_max_rss_bytes"`
}

// Result is results.json.
type Result struct {
	Started  string     `json:"started"`
	Finished string     `json:"finished"`
	Commit   string     `json:"commit"`
	Machine  machine    `json:"machine"`
	Epochs   int        `json:"epochs"`
	Sets     []set      `json:"sets"`
	Stages   []Stage    `json:"stages"`
	Training []Training `json:"training"`
	Load     loadStat   `json:"load1_overall"`
	Samples  []sample   `json:"load_samples"`
}

type machine struct {
	CPUs     int    `json:"cpus"`
	MemTotal int64  `json:"mem_total_bytes"`
	Kernel   string `json:"kernel"`
	GoArch   string `json:"goarch"`
}

type sample struct {
	T         float64 `json:"t"` // seconds since the run started
	Load1     float64 `json:"load1"`
	Load5     float64 `json:"load5"`
	Load15    float64 `json:"load15"`
	Available int64   `json:"mem_available_bytes"`
}

var (
	genie   = flag.String("genie", "genie", "genie binary to run")
	work    = flag.String("work", filepath.Join(os.TempDir(), "genie-scale"), "work folder (outside the repository)")
	part    = flag.String("part", "all", "data (25M data stages), train (ml-1m data + training) or all")
	params  = flag.String("params", "params.yaml", "the project's params.yaml (copied into each set's folder)")
	epochs  = flag.Int("epochs", 2, "epochs per model (sasrec/bert4rec max_epochs, two_tower epochs)")
	threads = flag.Int("threads", 0, "--threads for the training stages (0: as params.yaml, the pipeline's setting)")
	ratings = flag.Int("ratings", 25_000_000, "ratings of the large set")
	users   = flag.Int("users", 162_541, "users of the large set (ml-25m has 162,541)")
	items   = flag.Int("items", 59_047, "movies of the large set (ml-25m has 59,047 rated movies)")
	stages  = flag.String("stages", "", "comma-separated stage names to run (default: all; earlier outputs must exist)")
	reuse   = flag.Bool("reuse", false, "keep an existing synthetic release instead of regenerating it")
	skipDB  = flag.Bool("skip-db", false, "skip db setup")
	pgURL   = flag.String("pg", "", "also run db setup into this postgres:// database (stage \"db setup pg\"; the server's own CPU and memory are not in its figures)")
	commit  = flag.String("commit", "", "genie commit, recorded in the results")
	every   = flag.Duration("sample", 5*time.Second, "load sampling interval")
	rebuild = flag.Bool("rebuild", false, "recompute the training table of <work>/<name>.json from the model folders and rewrite the report")
	name    = flag.String("name", "results", "base name of the results files in -work (<name>.json, <name>.md)")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	abs, err := filepath.Abs(*genie)
	if err == nil {
		if _, err := os.Stat(abs); err == nil {
			*genie = abs
		}
	}
	must(os.MkdirAll(*work, 0o755))
	if *rebuild {
		rebuildReport()
		return
	}
	var sets []set
	if *part == "data" || *part == "all" {
		sets = append(sets, set{Name: "synth-25m", Format: "ml-25m", Users: *users, Items: *items, Ratings: *ratings, Seed: 1})
	}
	if *part == "train" || *part == "all" {
		sets = append(sets, set{Name: "synth-ml1m", Format: "ml-1m", Users: 6040, Items: 3706, Ratings: 1_000_209, Seed: 1, Train: true})
	}
	if len(sets) == 0 {
		log.Fatalf("-part %q: want data, train or all", *part)
	}
	only := map[string]bool{}
	for _, s := range strings.Split(*stages, ",") {
		if s = strings.TrimSpace(s); s != "" {
			only[s] = true
		}
	}

	res := &Result{Started: time.Now().Format(time.RFC3339), Commit: *commit, Machine: machineInfo(), Epochs: *epochs, Sets: sets}
	smp := startSampler(*every)
	for _, st := range sets {
		runSet(res, smp, st, only)
	}
	res.Samples = smp.stop()
	res.Load = summarise(res.Samples, 0, math.Inf(1))
	res.Finished = time.Now().Format(time.RFC3339)
	writeResults(res)
	for _, s := range res.Stages {
		if strings.HasPrefix(s.Status, "failed") {
			os.Exit(1)
		}
	}
}

// runSet generates one release and runs its stages in dvc.yaml's order.
func runSet(res *Result, smp *sampler, st set, only map[string]bool) {
	dir := filepath.Join(*work, st.Name)
	must(os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
	full := writeParams(dir, st.Train)
	raw := filepath.Join("raw", st.Format)
	type step struct {
		name string
		args []string
		outs []string
	}
	steps := []step{
		{"synth", []string{"data", "synth", "--format", st.Format, "--users", itoa(st.Users), "--items", itoa(st.Items),
			"--ratings", itoa(st.Ratings), "--seed", strconv.FormatUint(st.Seed, 10), "--out", raw}, []string{raw}},
		{"process", []string{"process", "--input", raw, "--output", "processed", "--report", "reports/data_quality.json", "--params", "params.yaml"},
			[]string{"processed/movies.parquet", "processed/users.parquet", "processed/ratings.parquet", "processed/links.parquet", "processed/tags.parquet"}},
		{"sequences", []string{"sequences", "--processed", "processed", "--params", "params.yaml"},
			[]string{"processed/sequences_with_metadata.parquet"}},
		{"features", []string{"features", "all", "--processed", "processed", "--params", "params.yaml"},
			[]string{"processed/content_features.parquet", "processed/user_features.parquet", "processed/user_features.json", "processed/item_similarity.parquet"}},
	}
	if !*skipDB {
		steps = append(steps, step{"db setup", []string{"db", "setup", "--fresh", "--processed", "processed", "--db", "genie.db", "--report", "reports/db_validation.json"},
			[]string{"genie.db"}})
	}
	if *pgURL != "" {
		steps = append(steps, step{"db setup pg", []string{"db", "setup", "--fresh", "--processed", "processed", "--db", *pgURL, "--report", "reports/db_validation_pg.json"}, nil})
	}
	if st.Train {
		th := []string{}
		if *threads > 0 {
			th = []string{"--threads", itoa(*threads)}
		}
		steps = append(steps,
			step{"train sasrec", append([]string{"train", "sasrec", "--params", "params.yaml", "--ratings", "processed/ratings.parquet", "--out", "models/sasrec"}, th...), []string{"models/sasrec"}},
			step{"train bert4rec", append([]string{"train", "bert4rec", "--params", "params.yaml", "--ratings", "processed/ratings.parquet", "--out", "models/bert4rec"}, th...), []string{"models/bert4rec"}},
			step{"train two-tower", append([]string{"train", "two-tower", "--params", "params.yaml", "--processed", "processed", "--out", "models/two_tower"}, th...), []string{"models/two_tower"}},
		)
	}
	failed := ""
	for _, s := range steps {
		if len(only) > 0 && !only[s.name] {
			continue
		}
		if s.name == "synth" && *reuse {
			if _, err := os.Stat(filepath.Join(dir, raw)); err == nil {
				res.Stages = append(res.Stages, Stage{Set: st.Name, Name: s.name, Status: "skipped: reused", OutBytes: du(filepath.Join(dir, raw))})
				continue
			}
		}
		if failed == "synth" || failed == "process" { // every later stage reads their outputs
			res.Stages = append(res.Stages, Stage{Set: st.Name, Name: s.name, Status: "skipped: " + failed + " failed"})
			continue
		}
		r := run(smp, dir, st.Name, s.name, s.args, s.outs)
		res.Stages = append(res.Stages, r)
		log.Printf("%-10s %-16s %-8s wall %7.1fs  cpu %7.1fs  rss %6.0f MiB  load %.1f–%.1f",
			st.Name, s.name, short(r.Status), r.Wall, r.User+r.Sys, mib(r.MaxRSS), r.Load.Min, r.Load.Max)
		if r.Status != "ok" && failed == "" {
			failed = s.name
		}
		if strings.HasPrefix(s.name, "train") && r.Status == "ok" {
			if t, err := training(filepath.Join(dir, s.outs[0]), strings.TrimPrefix(s.name, "train "), full, r); err == nil {
				res.Training = append(res.Training, t)
			} else {
				log.Printf("%s: history.json: %v", s.name, err)
			}
		}
	}
}

// writeParams copies params.yaml into dir; for a training set the epoch
// counts are set to -epochs. It returns params.yaml's own epoch counts.
func writeParams(dir string, train bool) map[string]int {
	b, err := os.ReadFile(*params)
	must(err)
	var doc yaml.Node
	must(yaml.Unmarshal(b, &doc))
	full := fullEpochs()
	for model, key := range epochKeys {
		if train {
			must(setScalar(&doc, []string{"model_training", model, key}, itoa(*epochs)))
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	must(enc.Encode(&doc))
	must(os.WriteFile(filepath.Join(dir, "params.yaml"), buf.Bytes(), 0o644))
	return full
}

func lookup(n *yaml.Node, path []string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, k := range path {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// setScalar sets path to an integer, adding the last key when missing.
func setScalar(doc *yaml.Node, path []string, v string) error {
	if n := lookup(doc, path); n != nil {
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", v
		return nil
	}
	parent := lookup(doc, path[:len(path)-1])
	if parent == nil || parent.Kind != yaml.MappingNode {
		return fmt.Errorf("params: no section %s", strings.Join(path[:len(path)-1], "."))
	}
	parent.Content = append(parent.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: path[len(path)-1]},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: v})
	return nil
}

// run runs one genie stage in dir and measures it.
func run(smp *sampler, dir, setName, name string, args, outs []string) Stage {
	r := Stage{Set: setName, Name: name, Command: "genie " + strings.Join(args, " "), Busiest: busiest(5)}
	if *pgURL != "" {
		r.Command = strings.ReplaceAll(r.Command, *pgURL, "$PG")
	}
	lf, err := os.Create(filepath.Join(dir, "logs", strings.ReplaceAll(name, " ", "_")+".log"))
	must(err)
	defer lf.Close()
	fmt.Fprintf(lf, "$ %s\n", r.Command)
	for _, o := range outs {
		if name != "synth" && !strings.HasPrefix(o, "raw") {
			os.RemoveAll(filepath.Join(dir, o)) // measure a fresh build, not an update
		}
	}
	cmd := exec.Command(*genie, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = lf, lf
	start := time.Now()
	r.Start = start.Format(time.RFC3339)
	t0 := smp.now()
	err = cmd.Run()
	r.Wall = time.Since(start).Seconds()
	t1 := smp.now()
	r.Load = summarise(smp.snapshot(), t0, t1)
	r.MinAvailable = smp.minAvailable(t0, t1)
	r.Status = "ok"
	if err != nil {
		r.Status = "failed: " + err.Error()
	}
	if cmd.ProcessState != nil {
		u, s, rss, _ := usage(cmd.ProcessState)
		r.User, r.Sys, r.MaxRSS = u.Seconds(), s.Seconds(), rss
	}
	for _, o := range outs {
		r.OutBytes += du(filepath.Join(dir, o))
	}
	r.Tail = tail(lf.Name(), 6)
	return r
}

// training reads a model folder's history.json; st is its stage.
func training(dir, model string, full map[string]int, st Stage) (Training, error) {
	b, err := os.ReadFile(filepath.Join(dir, "history.json"))
	if err != nil {
		return Training{}, err
	}
	t := Training{Model: model, StageWall: st.Wall, StageCPU: st.User + st.Sys, StageMaxRSSBytes: st.MaxRSS}
	if model == "two-tower" {
		// The stage fits the serving model and, by default, one model per
		// evaluation protocol (OUT/tfrs, OUT/recbole), each with its own
		// history.json and the same epoch bound.
		var h []struct {
			Seconds float64 `json:"seconds"`
		}
		if err := json.Unmarshal(b, &h); err != nil {
			return t, err
		}
		fits := 1
		for _, sub := range []string{"tfrs", "recbole"} {
			if b, err := os.ReadFile(filepath.Join(dir, sub, "history.json")); err == nil {
				var hs []struct {
					Seconds float64 `json:"seconds"`
				}
				if err := json.Unmarshal(b, &hs); err != nil {
					return t, err
				}
				h = append(h, hs...)
				fits++
			}
		}
		t.Fits = fits
		var cfg struct {
			Config struct {
				Threads int `json:"threads"`
			} `json:"config"`
		}
		if c, err := os.ReadFile(filepath.Join(dir, "config.json")); err == nil {
			json.Unmarshal(c, &cfg)
		}
		t.Threads = cfg.Config.Threads
		if t.Threads == 0 {
			t.Threads = 2 // twotower's default
		}
		t.ValidEpochs, t.Validations, t.FullEpochs, t.FullRun = len(h), len(h), full["two_tower"], fits*full["two_tower"]
		for _, e := range h {
			t.EpochSeconds = append(t.EpochSeconds, e.Seconds)
		}
	} else {
		var rep struct {
			Config struct {
				Threads int `json:"threads"`
			} `json:"config"`
			History struct {
				Epochs []struct {
					Validated bool    `json:"validated"`
					Seconds   float64 `json:"seconds"`
				} `json:"epochs"`
				RefitEpochs int     `json:"refit_epochs"`
				Windows     int     `json:"windows"`
				Seconds     float64 `json:"seconds"`
			} `json:"history"`
			Test map[string]float64 `json:"test"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			return t, err
		}
		h := rep.History
		t.Threads, t.ValidEpochs, t.RefitEpochs, t.Windows, t.Test = max(rep.Config.Threads, 1), len(h.Epochs), h.RefitEpochs, h.Windows, rep.Test
		t.FullEpochs = full[model]
		t.FullRun = 2 * t.FullEpochs
		sum := 0.0
		for _, e := range h.Epochs {
			sum += e.Seconds
			t.EpochSeconds = append(t.EpochSeconds, e.Seconds)
			if e.Validated {
				t.Validations++
			}
		}
		// history.json keeps the refit's total only (in the fit's seconds).
		for range h.RefitEpochs {
			t.EpochSeconds = append(t.EpochSeconds, (h.Seconds-sum)/float64(h.RefitEpochs))
		}
	}
	n := len(t.EpochSeconds)
	if n == 0 {
		return t, errors.New("no epochs in history.json")
	}
	t.WallPerEpoch = mean(t.EpochSeconds)
	t.CPUPerEpoch = t.StageCPU / float64(n)
	t.ProjectedWall = float64(t.FullRun) * t.WallPerEpoch
	t.ProjectedIdle = float64(t.FullRun) * t.CPUPerEpoch / float64(max(t.Threads, 1))
	return t, nil
}

// rebuildReport re-reads a finished run's results and history files.
func rebuildReport() {
	b, err := os.ReadFile(filepath.Join(*work, *name+".json"))
	must(err)
	var res Result
	must(json.Unmarshal(b, &res))
	res.Training = nil
	for _, st := range res.Sets {
		if !st.Train {
			continue
		}
		full := fullEpochs()
		for _, s := range res.Stages {
			if s.Set == st.Name && strings.HasPrefix(s.Name, "train ") && s.Status == "ok" {
				model := strings.TrimPrefix(s.Name, "train ")
				t, err := training(filepath.Join(*work, st.Name, "models", strings.ReplaceAll(model, "-", "_")), model, full, s)
				must(err)
				res.Training = append(res.Training, t)
			}
		}
	}
	writeResults(&res)
}

// epochKeys are the epoch bounds of params.yaml's model_training sections.
var epochKeys = map[string]string{"sasrec": "max_epochs", "bert4rec": "max_epochs", "two_tower": "epochs"}

// fullEpochs returns params.yaml's epoch counts.
func fullEpochs() map[string]int {
	b, err := os.ReadFile(*params)
	must(err)
	var doc yaml.Node
	must(yaml.Unmarshal(b, &doc))
	full := map[string]int{}
	for model, key := range epochKeys {
		if n := lookup(&doc, []string{"model_training", model, key}); n != nil {
			full[model], _ = strconv.Atoi(n.Value)
		}
	}
	return full
}

func writeResults(res *Result) {
	js, err := json.MarshalIndent(res, "", "  ")
	must(err)
	must(os.WriteFile(filepath.Join(*work, *name+".json"), append(js, '\n'), 0o644))
	md := markdown(res)
	must(os.WriteFile(filepath.Join(*work, *name+".md"), []byte(md), 0o644))
	fmt.Print(md)
}

func markdown(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# genie scale run\n\n%s to %s, genie %s, %d CPUs, %.1f GiB RAM, %s\n\n", r.Started, r.Finished, r.Commit,
		r.Machine.CPUs, float64(r.Machine.MemTotal)/(1<<30), r.Machine.Kernel)
	fmt.Fprintf(&b, "Load average (1 min) over the run: min %.2f, mean %.2f, max %.2f (%d samples).\n\n", r.Load.Min, r.Load.Mean, r.Load.Max, r.Load.N)
	for _, st := range r.Sets {
		fmt.Fprintf(&b, "## %s: %s layout, %s users, %s movies, %s ratings (seed %d)\n\n", st.Name, st.Format, commas(st.Users), commas(st.Items), commas(st.Ratings), st.Seed)
		b.WriteString("| stage | wall (s) | user (s) | sys (s) | CPU/wall | peak RSS (MiB) | output (MiB) | load 1m min–max | status |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---|---|\n")
		for _, s := range r.Stages {
			if s.Set != st.Name {
				continue
			}
			ratio := ""
			if s.Wall > 0 {
				ratio = fmt.Sprintf("%.2f", (s.User+s.Sys)/s.Wall)
			}
			fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.1f | %s | %.0f | %.1f | %.1f–%.1f | %s |\n", s.Name, s.Wall, s.User, s.Sys, ratio,
				mib(s.MaxRSS), mib(s.OutBytes), s.Load.Min, s.Load.Max, s.Status)
		}
		b.WriteString("\n")
	}
	if len(r.Training) > 0 {
		fmt.Fprintf(&b, "## Training (%d epochs each; params.yaml otherwise)\n\n", r.Epochs)
		b.WriteString("| model | threads | epochs run (valid + refit, or all fits) | validations | epoch wall times (s) | wall s/epoch | CPU s/epoch | stage wall (s) | peak RSS (MiB) | full run: epochs | projected, this load | projected, idle |\n")
		b.WriteString("|---|---:|---|---:|---|---:|---:|---:|---:|---|---:|---:|\n")
		for _, t := range r.Training {
			var es []string
			for _, e := range t.EpochSeconds {
				es = append(es, fmt.Sprintf("%.0f", e))
			}
			full := fmt.Sprintf("%d", t.FullRun)
			switch {
			case t.Fits > 1:
				full = fmt.Sprintf("%d fits × %d", t.Fits, t.FullEpochs)
			case t.FullRun != t.FullEpochs:
				full = fmt.Sprintf("%d + %d refit", t.FullEpochs, t.FullRun-t.FullEpochs)
			}
			fmt.Fprintf(&b, "| %s | %d | %d + %d | %d | %s | %.1f | %.1f | %.0f | %.0f | %s | %s | %s |\n", t.Model, t.Threads, t.ValidEpochs, t.RefitEpochs,
				t.Validations, strings.Join(es, ", "), t.WallPerEpoch, t.CPUPerEpoch, t.StageWall, mib(t.StageMaxRSSBytes), full, hm(t.ProjectedWall), hm(t.ProjectedIdle))
		}
		b.WriteString("\nProjected = epochs of a full run to params.yaml's bound (no early stop) × wall s/epoch here, or × CPU s/epoch ÷ threads for an idle machine.\n\n")
	}
	return b.String()
}

// sampler records /proc/loadavg and MemAvailable every interval.
type sampler struct {
	t0   time.Time
	mu   sync.Mutex
	s    []sample
	done chan struct{}
	wg   sync.WaitGroup
}

func startSampler(every time.Duration) *sampler {
	s := &sampler{t0: time.Now(), done: make(chan struct{})}
	s.take()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-tk.C:
				s.take()
			}
		}
	}()
	return s
}

func (s *sampler) now() float64 { return time.Since(s.t0).Seconds() }

func (s *sampler) take() {
	x := sample{T: s.now(), Available: memInfo("MemAvailable")}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			x.Load1, _ = strconv.ParseFloat(f[0], 64)
			x.Load5, _ = strconv.ParseFloat(f[1], 64)
			x.Load15, _ = strconv.ParseFloat(f[2], 64)
		}
	}
	s.mu.Lock()
	s.s = append(s.s, x)
	s.mu.Unlock()
}

func (s *sampler) snapshot() []sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sample(nil), s.s...)
}

// minAvailable is the lowest MemAvailable sampled in [t0, t1], or the last
// sample before t0 when the stage was shorter than the interval.
func (s *sampler) minAvailable(t0, t1 float64) int64 {
	var m, before int64 = -1, 0
	for _, x := range s.snapshot() {
		if x.T < t0 {
			before = x.Available
		} else if x.T <= t1 && x.Available > 0 && (m < 0 || x.Available < m) {
			m = x.Available
		}
	}
	if m < 0 {
		return before
	}
	return m
}

func (s *sampler) stop() []sample {
	close(s.done)
	s.wg.Wait()
	s.take()
	return s.snapshot()
}

// summarise takes the samples in [t0, t1], or the nearest one before t0
// when the stage was shorter than the interval.
func summarise(ss []sample, t0, t1 float64) loadStat {
	var st loadStat
	var last *sample
	sum := 0.0
	for i := range ss {
		x := ss[i]
		if x.T < t0 {
			last = &ss[i]
			continue
		}
		if x.T > t1 {
			break
		}
		if st.N == 0 || x.Load1 < st.Min {
			st.Min = x.Load1
		}
		st.Max = max(st.Max, x.Load1)
		sum += x.Load1
		st.N++
	}
	if st.N == 0 && last != nil {
		return loadStat{Min: last.Load1, Mean: last.Load1, Max: last.Load1, N: 1}
	}
	if st.N > 0 {
		st.Mean = sum / float64(st.N)
	}
	return st
}

func machineInfo() machine {
	m := machine{CPUs: runtime.NumCPU(), MemTotal: memInfo("MemTotal"), GoArch: runtime.GOARCH}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return m
}

// memInfo returns a /proc/meminfo field in bytes (0 off Linux).
func memInfo(key string) int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}

// busiest lists the n processes using the most CPU (ps's lifetime %CPU).
func busiest(n int) []string {
	out, err := exec.Command("ps", "-eo", "pcpu,rss,comm", "--sort=-pcpu", "--no-headers").Output()
	if err != nil {
		return nil
	}
	var r []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if len(r) == n {
			break
		}
		r = append(r, strings.Join(strings.Fields(l), " "))
	}
	return r
}

func du(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func tail(path string, n int) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return ls[max(0, len(ls)-n):]
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func itoa(n int) string { return strconv.Itoa(n) }

func short(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i]
	}
	return s
}

func hm(sec float64) string {
	switch {
	case sec <= 0:
		return "–"
	case sec < 120:
		return fmt.Sprintf("%.0f s", sec)
	case sec < 7200:
		return fmt.Sprintf("%.0f min", sec/60)
	default:
		return fmt.Sprintf("%.1f h", sec/3600)
	}
}

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
