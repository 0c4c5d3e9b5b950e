package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

const itemsSeed = `CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL, qty INTEGER);
INSERT INTO items (id, name, qty) VALUES (1, 'apple', 3), (2, 'pear', 0), (3, 'plum', NULL);`

// countItems is a tool every items config has, to look at the table.
const countItemsTool = `
tool "count_items" {
  sql = "SELECT count(*) AS n FROM items"
  result {
    one = true
  }
}
`

func itemCount(t *testing.T, tools map[string]*Tool) int64 {
	t.Helper()
	res := mustCall(t, tools["count_items"], nil)
	return structured(res)["n"].(int64)
}

// jsonOf renders structuredContent the way the runtime sends it.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %#v: %v", v, err)
	}
	return string(b)
}

func TestTypesSQLite(t *testing.T) {
	t.Parallel()
	seed := `CREATE TABLE v (i INTEGER, f REAL, t TEXT, j TEXT, ts DATETIME, naive TIMESTAMP, b BLOB, e BLOB, n TEXT, flag BOOLEAN, big BOOLEAN);
INSERT INTO v VALUES (9007199254740993, 1.5, 'plain', '{"a": 1}', '2024-05-06T07:08:09.5+02:00', '2024-05-06 07:08:09', X'00FF10', X'', NULL, 1, 7);`
	_, tools := openConfig(t, sourceHCL("sqlite", sqliteBackend.dsn(t), seed)+`
tool "get" {
  sql = "SELECT i, f, t, j, ts, naive, b, e, n, flag, big, i + 0 AS expr FROM v"
  result {
    one = true
  }
}
`, serveOpts())
	res := mustCall(t, tools["get"], nil)
	want := map[string]any{
		"i": int64(9007199254740993), "f": 1.5, "t": "plain", "j": `{"a": 1}`,
		"ts": "2024-05-06T07:08:09.5+02:00", "naive": "2024-05-06T07:08:09Z",
		"b": "AP8Q", "e": "", "n": nil, "flag": true, "big": int64(7), "expr": int64(9007199254740993),
	}
	if !reflect.DeepEqual(structured(res), want) {
		t.Errorf("row = %#v\nwant  %#v", structured(res), want)
	}
	if got := jsonOf(t, structured(res)["i"]); got != "9007199254740993" {
		t.Errorf("JSON of i = %s, want 9007199254740993", got)
	}
}

func TestTypesPostgres(t *testing.T) {
	requirePostgres(t)
	t.Parallel()
	seed := `CREATE TABLE v (i bigint, small smallint, num numeric, nan numeric, f double precision, r real, t text, j jsonb, js json,
  ts timestamptz, naive timestamp, d date, b bytea, n text, flag boolean, u uuid, arr int[], x xml, iv interval);
INSERT INTO v VALUES (9007199254740993, 7, 12345678901234567890.123456789, 'NaN', 1.5, 0.25, '{"a": 1}', '{"a": 9007199254740993, "b": [true, null]}', '[1, 2]',
  '2024-05-06T07:08:09.5+02:00', '2024-05-06 07:08:09', '2024-05-06', '\x00ff10', NULL, true,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,2}', '<a>x</a>', '1 day');`
	_, tools := openConfig(t, sourceHCL("postgres", postgresBackend.dsn(t), seed)+`
tool "get" {
  sql = "SELECT * FROM v"
  result {
    one = true
  }
}
`, serveOpts())
	res := mustCall(t, tools["get"], nil)
	row := structured(res)

	ts, err := time.Parse(time.RFC3339Nano, fmt.Sprint(row["ts"]))
	if err != nil || !ts.Equal(time.Date(2024, 5, 6, 5, 8, 9, 5e8, time.UTC)) {
		t.Errorf("ts = %v, want 2024-05-06T05:08:09.5Z as RFC 3339 (%v)", row["ts"], err)
	}
	delete(row, "ts")
	want := map[string]any{
		"i": int64(9007199254740993), "small": int64(7), "num": json.Number("12345678901234567890.123456789"), "nan": "NaN",
		"f": 1.5, "r": 0.25, "t": `{"a": 1}`,
		"j":     map[string]any{"a": json.Number("9007199254740993"), "b": []any{true, nil}},
		"js":    []any{json.Number("1"), json.Number("2")},
		"naive": "2024-05-06T07:08:09Z", "d": "2024-05-06", "b": "AP8Q", "n": nil, "flag": true,
		"u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "arr": "{1,2}", "x": "<a>x</a>", "iv": "1 day",
	}
	if !reflect.DeepEqual(row, want) {
		t.Errorf("row = %#v\nwant  %#v", row, want)
	}
	if got, want := jsonOf(t, row["num"]), "12345678901234567890.123456789"; got != want {
		t.Errorf("JSON of num = %s, want %s", got, want)
	}
}

