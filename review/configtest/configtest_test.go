package configtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/rs/zerolog"
	_ "modernc.org/sqlite"

	_ "github.com/mcpgen/mcpgen/adapters/http"
	_ "github.com/mcpgen/mcpgen/adapters/sql"
	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/fixture"
	"github.com/mcpgen/mcpgen/review/configtest"
)

// principals every test file below declares.
const principals = `
principal "acme" {
  subject = "alice"
  scopes  = ["orders.read", "orders.write"]
  claims  = { org = "acme" }
}

principal "reader" {
  subject = "rita"
  scopes  = ["orders.read"]
  claims  = { org = "acme" }
}
`

// shop copies testdata/shop.hcl and its seed into a fresh directory, with
// the test file src beside it, and returns the config and test paths.
// The config's own database is a file in that directory that no test may
// create or change.
func shop(t *testing.T, src string) (conf, tests string) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"shop.hcl", "shop.sql"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests = filepath.Join(dir, "shop.test.hcl")
	if err := os.WriteFile(tests, []byte(principals+src), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SHOP_DB", "file:"+filepath.Join(dir, "real.db"))
	return filepath.Join(dir, "shop.hcl"), tests
}

// run prepares and runs the suite; diagnostics fail the test.
func run(t *testing.T, conf, tests string) *configtest.Report {
	t.Helper()
	loaded, diags := cfg.LoadTests([]string{tests})
	if diags.HasErrors() {
		t.Fatalf("test file: %s", diags.Error())
	}
	s, diags := configtest.Prepare(context.Background(), []string{conf}, loaded, zerolog.Nop())
	if diags.HasErrors() {
		t.Fatalf("prepare: %s", diags.Error())
	}
	r, err := s.Run(context.Background(), configtest.Options{Parallel: 4})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return r
}

