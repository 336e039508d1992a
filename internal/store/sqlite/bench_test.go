package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/moviegenie/genie/internal/store/storetest"
)

// BenchmarkML100K: go test -run '^$' -bench ML100K ./internal/store/sqlite
func BenchmarkML100K(b *testing.B) {
	tables := storetest.ML100K(b)
	path := filepath.Join(b.TempDir(), "genie.db")
	if _, err := Setup(b.Context(), path, tables, SetupOptions{}); err != nil {
		b.Fatal(err)
	}
	s, err := Open(b.Context(), path, Options{NoCreate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.Bench(b, s)
}
