package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

// mysqlDSN is the MariaDB the test script started (a go-sql-driver/mysql
// DSN). Without one the MySQL tests skip, except under CI, where they must
// run.
func mysqlDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("MCPGEN_TEST_MYSQL_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MCPGEN_TEST_MYSQL_DSN is not set: under CI the MySQL tests must run (scripts/test.sh starts a MariaDB)")
		}
		t.Skip("no MySQL (set MCPGEN_TEST_MYSQL_DSN, or run scripts/test.sh)")
	}
	return dsn
}

// freshMySQLDB creates an empty database for one test and drops it
// afterwards. It returns the database's DSN as a mysql:// URL, the form
// the docs show.
func freshMySQLDB(t *testing.T) string {
	t.Helper()
	c, err := mysql.ParseDSN(mysqlDSN(t))
	if err != nil {
		t.Fatalf("MCPGEN_TEST_MYSQL_DSN: %v", err)
	}
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	name := fmt.Sprintf("mcpgen_e2e_%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("dropping database: %v", err)
		}
	})
	return fmt.Sprintf("mysql://%s:%s@%s/%s", c.User, c.Passwd, c.Addr, name)
}

func mysqlBackend() backend {
	return backend{name: "mysql", env: func(t *testing.T) []string {
		return []string{"TECHNOVA_DRIVER=mysql", "TECHNOVA_DB=" + freshMySQLDB(t)}
	}}
}

// TestTechNovaMySQL serves examples/technova.hcl on MariaDB, its own seed
// and the dialect "mysql" statements, and runs the TechNova contract
// through a real client over stdio and Streamable HTTP.
func TestTechNovaMySQL(t *testing.T) {
	mysqlDSN(t)
	iss := authtest.NewIssuer(t)
	manager := bearer(technovaToken(iss, "maria@acme", "acme", "orders.read orders.write catalog.read"))
	t.Run("stdio", func(t *testing.T) {
		t.Parallel()
		s := startStdio(t, append(mysqlBackend().env(t), issuerEnv(iss)...), technova)
		technovaContract(t, s.client)
	})
	t.Run("http", func(t *testing.T) {
		t.Parallel()
		s := startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, manager, append(mysqlBackend().env(t), issuerEnv(iss)...), technova)
		technovaContract(t, s.client)
	})
}

// TestTechNovaMySQLSameAnswers: where MySQL runs a statement of its own,
// it answers as SQLite does with the portable one, value for value.
func TestTechNovaMySQLSameAnswers(t *testing.T) {
	mysqlDSN(t)
	lite := startStdio(t, sqliteBackend().env(t), technova)
	my := startStdio(t, mysqlBackend().env(t), technova)
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"get_order", map[string]any{"order_id": 1300}},
		{"get_order", map[string]any{"order_id": 1246}},
		{"list_order_items", map[string]any{"order_id": 1246}},
		{"list_orders", map[string]any{}},
		{"list_orders", map[string]any{"status": "shipped", "limit": 5, "page": 2}},
		{"list_orders", map[string]any{"customer_email": "Liam.Khan@example.com"}},
		{"list_orders", map[string]any{"status": "paid", "page": 40}},
		{"search_products", map[string]any{"query": "usb-c"}},
		{"search_products", map[string]any{"query": "a", "category": "audio", "limit": 3}},
		{"search_products", map[string]any{"query": "100%_!"}},
	}
	for _, c := range calls {
		want := jsonText(t, ok(t, call(t, lite.client, c.tool, c.args)))
		got := jsonText(t, ok(t, call(t, my.client, c.tool, c.args)))
		if got != want {
			t.Errorf("%s %v on MySQL:\n%s\nwant (SQLite):\n%s", c.tool, c.args, got, want)
		}
	}

	// cancel_order runs a procedure on MySQL: same row, same refusal.
	cancel := map[string]any{"order_id": 1300, "reason": "customer changed their mind"}
	want := ok(t, call(t, lite.client, "cancel_order", cancel))
	got := ok(t, call(t, my.client, "cancel_order", cancel))
	for _, m := range []map[string]any{want, got} {
		if _, ok := m["cancelled_at"].(string); !ok {
			t.Fatalf("cancelled_at = %#v, want a time", m["cancelled_at"])
		}
		m["cancelled_at"] = "(now)"
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cancel_order on MySQL = %v, want %v", got, want)
	}
	toolError(t, call(t, my.client, "cancel_order", cancel), "Nothing was cancelled")
	toolError(t, call(t, my.client, "cancel_order", map[string]any{"order_id": 1299, "reason": "not acme's order"}), "Nothing was cancelled")
	other := ok(t, call(t, my.client, "get_order", map[string]any{"order_id": 1246}))
	if other["status"] != "pending" {
		t.Errorf("order 1246 = %v after cancelling 1300, want it still pending", other["status"])
	}

	// The prompt's completion runs its own statement on MySQL too.
	var completions []string
	for _, s := range []*server{lite, my} {
		res, err := s.client.Complete(context.Background(), mcp.CompleteRequest{Params: mcp.CompleteParams{
			Ref:      mcp.PromptReference{Type: "ref/prompt", Name: "summarize_order_issue"},
			Argument: mcp.CompleteArgument{Name: "order_id", Value: "104"},
		}})
		if err != nil {
			t.Fatalf("complete: %v", err)
		}
		completions = append(completions, strings.Join(res.Completion.Values, ","))
	}
	if completions[0] == "" || completions[1] != completions[0] {
		t.Errorf("completion of 104 on MySQL = %q, want %q (SQLite's)", completions[1], completions[0])
	}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadOnlyToolCannotWriteMySQL: on MySQL a tool that forgot
