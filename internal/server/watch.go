package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// ModelSetter is what WatchModels swaps newly loaded models into: a
// *Server.
type ModelSetter interface {
	SetModels(m *Models)
}

// WatchOptions configure WatchModels.
type WatchOptions struct {
	// Sources are the pipeline outputs the models are loaded from
	// (LoadModels); a change of their Fingerprint triggers a reload.
	Sources Sources
	// Catalog is the pipeline's catalogue file: a change of its size or
	// modification time triggers a reload too ("" or a missing file: not
	// watched).
	Catalog string
	// SyncCatalog, when set, copies a new catalogue into the app database
	// before the models are reloaded. On failure (a catalogue being
	// rebuilt) the server keeps its data and models and tries again at
	// the next tick.
	SyncCatalog func(ctx context.Context) error
	// Busy, when set, reports that the pipeline is rewriting its outputs
	// (genie repro holds the repository lock): they are then a mix of the
	// old run's and the new one's, and the reload waits until Busy is
	// false.
	Busy func() bool
	// Interval is how often to look for changes (positive).
	Interval time.Duration
	// Logger receives the reloads and the reasons for not reloading (nil:
	// slog.Default()).
	Logger *slog.Logger
}

// fingerprint summarises the files the watcher reloads on: the sources'
// Fingerprint and the catalogue's size and modification time.
func (o *WatchOptions) fingerprint() string {
	v, _ := os.Stat(o.Catalog)
	if v == nil {
		return o.Sources.Fingerprint()
	}
	return fmt.Sprintf("%s\n%s:%d:%d", o.Sources.Fingerprint(), o.Catalog, v.Size(), v.ModTime().UnixNano())
}

// WatchModels reloads the models into srv when the pipeline's outputs
// change, every o.Interval until ctx ends. At each tick it compares the
// outputs' fingerprint with that of the version being served; on a change
// it waits while o.Busy says the pipeline is writing, then runs
// o.SyncCatalog and LoadModels and swaps the new models in with
// srv.SetModels. A failed sync or load keeps the previous version and is
// retried at the next tick (the outputs may be half written); only a
// successful reload adopts the new fingerprint.
func WatchModels(ctx context.Context, srv ModelSetter, o WatchOptions) {
	newWatcher(o).run(ctx, srv)
}

// run checks every w.o.Interval until ctx ends.
func (w *watcher) run(ctx context.Context, srv ModelSetter) {
	t := time.NewTicker(w.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.check(ctx, srv)
	}
}

// watcher is the state of WatchModels between ticks.
type watcher struct {
	o    WatchOptions
	log  *slog.Logger
	busy func() bool
	// last is the fingerprint of the outputs being served; deferred says
	// that the wait for a busy repository has been logged.
	last     string
	deferred bool
}

func newWatcher(o WatchOptions) *watcher {
	w := &watcher{o: o, log: o.Logger, busy: o.Busy}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.busy == nil {
		w.busy = func() bool { return false }
	}
	w.last = o.fingerprint()
	return w
}

// check is one tick of WatchModels.
func (w *watcher) check(ctx context.Context, srv ModelSetter) {
	fp := w.o.fingerprint()
	if fp == w.last {
		return
	}
	if w.busy() {
		if !w.deferred {
			w.log.Info("pipeline outputs changing; reload deferred until the pipeline command holding the repository lock finishes")
			w.deferred = true
		}
		return
	}
	w.deferred = false
	if w.o.SyncCatalog != nil {
		if err := w.o.SyncCatalog(ctx); err != nil {
			// A catalogue being rebuilt: keep serving, retry.
			w.log.Warn("catalogue sync failed; still serving the previous data", "err", err)
			return
		}
	}
	m, err := LoadModels(ctx, w.o.Sources)
	if err != nil {
		// A half-written output: keep serving the old version, retry.
		w.log.Warn("model reload failed; still serving the previous version", "err", err)
		return
	}
	srv.SetModels(m)
	w.last = fp
	w.log.Info("models reloaded", "model", m.Engine.Model, "version", m.Engine.Version)
}