func TestRowCap(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		seed := `CREATE TABLE n (x BIGINT PRIMARY KEY);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 250) INSERT INTO n (x) SELECT x FROM c;`
		if b.driver == "mysql" {
			seed = `CREATE TABLE n (x BIGINT PRIMARY KEY);
INSERT INTO n (x) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 250) SELECT x FROM c;`
		}
		_, tools := openConfig(t, sourceHCL(b.driver, b.dsn(t), seed)+`
tool "default_cap" {
  sql = "SELECT x FROM n ORDER BY x"
}
tool "cap_300" {
  sql = "SELECT x FROM n ORDER BY x"
  result {
    max_rows = 300
  }
}
tool "exactly_cap" {
  sql = "SELECT x FROM n WHERE x <= 100 ORDER BY x"
}
tool "none" {
  sql = "SELECT x FROM n WHERE x < 0"
}
`, serveOpts())
		tests := []struct {
			tool      string
			count     int
			truncated bool
		}{
			{"default_cap", 100, true},
			{"cap_300", 250, false},
			{"exactly_cap", 100, false},
			{"none", 0, false},
		}
		for _, tt := range tests {
			res := mustCall(t, tools[tt.tool], nil)
			rows := structured(res)["rows"].([]any)
			if len(rows) != tt.count || structured(res)["count"] != tt.count || res.Rows != tt.count {
				t.Errorf("%s: %d rows, count %v, Rows %d; want %d", tt.tool, len(rows), structured(res)["count"], res.Rows, tt.count)
			}
			if structured(res)["truncated"] != tt.truncated || res.Truncated != tt.truncated {
				t.Errorf("%s: truncated %v (Result %v), want %v", tt.tool, structured(res)["truncated"], res.Truncated, tt.truncated)
			}
			if tt.count > 0 {
				if first := rows[0].(map[string]any)["x"]; first != int64(1) {
					t.Errorf("%s: first row x = %#v, want 1", tt.tool, first)
				}
			}
			if got := jsonOf(t, structured(res)); tt.count == 0 && got != `{"count":0,"rows":[],"truncated":false}` {
				t.Errorf("%s: JSON = %s, want an empty rows array", tt.tool, got)
			}
		}
	})
}

func TestOne(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		bumpAll := "UPDATE items SET qty = qty + 1 RETURNING id"
		if b.driver == "mysql" {
			// MariaDB has RETURNING on INSERT and DELETE, not on UPDATE.
			bumpAll = "DELETE FROM items RETURNING id"
		}
		_, tools := openConfig(t, sourceHCL(b.driver, b.dsn(t), itemsSeed)+fmt.Sprintf(`
tool "get" {
  param "id" {}
  sql = "SELECT id, name, qty FROM items WHERE id = :id"
  result {
    one       = true
    not_found = "No item with that id."
  }
}
tool "get_default" {
  param "id" {}
  sql = "SELECT id FROM items WHERE id = :id"
  result {
    one = true
  }
}
tool "get_many" {
  sql = "SELECT id FROM items ORDER BY id"
  result {
    one = true
  }
}
tool "bump_all" {
  read_only = false
  sql       = %q
  result {
    one = true
  }
}
`, bumpAll), serveOpts())
		res := mustCall(t, tools["get"], map[string]any{"id": int64(1)})
		if want := map[string]any{"id": int64(1), "name": "apple", "qty": int64(3)}; !reflect.DeepEqual(structured(res), want) || res.Rows != 1 {
			t.Errorf("get 1 = %#v (Rows %d), want %#v", structured(res), res.Rows, want)
		}

		// A read-only tool takes the first row: checking for a second one
		// would cost every call another step.
		first := mustCall(t, tools["get_many"], nil)
		if structured(first)["id"] != int64(1) {
			t.Errorf("get_many = %#v, want the first row", structured(first))
		}

		tests := []struct {
			tool    string
			args    map[string]any
			toolErr string // the client-visible message; "" for another error
		}{
			{"get", map[string]any{"id": int64(99)}, "No item with that id."},
			{"get_default", map[string]any{"id": int64(99)}, defaultNotFound},
			// A write that promised one row and touched more rolls back.
			{"bump_all", nil, ""},
		}
		for _, tt := range tests {
			_, err := call(t, tools[tt.tool], tt.args)
			var te *adapter.ToolError
			switch {
			case err == nil:
				t.Errorf("%s: no error", tt.tool)
			case tt.toolErr != "" && (!errors.As(err, &te) || te.Msg != tt.toolErr):
				t.Errorf("%s: error %v, want tool error %q", tt.tool, err, tt.toolErr)
			case tt.toolErr == "" && (errors.As(err, &te) || !errors.Is(err, errManyRows)):
				t.Errorf("%s: error %v, want a logged error about more than one row", tt.tool, err)
			}
		}
		after := mustCall(t, tools["get"], map[string]any{"id": int64(1)})
		if structured(after)["qty"] != int64(3) {
			t.Errorf("after the rolled-back bump_all, item 1 = %#v, want qty 3", structured(after))
		}
	})
}

func TestReadOnlyToolCannotWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		statements := []string{
			"INSERT INTO items (id, name) VALUES (10, 'x')",
			"UPDATE items SET name = 'x'",
			"DELETE FROM items",
			"CREATE TABLE other (id INTEGER)",
			"DROP TABLE items",
			"INSERT INTO items (id, name) VALUES (11, 'y') RETURNING id",
		}
		if b.driver == "sqlite" {
			statements = append(statements, "PRAGMA query_only = 0", "ATTACH DATABASE 'other.db' AS other")
		}
		dsn := b.dsn(t)
		if b.driver == "sqlite" {
			// Open creates no file for statements that fail: the database
			// exists already here, as in a running deployment.
			s0, _ := openConfig(t, sourceHCL(b.driver, dsn, itemsSeed), serveOpts())
			s0.Close()
		}
		config := sourceHCL(b.driver, dsn, itemsSeed) + countItemsTool
		for i, stmt := range statements {
			config += fmt.Sprintf("tool \"w%d\" {\n  sql = %q\n}\n", i, stmt)
		}
		s, tools, diags := decodeConfig(t, config)
		if b.driver == "mysql" {
			// Refused when the file is read; TestReadOnlyMySQL has the rest.
			if got := strings.Count(diagsText(diags), "Read-only tool writes"); got != len(statements) {
				t.Errorf("decode: %d read-only diagnostics, want %d: %s", got, len(statements), diagsText(diags))
			}
			return
		}
		if diags.HasErrors() {
			t.Fatalf("decode: %s", diags)
		}
		t.Cleanup(func() { s.Close() })
		openDiags := s.Open(context.Background(), serveOpts())
		if b.driver == "sqlite" {
			// SQLite refuses them when they are prepared, at Open.
			if got := strings.Count(diagsText(openDiags), "Read-only tool writes"); got != len(statements) {
				t.Errorf("Open: %d read-only diagnostics, want %d: %s", got, len(statements), diagsText(openDiags))
			}
		} else if openDiags.HasErrors() {
			t.Fatalf("open: %s", openDiags)
		}
		for i, stmt := range statements {
			if _, err := call(t, tools[fmt.Sprintf("w%d", i)], nil); err == nil {
				t.Errorf("read-only %q: no error", stmt)
			}
		}
		if got := itemCount(t, tools); got != 3 {
			t.Errorf("items = %d after read-only writes, want 3", got)
		}
		if b.driver == "sqlite" {
			// Later reads on the same connections are still read-only.
			if _, err := s.ro.Exec("INSERT INTO items (id, name) VALUES (12, 'z')"); err == nil {
				t.Errorf("read pool accepted an INSERT")
			}
		}
	})
}

