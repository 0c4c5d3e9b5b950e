package sql

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// secretMark stands in for the mark the hcl package puts on env() values.
type secretMark struct{}

var envFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "name", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.StringVal(os.Getenv(args[0].AsString())).Mark(secretMark{}), nil
	},
})

// The tool attributes the hcl package decodes itself; the rest of the body
// is the adapter's.
var commonToolSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title"}, {Name: "description"}, {Name: "source"}, {Name: "guard"}, {Name: "timeout"},
		{Name: "read_only"}, {Name: "destructive"}, {Name: "idempotent"}, {Name: "open_world"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "param", LabelNames: []string{"name"}},
		{Type: "bind", LabelNames: []string{"name"}},
	},
}

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "source", LabelNames: []string{"type", "name"}},
		{Type: "tool", LabelNames: []string{"name"}},
	},
}

// parseConfig does, for one file, what the hcl package does: it hands over
// source bodies whole and tool bodies minus the common attributes.
func parseConfig(t testing.TB, text string) (*cfg.Source, []*cfg.Tool) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(text), "test.hcl", hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		t.Fatalf("parse: %s", diags)
	}
	ctx := &hcl.EvalContext{Functions: map[string]function.Function{"env": envFunc}}
	content, diags := f.Body.Content(fileSchema)
	if diags.HasErrors() {
		t.Fatalf("parse: %s", diags)
	}
	var src *cfg.Source
	var tools []*cfg.Tool
	for _, b := range content.Blocks {
		switch b.Type {
		case "source":
			src = &cfg.Source{Type: b.Labels[0], Name: b.Labels[1], Body: b.Body, Ctx: ctx, DeclRange: b.DefRange, TypeRange: b.LabelRanges[0]}
		case "tool":
			tc, remain, diags := b.Body.PartialContent(commonToolSchema)
			if diags.HasErrors() {
				t.Fatalf("parse tool: %s", diags)
			}
			tool := &cfg.Tool{Name: b.Labels[0], ReadOnly: true, Body: remain, Ctx: ctx, DeclRange: b.DefRange, NameRange: b.LabelRanges[0]}
			if a, ok := tc.Attributes["read_only"]; ok {
				v, _ := a.Expr.Value(ctx)
				tool.ReadOnly = v.True()
			}
			for _, pb := range tc.Blocks {
				switch pb.Type {
				case "param":
					tool.Params = append(tool.Params, &cfg.Param{Name: pb.Labels[0], Type: cfg.TypeString, DeclRange: pb.DefRange, NameRange: pb.LabelRanges[0]})
				case "bind":
					tool.Binds = append(tool.Binds, &cfg.Bind{Name: pb.Labels[0], DeclRange: pb.DefRange, NameRange: pb.LabelRanges[0]})
				}
			}
			tools = append(tools, tool)
		}
	}
	return src, tools
}

// decodeConfig runs DecodeSource and DecodeTool, as the runtime does.
func decodeConfig(t testing.TB, text string) (*Source, map[string]*Tool, hcl.Diagnostics) {
	t.Helper()
	csrc, ctools := parseConfig(t, text)
	rs, diags := (&Adapter{}).DecodeSource(csrc)
	s := rs.(*Source)
	tools := map[string]*Tool{}
	for _, ct := range ctools {
		rt, d := s.DecodeTool(ct)
		diags = append(diags, d...)
		tools[ct.Name] = rt.(*Tool)
	}
	return s, tools, diags
}

// backend is a database engine the behavioural tests run against.
type backend struct {
	name   string
	driver string
	// dsn returns a DSN of a fresh, empty database.
	dsn func(t testing.TB) string
}

var sqliteBackend = backend{
	name:   "sqlite",
	driver: "sqlite",
	dsn: func(t testing.TB) string {
		return filepath.Join(t.TempDir(), "test.db")
	},
}

// postgresBackend gives each test a schema of its own, so that tests run in
// parallel against one server.
var postgresBackend = backend{
	name:   "postgres",
	driver: "postgres",
	dsn: func(t testing.TB) string {
		base := os.Getenv("MCPGEN_TEST_POSTGRES_DSN")
		var b [6]byte
		rand.Read(b[:])
		schema := "mcpgen_test_" + hex.EncodeToString(b[:])
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("connect to PostgreSQL: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			conn, err := pgx.Connect(ctx, base)
			if err != nil {
				t.Errorf("connect to PostgreSQL: %v", err)
				return
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Errorf("drop schema: %v", err)
			}
		})
		if strings.Contains(base, "://") {
			sep := "?"
			if strings.Contains(base, "?") {
				sep = "&"
			}
			return base + sep + "search_path=" + url.QueryEscape(schema)
		}
		return base + " search_path=" + schema
	},
}

// mysqlBackend gives each test a database of its own on the server
// MCPGEN_TEST_MYSQL_DSN names (a go-sql-driver/mysql DSN).
var mysqlBackend = backend{
	name:   "mysql",
	driver: "mysql",
	dsn: func(t testing.TB) string {
		return mysqlTestDatabase(t)
	},
}

