package initdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"
)

var mySeq int

// freshMySQL creates a database holding testdata/mysql.sql, dropped after
// the test, and returns its DSN as a mysql:// URL.
func freshMySQL(t *testing.T, admin string) string {
	t.Helper()
	c, err := mysql.ParseDSN(admin)
	if err != nil {
		t.Fatalf("MCPGEN_TEST_MYSQL_DSN: %v", err)
	}
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mySeq++
	name := fmt.Sprintf("mcpgen_initdb_%d_%d", os.Getpid(), mySeq)
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("dropping database: %v", err)
		}
	})
	c.DBName = name
	load(t, "mysql", c.FormatDSN(), "mysql.sql")
	return fmt.Sprintf("mysql://%s:%s@%s/%s", c.User, c.Passwd, c.Addr, name)
}

func TestMySQLIntRange(t *testing.T) {
	for _, tt := range []struct {
		typ    string
		lo, hi int64
		ok     bool
	}{
		{"smallint(6)", -32768, 32767, true},
		{"int(10) unsigned", 0, 4294967295, true},
		{"tinyint(4)", -128, 127, true},
		{"tinyint(1)", 0, 0, false},
		{"bigint(20)", 0, 0, false},
	} {
		lo, hi, ok := mysqlDialect{}.intRange(tt.typ)
		if lo != tt.lo || hi != tt.hi || ok != tt.ok {
			t.Errorf("intRange(%q) = %d, %d, %v; want %d, %d, %v", tt.typ, lo, hi, ok, tt.lo, tt.hi, tt.ok)
		}
	}
}
