package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/mark3labs/mcp-go/mcp"
)

// initBackend is a database holding the init test schema, and the DSN to
// give init and the server.
type initBackend struct {
	name string
	dsn  func(t *testing.T) string
}

func initBackends(t *testing.T) []initBackend {
	bs := []initBackend{{"sqlite", func(t *testing.T) string {
		dsn := "file:" + filepath.Join(t.TempDir(), "init.db")
		loadSchema(t, "sqlite", dsn, "sqlite.sql")
		return dsn
	}}}
	if postgresDSN(t) != "" {
		bs = append(bs, initBackend{"postgres", func(t *testing.T) string {
			dsn := freshPostgresDB(t)
			loadSchema(t, "pgx", dsn, "postgres.sql")
			return dsn
		}})
	}
	if os.Getenv("MCPGEN_TEST_MYSQL_DSN") != "" || os.Getenv("CI") == "true" {
		bs = append(bs, initBackend{"mysql", func(t *testing.T) string {
			dsn := freshMySQLDB(t)
			loadSchema(t, "mysql", mysqlDriverDSN(t, dsn), "mysql.sql")
			return dsn
		}})
	}
	return bs
}

func loadSchema(t *testing.T, driver, dsn, file string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join("../../internal/initdb/testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range strings.Split(string(script), ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(context.Background(), stmt); err != nil {
			t.Fatalf("loading %s: %v\n%s", file, err, stmt)
		}
	}
}

