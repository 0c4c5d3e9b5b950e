package sql

import (
	"reflect"
	"testing"
)

const okSource = `source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:test.db"
}
`

// Decode diagnostics are fixture files: testdata/invalid/sql_*.hcl at the
// repository root, checked by cmd/mcpgen's TestInvalidFixtures.

func TestDecodeTool(t *testing.T) {
	_, tools, diags := decodeConfig(t, okSource+`
tool "get" {
  param "id" {}
  bind "org" {}
  sql = "SELECT * FROM t WHERE id = :id AND org = :org AND parent = :id"
  result {
    one       = true
    not_found = "No such thing."
  }
}
tool "list" {
  read_only = false
  sql = "SELECT * FROM t"
  result {
    max_rows = 7
  }
}
`)
	if diags.HasErrors() {
		t.Fatalf("decode: %s", diags)
	}
	get, list := tools["get"], tools["list"]
	if want := "SELECT * FROM t WHERE id = ?1 AND org = ?2 AND parent = ?1"; get.stmt.query != want {
		t.Errorf("query = %q, want %q", get.stmt.query, want)
	}
	if want := []string{"id", "org"}; !reflect.DeepEqual(get.stmt.names, want) {
		t.Errorf("names = %q, want %q", get.stmt.names, want)
	}
	if !get.one || get.notFound != "No such thing." || !get.readOnly {
		t.Errorf("get: one=%v notFound=%q readOnly=%v, want true, \"No such thing.\", true", get.one, get.notFound, get.readOnly)
	}
	if list.maxRows != 7 || list.one || list.readOnly {
		t.Errorf("list: maxRows=%d one=%v readOnly=%v, want 7 false false", list.maxRows, list.one, list.readOnly)
	}
	if get.maxRows != defaultMaxRows {
		t.Errorf("default maxRows = %d, want %d", get.maxRows, defaultMaxRows)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name   string
		driver string
		tool   string // inside tool "t" { }
		want   map[string]string
	}{
		{name: "sqlite read-only, one row", driver: "sqlite", tool: `param "id" {}
sql = <<-SQL
    SELECT id, name
      FROM items
     WHERE id = :id
  SQL
result {
  one = true
}`, want: map[string]string{
			"statement":   "SELECT id, name\n  FROM items\n WHERE id = :id",
			"mode":        "read_only",
			"enforced_by": "a query_only connection whose authorizer refuses writes",
			"result":      "one",
		}},
		{name: "sqlite write, capped rows", driver: "sqlite", tool: `read_only = false
sql = "  DELETE FROM items RETURNING id  "
result {
  max_rows = 7
}`, want: map[string]string{
			"statement":   "DELETE FROM items RETURNING id",
			"mode":        "read_write",
			"enforced_by": "a transaction on the one writer connection, committed when the statement succeeds",
			"result":      "rows",
			"max_rows":    "7",
		}},
		{name: "postgres read-only, default cap", driver: "postgres", tool: `sql = "SELECT 1"`, want: map[string]string{
			"statement":   "SELECT 1",
			"mode":        "read_only",
			"enforced_by": "a BEGIN READ ONLY transaction",
			"result":      "rows",
		}},
		{name: "postgres write", driver: "postgres", tool: `read_only = false
sql = "UPDATE items SET name = 'x'"`, want: map[string]string{
			"statement":   "UPDATE items SET name = 'x'",
			"mode":        "read_write",
			"enforced_by": "a read-write transaction, committed when the statement succeeds",
			"result":      "rows",
		}},
		{name: "statement from env() is named, not shown", driver: "sqlite", tool: `sql = env("MCPGEN_TEST_DESCRIBE_SQL")`, want: map[string]string{
			"statement":   `${env("MCPGEN_TEST_DESCRIBE_SQL")}`,
			"mode":        "read_only",
			"enforced_by": "a query_only connection whose authorizer refuses writes",
			"result":      "rows",
		}},
	}
	t.Setenv("MCPGEN_TEST_DESCRIBE_SQL", "SELECT secret_column FROM t")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, tools, diags := decodeConfig(t, sourceHCL(tt.driver, "x", "")+"tool \"t\" {\n"+tt.tool+"\n}\n")
			if diags.HasErrors() {
				t.Fatalf("decode: %s", diags)
			}
			if got := tools["t"].Describe(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Describe() = %#v, want %#v", got, tt.want)
			}
		})
	}
}
