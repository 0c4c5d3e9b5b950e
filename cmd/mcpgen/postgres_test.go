package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// postgresDSN is the server the test script started. Without one the
// PostgreSQL tests skip, except under CI, where they must run.
func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("MCPGEN_TEST_POSTGRES_DSN")
	if dsn == "" && os.Getenv("CI") == "true" {
		t.Fatal("MCPGEN_TEST_POSTGRES_DSN is not set: under CI the PostgreSQL tests must run (scripts/test.sh starts a server)")
	}
	return dsn
}

var dbSeq atomic.Int64

// freshPostgresDB creates an empty database for one test and drops it
// afterwards, returning its DSN.
func freshPostgresDB(t *testing.T) string {
	t.Helper()
	admin := postgresDSN(t)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	name := fmt.Sprintf("mcpgen_e2e_%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("MCPGEN_TEST_POSTGRES_DSN must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Set("timezone", "UTC")
	u.RawQuery = q.Encode()
	return u.String()
}
