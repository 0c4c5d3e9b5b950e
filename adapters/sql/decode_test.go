package sql

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

const okSource = `source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:test.db"
}
`

func TestDecodeSourceDiagnostics(t *testing.T) {
	tests := []struct {
		name string
		body string // inside source "sql" "db" { }
		want string // a substring of the one diagnostic; "" for none
		at   string // "line:col" of its subject (the source block starts on line 1)
	}{
		{name: "minimal", body: `driver = "sqlite"
dsn = "x.db"`},
		{name: "everything", body: `driver = "postgres"
dsn = "postgres://u@h/db"
seed = "CREATE TABLE t (id int);"
max_open_conns = 4
max_idle_conns = 2
conn_max_lifetime = "30m"
conn_max_idle_time = "5m"`},
		{name: "missing driver", body: `dsn = "x.db"`, want: `The argument "driver" is required`},
		{name: "missing dsn", body: `driver = "sqlite"`, want: `The argument "dsn" is required`},
		{name: "unknown driver", body: `driver = "mysql"
dsn = "x"`, want: `driver must be "sqlite" or "postgres", not "mysql"`, at: "2:10"},
		{name: "unknown attribute", body: `driver = "sqlite"
dsn = "x.db"
pool = 3`, want: `An argument named "pool" is not expected here`, at: "4:1"},
		{name: "empty dsn", body: `driver = "sqlite"
dsn = ""`, want: "dsn must name a database", at: "3:7"},
		{name: "bad sqlite query", body: `driver = "sqlite"
dsn = "x.db?a=%zz"`, want: "not valid URL query syntax", at: "3:7"},
		{name: "zero max_open_conns", body: `driver = "sqlite"
dsn = "x.db"
max_open_conns = 0`, want: "max_open_conns must be a whole number of at least 1", at: "4:18"},
		{name: "fractional max_idle_conns", body: `driver = "sqlite"
dsn = "x.db"
max_idle_conns = 1.5`, want: "max_idle_conns must be a whole number.", at: "4:18"},
		{name: "idle above open", body: `driver = "sqlite"
dsn = "x.db"
max_open_conns = 2
max_idle_conns = 3`, want: "max_idle_conns (3) is larger than max_open_conns (2)", at: "5:18"},
		{name: "bad duration", body: `driver = "sqlite"
dsn = "x.db"
conn_max_lifetime = "ten minutes"`, want: `conn_max_lifetime must be a duration such as "5s" or "1m30s", not "ten minutes"`, at: "4:21"},
		{name: "negative duration", body: `driver = "sqlite"
dsn = "x.db"
conn_max_idle_time = "-5s"`, want: "conn_max_idle_time must not be negative", at: "4:22"},
		{name: "secret bad duration is not echoed", body: `driver = "sqlite"
dsn = "x.db"
conn_max_idle_time = env("MCPGEN_TEST_UNSET_VAR")`, want: `not the value from env()`, at: "4:22"},
		{name: "dsn of wrong type", body: `driver = "sqlite"
dsn = 5`, want: "dsn must be a string, not a number", at: "3:7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := fmt.Sprintf("source \"sql\" \"db\" {\n%s\n}\n", tt.body)
			_, _, diags := decodeConfig(t, text)
			checkDiag(t, diags, tt.want, tt.at)
		})
	}
}

