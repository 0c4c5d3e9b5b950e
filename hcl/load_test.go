package hcl

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mcpgen/mcpgen/internal/fixture"
)

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	WriteDiagnostics(&b, diags)
	return b.String()
}

func findParam(tool *Tool, name string) *Param {
	for _, p := range tool.Params {
		if p.Name == name {
			return p
		}
	}
	return &Param{}
}

func ptr[T any](v T) *T { return &v }

func TestLoadValid(t *testing.T) {
	t.Setenv("MCPGEN_TEST_PASSWORD", "hunter2-secret")
	cfg, diags := Load([]string{"testdata/valid"})
	if len(diags) > 0 {
		t.Fatalf("Load: got diagnostics, want none:\n%s", diagText(diags))
	}
	if len(cfg.Tools) != 3 || len(cfg.Sources) != 2 {
		t.Fatalf("got %d tools and %d sources, want 3 and 2", len(cfg.Tools), len(cfg.Sources))
	}
	get, cancel, list := cfg.Tools[0], cfg.Tools[1], cfg.Tools[2]
	status, ids := findParam(get, "status"), findParam(get, "ids")
	orderID := *findParam(get, "order_id")
	orderID.DeclRange, orderID.NameRange, orderID.AttrRanges = hcl.Range{}, hcl.Range{}, nil

	checks := []struct {
		name      string
		got, want any
	}{
		{"server name", cfg.Server.Name, "technova"},
		{"server version", cfg.Server.Version, "0.0.0"},
		{"server instructions", cfg.Server.Instructions, "Order tools for TechNova support agents.\n"},
		{"files", len(cfg.Files), 3},
		{"source key", cfg.Sources[0].Key(), "sql.orders"},
		{"tool names", []string{get.Name, cancel.Name, list.Name}, []string{"get_order", "cancel_order", "archive.list-v2"}},
		{"title", get.Title, "Get order"},
		{"description from file()", get.Description, "Look up one order by its id.\n"},
		{"source ref", get.Source.Key(), "sql.orders"},
		{"guard", get.Guard.Source, "'orders.read' in principal.scopes"},
		{"timeout", get.Timeout, 5 * time.Second},
		{"timeout from env() default", cancel.Timeout, 10 * time.Second},
		{"no timeout", list.Timeout, time.Duration(0)},
		{"get annotations", []bool{get.ReadOnly, get.Destructive, get.Idempotent, get.OpenWorld}, []bool{true, false, true, false}},
		{"cancel annotations", []bool{cancel.ReadOnly, cancel.Destructive, cancel.Idempotent, cancel.OpenWorld}, []bool{false, true, false, false}},
		{"list annotations", []bool{list.ReadOnly, list.Destructive, list.Idempotent, list.OpenWorld}, []bool{false, false, false, true}},
		{"no guard", cancel.Guard, (*Expr)(nil)},
		{"param order", len(get.Params), 6},
		{"order_id", orderID, Param{
			Name: "order_id", Type: TypeInteger, Description: "The order number, e.g. 1042.", Required: true,
			Minimum: ptr(1.0), Maximum: ptr(1e6),
		}},
		{"status type", status.Type, TypeString},
		{"status required", status.Required, false},
		{"status default", status.Default, "open"},
		{"status enum", status.Enum, []any{"open", "shipped"}},
		{"status pattern", status.Pattern, "[a-z]+"},
		{"status lengths", []int{*status.MinLength, *status.MaxLength}, []int{1, 20}},
		{"ids items", ids.Items, TypeInteger},
		{"ids required", ids.Required, false},
		{"ids default", ids.Default, nil},
		{"ids enum", ids.Enum, []any{int64(1), int64(2), int64(3)}},
		{"ids counts", []int{*ids.MinItems, *ids.MaxItems}, []int{1, 3}},
		{"ids sensitive", ids.Sensitive, true},
		{"ratio default", findParam(get, "ratio").Default, 0.5},
		{"verbose default", findParam(get, "verbose").Default, false},
		{"tags default", findParam(get, "tags").Default, []any{"a", "b"}},
		{"bind", []string{get.Binds[0].Name, get.Binds[0].From.Source}, []string{"org", "principal.claims.org"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}

	ranges := map[string]hcl.Range{
		"server":         cfg.Server.DeclRange,
		"source decl":    cfg.Sources[0].DeclRange,
		"source type":    cfg.Sources[0].TypeRange,
		"tool decl":      get.DeclRange,
		"tool name":      get.NameRange,
		"source ref":     get.Source.Range,
		"guard":          get.Guard.Range,
		"param decl":     status.DeclRange,
		"param name":     status.NameRange,
		"param default":  status.AttrRanges["default"],
		"param pattern":  status.AttrRanges["pattern"],
		"bind decl":      get.Binds[0].DeclRange,
		"bind from":      get.Binds[0].From.Range,
		"bind name":      get.Binds[0].NameRange,
		"cancel tool":    cancel.DeclRange,
		"order_id range": findParam(get, "order_id").AttrRanges["minimum"],
	}
	for name, r := range ranges {
		if r.Filename == "" || r.Start.Line == 0 || r.Start.Column == 0 {
			t.Errorf("%s range: got %#v, want a position", name, r)
		}
	}
}

// The adapter decodes what the tool and source blocks leave over, with
// the file's context; env() values reach it marked, and the helpers unmark.
func TestLoadValidBodies(t *testing.T) {
	t.Setenv("MCPGEN_TEST_PASSWORD", "hunter2-secret")
	cfg, diags := Load([]string{"testdata/valid"})
	if diags.HasErrors() {
		t.Fatalf("Load: %s", diagText(diags))
	}

	_, diags = cfg.Tools[0].Body.Content(&hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "sql", Required: true}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "result"}},
	})
	if len(diags) > 0 {
		t.Errorf("tool body: got diagnostics %s, want none", diagText(diags))
	}

	sourceAttrs := func(src *Source) hcl.Attributes {
		attrs, diags := src.Body.JustAttributes()
		if diags.HasErrors() {
			t.Fatalf("source body: %s", diagText(diags))
		}
		return attrs
	}
	src, archive := cfg.Sources[0], cfg.Sources[1]
	attrs := sourceAttrs(src)
	for _, c := range []struct {
		src        *Source
		attr       string
		want       string
		wantMarked bool
	}{
		{src, "dsn", "file:technova.db", true},
		{src, "seed", "CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT);\n", false},
		{archive, "dsn", "postgres://app:pw-hunter2-secret@localhost/archive", true},
	} {
		attr := sourceAttrs(c.src)[c.attr]
		val, diags := attr.Expr.Value(c.src.Ctx)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", c.attr, diagText(diags))
		}
		if got := val.HasMark(SecretMark); got != c.wantMarked {
			t.Errorf("%s.%s marked: got %v, want %v", c.src.Name, c.attr, got, c.wantMarked)
		}
		got, diags := StringAttr(attr, c.src.Ctx)
		if diags.HasErrors() || got != c.want {
			t.Errorf("StringAttr(%s.%s): got %q %s, want %q", c.src.Name, c.attr, got, diagText(diags), c.want)
		}
	}
	if d, diags := DurationAttr(attrs["conn_max_lifetime"], src.Ctx); d != 2*time.Minute || diags.HasErrors() {
		t.Errorf("DurationAttr(conn_max_lifetime): got %v %s, want 2m0s", d, diagText(diags))
	}
	if _, diags := PublicStringAttr(attrs["dsn"], src.Ctx); !strings.Contains(diagText(diags), "which clients see") {
		t.Errorf("PublicStringAttr(dsn): got %q, want a secret diagnostic", diagText(diags))
	}

	for _, c := range []struct{ in, want string }{
		{"user:pw-hunter2-secret@host", "user:pw-[redacted]@host"},
		{"dsn file:technova.db", "dsn [redacted]"},
		{"nothing secret", "nothing secret"},
	} {
		if got := cfg.Secrets.Redact(c.in); got != c.want {
			t.Errorf("Redact(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	src := `
source "sql" "db" {}
tool "t" {
  source = source.sql.db
  param "p" {
    type = "string"
  }
  param "q" {
    type     = "string"
    required = false
  }
}
`
	cfg, diags := LoadSource("defaults.hcl", []byte(src))
	if len(diags) > 0 {
		t.Fatalf("LoadSource: %s", diagText(diags))
	}
	tool := cfg.Tools[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"server", *cfg.Server, Server{Name: "mcpgen", Version: "0.0.0"}},
		{"annotations", []bool{tool.ReadOnly, tool.Destructive, tool.Idempotent, tool.OpenWorld}, []bool{true, false, false, false}},
		{"timeout", tool.Timeout, time.Duration(0)},
		{"guard", tool.Guard, (*Expr)(nil)},
		{"required", []bool{tool.Params[0].Required, tool.Params[1].Required}, []bool{true, false}},
		{"default", tool.Params[1].Default, nil},
		{"binds", len(tool.Binds), 0},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestFileFunc(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "abs.md"), []byte("absolute"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "conf"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "rel.md"), []byte("relative"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin"), []byte{0xff, 0xfe}, 0o600); err != nil {
		t.Fatal(err)
	}
	rel, abs := filepath.Join(dir, "conf", "rel.md"), filepath.Join(dir, "abs.md")
	missing, bin := filepath.Join(dir, "conf", "missing.md"), filepath.Join(dir, "bin")
	tests := []struct {
		expr     string
		want     string
		wantDiag string
		wantRead string // the path Reads records; "" for none
	}{
		{expr: `file("rel.md")`, want: "relative", wantRead: rel},
		{expr: `file("./rel.md")`, want: "relative", wantRead: rel},
		{expr: `file("../abs.md")`, want: "absolute", wantRead: abs},
		{expr: fmt.Sprintf("file(%q)", abs), want: "absolute", wantRead: abs},
		{expr: `file("missing.md")`, wantDiag: "no file at " + missing, wantRead: missing},
		{expr: `file("../bin")`, wantDiag: "is not UTF-8 text", wantRead: bin},
		{expr: `file("..")`, wantDiag: "is not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			src := "server {\n  name = \"s\"\n  instructions = " + tt.expr + "\n}\n"
			cfg, diags := LoadSource(filepath.Join(dir, "conf", "server.hcl"), []byte(src))
			if got := diagText(diags); !strings.Contains(got, tt.wantDiag) || (tt.wantDiag == "") != (got == "") {
				t.Fatalf("diagnostics: got %q, want %q", got, tt.wantDiag)
			}
			if got := cfg.Server.Instructions; got != tt.want {
				t.Errorf("instructions: got %q, want %q", got, tt.want)
			}
			var paths []string
			for p := range cfg.Reads.Files() {
				paths = append(paths, p)
			}
			var want []string
			if tt.wantRead != "" {
				want = append(want, tt.wantRead)
			}
			if !slices.Equal(paths, want) {
				t.Errorf("reads: got %q, want %q", paths, want)
			}
		})
	}
}

// Secrets are found by marks, so every way of building a value must keep
// the marks of its parts. This checks it for the hcl version in go.mod.
func TestMarksPropagate(t *testing.T) {
	t.Setenv("MCPGEN_TEST_MARK", "value")
	ctx := evalContext("x.hcl", &Secrets{}, nil)
	tests := []struct {
		expr string
		want bool
	}{
		{`env("MCPGEN_TEST_MARK")`, true},
		{`env("MCPGEN_TEST_UNSET_MARK", "default")`, true},
		{`"a ${env("MCPGEN_TEST_MARK")} b"`, true},
		{"<<-EOT\n  a ${env(\"MCPGEN_TEST_MARK\")}\nEOT\n", true},
		{`"%{ if env("MCPGEN_TEST_MARK") == "value" }yes%{ endif }"`, true},
		{`env("MCPGEN_TEST_MARK") == "" ? "a" : "b"`, true},
		{`[env("MCPGEN_TEST_MARK")]`, true},
		{`{ k = env("MCPGEN_TEST_MARK") }.k`, true},
		{`[for s in [env("MCPGEN_TEST_MARK")] : upper(s)]`, false}, // upper is unknown: an error, checked below
		{`file(env("MCPGEN_TEST_UNSET_MARK", "testdata/valid/data/seed.sql"))`, true},
		{`file("testdata/valid/data/seed.sql")`, false},
		{`"plain ${1 + 2}"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			expr, diags := hclsyntax.ParseExpression([]byte(tt.expr), "x.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatalf("parse: %s", diagText(diags))
			}
			val, diags := expr.Value(ctx)
			if strings.Contains(tt.expr, "upper") {
				if !diags.HasErrors() {
					t.Errorf("got no error, want one for an unknown function")
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("eval: %s", diagText(diags))
			}
			if got := val.ContainsMarked(); got != tt.want {
				t.Errorf("marked: got %v, want %v (value %#v)", got, tt.want, val)
			}
		})
	}
}