// read_only = false and runs an UPDATE is refused when the file is read,
// so the server does not start.
func TestReadOnlyToolCannotWriteMySQL(t *testing.T) {
	for _, kv := range mysqlBackend().env(t) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	const sneaky = "testdata/e2e/sneaky.hcl"
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"serve", "--stdio", technova, sneaky}, strings.NewReader(""), &stdout, &stderr)
	if code := ExitCode(err, &stderr); code != exitConfig {
		t.Errorf("exit code %d, want %d", code, exitConfig)
	}
	if want := sneaky + ":7:18: Read-only tool writes"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr.String(), want)
	}
	if regexp.MustCompile(`mcpgen_e2e_\d`).MatchString(stderr.String()) {
		t.Errorf("the DSN leaked into stderr: %s", stderr.String())
	}
}

// TestTechNovaMySQLSeed: seed.mysql.sql is seed.sql with only the
// rewrites its header lists, plus the cancel procedure.
func TestTechNovaMySQLSeed(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	portable, mine := read("../../examples/technova/seed.sql"), read("../../examples/technova/seed.mysql.sql")
	const from = "CREATE TABLE customers"
	body := portable[strings.Index(portable, from):]
	body = regexp.MustCompile(`\bTIMESTAMP\b`).ReplaceAllString(body, "DATETIME")
	body = strings.Replace(body, "cancel_reason   TEXT,", "cancel_reason   VARCHAR(500),", 1)
	body = regexp.MustCompile(`\bTEXT\b`).ReplaceAllString(body, "VARCHAR(255)")
	body = regexp.MustCompile(`'(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)Z'`).ReplaceAllString(body, "'$1 $2'")
	i := strings.Index(mine, from)
	if i < 0 || !strings.HasPrefix(mine[i:], body) {
		t.Errorf("seed.mysql.sql does not hold seed.sql's tables and rows as its header describes")
	}
	if rest := mine[i+len(body):]; i >= 0 && strings.HasPrefix(mine[i:], body) && !strings.Contains(rest, "CREATE PROCEDURE technova_cancel_order") {
		t.Errorf("seed.mysql.sql lacks the cancel procedure")
	}
}

// mysqlDriverDSN turns a DSN from freshMySQLDB into the driver's format,
// for database/sql.
func mysqlDriverDSN(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	c := mysql.NewConfig()
	c.User = u.User.Username()
	c.Passwd, _ = u.User.Password()
	c.Net, c.Addr, c.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
	return c.FormatDSN()
}