func TestWriteToolCommits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		_, tools := openConfig(t, sourceHCL(b.driver, b.dsn(t), itemsSeed)+countItemsTool+`
tool "add" {
  read_only = false
  param "id" {}
  param "name" {}
  sql = "INSERT INTO items (id, name) VALUES (:id, :name)"
}
tool "add_returning" {
  read_only = false
  param "id" {}
  param "name" {}
  sql = "INSERT INTO items (id, name) VALUES (:id, :name) RETURNING id, name"
  result {
    one = true
  }
}
tool "restock" {
  read_only = false
  param "qty" {}
  sql = "UPDATE items SET qty = :qty WHERE qty IS NULL OR qty = 0"
}
tool "get" {
  param "id" {}
  sql = "SELECT name, qty FROM items WHERE id = :id"
  result {
    one = true
  }
}
`, serveOpts())
		res := mustCall(t, tools["add"], map[string]any{"id": int64(4), "name": "fig"})
		if want := map[string]any{"rows_affected": int64(1)}; !reflect.DeepEqual(structured(res), want) {
			t.Errorf("add = %#v, want %#v", structured(res), want)
		}
		res = mustCall(t, tools["add_returning"], map[string]any{"id": int64(5), "name": "kiwi"})
		if want := map[string]any{"id": int64(5), "name": "kiwi"}; !reflect.DeepEqual(structured(res), want) {
			t.Errorf("add_returning = %#v, want %#v", structured(res), want)
		}
		res = mustCall(t, tools["restock"], map[string]any{"qty": int64(10)})
		if want := map[string]any{"rows_affected": int64(4)}; !reflect.DeepEqual(structured(res), want) {
			t.Errorf("restock = %#v, want %#v", structured(res), want)
		}
		if got := itemCount(t, tools); got != 5 {
			t.Errorf("items = %d, want 5", got)
		}
		res = mustCall(t, tools["get"], map[string]any{"id": int64(4)})
		if want := map[string]any{"name": "fig", "qty": int64(10)}; !reflect.DeepEqual(structured(res), want) {
			t.Errorf("get 4 = %#v, want %#v", structured(res), want)
		}

		// A failed write changes nothing: the duplicate key fails the
		// statement and the transaction rolls back.
		if _, err := call(t, tools["add"], map[string]any{"id": int64(1), "name": "dup"}); err == nil {
			t.Errorf("duplicate id: no error")
		}
		if got := itemCount(t, tools); got != 5 {
			t.Errorf("items = %d after a failed write, want 5", got)
		}
	})
}

func TestInjectionIsData(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		_, tools := openConfig(t, sourceHCL(b.driver, b.dsn(t), itemsSeed)+countItemsTool+`
tool "find" {
  param "name" {}
  sql = "SELECT id, name FROM items WHERE name = :name"
}
tool "add" {
  read_only = false
  param "id" {}
  param "name" {}
  sql = "INSERT INTO items (id, name) VALUES (:id, :name)"
}
tool "get" {
  param "id" {}
  sql = "SELECT name FROM items WHERE id = :id"
  result {
    one = true
  }
}
`, serveOpts())
		attacks := []string{
			"'; DROP TABLE items; --",
			"1 OR 1=1",
			"apple' OR '1'='1",
			"apple'--",
			`"; DELETE FROM items; --`,
			"x'); DROP TABLE items; --",
		}
		for _, a := range attacks {
			res := mustCall(t, tools["find"], map[string]any{"name": a})
			if structured(res)["count"] != 0 {
				t.Errorf("find %q: %v rows, want 0", a, structured(res)["count"])
			}
		}
		for i, a := range attacks {
			id := int64(100 + i)
			mustCall(t, tools["add"], map[string]any{"id": id, "name": a})
			res := mustCall(t, tools["get"], map[string]any{"id": id})
			if got := structured(res)["name"]; got != a {
				t.Errorf("stored %q, read back %q", a, got)
			}
		}
		if got := itemCount(t, tools); got != int64(3+len(attacks)) {
			t.Errorf("items = %d, want %d", got, 3+len(attacks))
		}
		// A string where the column wants an integer is still just a value.
		if b.driver == "mysql" {
			// MySQL converts the string to a number by its leading digits:
			// it finds row 1, and only row 1.
			if res := mustCall(t, tools["get"], map[string]any{"id": "1 OR 1=1"}); structured(res)["name"] != "apple" {
				t.Errorf("get with id %q = %#v, want row 1 only", "1 OR 1=1", structured(res))
			}
			return
		}
		if _, err := call(t, tools["get"], map[string]any{"id": "1 OR 1=1"}); err == nil {
			// SQLite compares the text with the integer and finds no row,
			// PostgreSQL rejects the text: both refuse to match every row.
			t.Errorf("get with id %q: no error, want no row or a type error", "1 OR 1=1")
		}
	})
}