func TestAttrHelpers(t *testing.T) {
	t.Setenv("MCPGEN_TEST_HELPER", "42")
	ctx := evalContext("x.hcl", &Secrets{}, nil)
	str := func(a *hcl.Attribute) (any, hcl.Diagnostics) { return StringAttr(a, ctx) }
	pub := func(a *hcl.Attribute) (any, hcl.Diagnostics) { return PublicStringAttr(a, ctx) }
	num := func(a *hcl.Attribute) (any, hcl.Diagnostics) { return IntAttr(a, ctx) }
	boo := func(a *hcl.Attribute) (any, hcl.Diagnostics) { return BoolAttr(a, ctx) }
	dur := func(a *hcl.Attribute) (any, hcl.Diagnostics) { return DurationAttr(a, ctx) }
	tests := []struct {
		name     string
		expr     string
		decode   func(*hcl.Attribute) (any, hcl.Diagnostics)
		want     any
		wantDiag string
	}{
		{"string", `"a"`, str, "a", ""},
		{"string from number", `5`, str, "", "x must be a string, not a number"},
		{"bool from string", `"false"`, boo, false, "x must be a bool, not a string"},
		{"string secret", `env("MCPGEN_TEST_HELPER")`, str, "42", ""},
		{"string null", `null`, str, "", "x must not be null"},
		{"string list", `["a"]`, str, "", "x must be a string, not a tuple"},
		{"public", `"a"`, pub, "a", ""},
		{"public secret", `"${env("MCPGEN_TEST_HELPER")}"`, pub, "", "cannot appear in x, which clients see"},
		{"int", `8`, num, 8, ""},
		{"int from env", `env("MCPGEN_TEST_HELPER")`, num, 42, ""},
		{"int fraction", `1.5`, num, 0, "x must be a whole number"},
		{"int huge", `1e30`, num, 0, "x is out of range"},
		{"int string", `"eight"`, num, 0, "x must be a number, not a string"},
		{"bool", `true`, boo, true, ""},
		{"bool string", `"maybe"`, boo, false, "x must be a bool, not a string"},
		{"duration", `"1m30s"`, dur, 90 * time.Second, ""},
		{"duration zero", `"0"`, dur, time.Duration(0), ""},
		{"duration negative", `"-1s"`, dur, time.Duration(0), "x must not be negative"},
		{"duration secret", `env("MCPGEN_TEST_HELPER")`, dur, time.Duration(0), "not the value from env()"},
		{"duration unitless", `"30"`, dur, time.Duration(0), `x must be a duration such as "5s"`},
		{"unknown function", `nope()`, str, "", "Call to unknown function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, diags := hclsyntax.ParseConfig([]byte("x = "+tt.expr+"\n"), "x.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatalf("parse: %s", diagText(diags))
			}
			attrs, _ := file.Body.JustAttributes()
			got, diags := tt.decode(attrs["x"])
			if text := diagText(diags); !strings.Contains(text, tt.wantDiag) || (tt.wantDiag == "") != (text == "") {
				t.Errorf("diagnostics: got %q, want %q", text, tt.wantDiag)
			}
			if got != tt.want {
				t.Errorf("value: got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestWrittenString(t *testing.T) {
	t.Setenv("MCPGEN_TEST_WRITTEN", "s3cret")
	ctx := evalContext("x.hcl", &Secrets{}, nil)
	tests := []struct{ expr, want string }{
		{`"https://api.internal/v1/"`, "https://api.internal/v1/"},
		{`"a ${1 + 2} b"`, "a 3 b"},
		{"<<-EOT\n  two\n  lines\nEOT\n", "two\nlines\n"},
		{`env("MCPGEN_TEST_WRITTEN")`, `${env("MCPGEN_TEST_WRITTEN")}`},
		{`env("MCPGEN_TEST_UNSET_WRITTEN", "http://127.0.0.1:8081")`, `${env("MCPGEN_TEST_UNSET_WRITTEN", "http://127.0.0.1:8081")}`},
		{`"https://${env("MCPGEN_TEST_WRITTEN")}/api"`, `https://${env("MCPGEN_TEST_WRITTEN")}/api`},
		{`"${env("MCPGEN_TEST_WRITTEN")}"`, `${env("MCPGEN_TEST_WRITTEN")}`},
		{`env("MCPGEN_TEST_UNSET_WRITTEN", "say \"hi\"\n${"x"}")`, `${env("MCPGEN_TEST_UNSET_WRITTEN", "say \"hi\"\n${"x"}")}`},
		{`env("MCPGEN_TEST_UNSET_WRITTEN", "a ${env("MCPGEN_TEST_WRITTEN")}")`, `${env("MCPGEN_TEST_UNSET_WRITTEN", "a ${env("MCPGEN_TEST_WRITTEN")}")}`},
		{`env("MCPGEN_TEST_WRITTEN") == "" ? "a" : "b"`, `${...}`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			file, diags := hclsyntax.ParseConfig([]byte("x = "+tt.expr+"\n"), "x.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatalf("parse: %s", diagText(diags))
			}
			attrs, _ := file.Body.JustAttributes()
			if got := WrittenString(attrs["x"], ctx); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"512", 512, ""},
		{"1b", 1, ""},
		{" 4 KB ", 4 << 10, ""},
		{"100MB", 100 << 20, ""},
		{"2GB", 2 << 30, ""},
		{"0", 0, `"0" is out of range`},
		{"1TB", 0, `"1TB" is not a number of B, KB, MB or GB`},
		{"-1KB", 0, `"-1KB" is not a number of B, KB, MB or GB`},
		{"99999999999999999999", 0, `"99999999999999999999" is too large`},
		{"4294967297GB", 0, `"4294967297GB" is out of range`},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.wantErr {
			t.Errorf("ParseSize(%q): got %d, %q, want %d, %q", tt.in, got, gotErr, tt.want, tt.wantErr)
		}
	}
}

func TestParamValue(t *testing.T) {
	tests := []struct {
		val     cty.Value
		typ     ParamType
		items   ParamType
		want    any
		wantErr string
	}{
		{cty.StringVal("a"), TypeString, "", "a", ""},
		{cty.NumberIntVal(-3), TypeInteger, "", int64(-3), ""},
		{cty.NumberFloatVal(2.0), TypeInteger, "", int64(2), ""},
		{cty.MustParseNumberVal("9223372036854775807"), TypeInteger, "", int64(9223372036854775807), ""},
		{cty.MustParseNumberVal("9223372036854775808"), TypeInteger, "", nil, "want a whole number within 64 bits, got 9.223372037e+18"},
		{cty.NumberFloatVal(2.5), TypeNumber, "", 2.5, ""},
		{cty.NumberIntVal(2), TypeNumber, "", 2.0, ""},
		{cty.True, TypeBoolean, "", true, ""},
		{cty.StringVal("true"), TypeBoolean, "", nil, "want true or false, got a string"},
		{cty.ListValEmpty(cty.String), TypeArray, TypeString, []any{}, ""},
		{cty.SetVal([]cty.Value{cty.NumberIntVal(1)}), TypeArray, TypeInteger, []any{int64(1)}, ""},
		{cty.TupleVal([]cty.Value{cty.NullVal(cty.String)}), TypeArray, TypeString, nil, "element 0: want a string, got null"},
	}
	for _, tt := range tests {
		got, err := paramValue(tt.val, tt.typ, tt.items)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if !reflect.DeepEqual(got, tt.want) || gotErr != tt.wantErr {
			t.Errorf("paramValue(%#v, %s): got %#v, %q, want %#v, %q", tt.val, tt.typ, got, gotErr, tt.want, tt.wantErr)
		}
	}
}

func TestLoadPaths(t *testing.T) {
	empty := t.TempDir()
	other := t.TempDir()
	for name, content := range map[string]string{"notes.txt": "", ".hidden.hcl": "nonsense {"} {
		if err := os.WriteFile(filepath.Join(other, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		paths    []string
		wantDiag string
		tools    int
	}{
		{"nothing", nil, "No configuration files", 0},
		{"missing", []string{"testdata/nope.hcl"}, "no such file", 0},
		{"empty dir", []string{empty}, "holds no .hcl files", 0},
		{"only other files", []string{other}, "holds no .hcl files", 0},
		{"a file", []string{"testdata/invalid/dup_tool/a.hcl"}, "", 1},
		{"a file and its directory", []string{"testdata/invalid/dup_tool/a.hcl", "testdata/invalid/dup_tool/"}, "already declared", 2},
		{"same file twice", []string{"testdata/invalid/dup_tool/a.hcl", "./testdata/invalid/dup_tool/a.hcl"}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, diags := Load(tt.paths)
			if got := diagText(diags); !strings.Contains(got, tt.wantDiag) || (tt.wantDiag == "") != (got == "") {
				t.Errorf("diagnostics: got %q, want %q", got, tt.wantDiag)
			}
			if len(cfg.Tools) != tt.tools {
				t.Errorf("tools: got %d, want %d", len(cfg.Tools), tt.tools)
			}
		})
	}
}

// Each file under testdata/invalid (or directory, loaded as one config)
// marks every line that must have a diagnostic with `# want: <text>`
// (internal/fixture).
func TestLoadInvalid(t *testing.T) {
	for _, path := range fixture.Glob(t, "testdata/invalid/*") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			files := []string{path}
			if info, err := os.Stat(path); err != nil {
				t.Fatal(err)
			} else if info.IsDir() {
				files = fixture.Glob(t, filepath.Join(path, "*.hcl"))
			}
			_, diags := Load([]string{path})
			fixture.Check(t, files, diagText(diags))
		})
	}
}

func TestWriteDiagnostics(t *testing.T) {
	at := func(file string, line, col int) *hcl.Range {
		return &hcl.Range{Filename: file, Start: hcl.Pos{Line: line, Column: col}, End: hcl.Pos{Line: line, Column: col + 1}}
	}
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Third", Detail: "In b.", Subject: at("b.hcl", 1, 1)},
		{Severity: hcl.DiagWarning, Summary: "Second", Detail: "Spread\n  over\tlines.", Subject: at("a.hcl", 10, 3)},
		{Severity: hcl.DiagError, Summary: "First", Subject: at("a.hcl", 2, 5)},
		{Severity: hcl.DiagError, Summary: "Unplaced", Detail: "No file."},
	}
	want := "Unplaced; No file.\n" +
		"a.hcl:2:5: First\n" +
		"a.hcl:10:3: warning: Second; Spread over lines.\n" +
		"b.hcl:1:1: Third; In b.\n"
	var b bytes.Buffer
	WriteDiagnostics(&b, diags)
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
