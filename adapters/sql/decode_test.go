package sql

import (
	"reflect"
	"strings"
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
