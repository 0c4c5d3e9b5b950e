package access

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	_ "github.com/mcpgen/mcpgen/adapters/sql"
	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

const (
	configPath     = "testdata/access.hcl"
	principalsPath = "testdata/principals.test.hcl"
)

// build builds testdata/access.hcl offline and reads its principals.
func build(t *testing.T, mode runtime.BuildMode) (*runtime.Generation, []*cfg.NamedPrincipal) {
	t.Helper()
	gen, diags := runtime.Build(context.Background(), []string{configPath}, runtime.BuildOptions{Mode: mode, Log: zerolog.New(io.Discard)})
	if diags.HasErrors() {
		t.Fatalf("build: %s", diags.Error())
	}
	tests, diags := cfg.LoadTests([]string{principalsPath})
	if diags.HasErrors() {
		t.Fatalf("principals: %s", diags.Error())
	}
	if len(tests.Principals) != 4 {
		t.Fatalf("%s declares %d principals, want 4", principalsPath, len(tests.Principals))
	}
	return gen, tests.Principals
}

// cell finds row and column by name.
func (m *Matrix) cell(t *testing.T, row, col string) runtime.Decision {
	t.Helper()
	for i, r := range m.Rows {
		if r.Name != row {
			continue
		}
		for j, c := range m.Columns {
			if c.Label() == col {
				return m.Cells[i][j]
			}
		}
		t.Fatalf("no column %q", col)
	}
	t.Fatalf("no row %q", row)
	return runtime.Decision{}
}

func TestMatrix(t *testing.T) {
	gen, principals := build(t, runtime.BuildOffline)
	m := Build(context.Background(), gen, principals)
	var names []string
	for _, r := range m.Rows {
		names = append(names, r.Name)
	}
	if got, want := strings.Join(names, " "), "anonymous stdio acme_agent acme_manager globex_agent no_org"; got != want {
		t.Fatalf("rows %q, want %q", got, want)
	}
	acme := []runtime.BoundValue{{Name: "org", From: "principal.claims.org", Value: "acme"}}
	tests := []struct {
		row, col  string
		verdict   runtime.Verdict
		condition string // depends
		reason    string // denied: a part of it
		binds     []runtime.BoundValue
	}{
		// Scopes.
		{"acme_agent", "get_order", runtime.Allowed, "", "", acme},
		{"acme_agent", "refund", runtime.Denied, "", "the guard is false", nil},
		{"acme_agent", "resource:policy", runtime.Denied, "", "the guard is false", nil},
		{"acme_manager", "resource:policy", runtime.Allowed, "", "", nil},
		// Arguments: what is left of the guard.
		{"acme_manager", "refund", runtime.Depends, "args.amount < 1000", "", acme},
		// Claims, and binds from them.
		{"acme_agent", "acme_report", runtime.Allowed, "", "", nil},
		{"globex_agent", "acme_report", runtime.Denied, "", "the guard is false", nil},
		{"globex_agent", "get_order", runtime.Allowed, "", "", []runtime.BoundValue{{Name: "org", From: "principal.claims.org", Value: "globex"}}},
		{"globex_agent", "prompt:triage", runtime.Allowed, "", "", nil},
		{"acme_agent", "prompt:triage", runtime.Denied, "", "the guard is false", nil},
		{"no_org", "acme_report", runtime.Denied, "", "the guard fails: no such key: org", nil},
		{"no_org", "get_order", runtime.Denied, "", `bind "org" (principal.claims.org) fails: no such key: org`, nil},
		{"no_org", "template:order", runtime.Denied, "", `bind "org"`, nil},
		{"no_org", "prompt:triage", runtime.Allowed, "", "", nil},
		// The transport: stdio is the stdio principal's, every other row http.
		{"stdio", "local_only", runtime.Allowed, "", "", nil},
		{"acme_manager", "local_only", runtime.Denied, "", "the guard is false", nil},
		// The time of a call is unknown.
		{"acme_agent", "office_hours", runtime.Depends, "request.time.getHours() < 18", "", nil},
		{"stdio", "office_hours", runtime.Depends, "request.time.getHours() < 18", "", nil},
		// No guard with an auth block: closed.
		{"acme_manager", "unguarded", runtime.Denied, "", "closed", nil},
		// Anonymous over HTTP never gets past the gate.
		{"anonymous", "get_order", runtime.Denied, "", "401", nil},
		{"anonymous", "prompt:triage", runtime.Denied, "", "401", nil},
	}
	for _, tt := range tests {
		t.Run(tt.row+"/"+tt.col, func(t *testing.T) {
			d := m.cell(t, tt.row, tt.col)
			if d.Verdict != tt.verdict || d.Condition != tt.condition || !strings.Contains(d.Reason, tt.reason) ||
				(tt.reason == "") != (d.Reason == "") {
				t.Fatalf("cell = %+v; want %s, condition %q, reason containing %q", d, tt.verdict, tt.condition, tt.reason)
			}
			if got, want := BindsText(d.Binds), BindsText(tt.binds); got != want {
				t.Fatalf("binds %q, want %q", got, want)
			}
		})
	}
}

