package sql

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

func checkOpts() adapter.OpenOptions { return adapter.OpenOptions{Check: true, Log: zerolog.Nop()} }

func TestCheckModeSQLite(t *testing.T) {
	const goodTool = `
tool "list" {
  sql = "SELECT id, name FROM items"
}
`
	const typoTool = `
tool "typo" {
  sql = "SELECT nmae FROM items"
}
`
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string) // creates the file, or not
		seed    string
		tools   string
		want    string // a substring of the one diagnostic; "" for none
		warning bool
		tables  int // tables in the file afterwards; -1: no file
	}{
		{name: "no file, no seed", tools: goodTool, want: "statements were not checked", warning: true, tables: -1},
		{name: "no file, seed, good", seed: itemsSeed, tools: goodTool, tables: -1},
		{name: "no file, seed, typo", seed: itemsSeed, tools: typoTool, want: "no such column: nmae", tables: -1},
		{name: "file, typo", prepare: seedFile, tools: typoTool, want: "no such column: nmae", tables: 1},
		{name: "file, good, seed ignored", prepare: seedFile, seed: "CREATE TABLE other (x INTEGER);", tools: goodTool, tables: 1},
		{name: "empty file, seed checked but not applied", prepare: emptyFile, seed: itemsSeed, tools: goodTool, tables: 0},
		{name: "empty file, no seed", prepare: emptyFile, tools: goodTool, want: "no such table: items", tables: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "check.db")
			if tt.prepare != nil {
				tt.prepare(t, path)
			}
			s, _, diags := decodeConfig(t, sourceHCL("sqlite", path, tt.seed)+tt.tools)
			if diags.HasErrors() {
				t.Fatalf("decode: %s", diags)
			}
			d := s.Open(context.Background(), checkOpts())
			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			checkDiag(t, d, tt.want)
			if len(d) == 1 && (d[0].Severity == hcl.DiagWarning) != tt.warning {
				t.Errorf("severity = %v, want warning %v", d[0].Severity, tt.warning)
			}
			if got := tablesIn(t, path); got != tt.tables {
				t.Errorf("tables in the file = %d, want %d (-1: no file)", got, tt.tables)
			}
		})
	}
}

func seedFile(t *testing.T, path string) {
	_, tools := openConfig(t, sourceHCL("sqlite", path, itemsSeed)+countItemsTool, serveOpts())
	if n := itemCount(t, tools); n != 3 {
		t.Fatalf("seeded %d items, want 3", n)
	}
}

func emptyFile(t *testing.T, path string) {
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

// tablesIn counts the tables of a SQLite file without creating it.
func tablesIn(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return -1
	}
	db, err := openSQLite("file:"+path+"?mode=ro", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(sqliteUserTables).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCheckModePostgresUnreachable(t *testing.T) {
	t.Parallel()
	s, _, diags := decodeConfig(t, sourceHCL("postgres", "postgres://u:hunter2secret@127.0.0.1:1/db?connect_timeout=2", "")+`
tool "t" {
  sql = "SELECT 1"
}
`)
	if diags.HasErrors() {
		t.Fatalf("decode: %s", diags)
	}
	d := s.Open(context.Background(), checkOpts())
	s.Close()
	// validate checks what serve would open; --offline is how to skip it.
	checkDiag(t, d, "PostgreSQL is unreachable, so the tools' statements cannot be checked")
	checkDiag(t, d, "validate --offline")
	if !d.HasErrors() {
		t.Errorf("diagnostics %s, want an error", diagsText(d))
	}
	if strings.Contains(diagsText(d), "hunter2secret") {
		t.Errorf("diagnostic shows the password: %s", diagsText(d))
	}

	// serve: the same is an error.
	s, _, _ = decodeConfig(t, sourceHCL("postgres", "postgres://u:hunter2secret@127.0.0.1:1/db?connect_timeout=2", ""))
	d = s.Open(context.Background(), serveOpts())
	s.Close()
	if !d.HasErrors() || strings.Contains(diagsText(d), "hunter2secret") {
		t.Errorf("serve against an unreachable server: %s, want an error without the password", diagsText(d))
	}
}

func TestDSNNotInDiagnostics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, driver, dsn, secret string
	}{
		{"sqlite path", "sqlite", "/nonexistent-dir-mcpgen/secret-name.db", "secret-name"},
		{"postgres url", "postgres", "postgres://user:s3cr3tpass@127.0.0.1:notaport/db", "s3cr3tpass"},
		{"postgres key value", "postgres", "host=127.0.0.1 port=x password=s3cr3tpass", "s3cr3tpass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, diags := decodeConfig(t, sourceHCL(tt.driver, tt.dsn, ""))
			if diags.HasErrors() {
				t.Fatalf("decode: %s", diags)
			}
			d := s.Open(context.Background(), serveOpts())
			s.Close()
			if !d.HasErrors() {
				t.Fatalf("open succeeded, want an error")
			}
			if text := diagsText(d); strings.Contains(text, tt.secret) || strings.Contains(text, tt.dsn) {
				t.Errorf("diagnostic shows the DSN: %s", text)
			}
		})
	}
}

