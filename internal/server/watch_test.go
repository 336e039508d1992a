package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moviegenie/genie/internal/dataset"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// modelsChan is a ModelSetter that reports every swap on a channel.
type modelsChan chan *Models

func (c modelsChan) SetModels(m *Models) { c <- m }

// syncBuffer is a bytes.Buffer safe to write from one goroutine while
// another reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// watchSources writes the processed tables into a temporary folder and
// returns the sources of a server over them (no models trained yet).
func watchSources(t *testing.T, log io.Writer) Sources {
	t.Helper()
	root := t.TempDir()
	src := Sources{Processed: filepath.Join(root, "processed"), Metrics: filepath.Join(root, "eval.json"),
		ModelsDir: filepath.Join(root, "models"), Log: slog.New(slog.NewTextHandler(log, nil))}
	if err := os.MkdirAll(src.Processed, 0o755); err != nil {
		t.Fatal(err)
	}
	storetest.WriteProcessed(t, src.Processed, storetest.Tables())
	return src
}

// writeFile writes content at path, creating its folder.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatchRules steps WatchModels' tick (watcher.check) by hand over a
// temporary models folder, and checks its reload rules: no reload without
// a change; none while the repository is busy (said once, however many
// ticks); a failed catalogue sync or model load keeps the served version
// and is retried at the next tick; a change of the catalogue file alone
// reloads too.
func TestWatchRules(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	src := watchSources(t, &logs)
	root := filepath.Dir(src.Processed)
	catalog := filepath.Join(root, "catalog.db")
	ratings := filepath.Join(src.Processed, dataset.RatingsFile)
	var (
		busy    bool
		syncErr error
		syncs   int
	)
	w := newWatcher(WatchOptions{
		Sources: src, Catalog: catalog, Interval: time.Hour, Logger: src.Log,
		Busy:        func() bool { return busy },
		SyncCatalog: func(context.Context) error { syncs++; return syncErr },
	})
	swaps := make(modelsChan, 1)

	steps := []struct {
		name   string
		change func()
		ticks  int
		reload bool
		// log is logged exactly once during the step's ticks.
		log       string
		wantSyncs int // catalogue syncs during the step
	}{
		{name: "unchanged", ticks: 3},
		{name: "busy repository", change: func() {
			busy = true
			writeFile(t, filepath.Join(src.ModelsDir, "sasrec", "history.json"), `{"epochs": 1}`)
		}, ticks: 3, log: "reload deferred until the pipeline command holding the repository lock finishes"},
		{name: "catalogue sync fails", change: func() { busy, syncErr = false, errors.New("catalogue being rebuilt") },
			ticks: 1, log: "catalogue sync failed; still serving the previous data", wantSyncs: 1},
		{name: "model load fails", change: func() {
			syncErr = nil
			if err := os.Rename(ratings, ratings+".moved"); err != nil {
				t.Fatal(err)
			}
		}, ticks: 1, log: "model reload failed; still serving the previous version", wantSyncs: 1},
		{name: "outputs whole again", change: func() {
			if err := os.Rename(ratings+".moved", ratings); err != nil {
				t.Fatal(err)
			}
		}, ticks: 1, reload: true, log: "models reloaded", wantSyncs: 1},
		{name: "unchanged after the reload", ticks: 3},
		{name: "busy again, then a new catalogue", change: func() {
			busy = true
			writeFile(t, catalog, "catalogue v2")
		}, ticks: 2, log: "reload deferred"},
		{name: "repository free", change: func() { busy = false }, ticks: 1, reload: true, log: "models reloaded", wantSyncs: 1},
	}
	for _, s := range steps {
		before, syncsBefore := strings.Count(logs.String(), s.log), syncs
		if s.change != nil {
			s.change()
		}
		reloads := 0
		for range s.ticks {
			w.check(ctx, swaps)
			select {
			case m := <-swaps:
				if m == nil || m.Engine == nil {
					t.Fatalf("%s: swapped in %+v", s.name, m)
				}
				reloads++
			default:
			}
		}
		if want := map[bool]int{true: 1}[s.reload]; reloads != want {
			t.Errorf("%s: %d reloads, want %d", s.name, reloads, want)
		}
		if s.log != "" {
			if n := strings.Count(logs.String(), s.log) - before; n != 1 {
				t.Errorf("%s: logged %q %d times, want once", s.name, s.log, n)
			}
		}
		if n := syncs - syncsBefore; n != s.wantSyncs {
			t.Errorf("%s: %d catalogue syncs, want %d", s.name, n, s.wantSyncs)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs.String())
	}
}

// TestWatchModels runs the watcher on a short interval: a new model file
// is loaded and swapped in, and WatchModels returns when its context ends.
func TestWatchModels(t *testing.T) {
	var logs syncBuffer
	src := watchSources(t, &logs)
	swaps := make(modelsChan, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	// The watcher takes the served version's fingerprint when it is made
	// (WatchModels does so before its first tick): change the outputs
	// after that, not racing with the goroutine's start.
	w := newWatcher(WatchOptions{Sources: src, Interval: 5 * time.Millisecond, Logger: src.Log})
	writeFile(t, filepath.Join(src.ModelsDir, "sasrec", "history.json"), `{"epochs": 1}`)
	go func() {
		defer close(done)
		w.run(ctx, swaps)
	}()
	select {
	case m := <-swaps:
		if m == nil || m.Histories["sasrec"] == nil {
			t.Errorf("swapped in %+v, want the new history", m)
		}
	case <-time.After(time.Minute):
		t.Fatalf("no reload within a minute:\n%s", logs.String())
	}
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("WatchModels did not return within a minute of its context ending")
	}
}
