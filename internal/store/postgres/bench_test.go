package postgres

import (
	"testing"

	"github.com/moviegenie/genie/internal/store/storetest"
)

// BenchmarkML100K: GENIE_TEST_POSTGRES=$(scripts/pg url) go test -run '^$' -bench ML100K ./internal/store/postgres
func BenchmarkML100K(b *testing.B) {
	dsn := storetest.PostgresDB(b, "genie_bench")
	tables := storetest.ML100K(b)
	if _, err := Setup(b.Context(), dsn, tables, SetupOptions{}); err != nil {
		b.Fatal(err)
	}
	s, err := Open(b.Context(), dsn, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.Bench(b, s)
}