func TestInMemory(t *testing.T) {
	t.Parallel()
	s, tools, diags := decodeConfig(t, sourceHCL("sqlite", ":memory:", itemsSeed)+countItemsTool+`
tool "add" {
  read_only = false
  param "id" {}
  sql = "INSERT INTO items (id, name) VALUES (:id, 'x')"
}
tool "sneaky" {
  sql = "INSERT INTO items (id, name) VALUES (99, 'x')"
}
`)
	if diags.HasErrors() {
		t.Fatalf("decode: %s", diags)
	}
	defer s.Close()
	d := s.Open(context.Background(), serveOpts())
	checkDiag(t, d, `Tool "sneaky" is read-only`)
	if !s.memory {
		t.Fatalf(":memory: not opened as an in-memory database")
	}
	mustCall(t, tools["add"], map[string]any{"id": int64(4)})
	if _, err := call(t, tools["sneaky"], nil); err == nil {
		t.Errorf("read-only INSERT on the in-memory database: no error")
	}
	mustCall(t, tools["add"], map[string]any{"id": int64(5)})
	if got := itemCount(t, tools); got != 5 {
		t.Errorf("items = %d, want 5", got)
	}
}

// TestInMemoryTurn: the in-memory database's connection is held for the
// source's life; calls and Ping take turns on it, a call waiting for its
// turn sees its context end, and a read's prepared statement sees what a
// write just did.
func TestInMemoryTurn(t *testing.T) {
	t.Parallel()
	s, tools, diags := decodeConfig(t, sourceHCL("sqlite", ":memory:", itemsSeed)+countItemsTool+`
tool "add" {
  read_only = false
  param "id" {}
  sql = "INSERT INTO items (id, name) VALUES (:id, 'x')"
}
`)
	if diags.HasErrors() {
		t.Fatalf("decode: %s", diags)
	}
	defer s.Close()
	if d := s.Open(context.Background(), serveOpts()); d.HasErrors() {
		t.Fatalf("open: %s", d)
	}
	if tools["count_items"].prepared == nil || tools["add"].prepared != nil {
		t.Fatalf("prepared: count_items %v, add %v; want only the read-only tool's",
			tools["count_items"].prepared != nil, tools["add"].prepared != nil)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}

	s.memTurn <- struct{}{} // as a call in progress would
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tools["count_items"].Call(ctx, &adapter.Call{RequestID: "test", Tool: "count_items"}); !errors.Is(err, context.Canceled) {
		t.Errorf("call waiting for its turn, context cancelled: %v, want context.Canceled", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping while a call holds the connection: %v, want nil at once (the database is at work)", err)
	}
	<-s.memTurn

	before := itemCount(t, tools)
	mustCall(t, tools["add"], map[string]any{"id": int64(10)})
	if got := itemCount(t, tools); got != before+1 {
		t.Errorf("items after a write = %d, want %d", got, before+1)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping after calls: %v", err)
	}
}

func TestSQLiteDSN(t *testing.T) {
	tests := []struct {
		dsn         string
		memory      bool
		path        string
		write, read string
	}{
		{
			dsn: "data/app.db", path: "data/app.db",
			write: "data/app.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate",
			read:  "data/app.db?_pragma=busy_timeout(5000)&_query_only=1",
		},
		{
			dsn: "file:app.db?_pragma=busy_timeout(100)&_journal_mode=DELETE&_query_only=0&cache=private", path: "app.db",
			write: "file:app.db?_pragma=busy_timeout(100)&_journal_mode=DELETE&_query_only=0&cache=private&_txlock=immediate",
			read:  "file:app.db?_pragma=busy_timeout(100)&_journal_mode=DELETE&cache=private&_query_only=1",
		},
		{
			dsn: "file:///var/db/my%20app.db?_txlock=deferred&_timeout=10", path: "/var/db/my app.db",
			write: "file:///var/db/my%20app.db?_txlock=deferred&_timeout=10&_pragma=journal_mode(WAL)",
			read:  "file:///var/db/my%20app.db?_txlock=deferred&_timeout=10&_query_only=1",
		},
		{dsn: ":memory:", memory: true},
		{dsn: "file::memory:?cache=shared", memory: true},
		{dsn: "file:mem1?mode=memory&cache=shared", memory: true},
		{dsn: "", memory: true},
	}
	for _, tt := range tests {
		d := parseSQLiteDSN(tt.dsn)
		if d.memory != tt.memory || d.path != tt.path {
			t.Errorf("parse(%q): memory %v path %q, want %v %q", tt.dsn, d.memory, d.path, tt.memory, tt.path)
		}
		if tt.memory {
			continue
		}
		if got := d.writeDSN(); got != tt.write {
			t.Errorf("writeDSN(%q) = %q, want %q", tt.dsn, got, tt.write)
		}
		if got := d.readDSN(); got != tt.read {
			t.Errorf("readDSN(%q) = %q, want %q", tt.dsn, got, tt.read)
		}
	}
}

func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	s, _ := openConfig(t, sourceHCL("sqlite", sqliteBackend.dsn(t), itemsSeed), serveOpts())
	tests := []struct {
		pool   string
		pragma string
		want   any
	}{
		{"write", "journal_mode", "wal"},
		{"write", "busy_timeout", int64(5000)},
		{"write", "query_only", int64(0)},
		{"read", "journal_mode", "wal"},
		{"read", "query_only", int64(1)},
	}
	for _, tt := range tests {
		db := s.db
		if tt.pool == "read" {
			db = s.ro
		}
		var got any
		if err := db.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
			t.Fatalf("%s PRAGMA %s: %v", tt.pool, tt.pragma, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s pool: PRAGMA %s = %#v, want %#v", tt.pool, tt.pragma, got, tt.want)
		}
	}
	// query_only holds without the authorizer too.
	raw, err := openSQLite(parseSQLiteDSN(filepath.Join(t.TempDir(), "x.db")).readDSN(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("CREATE TABLE t (x INTEGER)"); err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("CREATE TABLE on a query_only connection: %v, want a read-only error", err)
	}
}

func TestSQLiteReadPragmasAllowed(t *testing.T) {
	t.Parallel()
	_, tools := openConfig(t, sourceHCL("sqlite", sqliteBackend.dsn(t), itemsSeed)+`
tool "columns" {
  sql = "SELECT name FROM pragma_table_info('items') ORDER BY cid"
}
tool "info" {
  sql = "PRAGMA table_info(items)"
}
`, serveOpts())
	res := mustCall(t, tools["columns"], nil)
	if got := jsonOf(t, structured(res)["rows"]); got != `[{"name":"id"},{"name":"name"},{"name":"qty"}]` {
		t.Errorf("columns = %s", got)
	}
	if res := mustCall(t, tools["info"], nil); res.Rows != 3 {
		t.Errorf("PRAGMA table_info: %d rows, want 3", res.Rows)
	}
}

// TestInMemoryQueryOnly: every read on the in-memory database runs with
// query_only on, whatever ran before it on the one connection (a write
// turns it off), though a read no longer sets it when it is on already.
func TestInMemoryQueryOnly(t *testing.T) {
	t.Parallel()
	_, tools := openConfig(t, sourceHCL("sqlite", ":memory:", itemsSeed)+`
tool "flag" {
  sql = "SELECT query_only FROM pragma_query_only"
  result {
    one = true
  }
}
tool "add" {
  read_only = false
  param "id" {}
  sql = "INSERT INTO items (id, name) VALUES (:id, 'x')"
}
`, serveOpts())
	for i, step := range []string{"flag", "flag", "add", "flag", "add", "add", "flag", "flag"} {
		if step == "add" {
			mustCall(t, tools["add"], map[string]any{"id": int64(100 + i)})
			continue
		}
		if got := structured(mustCall(t, tools["flag"], nil))["query_only"]; got != int64(1) {
			t.Fatalf("step %d: a read ran with query_only = %v", i, got)
		}
	}
}
