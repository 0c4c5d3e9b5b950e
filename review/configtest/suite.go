// Package configtest runs the cases of test files (*.test.hcl) against a
// configuration: `mcpgen test`. Each case builds the configuration with
// the one runtime.Build, its SQL sources pointed at a fresh fixture
// database and its HTTP sources at stubs on 127.0.0.1, serves it with
// runtime.NewServer and calls it as the case's principal through mcp-go,
// so guards, binds, validation, limits, the adapters and the audit trail
// are the ones `mcpgen serve` runs. The outcome of a call is read from
// the audit record the call path wrote.
package configtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"
	"github.com/zclconf/go-cty/cty"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

// Suite is a configuration and the tests of it, checked against each
// other and ready to run.
type Suite struct {
	paths []string
	conf  *cfg.Config
	tests *cfg.Tests
	// fixtures by SQL source key: declared, or implicit for a SQLite
	// source without one.
	fixtures map[string]*cfg.Fixture
	asserts  map[*cfg.TestCase][]cel.Program
	log      zerolog.Logger
}

// Prepare loads the configuration at paths (offline: nothing is opened)
// and checks the tests against it: every case names a tool, resource or
// prompt that exists, arguments that can match its params (unless the
// case expects them to be invalid), a principal that is declared, and CEL
// assertions that compile; every fixture and stub names a source of its
// kind, and every SQL source can be given a fixture.
func Prepare(ctx context.Context, paths []string, tests *cfg.Tests, log zerolog.Logger) (*Suite, hcl.Diagnostics) {
	gen, diags := runtime.Build(ctx, paths, runtime.BuildOptions{Mode: runtime.BuildOffline, Log: log})
	s := &Suite{paths: paths, conf: gen.Config, tests: tests, fixtures: map[string]*cfg.Fixture{},
		asserts: map[*cfg.TestCase][]cel.Program{}, log: log}
	if diags.HasErrors() {
		return s, diags
	}
	diags = append(diags, s.checkSources()...)
	env, err := assertEnv()
	if err != nil {
		panic("assertion environment: " + err.Error()) // fixed in code
	}
	for _, c := range tests.Cases {
		diags = append(diags, s.checkCase(c, env)...)
	}
	return s, diags
}

// Cases are the cases in declaration order.
func (s *Suite) Cases() []*cfg.TestCase { return s.tests.Cases }

func (s *Suite) checkSources() hcl.Diagnostics {
	var diags hcl.Diagnostics
	byKey := map[string]*cfg.Source{}
	var sqlNames, httpNames []string
	for _, src := range s.conf.Sources {
		byKey[src.Key()] = src
		switch src.Type {
		case "sql":
			sqlNames = append(sqlNames, src.Name)
		case "http":
			httpNames = append(httpNames, src.Name)
		}
	}
	for _, f := range s.tests.Fixtures {
		if byKey[f.Key()] == nil {
			diags = append(diags, unknownName("Unknown source", "sql source", f.Name, sqlNames, f.NameRange))
			continue
		}
		s.fixtures[f.Key()] = f
	}
	for _, st := range s.tests.Stubs {
		if src := byKey["http."+st.Name]; src == nil {
			diags = append(diags, unknownName("Unknown source", "http source", st.Name, httpNames, st.NameRange))
		}
	}
	for _, src := range s.conf.Sources {
		if src.Type != "sql" || s.fixtures[src.Key()] != nil {
			continue
		}
		// Without a fixture a SQLite source gets a fresh file seeded by
		// its own seed; any other driver would be its real database.
		if driver := sourceDriver(src); driver != "" && driver != cfg.FixtureSQLite {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Source needs a fixture",
				Detail: fmt.Sprintf("source.%s uses driver %q and the tests declare no fixture for it, so they would run against its real database. "+
					"Declare fixture \"sql\" %q in a test file.", src.Key(), driver, src.Name),
				Subject: src.DeclRange.Ptr()})
			continue
		}
		s.fixtures[src.Key()] = &cfg.Fixture{Type: "sql", Name: src.Name, Driver: cfg.FixtureSQLite, DeclRange: src.DeclRange}
	}
	return diags
}