// TestMatrixAgreesWithVisibleTools: a denied tool is exactly one the
// server leaves out of the caller's tools/list (Generation.VisibleTools,
// the filter tools/list runs) for every row whose guards do not read the
// time.
func TestMatrixAgreesWithVisibleTools(t *testing.T) {
	gen, principals := build(t, runtime.BuildOffline)
	m := Build(context.Background(), gen, principals)
	rows := rows(gen, principals)
	for i, r := range rows {
		if r.Name == cfg.PrincipalAnonymous {
			continue // refused at the HTTP gate: nothing is listed
		}
		ctx := runtime.WithTransport(runtime.WithPrincipal(context.Background(), r.p), r.Transport)
		visible := map[string]bool{}
		for _, name := range gen.VisibleTools(ctx) {
			visible[name] = true
		}
		for j, c := range m.Columns {
			if c.Kind != runtime.KindTool || strings.Contains(m.Cells[i][j].Condition, "request.time") {
				continue // tools/list decides the time now; the matrix leaves it open
			}
			if denied := m.Cells[i][j].Verdict == runtime.Denied; denied == visible[c.Name] {
				t.Errorf("%s/%s: matrix %s, tools/list shows it: %v", r.Name, c.Name, m.Cells[i][j].Verdict, visible[c.Name])
			}
		}
	}
}

func TestRowsWithoutPrincipals(t *testing.T) {
	gen, _ := build(t, runtime.BuildOffline)
	m := Build(context.Background(), gen, nil)
	var names []string
	for _, r := range m.Rows {
		names = append(names, r.Name)
	}
	want := "anonymous stdio api_key.acme_agent api_key.acme_manager api_key.globex_agent api_key.no_org"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("rows without principals: %q, want the API keys: %q", got, want)
	}
	if d := m.cell(t, "api_key.acme_manager", "refund"); d.Verdict != runtime.Depends || d.Condition != "args.amount < 1000" {
		t.Fatalf("api_key.acme_manager/refund = %+v", d)
	}
}

func TestWrite(t *testing.T) {
	gen, principals := build(t, runtime.BuildOffline)
	m := Build(context.Background(), gen, principals)
	tests := []struct {
		format string
		want   []string
	}{
		{FormatText, []string{
			"access-test: who may call what (6 principals, 9 entries)",
			"acme_manager  allowed      allowed    denied      depends       depends  denied     allowed          allowed         allowed",
			"  depends  refund           when args.amount < 1000; binds org = \"acme\" (principal.claims.org)",
			"  denied   unguarded        hidden: closed: an auth block and no guard",
			"  note: HTTP needs a credential: 401 before any tool\n  every entry denied (hidden)",
		}},
		{FormatMarkdown, []string{
			"| principal | `acme_report` | `get_order` |",
			"| **acme\\_manager** | ✅ allowed | ✅ allowed | ⛔ denied | ❓ depends | ❓ depends |",
			"- `refund` depends when `args.amount < 1000`; binds `org = \"acme\" (principal.claims.org)`",
		}},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := Write(&b, m, tt.format); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s output lacks %q:\n%s", tt.format, w, b.String())
			}
		}
	}
	// JSON reads back, and equal configurations print equal bytes.
	var a, b bytes.Buffer
	if err := Write(&a, m, FormatJSON); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, Build(context.Background(), gen, principals), FormatJSON); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two runs print different JSON")
	}
	var back Matrix
	if err := json.Unmarshal(a.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != 6 || len(back.Cells) != 6 || len(back.Cells[0]) != len(back.Columns) {
		t.Fatalf("JSON matrix: %d rows, %d cell rows", len(back.Rows), len(back.Cells))
	}
	if err := Write(&a, m, "yaml"); err == nil || !strings.Contains(err.Error(), `unknown format "yaml"`) {
		t.Fatalf("Write yaml: %v", err)
	}
}