func TestTimeoutCancelsQuery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		slow := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) AS n FROM c"
		if b.driver == "mysql" {
			// MariaDB stops recursion at max_recursive_iterations.
			slow = "SELECT BENCHMARK(10000000000, SHA2('mcpgen_slow', 256)) AS n"
		}
		s, tools := openConfig(t, sourceHCL(b.driver, b.dsn(t), "")+fmt.Sprintf(`
tool "slow" {
  sql = %q
}
tool "slow_write" {
  read_only = false
  sql = %q
}
`, slow, slow), serveOpts())
		for _, name := range []string{"slow", "slow_write"} {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			start := time.Now()
			_, err := tools[name].Call(ctx, &adapter.Call{Tool: name})
			elapsed := time.Since(start)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s: error %v, want one that is context.DeadlineExceeded", name, err)
			}
			if elapsed > 5*time.Second {
				t.Errorf("%s: returned after %v, want soon after the 50ms deadline", name, elapsed)
			}
		}
		if b.driver == "mysql" {
			// The driver only drops its connection: the statement must
			// not go on running on the server.
			checkMySQLStatementGone(t, s, "mcpgen_slow")
		}
	})
}

func TestSeedAppliedOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		config := sourceHCL(b.driver, b.dsn(t), itemsSeed) + countItemsTool + `
tool "remove" {
  read_only = false
  param "id" {}
  sql = "DELETE FROM items WHERE id = :id"
}
`
		s, tools, diags := decodeConfig(t, config)
		if diags.HasErrors() {
			t.Fatalf("decode: %s", diags)
		}
		if d := s.Open(context.Background(), serveOpts()); d.HasErrors() {
			t.Fatalf("first open: %s", d)
		}
		mustCall(t, tools["remove"], map[string]any{"id": int64(1)})
		if err := s.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}

		// Re-seeding would fail on CREATE TABLE, or bring the row back.
		_, tools = openConfig(t, config, serveOpts())
		if got := itemCount(t, tools); got != 2 {
			t.Errorf("items after reopening = %d, want 2", got)
		}
	})
}

func TestSeedFailureRollsBack(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		dsn := b.dsn(t)
		bad := "CREATE TABLE a (id INTEGER);\nINSERT INTO nope VALUES (1);"
		s, _, diags := decodeConfig(t, sourceHCL(b.driver, dsn, bad))
		if diags.HasErrors() {
			t.Fatalf("decode: %s", diags)
		}
		d := s.Open(context.Background(), serveOpts())
		s.Close()
		if !strings.Contains(diagsText(d), "Seed failed") {
			t.Fatalf("open: %s, want a seed failure", diagsText(d))
		}
		// The seed is one transaction: table a must not exist, and a
		// fixed seed applies on the next start.
		_, tools := openConfig(t, sourceHCL(b.driver, dsn, itemsSeed)+countItemsTool, serveOpts())
		if got := itemCount(t, tools); got != 3 {
			t.Errorf("items = %d, want 3", got)
		}
	})
}