func text(t *testing.T, r *configtest.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := configtest.WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Every kind of expectation, met and not met. Cases named "pass: ..." must
// pass; each "fail: ..." case must fail with the failure the map gives,
// which says what was expected and what came back, at the expectation's
// file:line.
func TestExpectations(t *testing.T) {
	src := `
fixture "sql" "orders" {}

stub "stock" {
  response "/stock/AB-123" {
    json = { sku = "AB-123", available = 4 }
  }
}

test "pass: ok with rows and an assertion" {
  principal = "acme"
  tool      = "list_orders"
  expect {
    outcome = "ok"
    rows    = 3
    assert  = ["result.rows.all(r, r.org == 'acme')", "result.rows.size() == 3"]
  }
}
test "fail: rows" {
  principal = "acme"
  tool      = "list_orders"
  expect {
    rows = 4
  }
}
test "fail: assertion" {
  principal = "acme"
  tool      = "list_orders"
  expect {
    assert = "result.rows.exists(r, r.org == 'globex')"
  }
}
test "pass: an error containing a text" {
  principal = "acme"
  tool      = "get_order"
  args      = { order_id = 4 }
  expect {
    error = "No such order"
  }
}
test "fail: error text" {
  principal = "acme"
  tool      = "get_order"
  args      = { order_id = 4 }
  expect {
    error = "Permission"
  }
}
test "fail: an error expected, ok came" {
  principal = "acme"
  tool      = "get_order"
  args      = { order_id = 1 }
  expect {
    error = "No such order"
  }
}
test "pass: denied" {
  principal = "reader"
  tool      = "cancel_order"
  args      = { order_id = 1 }
  expect {
    outcome = "denied"
  }
}
test "fail: denied" {
  principal = "acme"
  tool      = "cancel_order"
  args      = { order_id = 1 }
  expect {
    outcome = "denied"
  }
}
test "pass: invalid" {
  principal = "acme"
  tool      = "list_orders"
  args      = { status = "lost" }
  expect {
    outcome = "invalid"
    error   = "status"
  }
}
test "pass: a bind name as an argument is invalid" {
  principal = "acme"
  tool      = "list_orders"
  args      = { org = "globex" }
  expect {
    outcome = "invalid"
  }
}
test "fail: invalid" {
  principal = "acme"
  tool      = "list_orders"
  args      = { status = "paid" }
  expect {
    outcome = "invalid"
  }
}
test "pass: rate limited" {
  principal = "acme"
  tool      = "cancel_order"
  args      = { order_id = 2 }
  calls     = 3
  expect {
    outcome = "rate_limited"
    error   = "Rate limit exceeded"
  }
}
test "fail: rate limited" {
  principal = "acme"
  tool      = "cancel_order"
  args      = { order_id = 2 }
  calls     = 2
  expect {
    outcome = "rate_limited"
  }
}
test "pass: visible" {
  principal = "acme"
  tool      = "cancel_order"
  expect {
    visible = true
  }
}
test "pass: hidden" {
  principal = "reader"
  tool      = "cancel_order"
  expect {
    visible = false
  }
}
test "fail: visible" {
  principal = "anonymous"
  tool      = "list_orders"
  expect {
    visible = true
  }
}
test "pass: a resource" {
  principal = "acme"
  resource  = "order"
  args      = { order_id = 1 }
  expect {
    rows   = 1
    assert = "result.org == 'acme' && result.id == 1"
  }
}
test "pass: a resource of another org is not found" {
  principal = "acme"
  resource  = "order"
  args      = { order_id = 4 }
  expect {
    error = "No such order"
  }
}
test "pass: a prompt" {
  principal = "reader"
  prompt    = "explain"
  args      = { order_id = "3" }
  expect {
    assert = "text == 'Explain order 3.'"
  }
}
test "pass: a hidden prompt" {
  principal = "anonymous"
  prompt    = "explain"
  expect {
    visible = false
  }
}
test "pass: the stdio principal" {
  principal = "stdio"
  tool      = "get_order"
  args      = { order_id = 4 }
  expect {
    assert = "result.org == 'globex'"
  }
}
test "pass: a stub" {
  principal = "reader"
  tool      = "check_stock"
  args      = { sku = "AB-123" }
  expect {
    assert = "result.available == 4"
  }
}
test "fail: a stub without the path" {
  principal = "reader"
  tool      = "check_stock"
  args      = { sku = "AB-999" }
  expect {
    outcome = "ok"
  }
}
`
	conf, tests := shop(t, src)
	failures := map[string]string{
		"fail: rows":                       `shop.test.hcl:35: expected 4 rows, got 3 (ok: "{\"rows\":[{\"id\":1,`,
		"fail: assertion":                  `shop.test.hcl:42: assertion result.rows.exists(r, r.org == 'globex') is false (result: {"count":3,"rows":[{"id":1,"org":"acme","status":"pending"}`,
		"fail: error text":                 `shop.test.hcl:58: expected the error to contain "Permission", got "No such order."`,
		"fail: an error expected, ok came": `shop.test.hcl:66: expected an error containing "No such order", got ok: "{\"id\":1,\"org\":\"acme\",\"status\":\"pending\"}"`,
		"fail: denied":                     `shop.test.hcl:82: expected outcome denied, got ok: "{\"id\":1,\"status\":\"cancelled\"}"`,
		"fail: invalid":                    `shop.test.hcl:107: expected outcome invalid, got ok:`,
		"fail: rate limited":               `shop.test.hcl:126: expected outcome rate_limited, got error (tool): "Nothing was cancelled: only pending orders can be."`,
		"fail: visible":                    `shop.test.hcl:147: expected tool list_orders to be visible to anonymous, but it is hidden`,
		"fail: a stub without the path":    `shop.test.hcl:203: expected outcome ok, got error (tool):`,
	}
	r := run(t, conf, tests)
	out := text(t, r)
	if len(r.Results) != 23 {
		t.Fatalf("%d results, want 23:\n%s", len(r.Results), out)
	}
	for _, res := range r.Results {
		name := res.Case.Name
		switch {
		case strings.HasPrefix(name, "pass:") && !res.Passed():
			t.Errorf("%q failed:\n%s", name, strings.Join(res.Failures, "\n"))
		case strings.HasPrefix(name, "fail:") && res.Passed():
			t.Errorf("%q passed", name)
		case strings.HasPrefix(name, "fail:"):
			want := failures[name]
			got := strings.Join(res.Failures, "\n")
			if want == "" || !strings.Contains(got, want) {
				t.Errorf("%q failed with:\n%s\nwant a failure containing:\n%s", name, got, want)
			}
		}
	}
	if !strings.Contains(out, "stub stock has no response for GET /stock/AB-999, so it answered 404") {
		t.Errorf("the stub's miss is not reported:\n%s", out)
	}
	if !strings.HasSuffix(out, "14 passed, 9 failed\n") {
		t.Errorf("the closing line is wrong:\n%s", out)
	}
	if !strings.Contains(out, "FAIL fail: rows (") || !strings.Contains(out, "ok   pass: visible (") {
		t.Errorf("a line per case is missing:\n%s", out)
	}
	if _, err := os.Stat(strings.TrimPrefix(os.Getenv("SHOP_DB"), "file:")); !os.IsNotExist(err) {
		t.Errorf("the configuration's own database was touched: %v", err)
	}
}

// JUnit output is XML a CI reads: a testcase per case, failures with
// their text.
func TestJUnit(t *testing.T) {
	conf, tests := shop(t, `
test "lists" {
  principal = "acme"
  tool      = "list_orders"
  expect {
    rows = 3
  }
}
test "wrong" {
  principal = "acme"
  tool      = "list_orders"
  expect {
    rows = 1
  }
}
`)
	r := run(t, conf, tests)
	var b bytes.Buffer
	if err := configtest.WriteJUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Line    int    `xml:"line,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 2 {
		t.Fatalf("junit:\n%s", b.String())
	}
	c := doc.Suites[0].Cases[1]
	if c.Name != "wrong" || c.Failure == nil || !strings.Contains(c.Failure.Message, "expected 1 rows, got 3") {
		t.Errorf("junit case: %+v\n%s", c, b.String())
	}
}

// Tests never change real data. The configuration's own database exists
// and holds pending orders; cases cancel them on fixtures. Afterwards the
// real file is byte for byte what it was, and each case saw a database of
// its own: the case that reads after a cancel still finds the order
// pending, whichever ran first.
func TestSQLiteFixtureLeavesRealDataUnchanged(t *testing.T) {
	src := `
fixture "sql" "orders" {
  seed = file("shop.sql")
}
`
	for i := 1; i <= 8; i++ {
		src += fmt.Sprintf(`
test "cancel %d" {
  principal = "acme"
  tool      = "cancel_order"
  args      = { order_id = 1 }
  expect {
    assert = "result.status == 'cancelled'"
  }
}
test "still pending %d" {
  principal = "acme"
  tool      = "get_order"
  args      = { order_id = 1 }
  expect {
    assert = "result.status == 'pending'"
  }
}
`, i, i)
	}
	conf, tests := shop(t, src)
	real := strings.TrimPrefix(os.Getenv("SHOP_DB"), "file:")
	seedSQLite(t, real)
	before := fileHash(t, real)

	r := run(t, conf, tests)
	if _, failed := r.Counts(); failed != 0 {
		t.Fatalf("cases failed:\n%s", text(t, r))
	}
	if after := fileHash(t, real); after != before {
		t.Fatal("the real database file changed")
	}
	db, err := sql.Open("sqlite", real)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var status string
	if err := db.QueryRow("SELECT status FROM orders WHERE id = 1").Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "pending" {
		t.Errorf("order 1 is %s in the real database", status)
	}
}

func seedSQLite(t *testing.T, path string) {
	t.Helper()
	seed, err := os.ReadFile("testdata/shop.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(seed)); err != nil {
		t.Fatal(err)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// An HTTP source without a stub is refused, never sent to its real
// base_url, and the failure says so; the issuer's keys are not fetched
// from the real issuer either.
func TestUnstubbedSourceNeverReachesItsUpstream(t *testing.T) {
	var hits atomic.Int64
	real := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"sku":"AB-123","available":99}`))
	}))
	defer real.Close()
	t.Setenv("SHOP_STOCK_URL", real.URL)
	t.Setenv("SHOP_ISSUER", real.URL)
	t.Setenv("SHOP_JWKS_URL", real.URL+"/jwks.json")
	conf, tests := shop(t, `
test "stock" {
  principal = "reader"
  tool      = "check_stock"
  args      = { sku = "AB-123" }
  expect {
    assert = "result.available == 99"
  }
}
`)
	r := run(t, conf, tests)
	out := text(t, r)
	if r.Results[0].Passed() {
		t.Fatalf("the case passed:\n%s", out)
	}
	if !strings.Contains(out, `the call reached http source stock, which has no stub: it was refused, never sent to its real base_url (declare stub "stock")`) {
		t.Errorf("the refusal is not explained:\n%s", out)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the real upstream got %d requests", n)
	}
}