// mysqlTestDatabase creates an empty database, dropped after the test,
// and returns its DSN.
func mysqlTestDatabase(t testing.TB) string {
	t.Helper()
	requireMySQL(t)
	c, err := mysql.ParseDSN(os.Getenv("MCPGEN_TEST_MYSQL_DSN"))
	if err != nil {
		t.Fatalf("MCPGEN_TEST_MYSQL_DSN: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "mcpgen_test_" + hex.EncodeToString(b[:])
	admin, err := stdsql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatalf("connect to MySQL: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := stdsql.Open("mysql", c.FormatDSN())
		if err != nil {
			t.Errorf("connect to MySQL: %v", err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	c.DBName = name
	return c.FormatDSN()
}

func requireMySQL(t testing.TB) {
	t.Helper()
	if os.Getenv("MCPGEN_TEST_MYSQL_DSN") != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("MySQL required under CI: set MCPGEN_TEST_MYSQL_DSN (scripts/test.sh starts a MariaDB)")
	}
	t.Skip("MCPGEN_TEST_MYSQL_DSN is not set")
}

// forEachBackend runs f against SQLite, and against PostgreSQL and MySQL
// when MCPGEN_TEST_POSTGRES_DSN and MCPGEN_TEST_MYSQL_DSN say where they
// are.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, sqliteBackend)
	})
	t.Run("postgres", func(t *testing.T) {
		requirePostgres(t)
		t.Parallel()
		f(t, postgresBackend)
	})
	t.Run("mysql", func(t *testing.T) {
		requireMySQL(t)
		t.Parallel()
		f(t, mysqlBackend)
	})
}

func requirePostgres(t testing.TB) {
	t.Helper()
	if os.Getenv("MCPGEN_TEST_POSTGRES_DSN") != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("PostgreSQL required under CI: set MCPGEN_TEST_POSTGRES_DSN")
	}
	t.Skip("MCPGEN_TEST_POSTGRES_DSN is not set")
}

// sourceHCL writes a source block.
func sourceHCL(driver, dsn, seed string) string {
	s := fmt.Sprintf("source \"sql\" \"db\" {\n  driver = %q\n  dsn = %q\n", driver, dsn)
	if seed != "" {
		s += fmt.Sprintf("  seed = <<-SEED\n%s\n  SEED\n", seed)
	}
	return s + "}\n"
}

// openConfig decodes and opens a config, failing on any error.
func openConfig(t testing.TB, text string, opts adapter.OpenOptions) (*Source, map[string]*Tool) {
	t.Helper()
	s, tools, diags := decodeConfig(t, text)
	if diags.HasErrors() {
		t.Fatalf("decode: %s", diags)
	}
	if d := s.Open(context.Background(), opts); d.HasErrors() {
		s.Close()
		t.Fatalf("open: %s", d)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s, tools
}

func serveOpts() adapter.OpenOptions { return adapter.OpenOptions{Log: zerolog.Nop()} }

func call(t testing.TB, tool *Tool, args map[string]any) (*adapter.Result, error) {
	t.Helper()
	return tool.Call(context.Background(), &adapter.Call{RequestID: "test", Tool: tool.name, Args: args})
}

// mustCall calls a tool that must succeed.
func mustCall(t testing.TB, tool *Tool, args map[string]any) *adapter.Result {
	t.Helper()
	res, err := call(t, tool, args)
	if err != nil {
		t.Fatalf("%s: %v", tool.name, err)
	}
	return res
}

func diagsText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s; ", d)
	}
	return b.String()
}

// structured is a result's structuredContent as plain maps and slices, the
// shape a client decodes, with the adapter's Go value types kept.
func structured(res *adapter.Result) map[string]any {
	m, _ := plain(res.Structured).(map[string]any)
	return m
}

func plain(v any) any {
	switch x := v.(type) {
	case *adapter.Row:
		return plain(*x)
	case adapter.Row:
		m := make(map[string]any, len(x.Columns))
		for i, c := range x.Columns {
			m[c] = x.Values[i]
		}
		return m
	case *adapter.Rows:
		return plain(*x)
	case adapter.Rows:
		rows := make([]any, len(x.Rows))
		for i, r := range x.Rows {
			rows[i] = plain(r)
		}
		return map[string]any{"rows": rows, "count": len(x.Rows), "truncated": x.Truncated}
	}
	return v
}

// checkDiag expects exactly one diagnostic, at a position, containing
// want; or none when want is "". It is for what Open reports, which
// depends on a database; decode diagnostics are fixture files.
func checkDiag(t *testing.T, diags hcl.Diagnostics, want string) {
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
	if d := diags[0]; d.Subject == nil || d.Subject.Start.Line == 0 {
		t.Errorf("diagnostic %q has no position", d.Detail)
	}
	if got := diagsText(diags); !strings.Contains(got, want) {
		t.Errorf("diagnostic = %q, want it to contain %q", got, want)
	}
}