func TestBindValues(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ids := "SELECT id FROM items WHERE id IN (SELECT value FROM json_each(:ids)) ORDER BY id"
		nullQty := "SELECT id FROM items WHERE qty IS NOT DISTINCT FROM :qty ORDER BY id"
		switch b.driver {
		case "postgres":
			ids = "SELECT id FROM items WHERE id IN (SELECT jsonb_array_elements_text(:ids::jsonb)::bigint) ORDER BY id"
		case "mysql":
			ids = "SELECT id FROM items WHERE id IN (SELECT v FROM JSON_TABLE(:ids, '$[*]' COLUMNS (v BIGINT PATH '$')) AS j) ORDER BY id"
			nullQty = "SELECT id FROM items WHERE qty <=> :qty ORDER BY id"
		}
		_, tools := openConfig(t, sourceHCL(b.driver, b.dsn(t), itemsSeed)+fmt.Sprintf(`
tool "ids" {
  param "ids" {}
  sql = %q
}
tool "null_qty" {
  param "qty" {}
  sql = %q
}
tool "bound" {
  bind "org" {}
  param "name" {}
  sql = "SELECT :org AS org, :name AS name"
  result {
    one = true
  }
}
`, ids, nullQty), serveOpts())
		res := mustCall(t, tools["ids"], map[string]any{"ids": []any{int64(3), int64(1), int64(42)}})
		if got := jsonOf(t, structured(res)["rows"]); got != `[{"id":1},{"id":3}]` {
			t.Errorf("ids = %s, want [{\"id\":1},{\"id\":3}]", got)
		}
		if b.driver != "postgres" {
			res = mustCall(t, tools["null_qty"], map[string]any{})
			if got := jsonOf(t, structured(res)["rows"]); got != `[{"id":3}]` {
				t.Errorf("absent param (NULL) = %s, want [{\"id\":3}]", got)
			}
		}
		res, err := tools["bound"].Call(context.Background(), &adapter.Call{
			Args:  map[string]any{"name": "n"},
			Binds: map[string]any{"org": "acme"},
		})
		if err != nil {
			t.Fatalf("bound: %v", err)
		}
		if want := map[string]any{"org": "acme", "name": "n"}; !reflect.DeepEqual(structured(res), want) {
			t.Errorf("bound = %#v, want %#v", structured(res), want)
		}
	})
}

func TestOpenDiagnostics(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, tools, diags := decodeConfig(t, sourceHCL(b.driver, b.dsn(t), itemsSeed)+`
tool "typo" {
  param "id" {}
  sql = <<-SQL
    SELECT id, nmae
      FROM items
     WHERE id = :id
  SQL
}
tool "dup" {
  sql = "SELECT id, name AS id FROM items"
}
tool "one_exec" {
  read_only = false
  sql = "UPDATE items SET qty = 1"
  result {
    one = true
  }
}
tool "fine" {
  sql = "SELECT id FROM items"
}
`)
		if diags.HasErrors() {
			t.Fatalf("decode: %s", diags)
		}
		t.Cleanup(func() { s.Close() })
		d := s.Open(context.Background(), serveOpts())
		want := []struct{ summary, detail, at string }{
			{"Invalid SQL statement", "nmae", ""},
			{"Duplicate column name", `two columns named "id"`, ""},
			{"Statement returns no rows", "one = true", ""},
		}
		// The diagnostic points at the typo: PostgreSQL says where, SQLite
		// and MySQL name it.
		want[0].at = fmt.Sprintf("%d:16", strings.Count(sourceHCL(b.driver, "x", itemsSeed), "\n")+5)
		if b.driver == "mysql" {
			// Query columns are learnt at the call on MySQL (see
			// describeMySQL): the duplicate is an error there.
			want = slices.Delete(want, 1, 2)
			if _, err := call(t, tools["dup"], nil); err == nil || !strings.Contains(err.Error(), `two columns named "id"`) {
				t.Errorf("dup: error %v, want one about two columns named id", err)
			}
		}
		if len(d) != len(want) {
			t.Fatalf("open: %s, want %d diagnostics", diagsText(d), len(want))
		}
		for i, w := range want {
			if d[i].Summary != w.summary || !strings.Contains(d[i].Detail, w.detail) {
				t.Errorf("diagnostic %d = %q: %q, want %q containing %q", i, d[i].Summary, d[i].Detail, w.summary, w.detail)
			}
			if w.at != "" {
				if got := fmt.Sprintf("%d:%d", d[i].Subject.Start.Line, d[i].Subject.Start.Column); got != w.at {
					t.Errorf("diagnostic %d at %s, want %s", i, got, w.at)
				}
			}
		}
	})
}