// buildText builds a configuration written out here, and reads principals
// from test-file text.
func buildText(t *testing.T, config, principals string) (*runtime.Generation, []*cfg.NamedPrincipal) {
	t.Helper()
	dir := t.TempDir()
	path := dir + "/config.hcl"
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	gen, diags := runtime.Build(context.Background(), []string{path}, runtime.BuildOptions{Mode: runtime.BuildOffline, Log: zerolog.New(io.Discard)})
	if diags.HasErrors() {
		t.Fatalf("build: %s", diags.Error())
	}
	tests, diags := cfg.LoadTestSource(dir+"/p.test.hcl", []byte(principals))
	if diags.HasErrors() {
		t.Fatalf("principals: %s", diags.Error())
	}
	return gen, tests.Principals
}

const oneTool = `
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:access_text?mode=memory&cache=shared"
}

tool "ping" {
  description = "Says pong."
  source      = source.sql.db
  guard       = "true"
  sql         = "SELECT 'pong' AS pong"
  result { one = true }
}
`

const twoPrincipals = `
principal "member" {
  subject = "m"
  scopes  = ["mcp"]
}
principal "outsider" {
  subject = "o"
}
`

// A scope every HTTP request needs is checked at the gate, before any tool:
// a caller without it is refused everything.
func TestRequiredScopes(t *testing.T) {
	gen, principals := buildText(t, `
auth {
  required_scopes = ["mcp"]
  api_key "k" {
    hash    = "sha256:85db8b3e11636bb5505603a4577bf0e640a201a2e61e0dd59c4bb6e55779a4d0"
    subject = "k"
    scopes  = ["mcp"]
  }
}
`+oneTool, twoPrincipals)
	m := Build(context.Background(), gen, principals)
	if d := m.cell(t, "member", "ping"); d.Verdict != runtime.Allowed {
		t.Errorf("member/ping = %+v, want allowed", d)
	}
	if d := m.cell(t, "outsider", "ping"); d.Verdict != runtime.Denied || d.Reason != "lacks required scope mcp: 403 before any tool" {
		t.Errorf("outsider/ping = %+v, want denied at the gate", d)
	}
	// stdio is not HTTP: the gate does not apply (its principal is
	// anonymous here, and the guard is true).
	if d := m.cell(t, "stdio", "ping"); d.Verdict != runtime.Allowed {
		t.Errorf("stdio/ping = %+v, want allowed", d)
	}
}

// Without HTTP credentials every HTTP caller is anonymous: a declared
// identity is shown, and noted as one no HTTP caller can have.
func TestNoHTTPCredentials(t *testing.T) {
	gen, principals := buildText(t, oneTool, twoPrincipals)
	m := Build(context.Background(), gen, principals)
	for i, r := range m.Rows {
		noted := strings.Contains(r.Note, "every HTTP caller is anonymous")
		if want := r.Name == "member" || r.Name == "outsider"; noted != want {
			t.Errorf("row %s note %q", r.Name, r.Note)
		}
		for _, d := range m.Cells[i] {
			if d.Verdict != runtime.Allowed {
				t.Errorf("row %s: %+v, want allowed (no auth block, guard true)", r.Name, d)
			}
		}
	}
}

// BenchmarkMatrix decides every cell of the test configuration's matrix
// (6 principals, 9 entries).
func BenchmarkMatrix(b *testing.B) {
	gen, diags := runtime.Build(context.Background(), []string{configPath}, runtime.BuildOptions{Mode: runtime.BuildOffline, Log: zerolog.New(io.Discard)})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	tests, diags := cfg.LoadTests([]string{principalsPath})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	b.ReportAllocs()
	for b.Loop() {
		Build(context.Background(), gen, tests.Principals)
	}
}