// sourceDriver evaluates a SQL source's driver as the adapter would; ""
// when it cannot be read (the adapter reports that at build).
func sourceDriver(src *cfg.Source) string {
	content, _, _ := src.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "driver"}}})
	attr, ok := content.Attributes["driver"]
	if !ok {
		return cfg.FixtureSQLite // the adapter's default
	}
	v, diags := attr.Expr.Value(src.Ctx)
	v, _ = v.UnmarkDeep()
	if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

func (s *Suite) checkCase(c *cfg.TestCase, env *cel.Env) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range c.Expect.Asserts {
		prg, d := compileAssert(env, a)
		diags = append(diags, d...)
		s.asserts[c] = append(s.asserts[c], prg)
	}
	if c.Target == "" {
		return diags
	}
	// A case that only looks at tools/list sends no arguments to check.
	expectInvalid := c.Expect.Outcome == "invalid" || !c.Expect.CallsNeeded()
	switch c.Kind {
	case cfg.TargetTool:
		i := slices.IndexFunc(s.conf.Tools, func(t *cfg.Tool) bool { return t.Name == c.Target })
		if i < 0 {
			var names []string
			for _, t := range s.conf.Tools {
				names = append(names, t.Name)
			}
			return append(diags, unknownName("Unknown tool", "tool", c.Target, names, c.TargetRange))
		}
		if !expectInvalid {
			diags = append(diags, checkParams(c, s.conf.Tools[i])...)
		}
	case cfg.TargetResource:
		i := slices.IndexFunc(s.conf.Resources, func(r *cfg.Resource) bool { return r.Name == c.Target })
		if i < 0 {
			var names []string
			for _, r := range s.conf.Resources {
				names = append(names, r.Name)
			}
			return append(diags, unknownName("Unknown resource", "resource", c.Target, names, c.TargetRange))
		}
		diags = append(diags, checkResourceArgs(c, s.conf.Resources[i], expectInvalid)...)
	case cfg.TargetPrompt:
		i := slices.IndexFunc(s.conf.Prompts, func(p *cfg.Prompt) bool { return p.Name == c.Target })
		if i < 0 {
			var names []string
			for _, p := range s.conf.Prompts {
				names = append(names, p.Name)
			}
			return append(diags, unknownName("Unknown prompt", "prompt", c.Target, names, c.TargetRange))
		}
		if !expectInvalid {
			diags = append(diags, checkPromptArgs(c, s.conf.Prompts[i])...)
		}
	}
	if c.Expect.Outcome == "rate_limited" && c.Kind != cfg.TargetTool {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid outcome",
			Detail:  "Only tools have rate limits; expect rate_limited of a tool test.",
			Subject: c.Expect.OutcomeRange.Ptr()})
	}
	return diags
}

// checkParams validates the case's arguments as the server will, so that
// a typo in a test is a load error, not a case that fails for the wrong
// reason.
func checkParams(c *cfg.TestCase, tool *cfg.Tool) hcl.Diagnostics {
	ps, d := runtime.NewParams(tool)
	if d.HasErrors() {
		return nil // reported by the build
	}
	raw, err := json.Marshal(c.Args)
	if err != nil {
		return nil
	}
	if c.Args == nil {
		raw = []byte("{}")
	}
	if _, err := ps.Validate(raw); err != nil {
		rng := c.ArgsRange
		if rng.Filename == "" {
			rng = c.TargetRange
		}
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Arguments do not match the tool's params",
			Detail:  fmt.Sprintf("tool %s would refuse these arguments: %s Fix them, or expect outcome = \"invalid\".", tool.Name, err.Error()),
			Subject: rng.Ptr()}}
	}
	return nil
}