// --run selects cases by name.
func TestRunSelects(t *testing.T) {
	conf, tests := shop(t, `
test "a one" {
  principal = "acme"
  tool      = "list_orders"
  expect {
    rows = 3
  }
}
test "b two" {
  principal = "acme"
  tool      = "list_orders"
  expect {
    rows = 3
  }
}
`)
	loaded, diags := cfg.LoadTests([]string{tests})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	s, diags := configtest.Prepare(context.Background(), []string{conf}, loaded, zerolog.Nop())
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	r, err := s.Run(context.Background(), configtest.Options{Run: regexp.MustCompile("^b ")})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 1 || r.Results[0].Case.Name != "b two" || !r.Results[0].Passed() {
		t.Fatalf("results:\n%s", text(t, r))
	}
}

// Mistakes in test files are diagnostics at file:line:col, checked
// against the fixtures' # want comments.
func TestInvalidTestFiles(t *testing.T) {
	t.Setenv("SHOP_DB", "file:"+filepath.Join(t.TempDir(), "shop.db"))
	for _, file := range fixture.Glob(t, "../../testdata/invalid/tests/*.test.hcl") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			tests, diags := cfg.LoadTests([]string{file})
			_, more := configtest.Prepare(context.Background(), []string{"testdata/shop.hcl"}, tests, zerolog.Nop())
			diags = append(diags, more...)
			var b strings.Builder
			cfg.WriteDiagnostics(&b, diags)
			fixture.Check(t, []string{file}, b.String())
		})
	}
}

