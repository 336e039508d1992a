package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/moviegenie/genie/internal/atomicfile"
)

// ExportLine is one line of an export file: a user's test-phase ranking.
type ExportLine struct {
	// User is the raw user id.
	User int64 `json:"user"`
	// Items are raw item ids, best first.
	Items []int64 `json:"items"`
}

// ExportPath returns DIR/<model>.<protocol>.jsonl.
func ExportPath(dir, modelName string, p Protocol) string {
	return filepath.Join(dir, fmt.Sprintf("%s.%s.jsonl", modelName, p))
}

// writeExport writes the test rankings in out, one line per evaluated user
// in ascending raw user id order, atomically with mode 0644 (see
// [atomicfile.WriteWith]): on failure the previous export is left as it
// was, and no temporary file remains.
func writeExport(dir, modelName string, p Protocol, d *Dataset, ph *Phase, out []userOutput) error {
	path := ExportPath(dir, modelName, p)
	err := atomicfile.WriteWith(path, func(f io.Writer) error {
		w := bufio.NewWriter(f)
		enc := json.NewEncoder(w)
		for u := range out {
			if len(ph.Targets[u]) == 0 {
				continue
			}
			line := ExportLine{User: d.UserIDs[u], Items: make([]int64, len(out[u].top))}
			for i, it := range out[u].top {
				line.Items[i] = d.ItemIDs[it]
			}
			if err := enc.Encode(&line); err != nil {
				return err
			}
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("eval: export: %w", err)
	}
	return nil
}