func checkResourceArgs(c *cfg.TestCase, r *cfg.Resource, expectInvalid bool) hcl.Diagnostics {
	if !r.IsTemplate() {
		if len(c.Args) > 0 {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unexpected args",
				Detail:  fmt.Sprintf("resource %s has the fixed URI %s: it takes no arguments.", r.Name, r.URI),
				Subject: c.ArgsRange.Ptr()}}
		}
		return nil
	}
	vars := templateVars(r.URITemplate)
	var diags hcl.Diagnostics
	for _, name := range c.ArgNames() {
		if !slices.Contains(vars, name) {
			diags = append(diags, unknownName("Unknown template variable", "variable of "+r.URITemplate+" named", name, vars, c.ArgRanges[name]))
		}
	}
	for _, v := range vars {
		if _, ok := c.Args[v]; !ok {
			rng := c.ArgsRange
			if rng.Filename == "" {
				rng = c.TargetRange
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing argument",
				Detail:  fmt.Sprintf("resource %s reads %s: give %s in args.", r.Name, r.URITemplate, v),
				Subject: rng.Ptr()})
		}
	}
	if diags.HasErrors() || r.Query == nil || expectInvalid {
		return diags
	}
	return checkParams(c, r.Query)
}

func checkPromptArgs(c *cfg.TestCase, p *cfg.Prompt) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var names []string
	for _, a := range p.Arguments {
		names = append(names, a.Name)
	}
	for _, name := range c.ArgNames() {
		if !slices.Contains(names, name) {
			diags = append(diags, unknownName("Unknown argument", "argument of prompt "+p.Name+" named", name, names, c.ArgRanges[name]))
			continue
		}
		var s string
		if json.Unmarshal(c.Args[name], &s) != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Prompt arguments are strings",
				Detail:  fmt.Sprintf("MCP passes prompt arguments as strings: write %s = %q.", name, strings.Trim(string(c.Args[name]), `"`)),
				Subject: c.ArgRanges[name].Ptr()})
		}
	}
	return diags
}

func unknownName(summary, what, name string, names []string, rng hcl.Range) *hcl.Diagnostic {
	sort.Strings(names)
	detail := fmt.Sprintf("There is no %s %q.", what, name)
	if s := suggestName(name, names); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else if len(names) > 0 {
		detail += " There are: " + strings.Join(names, ", ") + "."
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

// suggestName is the name fewer than three edits from given, if any.
func suggestName(given string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := editDistance(given, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// templateVars are the variable names of a URI template, in order.
func templateVars(tmpl string) []string {
	var vars []string
	for rest := tmpl; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return vars
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return vars
		}
		for _, v := range strings.Split(strings.TrimLeft(rest[i+1:i+j], "+#./;?&"), ",") {
			v = strings.TrimSuffix(v, "*")
			if k := strings.IndexByte(v, ':'); k >= 0 {
				v = v[:k]
			}
			if v != "" && !slices.Contains(vars, v) {
				vars = append(vars, v)
			}
		}
		rest = rest[i+j+1:]
	}
}

// assertEnv is what assertions see: result (the call's structured result,
// a resource's JSON content or a prompt's messages), text (its text) and
// outcome.
func assertEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("result", cel.DynType),
		cel.Variable("text", cel.StringType),
		cel.Variable("outcome", cel.StringType),
	)
}

func compileAssert(env *cel.Env, a cfg.Assertion) (cel.Program, hcl.Diagnostics) {
	ast, iss := env.Compile(a.Expr)
	if iss != nil && iss.Err() != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid assertion",
			Detail: "The CEL expression does not compile: " + firstLine(iss.Err().Error()), Subject: a.Range.Ptr()}}
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid assertion",
			Detail: fmt.Sprintf("An assertion must be true or false; this one is %s.", t), Subject: a.Range.Ptr()}}
	}
	prg, err := env.Program(ast, cel.CostLimit(1_000_000))
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid assertion",
			Detail: oneLine(err.Error()), Subject: a.Range.Ptr()}}
	}
	return prg, nil
}

// firstLine is CEL's first error, without the source excerpt it draws.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimPrefix(s, "ERROR: <input>:")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