// postgresDSN is the server scripts/test.sh started. Without one the
// PostgreSQL tests skip, except under CI, where they must run.
func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("MCPGEN_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MCPGEN_TEST_POSTGRES_DSN is not set: under CI the PostgreSQL tests must run (scripts/test.sh starts a server)")
		}
		t.Skip("MCPGEN_TEST_POSTGRES_DSN is not set")
	}
	return dsn
}

// A PostgreSQL fixture gives each case a database of its own on the
// fixture's server, copied from one seeded template, and drops them all.
// The configuration's own database (here a real one, with pending orders)
// is never written: cases that cancel orders leave it as it was, and no
// database of the run is left behind.
func TestPostgresFixtureLeavesRealDataUnchanged(t *testing.T) {
	admin := postgresDSN(t)
	ctx := context.Background()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	realName := fmt.Sprintf("mcpgen_real_%d", os.Getpid())
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+realName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+realName+" WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + realName
	realDSN := u.String()
	realDB, err := sql.Open("pgx", realDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer realDB.Close()
	seed, err := os.ReadFile("testdata/shop.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := realDB.ExecContext(ctx, string(seed)); err != nil {
		t.Fatal(err)
	}

	src := `
fixture "sql" "orders" {
  driver = "postgres"
  dsn    = env("SHOP_FIXTURE_DSN")
}
`
	for i := 1; i <= 3; i++ {
		src += fmt.Sprintf(`
test "cancel %d" {
  principal = "acme"
  tool      = "cancel_order"
  args      = { order_id = 1 }
  expect {
    assert = "result.status == 'cancelled'"
  }
}
test "still pending %d" {
  principal = "acme"
  tool      = "list_orders"
  args      = { status = "pending" }
  expect {
    rows = 2
  }
}
`, i, i)
	}
	conf, tests := shop(t, src)
	t.Setenv("SHOP_DRIVER", "postgres")
	t.Setenv("SHOP_DB", realDSN)
	t.Setenv("SHOP_FIXTURE_DSN", admin)
	r := run(t, conf, tests)
	if _, failed := r.Counts(); failed != 0 {
		t.Fatalf("cases failed:\n%s", text(t, r))
	}
	var pending int
	if err := realDB.QueryRowContext(ctx, "SELECT count(*) FROM orders WHERE status = 'pending'").Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 3 {
		t.Errorf("%d pending orders in the real database, want 3", pending)
	}
	var left int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'mcpgen_test_%'").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d fixture databases left behind", left)
	}
}

// A PostgreSQL source without a fixture would be its real database: the
// tests refuse to load.
func TestPostgresSourceNeedsAFixture(t *testing.T) {
	conf, tests := shop(t, `
test "lists" {
  principal = "acme"
  tool      = "list_orders"
  expect {
    rows = 3
  }
}
`)
	t.Setenv("SHOP_DRIVER", "postgres")
	t.Setenv("SHOP_DB", "postgres://nobody@127.0.0.1:1/real")
	loaded, diags := cfg.LoadTests([]string{tests})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	_, diags = configtest.Prepare(context.Background(), []string{conf}, loaded, zerolog.Nop())
	var b strings.Builder
	cfg.WriteDiagnostics(&b, diags)
	if !strings.Contains(b.String(), `shop.hcl:25:1: Source needs a fixture; source.sql.orders uses driver "postgres" and the tests declare no fixture for it`) {
		t.Errorf("diagnostics:\n%s", b.String())
	}
}