func TestOutputSchema(t *testing.T) {
	config := sourceHCL("sqlite", ":memory:", itemsSeed) + `
tool "one" {
  sql = "SELECT id, name FROM items"
  result {
    one = true
  }
}
tool "many" {
  sql = "SELECT id FROM items"
}
tool "exec" {
  read_only = false
  sql = "DELETE FROM items"
}
`
	s, tools, diags := decodeConfig(t, config)
	if diags.HasErrors() {
		t.Fatalf("decode: %s", diags)
	}
	before := tools["many"].OutputSchema()
	if props := before["properties"].(map[string]any); props["rows"] == nil || props["rows_affected"] == nil || before["required"] != nil {
		t.Errorf("schema before Open = %v, want both shapes, nothing required", before)
	}
	if d := s.Open(context.Background(), serveOpts()); d.HasErrors() {
		t.Fatalf("open: %s", d)
	}
	defer s.Close()
	tests := []struct {
		tool     string
		required []string
	}{
		{"one", []string{"id", "name"}},
		{"many", []string{"rows", "count", "truncated"}},
		{"exec", []string{"rows_affected"}},
	}
	for _, tt := range tests {
		schema := tools[tt.tool].OutputSchema()
		if schema["type"] != "object" || !reflect.DeepEqual(schema["required"], tt.required) {
			t.Errorf("%s: schema = %v, want an object requiring %v", tt.tool, schema, tt.required)
		}
		if _, err := json.Marshal(schema); err != nil {
			t.Errorf("%s: schema does not marshal: %v", tt.tool, err)
		}
	}
}

// TestConcurrentCalls runs reads and writes at once: on SQLite, writes
// queue for the one write connection while reads go on in parallel.
func TestConcurrentCalls(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		_, tools := openConfig(t, sourceHCL(b.driver, b.dsn(t), itemsSeed)+countItemsTool+`
tool "add" {
  read_only = false
  param "id" {}
  sql = "INSERT INTO items (id, name) VALUES (:id, 'x')"
}
tool "list" {
  sql = "SELECT id, name FROM items ORDER BY id"
}
`, serveOpts())
		const writers, readers, each = 4, 4, 25
		errs := make(chan error, (writers+readers)*each)
		done := make(chan struct{})
		for w := range writers {
			go func() {
				defer func() { done <- struct{}{} }()
				for i := range each {
					_, err := call(t, tools["add"], map[string]any{"id": int64(1000 + w*each + i)})
					errs <- err
				}
			}()
		}
		for range readers {
			go func() {
				defer func() { done <- struct{}{} }()
				for range each {
					_, err := call(t, tools["list"], nil)
					errs <- err
				}
			}()
		}
		for range writers + readers {
			<-done
		}
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent call: %v", err)
			}
		}
		if got, want := itemCount(t, tools), int64(3+writers*each); got != want {
			t.Errorf("items = %d, want %d", got, want)
		}
	})
}

func TestCheckModePostgres(t *testing.T) {
	requirePostgres(t)
	t.Parallel()
	dsn := postgresBackend.dsn(t)
	s, _, diags := decodeConfig(t, sourceHCL("postgres", dsn, itemsSeed)+`
tool "good" {
  sql = "SELECT id, name FROM items"
}
tool "typo" {
  sql = "SELECT nmae FROM items"
}
`)
	if diags.HasErrors() {
		t.Fatalf("decode: %s", diags)
	}
	d := s.Open(context.Background(), checkOpts())
	s.Close()
	checkDiag(t, d, `column "nmae" does not exist`)

	// The seed was checked in a transaction that was rolled back.
	_, tools := openConfig(t, sourceHCL("postgres", dsn, "")+`
tool "tables" {
  sql = "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()"
  result {
    one = true
  }
}
`, serveOpts())
	if n := structured(mustCall(t, tools["tables"], nil))["n"]; n != int64(0) {
		t.Errorf("tables after validate = %v, want 0", n)
	}
}

func TestPingClose(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s, _, diags := decodeConfig(t, sourceHCL(b.driver, b.dsn(t), itemsSeed))
		if diags.HasErrors() {
			t.Fatalf("decode: %s", diags)
		}
		if err := s.Ping(context.Background()); err == nil {
			t.Errorf("Ping before Open: no error")
		}
		if d := s.Open(context.Background(), serveOpts()); d.HasErrors() {
			t.Fatalf("open: %s", d)
		}
		if err := s.Ping(context.Background()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := s.Ping(context.Background()); err == nil {
			t.Errorf("Ping after Close: no error")
		}
	})
}