// runCLI runs one mcpgen command in process.
func runInitCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestInitFromDB generates a configuration from a schema of several tables
// (foreign keys, a composite primary key, nullable columns, every kind of
// column, comments where the database has them) on each database, checks it
// validates, lints without errors and is formatted, then serves it and calls
// its tools through a real stdio client.
func TestInitFromDB(t *testing.T) {
	for _, b := range initBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			dir := t.TempDir()
			out, stderr, err := runInitCLI(t, "init", "--from-db", dsn, "--tenant-column", "org", "--tenant-claim", "org", "-o", dir)
			if err != nil {
				t.Fatalf("init: %v\n%s", err, stderr)
			}
			for _, want := range []string{"export MCPGEN_DSN=", "export MCPGEN_TENANT="} {
				if !strings.Contains(out, want) {
					t.Errorf("init output %q does not say %q", out, want)
				}
			}
			for _, want := range []string{"customers.password_hash", "customers.api_token", "review: table orgs has no column org"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("init did not say it left out %s: %q", want, stderr)
				}
			}
			path := filepath.Join(dir, "mcpgen.hcl")
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			text := string(file)
			if strings.Contains(text, dsn) || strings.Contains(text, filepath.Base(dsn)) {
				t.Errorf("the DSN is in the file:\n%s", text)
			}
			if !bytes.Equal(hclwrite.Format(file), file) {
				t.Errorf("the file is not formatted")
			}
			for _, bad := range []string{"SELECT *", "password_hash", "api_token", "read_only   = false", "read_only = false"} {
				if strings.Contains(text, bad) {
					t.Errorf("the file contains %q:\n%s", bad, text)
				}
			}
			for _, want := range []string{`guard       = "'customers.read' in principal.scopes"`, `enum        = ["free", "pro", "enterprise"]`,
				`max_length  = 254`, "max_rows = 100", `from = "principal.claims.org"`} {
				if !strings.Contains(text, want) {
					t.Errorf("the file lacks %q:\n%s", want, text)
				}
			}
			if b.name != "sqlite" {
				for _, want := range []string{"People who buy from an organization.", `The customer's email address, e.g. \"ann@acme.test\".`,
					"minimum     = -2147483648"} {
					if !strings.Contains(text, want) {
						t.Errorf("the file lacks %q:\n%s", want, text)
					}
				}
			}

			env := []string{"MCPGEN_DSN=" + dsn, "MCPGEN_TENANT=acme"}
			for _, kv := range env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			if _, stderr, err := runInitCLI(t, "validate", path); err != nil {
				t.Fatalf("validate: %v\n%s", err, stderr)
			}
			lintOut, stderr, err := runInitCLI(t, "lint", path)
			if err != nil {
				t.Fatalf("lint: %v\n%s%s", err, lintOut, stderr)
			}
			// Lint reports each description left as a TODO, as a warning.
			if !strings.Contains(lintOut, "hygiene/todo-description") || !strings.Contains(stderr, "0 errors") {
				t.Errorf("lint should warn of the TODO descriptions, without errors:\n%s%s", lintOut, stderr)
			}
			if b.name != "sqlite" && strings.Contains(lintOut, `the description of tool "get_customers" still says TODO`) {
				t.Errorf("the table comment should describe get_customers:\n%s", lintOut)
			}

			s := startStdio(t, env, path)
			c := s.client
			got := ok(t, call(t, c, "get_customers", map[string]any{"id": 1}))
			if got["email"] != "ann@acme.test" || got["tier"] != "pro" || got["name"] != "Ann" {
				t.Errorf("get_customers 1 = %v", got)
			}
			if _, has := got["password_hash"]; has {
				t.Errorf("get_customers returned password_hash: %v", got)
			}
			if got["profile"] == nil || got["avatar"] != "AP8=" || got["balance"] != 12.5 {
				t.Errorf("get_customers 1: json, bytes or real column wrong: %v", got)
			}
			// Another organization's row is not found: the tenant is bound.
			toolError(t, call(t, c, "get_customers", map[string]any{"id": 3}), "No customers row")
			toolError(t, call(t, c, "get_customers", map[string]any{"id": 1, "org": "globex"}), "org")

			list := rows(t, ok(t, call(t, c, "list_customers", map[string]any{})))
			if len(list) != 2 || list[1]["name"] != nil {
				t.Errorf("list_customers = %v, want acme's two, the second with a null name", list)
			}
			list = rows(t, ok(t, call(t, c, "list_customers", map[string]any{"tier": "pro"})))
			if len(list) != 1 || list[0]["email"] != "ann@acme.test" {
				t.Errorf("list_customers tier=pro = %v", list)
			}
			list = rows(t, ok(t, call(t, c, "list_customers", map[string]any{"active": false})))
			if len(list) != 1 || list[0]["email"] != "bob@acme.test" {
				t.Errorf("list_customers active=false = %v", list)
			}
			if got["created_at"] != "2026-01-02T03:04:05Z" {
				t.Errorf("get_customers 1: created_at = %v, want RFC 3339", got["created_at"])
			}
			toolError(t, call(t, c, "list_customers", map[string]any{"tier": "gold"}), "tier")
			toolError(t, call(t, c, "list_customers", map[string]any{"limit": 1000}), "limit")
			page2 := rows(t, ok(t, call(t, c, "list_customers", map[string]any{"limit": 1, "page": 2})))
			if len(page2) != 1 || page2[0]["email"] != "bob@acme.test" {
				t.Errorf("list_customers page 2 = %v", page2)
			}

			line := ok(t, call(t, c, "get_order_lines", map[string]any{"order_id": 10, "line": 2}))
			if line["quantity"] == nil || line["note"] != nil {
				t.Errorf("get_order_lines 10/2 = %v", line)
			}
			lines := rows(t, ok(t, call(t, c, "list_order_lines", map[string]any{"customer_id": 1})))
			if len(lines) != 2 {
				t.Errorf("list_order_lines customer 1 = %v", lines)
			}
			org := ok(t, call(t, c, "get_orgs", map[string]any{"id": "globex"}))
			if org["name"] != "Globex" {
				t.Errorf("get_orgs globex = %v", org)
			}

			tl, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, tool := range tl.Tools {
				if tool.Annotations.ReadOnlyHint == nil || !*tool.Annotations.ReadOnlyHint {
					t.Errorf("tool %s is not read-only", tool.Name)
				}
			}
			// Bounds read from CHECK constraints reach the tools' input
			// schemas; the one under an OR is left out.
			props := map[string]map[string]any{}
			for _, tool := range tl.Tools {
				for p, v := range tool.InputSchema.Properties {
					props[tool.Name+"."+p], _ = v.(map[string]any)
				}
			}
			for _, w := range []struct {
				prop, key string
				want      any
			}{
				{"get_customers.id", "minimum", 1.0}, {"get_order_lines.line", "minimum", 1.0},
				{"get_order_lines.line", "maximum", 999.0}, {"get_orgs.id", "maxLength", 32.0},
			} {
				if got := jsonNumber(props[w.prop][w.key]); got != w.want {
					t.Errorf("%s %s = %v, want %v (%v)", w.prop, w.key, got, w.want, props[w.prop])
				}
			}
			if m := jsonNumber(props["get_order_lines.order_id"]["minimum"]); m == 10.0 {
				t.Errorf("get_order_lines.order_id has minimum 10 from a CHECK with an OR: %v", props["get_order_lines.order_id"])
			}
			toolError(t, call(t, c, "get_customers", map[string]any{"id": 0}), "id")
			toolError(t, call(t, c, "get_order_lines", map[string]any{"order_id": 10, "line": 1000}), "line")
			toolError(t, call(t, c, "get_orgs", map[string]any{"id": strings.Repeat("a", 33)}), "id")
			toolError(t, call(t, c, "get_order_lines", map[string]any{"order_id": 0, "line": 1}), "No order_lines row")

			descs := map[string]string{}
			for _, tool := range tl.Tools {
				descs[tool.Name] = strings.Join(strings.Fields(tool.Description), " ")
			}
			if !strings.Contains(descs["get_order_lines"], "customer_id (refers to customers.id)") {
				t.Errorf("get_order_lines does not name the table its foreign key refers to: %q", descs["get_order_lines"])
			}
			if b.name != "sqlite" && !strings.Contains(descs["get_customers"], `email (The customer's email address, e.g. "ann@acme.test")`) {
				t.Errorf("get_customers does not give the column comments: %q", descs["get_customers"])
			}
			if len(tl.Tools) != 7 {
				t.Errorf("%d tools, want 7", len(tl.Tools))
			}
			// A view gets list_<view> only, paged in a stable order by
			// its columns, its tenant bound like a table's.
			if _, has := descs["get_pro_customers"]; has {
				t.Errorf("the view got a get_ tool")
			}
			if !strings.Contains(descs["list_pro_customers"], "ordered by id, org, email") {
				t.Errorf("list_pro_customers is not ordered by all its columns: %q", descs["list_pro_customers"])
			}
			pros := rows(t, ok(t, call(t, c, "list_pro_customers", map[string]any{})))
			if len(pros) != 1 || pros[0]["email"] != "ann@acme.test" {
				t.Errorf("list_pro_customers = %v, want acme's one pro customer", pros)
			}
			pros = rows(t, ok(t, call(t, c, "list_pro_customers", map[string]any{"limit": 1, "page": 2})))
			if len(pros) != 0 {
				t.Errorf("list_pro_customers page 2 = %v, want none", pros)
			}
		})
	}
}

