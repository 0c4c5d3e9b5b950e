package sql

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// checkMySQLStatementGone waits until no session of the server runs a
// statement containing marker: a cancelled call must not leave its
// statement running. KILL QUERY has returned by then; the server thread
// notices it at its next check, so this polls for a bounded time.
func checkMySQLStatementGone(t *testing.T, s *Source, marker string) {
	t.Helper()
	q := "SELECT count(*) FROM information_schema.processlist WHERE info LIKE ? AND id <> CONNECTION_ID()"
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := s.db.QueryRow(q, "%"+marker+"%").Scan(&n); err != nil {
			t.Fatalf("processlist: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d statements containing %q still run on the server after their call was cancelled", n, marker)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTypesMySQL(t *testing.T) {
	t.Parallel()
	seed := `CREATE TABLE v (i BIGINT, u BIGINT UNSIGNED, small_u BIGINT UNSIGNED, ti TINYINT(1), num DECIMAL(30,9), f DOUBLE, r FLOAT,
  t VARCHAR(20), txt TEXT, j JSON, ts TIMESTAMP(3) NULL, dt DATETIME, d DATE, tm TIME, b VARBINARY(8), bl BLOB, n TEXT,
  bit1 BIT(1), bits BIT(12), e ENUM('a','b'), y YEAR);
SET time_zone = '+02:00';
INSERT INTO v VALUES (9007199254740993, 18446744073709551615, 7, 1, 12345678901234567890.123456789, 1.5, 0.1,
  'plain', '{"a": 1}', '{"a": 9007199254740993}', '2024-05-06 07:08:09.5', '2024-05-06 07:08:09', '2024-05-06', '12:34:56',
  X'00FF10', X'', NULL, b'1', b'100000000001', 'b', 2024);`
	_, tools := openConfig(t, sourceHCL("mysql", mysqlBackend.dsn(t), seed)+`
tool "get" {
  sql = "SELECT * FROM v"
  result {
    one = true
  }
}
tool "get_param" {
  param "x" {}
  sql = "SELECT v.*, :x AS x FROM v"
  result {
    one = true
  }
}
`, serveOpts())
	want := map[string]any{
		"i": int64(9007199254740993), "u": "18446744073709551615", "small_u": int64(7), "ti": int64(1),
		"num": "12345678901234567890.123456789", "f": 1.5, "r": 0.1,
		"t": "plain", "txt": `{"a": 1}`,
		// MariaDB's JSON is LONGTEXT with a check: it comes back as text.
		"j":  `{"a": 9007199254740993}`,
		"ts": "2024-05-06T05:08:09.5Z", "dt": "2024-05-06T07:08:09Z", "d": "2024-05-06", "tm": "12:34:56",
		"b": "AP8Q", "bl": "", "n": nil, "bit1": int64(1), "bits": int64(2049), "e": "b", "y": int64(2024),
	}
	// Without arguments the driver reads the text protocol; with them,
	// the binary one: both must give the same values.
	for _, c := range []struct {
		tool string
		args map[string]any
	}{{"get", nil}, {"get_param", map[string]any{"x": "x"}}} {
		row := structured(mustCall(t, tools[c.tool], c.args))
		delete(row, "x")
		if !reflect.DeepEqual(row, want) {
			t.Errorf("%s: row = %#v\nwant  %#v", c.tool, row, want)
		}
		if got := jsonOf(t, row["i"]); got != "9007199254740993" {
			t.Errorf("%s: JSON of i = %s, want 9007199254740993", c.tool, got)
		}
	}
}

// TestMySQLJSONColumn covers MySQL's JSON type, which MariaDB does not
// send: the driver reports it as JSON and hands over the bytes.
func TestMySQLJSONColumn(t *testing.T) {
	if k := columnKind(dialectMySQL, "JSON"); k != kindJSON {
		t.Fatalf("kind of JSON = %v, want kindJSON", k)
	}
	got := jsonValue([]byte(`{"a": 9007199254740993, "b": [true, null]}`), kindJSON)
	if s := jsonOf(t, got); s != `{"a":9007199254740993,"b":[true,null]}` {
		t.Errorf("JSON column = %s", s)
	}
}

func TestReadOnlyMySQL(t *testing.T) {
	requireMySQL(t)
	t.Parallel()
	dsn := mysqlBackend.dsn(t)
	seed := itemsSeed + `
CREATE FUNCTION sneaky() RETURNS INT MODIFIES SQL DATA BEGIN DELETE FROM items; RETURN 1; END;
CREATE FUNCTION harmless() RETURNS INT READS SQL DATA RETURN (SELECT count(*) FROM items);`

	// Statements that are not queries are refused when the file is read:
	// MySQL would run DDL outside the read-only transaction.
	refused := []string{
		"INSERT INTO items (id, name) VALUES (10, 'x')",
		"UPDATE items SET name = 'x'",
		"DELETE FROM items",
		"CREATE TABLE other (id INTEGER)",
		"DROP TABLE items",
		"SET SESSION TRANSACTION READ WRITE",
		"CALL p()",
	}
	config := sourceHCL("mysql", dsn, seed)
	for i, stmt := range refused {
		config += fmt.Sprintf("tool \"w%d\" {\n  sql = %q\n}\n", i, stmt)
	}
	_, _, diags := decodeConfig(t, config)
	if got := strings.Count(diagsText(diags), "Read-only tool writes"); got != len(refused) {
		t.Errorf("decode: %d read-only diagnostics, want %d: %s", got, len(refused), diagsText(diags))
	}

	// A query that writes through a function passes that check; MariaDB
	// sees the write when Open prepares it.
	s, _, diags := decodeConfig(t, sourceHCL("mysql", dsn, seed)+`
tool "sneaky" {
  sql = "SELECT sneaky() AS x"
}
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d := s.Open(context.Background(), serveOpts())
	s.Close()
	checkDiag(t, d, "Read-only tool writes")

	// A function that starts writing after Open: the READ ONLY
	// transaction refuses the write at the call, and nothing changes.
	s, tools := openConfig(t, sourceHCL("mysql", dsn, seed)+countItemsTool+`
tool "harmless" {
  sql = "SELECT harmless() AS x"
}
`, serveOpts())
	for _, stmt := range []string{"DROP FUNCTION harmless", "CREATE FUNCTION harmless() RETURNS INT MODIFIES SQL DATA BEGIN DELETE FROM items; RETURN 1; END"} {
		if _, err := s.db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	for _, name := range []string{"harmless"} {
		if _, err := call(t, tools[name], nil); err == nil || !strings.Contains(err.Error(), "READ ONLY") {
			t.Errorf("%s: error %v, want MySQL's refusal in a READ ONLY transaction", name, err)
		}
	}
	if got := itemCount(t, tools); got != 3 {
		t.Errorf("items = %d after read-only writes, want 3", got)
	}

	// The read-only pool's sessions refuse writes and DDL outside a
	// transaction too, which START TRANSACTION READ ONLY alone would not.
	for _, stmt := range []string{"DROP TABLE items", "CREATE TABLE other (id INT)", "DELETE FROM items"} {
		if _, err := s.ro.Exec(stmt); err == nil {
			t.Errorf("read-only pool accepted %q", stmt)
		}
	}
	if got := itemCount(t, tools); got != 3 {
		t.Errorf("items = %d after writes on the read-only pool, want 3", got)
	}
	if d := tools["count_items"].Describe(); !strings.Contains(d["enforced_by"], "READ ONLY") {
		t.Errorf("Describe = %v, want it to name READ ONLY", d)
	}
}

func TestMySQLDSN(t *testing.T) {
	requireMySQL(t)
	t.Parallel()
	dsn := mysqlBackend.dsn(t)
	c, err := parseMySQLDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	// The URL form reaches the same database.
	u := fmt.Sprintf("mysql://%s:%s@%s/%s?charset=utf8mb4", c.User, c.Passwd, c.Addr, c.DBName)
	_, tools := openConfig(t, sourceHCL("mysql", u, itemsSeed)+countItemsTool, serveOpts())
	if got := itemCount(t, tools); got != 3 {
		t.Errorf("items over a mysql:// URL = %d, want 3", got)
	}

	for _, tt := range []struct{ dsn, want string }{
		{"mysql://u:secretpw@127.0.0.1:1/", "names no database"},
		{"u:secretpw@tcp(127.0.0.1:1/db", "network address not terminated"},
		{"u:secretpw@tcp(127.0.0.1:1)/db?parseTime=maybe", "invalid bool value"},
	} {
		_, _, diags := decodeConfig(t, sourceHCL("mysql", tt.dsn, ""))
		text := diagsText(diags)
		if !strings.Contains(text, "Invalid MySQL dsn") || !strings.Contains(text, tt.want) || strings.Contains(text, "secretpw") {
			t.Errorf("dsn %q: %s, want Invalid MySQL dsn with %q and no password", tt.dsn, text, tt.want)
		}
	}

	// A wrong password: an error at Open, without the password.
	bad := strings.Replace(u, ":"+c.Passwd+"@", ":wrongpassword@", 1)
	s, _, diags := decodeConfig(t, sourceHCL("mysql", bad, ""))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d := s.Open(context.Background(), serveOpts())
	s.Close()
	if text := diagsText(d); !strings.Contains(text, "Access denied") || strings.Contains(text, "wrongpassword") {
		t.Errorf("wrong password: %s", text)
	}
}

func TestCheckModeMySQL(t *testing.T) {
	requireMySQL(t)
	t.Parallel()
	dsn := mysqlBackend.dsn(t)
	config := sourceHCL("mysql", dsn, itemsSeed) + `
tool "good" {
  sql = "SELECT id, name FROM items"
}
`
	// An empty database with a seed: validate cannot try the seed (MySQL
	// commits DDL), says so, and creates nothing.
	s, _, diags := decodeConfig(t, config)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d := s.Open(context.Background(), checkOpts())
	s.Close()
	if d.HasErrors() || !strings.Contains(diagsText(d), "Statements not checked") {
		t.Errorf("validate on an empty database: %s, want a warning", diagsText(d))
	}
	_, tools := openConfig(t, sourceHCL("mysql", dsn, "")+`
tool "tables" {
  sql = "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE()"
  result {
    one = true
  }
}
`, serveOpts())
	if n := structured(mustCall(t, tools["tables"], nil))["n"]; n != int64(0) {
		t.Fatalf("tables after validate = %v, want 0", n)
	}

	// Seeded by serve, then validated: statements are checked.
	openConfig(t, config, serveOpts())
	s, _, diags = decodeConfig(t, config+`
tool "typo" {
  sql = "SELECT nmae FROM items"
}
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d = s.Open(context.Background(), checkOpts())
	s.Close()
	checkDiag(t, d, "Unknown column 'nmae'")
}

// TestMySQLUnreachable: validate against a server that does not answer is
// an error that points to --offline.
func TestMySQLUnreachable(t *testing.T) {
	t.Parallel()
	s, _, diags := decodeConfig(t, sourceHCL("mysql", "u:p@tcp(127.0.0.1:1)/db?timeout=2s", ""))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	d := s.Open(context.Background(), checkOpts())
	s.Close()
	checkDiag(t, d, "validate --offline")
}

func TestMySQLRowsAffectedAndReturning(t *testing.T) {
	requireMySQL(t)
	t.Parallel()
	_, tools := openConfig(t, sourceHCL("mysql", mysqlBackend.dsn(t), itemsSeed)+`
tool "remove" {
  read_only = false
  param "id" {}
  sql = "DELETE FROM items WHERE id = :id RETURNING id, name"
  result {
    one = true
  }
}
tool "rename" {
  read_only = false
  param "name" {}
  sql = "UPDATE items SET name = :name WHERE name = :name OR id = 2"
}
`, serveOpts())
	res := mustCall(t, tools["remove"], map[string]any{"id": int64(1)})
	if want := map[string]any{"id": int64(1), "name": "apple"}; !reflect.DeepEqual(structured(res), want) {
		t.Errorf("remove = %#v, want %#v", structured(res), want)
	}
	// :name twice: MySQL binds each ? on its own.
	res = mustCall(t, tools["rename"], map[string]any{"name": "quince"})
	if want := map[string]any{"rows_affected": int64(1)}; !reflect.DeepEqual(structured(res), want) {
		t.Errorf("rename = %#v, want %#v", structured(res), want)
	}
	if _, err := tools["remove"].Call(context.Background(), &adapter.Call{Args: map[string]any{"id": int64(1)}}); err == nil {
		t.Errorf("removing a removed row: no error")
	}
}

// BenchmarkCallByPrimaryKeyMySQL is BenchmarkCallByPrimaryKey on MySQL:
// each call takes a connection, runs START TRANSACTION READ ONLY, prepares,
// executes and closes the statement (server-side prepared statements), and
// commits. Compare allocations, not time: the server is shared.
func BenchmarkCallByPrimaryKeyMySQL(b *testing.B) {
	seed := `CREATE TABLE orders (id BIGINT PRIMARY KEY, status VARCHAR(20) NOT NULL, total_cents BIGINT NOT NULL, placed_at DATETIME NOT NULL);
INSERT INTO orders WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x, 'shipped', x * 7, '2024-05-06 07:08:09' FROM c;`
	_, tools := openConfig(b, sourceHCL("mysql", mysqlTestDatabase(b), seed)+`
tool "get_order" {
  param "order_id" {}
  sql = "SELECT id, status, total_cents, placed_at FROM orders WHERE id = :order_id"
  result {
    one = true
  }
}
`, serveOpts())
	tool := tools["get_order"]
	ctx := context.Background()
	args := map[string]any{"order_id": int64(0)}
	c := &adapter.Call{Tool: "get_order", Args: args}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		args["order_id"] = int64(i%1000 + 1)
		i++
		if _, err := tool.Call(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
