// Package atomicfiletest checks, in other packages' tests, that a writer
// of output files writes them atomically.
package atomicfiletest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// Concurrent runs len(want) writers, each calling write(w) rounds times on
// the same path (the only file in its directory), and checks that every
// call succeeds and that path ends up holding one writer's whole content,
// want[w], with no temporary file left beside it.
func Concurrent(t *testing.T, path string, rounds int, want [][]byte, write func(w int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(want)*rounds)
	for w := range want {
		wg.Go(func() {
			for range rounds {
				errs <- write(w)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(want, func(w []byte) bool { return bytes.Equal(w, got) }) {
		t.Errorf("%s: content of %d bytes is none of the writers'", path, len(got))
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}