// TestInitExample writes the minimal example, which validates, lints clean
// and serves as it is.
func TestInitExample(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, err := runInitCLI(t, "init", "-o", dir); err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	path := filepath.Join(dir, "mcpgen.hcl")
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hclwrite.Format(file), file) {
		t.Errorf("the example is not formatted:\n%s", hclwrite.Format(file))
	}
	if out, stderr, err := runInitCLI(t, "lint", "--strict", path); err != nil {
		t.Fatalf("lint: %v\n%s%s", err, out, stderr)
	}
	// A second init refuses to overwrite it.
	if _, _, err := runInitCLI(t, "init", "-o", dir); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("init over an existing file: %v, want an error saying it exists", err)
	}
	c := startStdio(t, nil, path).client
	got := rows(t, ok(t, call(t, c, "list_notes", map[string]any{"title": "Welcome"})))
	if len(got) != 1 || got[0]["title"] != "Welcome" {
		t.Errorf("list_notes = %v", got)
	}
}

// TestInitErrors: bad input is refused with a message naming what was wrong.
func TestInitErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	loadSchema(t, "sqlite", "file:"+db, "sqlite.sql")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"init", "--from-db", filepath.Join(t.TempDir(), "missing.db"), "--dry-run"}, "missing.db"},
		{[]string{"init", "--from-db", db, "--tables", "nope", "--dry-run"}, `table "nope" is not in the database`},
		{[]string{"init", "--from-db", db, "--tenant-column", "org", "--dry-run"}, "go together"},
		{[]string{"init", "--from-db", db, "--driver", "oracle", "--dry-run"}, `driver "oracle" is not supported`},
		{[]string{"init", "--from-db", "u:p@tcp(127.0.0.1:1/db", "--driver", "mysql", "--dry-run"}, "neither user:password@tcp(host:3306)/dbname nor a mysql:// URL"},
		{[]string{"init", "--from-db", "mysql://u:p@127.0.0.1:1/db?timeout=2s", "--dry-run"}, "connecting to the database"},
		{[]string{"init", "--tables", "a"}, "--tables needs --from-db"},
	} {
		_, _, err := runInitCLI(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	// --include-column keeps a secret-looking column; --dry-run prints.
	out, _, err := runInitCLI(t, "init", "--from-db", db, "--tables", "customers", "--include-column", "customers.api_token", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "api_token") || strings.Contains(out, "password_hash") || strings.Contains(out, "order_lines") {
		t.Errorf("--include-column/--tables output wrong:\n%s", out)
	}
}

// jsonNumber is a schema's number as a float64, whatever Go type carries it.
func jsonNumber(v any) any {
	switch n := v.(type) {
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case json.Number:
		f, _ := n.Float64()
		return f
	}
	return v
}

// TestInitSecretKey: a table keyed by a secret-looking column gets no
// get_<table>, which would let a caller confirm guesses of a secret by
// looking them up; its list tool still serves the other columns.
func TestInitSecretKey(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "keys.db")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `CREATE TABLE api_keys (key_hash TEXT PRIMARY KEY, label TEXT NOT NULL);
		INSERT INTO api_keys VALUES ('5e884898da28', 'ci')`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, stderr, err := runInitCLI(t, "init", "--from-db", dsn, "-o", dir)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "get_api_keys: its key column key_hash looks like a secret") {
		t.Errorf("init did not say why get_api_keys was left out: %q", stderr)
	}
	t.Setenv("MCPGEN_DSN", dsn)
	c := startStdio(t, []string{"MCPGEN_DSN=" + dsn}, filepath.Join(dir, "mcpgen.hcl")).client
	tl, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tl.Tools {
		names = append(names, tool.Name)
		if _, has := tool.InputSchema.Properties["key_hash"]; has {
			t.Errorf("tool %s takes the secret key_hash as a param", tool.Name)
		}
	}
	if strings.Join(names, ",") != "list_api_keys" {
		t.Errorf("tools = %v, want only list_api_keys", names)
	}
	got := rows(t, ok(t, call(t, c, "list_api_keys", map[string]any{})))
	if len(got) != 1 || got[0]["label"] != "ci" || got[0]["key_hash"] != nil {
		t.Errorf("list_api_keys = %v, want the label without the hash", got)
	}
	// Asked for, the column is served, lookups included.
	out, _, err := runInitCLI(t, "init", "--from-db", dsn, "--include-column", "api_keys.key_hash", "--dry-run")
	if err != nil || !strings.Contains(out, `tool "get_api_keys"`) {
		t.Errorf("--include-column api_keys.key_hash: %v\n%s", err, out)
	}
}

