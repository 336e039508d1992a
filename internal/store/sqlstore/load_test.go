package sqlstore

import (
	"fmt"
	"slices"
	"testing"
)

func TestWithProgress(t *testing.T) {
	td := TableData{Table: "ratings", Rows: func(yield func([]any) bool) {
		for i := range 3 {
			if !yield([]any{i}) {
				return
			}
		}
	}}
	if got := td.WithProgress(nil); got.Table != td.Table {
		t.Fatal("nil logf changed the table")
	}
	var lines []string
	logf := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	var rows []any
	for r := range td.WithProgress(logf).Rows {
		rows = append(rows, r[0])
	}
	if !slices.Equal(rows, []any{0, 1, 2}) || len(lines) != 1 || lines[0][:len("loaded ratings: 3 rows in ")] != "loaded ratings: 3 rows in " {
		t.Errorf("rows %v, lines %q", rows, lines)
	}
	lines = nil
	for range td.WithProgress(logf).Rows {
		break // a consumer that stops early gets no "loaded" line
	}
	if len(lines) != 0 {
		t.Errorf("stopped early, logged %q", lines)
	}
}
