package storetest

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the environment variable that holds the URL of a
// PostgreSQL server on which tests may create and drop databases.
const PostgresEnv = "GENIE_TEST_POSTGRES"

// PostgresDB creates an empty database named after prefix on the server
// $GENIE_TEST_POSTGRES names, drops it when the test ends, and returns its
// URL. Without the variable it skips the test.
func PostgresDB(tb testing.TB, prefix string) string {
	tb.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		tb.Skip(PostgresEnv + " is not set: start a server with scripts/pg start and export " + PostgresEnv + "=$(scripts/pg url)")
	}
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("%s: %v", PostgresEnv, err)
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano()%1e9, rand.IntN(1e6))
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		db.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			tb.Errorf("drop %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