func TestDecodeToolDiagnostics(t *testing.T) {
	tests := []struct {
		name    string
		tool    string // inside tool "t" { }, which starts on line 5
		driver  string
		want    string
		at      string
		warning bool
	}{
		{name: "ok", tool: `param "id" {}
sql = "SELECT * FROM t WHERE id = :id"`},
		{name: "missing sql", tool: `param "id" {}`, want: `The argument "sql" is required`},
		{name: "unknown attribute", tool: `sql = "SELECT 1"
query = "SELECT 2"`, want: `An argument named "query" is not expected here`, at: "7:1"},
		{name: "undeclared parameter in a string", tool: `sql = "SELECT * FROM t WHERE id = :x"`,
			want: `SQL parameter :x is not declared; add a param or bind block named "x".`, at: "6:35"},
		{name: "undeclared parameter in a heredoc", tool: `param "id" {}
sql = <<-SQL
    SELECT *
      FROM t

    WHERE id = :id
      AND org = :org
  SQL`, want: `SQL parameter :org is not declared`, at: "12:17"},
		{name: "undeclared parameter in a plain heredoc", tool: `sql = <<SQL
SELECT 1,
  :x
SQL`, want: `SQL parameter :x is not declared`, at: "8:3"},
		{name: "bind counts as declared", tool: `bind "org" {}
sql = "SELECT * FROM t WHERE org = :org"`},
		{name: "unused param", tool: `param "id" {}
sql = "SELECT 1"`, want: `param "id" is not used in the SQL statement; use it as :id or remove it.`, at: "6:7"},
		{name: "unused bind", tool: `bind "org" {}
sql = "SELECT 1"`, want: `bind "org" is not used in the SQL statement`, at: "6:6"},
		{name: "parameter inside a comment does not count", tool: `param "id" {}
sql = "SELECT 1 -- :id"`, want: `param "id" is not used`},
		{name: "two statements", tool: `sql = "SELECT 1; DELETE FROM t"`, want: "must hold one statement", at: "6:16"},
		{name: "positional placeholder", tool: `sql = "SELECT * FROM t WHERE id = ?"`, want: "Write parameters as :name", at: "6:35"},
		{name: "postgres cast is not a parameter", driver: "postgres", tool: `param "ids" {}
sql = "SELECT * FROM t WHERE id IN (SELECT jsonb_array_elements_text(:ids::jsonb)::bigint)"`},
		{name: "not_found without one", tool: `sql = "SELECT 1"
result {
  not_found = "nope"
}`, want: "not_found needs one = true", at: "8:3"},
		{name: "not_found with one", tool: `sql = "SELECT 1"
result {
  one = true
  not_found = "nope"
}`},
		{name: "not_found from env", tool: `sql = "SELECT 1"
result {
  one = true
  not_found = env("HOME")
}`, want: "env() values are secrets and cannot appear in not_found", at: "9:15"},
		{name: "max_rows zero", tool: `sql = "SELECT 1"
result {
  max_rows = 0
}`, want: "max_rows must be a whole number of at least 1", at: "8:14"},
		{name: "max_rows with one", tool: `sql = "SELECT 1"
result {
  one = true
  max_rows = 5
}`, want: "max_rows has no effect", at: "9:3", warning: true},
		{name: "one not a bool", tool: `sql = "SELECT 1"
result {
  one = "yes"
}`, want: "one must be a bool, not a string", at: "8:9"},
		{name: "unknown result attribute", tool: `sql = "SELECT 1"
result {
  many = true
}`, want: `An argument named "many" is not expected here`, at: "8:3"},
		{name: "two result blocks", tool: `sql = "SELECT 1"
result {}
result {}`, want: "Duplicate result block", at: "8:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			driver := tt.driver
			if driver == "" {
				driver = "sqlite"
			}
			text := fmt.Sprintf("source \"sql\" \"db\" {\n  driver = %q\n  dsn = \"x\"\n}\ntool \"t\" {\n%s\n}\n", driver, tt.tool)
			_, _, diags := decodeConfig(t, text)
			checkDiag(t, diags, tt.want, tt.at)
			if tt.want != "" && len(diags) == 1 && (diags[0].Severity == hcl.DiagWarning) != tt.warning {
				t.Errorf("severity = %v, want warning %v", diags[0].Severity, tt.warning)
			}
		})
	}
}

// checkDiag expects exactly one diagnostic containing want at line:col, or
// none when want is "".
func checkDiag(t *testing.T, diags hcl.Diagnostics, want, at string) {
	t.Helper()
	if want == "" {
		if len(diags) != 0 {
			t.Errorf("diagnostics = %s, want none", diagsText(diags))
		}
		return
	}
	if len(diags) != 1 {
		t.Fatalf("diagnostics = %s, want one containing %q", diagsText(diags), want)
	}
	d := diags[0]
	if got := d.Summary + ": " + d.Detail; !strings.Contains(got, want) {
		t.Errorf("diagnostic = %q, want it to contain %q", got, want)
	}
	if at != "" {
		if d.Subject == nil {
			t.Fatalf("diagnostic %q has no subject", d.Detail)
		}
		if got := fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column); got != at {
			t.Errorf("diagnostic at %s, want %s", got, at)
		}
	}
}

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

func TestSQLTextRange(t *testing.T) {
	// Lines of the value start at columns 5 and 7; blank lines keep their
	// own whitespace in a flush heredoc.
	text := okSource + "tool \"t\" {\n  sql = <<-SQL\n    SELECT a,\n  \n      b\n    FROM t\n  SQL\n}\n"
	src, tools := parseConfig(t, text)
	_ = src
	attrs, _ := tools[0].Body.JustAttributes()
	expr := attrs["sql"].Expr
	v, _ := expr.Value(nil)
	st := newSQLText(expr, v.AsString())
	if st.lines == nil {
		t.Fatalf("no line mapping for %q", v.AsString())
	}
	value := v.AsString()
	for _, word := range []string{"SELECT", "a", "b", "FROM", "t\n"} {
		off := strings.Index(value, word)
		r := st.rangeOf(off, off+len(strings.TrimSpace(word)))
		got := string([]byte(text)[r.Start.Byte:r.End.Byte])
		if got != strings.TrimSpace(word) {
			t.Errorf("rangeOf(%q) covers %q (%s)", word, got, r)
		}
	}
}
