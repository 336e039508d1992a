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
		"minilm model folder (tokenizer.json, model.onnx, config.json), as `genie models pull all-MiniLM-L6-v2` writes it")
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

// load loads the minilm model, with embedding progress on w.
func (f *embedderFlags) load(ctx context.Context, w io.Writer) (*minilm.Embedder, error) {
	return minilm.Load(ctx, f.modelDir, minilm.Options{Progress: newEmbedProgress(w)})
}

// attachMiniLM loads the minilm model and attaches the vectors cached in
// the index folder to ix: only queries are embedded from then on.
func attachMiniLM(ctx context.Context, ix *search.Index, indexDir string, f *embedderFlags) (*minilm.Embedder, error) {
	e, err := f.load(ctx, io.Discard)
	if err != nil {
		return nil, err
	}
	if err := minilm.Attach(ix, e, indexDir); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// newEmbedProgress reports embedding progress on w once it has taken more
// than a second: a bar on a terminal, a line every 10% elsewhere.
func newEmbedProgress(w io.Writer) func(done, total int) {
	if w == nil || w == io.Discard {
		return nil
	}
	start := time.Now()
	var bar *progressbar.ProgressBar
	next := 0
	return func(done, total int) {
		if time.Since(start) < time.Second {
			return
		}
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
					progressbar.OptionSetDescription("embedding movies"), progressbar.OptionShowCount(),
					progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
			}
			_ = bar.Set(done)
			return
		}
		if done >= next || done == total {
			fmt.Fprintf(w, "embedding movies: %d of %d (%s)\n", done, total, time.Since(start).Round(time.Second))
			next = done + max(1, total/10)
		}
	}
}