// A Redis rate limiter is replaced by the in-memory one under test: the
// tests share no buckets with a running server (and their calls cannot
// exhaust its limits), and the limit still applies within a case.
func TestRedisLimiterIsNotReached(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	dir := t.TempDir()
	conf := filepath.Join(dir, "limits.hcl")
	if err := os.WriteFile(conf, []byte(`limits {
  backend   = "redis"
  redis_url = "redis://`+ln.Addr().String()+`/0"
}

source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:never.db"
  seed   = "CREATE TABLE t (id INTEGER);"
}

tool "ping" {
  description = "Once a minute."
  source      = source.sql.mem
  sql         = "SELECT 'pong' AS answer"
  result {
    one = true
  }
  rate_limit {
    rate = "1/m"
  }
}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := filepath.Join(dir, "limits.test.hcl")
	if err := os.WriteFile(tests, []byte(`test "second call is limited" {
  principal = "anonymous"
  tool      = "ping"
  calls     = 2
  expect {
    outcome = "rate_limited"
  }
}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, conf, tests)
	if _, failed := r.Counts(); failed != 0 {
		t.Fatalf("failed:\n%s", text(t, r))
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the configuration's Redis got %d connections", n)
	}
}

// cancelTool asks the user to confirm and to say why; a case plays that
// user with its user block.
const cancelTool = `
tool "confirmed_cancel" {
  description = "Cancel one pending order of the caller's organization, once its user confirms."
  source      = source.sql.orders
  guard       = "'orders.write' in principal.scopes"
  read_only   = false
  destructive = true

  confirm {
    message = "Cancel order {{order_id}}?"
  }

  param "order_id" {
    type        = "integer"
    minimum     = 1
    description = "The order id."
  }

  ask "note" {
    type        = "string"
    min_length  = 3
    description = "Why, in the user's words."
  }

  bind "org" {
    from = "principal.claims.org"
  }

  sql = "UPDATE orders SET status = 'cancelled' WHERE id = :order_id AND org = :org AND status = 'pending' RETURNING id, status, :note AS note"

  result {
    one       = true
    not_found = "Nothing was cancelled."
  }
}
`

// A case plays the human at the client: it accepts with answers, declines,
// dismisses, or uses a client that cannot ask; a case that gives no answer
// to a question fails and says what was asked.
func TestUserAnswers(t *testing.T) {
	conf, tests := shop(t, `
fixture "sql" "orders" {}

test "pass: accepted with the user's note" {
  principal = "acme"
  tool      = "confirmed_cancel"
  args      = { order_id = 1 }
  user {
    answers = { note = "phoned in" }
  }
  expect {
    outcome = "ok"
    assert  = "result.status == 'cancelled' && result.note == 'phoned in'"
  }
}
test "pass: an invalid answer runs nothing" {
  principal = "acme"
  tool      = "confirmed_cancel"
  args      = { order_id = 1 }
  user {
    action  = "accept"
    answers = { note = "no" }
  }
  expect {
    outcome = "invalid"
    error   = "the user's answers are not valid"
  }
}
test "pass: declined" {
  principal = "acme"
  tool      = "confirmed_cancel"
  args      = { order_id = 1 }
  user {
    action = "decline"
  }
  expect {
    outcome = "declined"
    error   = "the user declined"
  }
}
test "pass: dismissed" {
  principal = "acme"
  tool      = "confirmed_cancel"
  args      = { order_id = 1 }
  user {
    action = "cancel"
  }
  expect {
    outcome = "declined"
    error   = "dismissed"
  }
}
test "pass: a client that cannot ask" {
  principal = "acme"
  tool      = "confirmed_cancel"
  args      = { order_id = 1 }
  user {
    action = "cannot_ask"
  }
  expect {
    outcome = "denied"
    error   = "cannot ask"
  }
}
test "fail: no answer given" {
  principal = "acme"
  tool      = "confirmed_cancel"
  args      = { order_id = 1 }
  expect {
    outcome = "ok"
  }
}
`)
	if err := os.WriteFile(filepath.Join(filepath.Dir(conf), "cancel.hcl"), []byte(cancelTool), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, filepath.Dir(conf), tests)
	out := text(t, r)
	for _, c := range r.Results {
		pass := strings.HasPrefix(c.Case.Name, "pass: ")
		if c.Passed() != pass {
			t.Errorf("%q passed=%v, want %v:\n%s", c.Case.Name, c.Passed(), pass, out)
		}
	}
	want := `shop.test.hcl:77: tool confirmed_cancel asked the user "Cancel order 1?", and the test gives no answer: add user { action = "accept" } (or decline, cancel, cannot_ask)`
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}