// TestInitDryRunExports: --dry-run prints the file on stdout, so that it
// can be redirected, and what to export on stderr.
func TestInitDryRunExports(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	loadSchema(t, "sqlite", "file:"+db, "sqlite.sql")
	out, stderr, err := runInitCLI(t, "init", "--from-db", db, "--dsn-env", "SHOP_DSN", "--tenant-column", "org", "--tenant-claim", "org", "--dry-run")
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(out, "# Generated by mcpgen init") || strings.Contains(out, "export ") {
		t.Errorf("stdout is not just the file:\n%s", out)
	}
	for _, want := range []string{"export SHOP_DSN=", "export MCPGEN_TENANT="} {
		if !strings.Contains(stderr, want) {
			t.Errorf("--dry-run did not say %q on stderr: %q", want, stderr)
		}
	}
	if strings.Contains(stderr, db) {
		t.Errorf("the DSN is printed: %q", stderr)
	}
}

// TestInitSQLiteCommentedCheck: a CHECK left in a comment of SQLite's
// CREATE TABLE text constrains nothing, so it makes no enum that would
// refuse values the table holds.
func TestInitSQLiteCommentedCheck(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "plans.db")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), `CREATE TABLE plans (
		id INTEGER PRIMARY KEY,
		tier TEXT NOT NULL -- was CHECK (tier IN ('free', 'pro')) before enterprise
	);
	CREATE INDEX plans_tier ON plans(tier);
	INSERT INTO plans VALUES (1, 'enterprise')`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, stderr, err := runInitCLI(t, "init", "--from-db", dsn, "-o", dir); err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	t.Setenv("MCPGEN_DSN", dsn)
	c := startStdio(t, []string{"MCPGEN_DSN=" + dsn}, filepath.Join(dir, "mcpgen.hcl")).client
	got := rows(t, ok(t, call(t, c, "list_plans", map[string]any{"tier": "enterprise"})))
	if len(got) != 1 || got[0]["id"] != 1.0 && got[0]["id"] != int64(1) {
		t.Errorf("list_plans tier=enterprise = %v", got)
	}
}
