package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/moviegenie/genie/internal/store"
	"github.com/moviegenie/genie/internal/store/storetest"
)

// TestFeedbackSurvivesKill: a child process writes feedback and reports
// each acknowledged id; the parent SIGKILLs it mid-stream (no Close, no
// checkpoint) and then finds every acknowledged row in the database.
func TestFeedbackSurvivesKill(t *testing.T) {
	if path := os.Getenv("GENIE_TEST_CRASH_DB"); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("short")
	}
	_, tables := storetest.Processed(t)
	path := filepath.Join(t.TempDir(), "genie.db")
	setup(t, path, tables, SetupOptions{})

	cmd := osexec.Command(os.Args[0], "-test.run=^TestFeedbackSurvivesKill$")
	cmd.Env = append(os.Environ(), "GENIE_TEST_CRASH_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []int64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		id, err := strconv.ParseInt(sc.Text(), 10, 64)
		if err != nil {
			continue // test framework output
		}
		acked = append(acked, id)
		if len(acked) == 40 {
			cmd.Process.Kill()
			break
		}
	}
	cmd.Wait()
	if len(acked) < 40 {
		t.Fatalf("child acknowledged only %d events", len(acked))
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Logf("no WAL file after the kill: %v", err)
	}

	s := open(t, path) // recovers the WAL
	defer s.Close()
	seq, err := s.Sequence(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	have := map[int64]bool{}
	for _, it := range seq {
		have[it.ID] = true
	}
	for _, id := range acked {
		if !have[id] {
			t.Errorf("acknowledged feedback %d lost after the crash", id)
		}
	}
}

// crashChild writes feedback for user 1 forever, printing each id once
// AddFeedback returned.
func crashChild(path string) {
	ctx := context.Background()
	s, err := Open(ctx, path, Options{NoCreate: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		it, err := s.AddFeedback(ctx, store.Feedback{UserID: 1, MovieID: int32(1 + i%30), Kind: store.KindWatched})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(it.ID) // unbuffered: written before the next event starts
	}
}
