package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/moviegenie/genie/internal/search"
	"github.com/moviegenie/genie/internal/search/minilm"
)

// Embedder flag values.
const (
	embedderTrained = "trained"
	embedderMiniLM  = "minilm"
)

// embedderFlags select the search index's dense embedder: the default one
// trained from the ratings (collab-text), or the pre-trained
// sentence-transformers model read from --model-dir.
type embedderFlags struct {
	name     string
	modelDir string
}

func (f *embedderFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.name, "embedder", embedderTrained,
		"dense embedder: trained (collab-text, learned from the ratings) or minilm (pre-trained sentence-transformers model from --model-dir; needs a genie built with -tags hugot)")
	fs.StringVar(&f.modelDir, "model-dir", minilm.DefaultModelDir,
		"`dir` holding the minilm model (tokenizer.json, model.onnx, config.json), as \"genie models pull all-MiniLM-L6-v2\" writes it")
}

// minilm reports whether the pre-trained embedder is selected.
func (f *embedderFlags) minilm() (bool, error) {
	switch f.name {
	case embedderTrained, search.CollabTextName, "":
		return false, nil
	case embedderMiniLM:
		return true, nil
	}
	return false, fmt.Errorf("unknown --embedder %q: want trained or minilm", f.name)
}

// load loads the minilm model, with embedding progress on w (nil: none).
func (f *embedderFlags) load(ctx context.Context, w io.Writer) (*minilm.Embedder, *embedProgress, error) {
	p := newEmbedProgress(w)
	opts := minilm.Options{}
	if p != nil {
		opts.Progress = p.report
	}
	e, err := minilm.Load(ctx, f.modelDir, opts)
	return e, p, err
}

// attachMiniLM loads the minilm model and attaches the vectors cached in
// the index folder to ix: only queries are embedded from then on.
func attachMiniLM(ctx context.Context, ix *search.Index, indexDir string, f *embedderFlags) (*minilm.Embedder, error) {
	e, _, err := f.load(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := minilm.Attach(ix, e, indexDir); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// embedProgress reports embedding progress once it has taken more than a
// second since start: a bar on a terminal, a line every 10% elsewhere.
type embedProgress struct {
	w     io.Writer
	start time.Time
	bar   *progressbar.ProgressBar
	next  int
}

func newEmbedProgress(w io.Writer) *embedProgress {
	if w == nil || w == io.Discard {
		return nil
	}
	return &embedProgress{w: w, start: time.Now()}
}

// restart sets the clock that the one-second threshold counts from.
func (p *embedProgress) restart() {
	if p != nil {
		p.start = time.Now()
	}
}

func (p *embedProgress) report(done, total int) {
	elapsed := time.Since(p.start)
	if elapsed < time.Second {
		return
	}
	if f, ok := p.w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if p.bar == nil {
			p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription("embedding movies"), progressbar.OptionShowCount(),
				progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }))
		}
		_ = p.bar.Set(done)
		return
	}
	if done >= p.next || done == total {
		fmt.Fprintf(p.w, "embedding movies: %d of %d (%s)\n", done, total, elapsed.Round(time.Second))
		p.next = done + max(1, total/10)
	}
}
