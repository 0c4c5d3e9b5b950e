package hcl

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// The blocks of a test file besides principal: fixture, stub and test.
// The hcl package decodes them into plain values with ranges; whether a
// test's tool, principal and arguments match the configuration is for the
// runner (review/configtest), which has both.

// Fixture drivers.
const (
	FixtureSQLite   = "sqlite"
	FixturePostgres = "postgres"
)

// Fixture is a `fixture "sql" "NAME"` block: the database the SQL source
// NAME uses under test instead of its own.
type Fixture struct {
	Type, Name string // the source's type and name: source.TYPE.NAME
	// Driver is FixtureSQLite (a fresh temporary file per case) or
	// FixturePostgres (a fresh database per case on the server DSN
	// names).
	Driver string
	DSN    string // postgres: a server the runner may create databases on
	// Seed, when HasSeed, replaces the source's own seed.
	Seed    string
	HasSeed bool

	DeclRange, NameRange hcl.Range
}

// Key is the source key the fixture replaces, as cfg.Source.Key.
func (f *Fixture) Key() string { return f.Type + "." + f.Name }

// Stub is a `stub "NAME"` block: fixed answers the HTTP source NAME gets
// under test from a listener the runner starts on 127.0.0.1.
type Stub struct {
	Name      string
	Responses []*StubResponse
	DeclRange hcl.Range
	NameRange hcl.Range
}

// StubResponse is a `response "PATH"` block of a stub: what a request for
// PATH (any method, any query) is answered with.
type StubResponse struct {
	Path        string
	Status      int
	Body        string
	ContentType string
	DeclRange   hcl.Range
}

// Test targets: what a case calls.
const (
	TargetTool     = "tool"
	TargetResource = "resource"
	TargetPrompt   = "prompt"
)

// Outcomes a case may expect: the audit trail's outcomes.
var TestOutcomes = []string{"ok", "error", "denied", "invalid", "rate_limited", "timeout", "declined"}

// TestCase is a `test "NAME"` block.
type TestCase struct {
	Name      string
	Principal string
	// Kind is TargetTool, TargetResource or TargetPrompt; Target names
	// the tool, resource or prompt.
	Kind, Target string
	// Args are the arguments as JSON values, by name (for a resource
	// template, its variables; for a prompt, strings).
	Args map[string]json.RawMessage
	// ArgRanges locate each argument's name, for diagnostics.
	ArgRanges map[string]hcl.Range
	// Calls is how many times the call is made; the expectation is about
	// the last one (rate limits).
	Calls int
	// User is how the human at the client answers when a tool asks
	// (confirm and ask blocks); nil: the case declares no answer, and a
	// question fails the case.
	User   *TestUser
	Expect Expect

	DeclRange, NameRange, PrincipalRange, TargetRange, ArgsRange hcl.Range
}

// What the user at a test's client does when a tool asks them.
const (
	UserAccept    = "accept"
	UserDecline   = "decline"
	UserCancel    = "cancel"
	UserCannotAsk = "cannot_ask" // the client did not declare elicitation
)

// TestUser is a test's user block: the human's side of elicitation.
type TestUser struct {
	// Action is one of UserAccept (the default), UserDecline, UserCancel
	// and UserCannotAsk.
	Action string
	// Answers are the values given for the tool's ask fields, as JSON.
	Answers map[string]json.RawMessage

	DeclRange, ActionRange hcl.Range
}

// Expect is a test's expect block. Only what is set is checked.
type Expect struct {
	// Outcome is one of TestOutcomes; "" means "ok" unless Error is set
	// (then: anything but ok).
	Outcome string
	// Error, when HasError, must be part of the error's text.
	Error    string
	HasError bool
	Rows     *int
	// Visible, when set, is whether the target is listed to the
	// principal. An expect block that only says visible makes no call.
	Visible *bool
	Asserts []Assertion

	DeclRange, OutcomeRange, ErrorRange, RowsRange, VisibleRange hcl.Range
}

// CallsNeeded reports whether the case calls its target at all.
func (e *Expect) CallsNeeded() bool {
	return e.Outcome != "" || e.HasError || e.Rows != nil || len(e.Asserts) > 0 || e.Visible == nil
}

// Assertion is one CEL expression over the result, true when the case
// passes.
type Assertion struct {
	Expr  string
	Range hcl.Range
}

var (
	fixtureSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "driver"}, {Name: "dsn"}, {Name: "seed"},
	}}
	stubSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "response", LabelNames: []string{"path"}},
	}}
	stubResponseSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "status"}, {Name: "body"}, {Name: "json"}, {Name: "content_type"},
	}}
	testSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "principal", Required: true},
			{Name: "tool"}, {Name: "resource"}, {Name: "prompt"},
			{Name: "args"}, {Name: "calls"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "expect"}, {Type: "user"}},
	}
	userSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "action"}, {Name: "answers"},
	}}
	expectSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "outcome"}, {Name: "error"}, {Name: "rows"}, {Name: "visible"}, {Name: "assert"},
	}}
)

func (t *Tests) addBlock(block *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	switch block.Type {
	case "fixture":
		f, diags := decodeFixture(block, ctx)
		if f == nil {
			return diags
		}
		for _, prev := range t.Fixtures {
			if prev.Key() == f.Key() {
				return append(diags, duplicateDiag("Duplicate fixture",
					fmt.Sprintf("source.%s already has a fixture at %s.", f.Key(), pos(prev.DeclRange)), f.DeclRange))
			}
		}
		t.Fixtures = append(t.Fixtures, f)
		return diags
	case "stub":
		s, diags := decodeStub(block, ctx)
		if s == nil {
			return diags
		}
		for _, prev := range t.Stubs {
			if prev.Name == s.Name {
				return append(diags, duplicateDiag("Duplicate stub",
					fmt.Sprintf("source.http.%s already has a stub at %s.", s.Name, pos(prev.DeclRange)), s.DeclRange))
			}
		}
		t.Stubs = append(t.Stubs, s)
		return diags
	case "test":
		c, diags := decodeTestCase(block, ctx)
		if c == nil {
			return diags
		}
		if prev := t.Case(c.Name); prev != nil {
			return append(diags, duplicateDiag("Duplicate test",
				fmt.Sprintf("test %q is already declared at %s.", c.Name, pos(prev.DeclRange)), c.DeclRange))
		}
		if c.Principal != "" && c.Principal != PrincipalAnonymous && c.Principal != PrincipalStdio && t.Principal(c.Principal) == nil {
			t.pending = append(t.pending, c)
		}
		t.Cases = append(t.Cases, c)
		return diags
	}
	return nil
}

// Case returns the test called name, or nil.
func (t *Tests) Case(name string) *TestCase {
	for _, c := range t.Cases {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Fixture returns the fixture of the source with key ("sql.orders"), or nil.
func (t *Tests) Fixture(key string) *Fixture {
	for _, f := range t.Fixtures {
		if f.Key() == key {
			return f
		}
	}
	return nil
}

// Stub returns the stub of the HTTP source called name, or nil.
func (t *Tests) Stub(name string) *Stub {
	for _, s := range t.Stubs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// checkPrincipals reports the cases whose principal no file declares,
// once every file is read (a principal may be declared in a later file).
func (t *Tests) checkPrincipals() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, c := range t.pending {
		if t.Principal(c.Principal) != nil {
			continue
		}
		names := []string{PrincipalAnonymous, PrincipalStdio}
		for _, p := range t.Principals {
			names = append(names, p.Name)
		}
		detail := fmt.Sprintf("No principal %q is declared; the principals are: %s.", c.Principal, strings.Join(names, ", "))
		if s := nameSuggestion(c.Principal, names); s != "" {
			detail = fmt.Sprintf("No principal %q is declared. Did you mean %q?", c.Principal, s)
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown principal",
			Detail: detail, Subject: c.PrincipalRange.Ptr()})
	}
	t.pending = nil
	return diags
}

func decodeFixture(block *hcl.Block, ctx *hcl.EvalContext) (*Fixture, hcl.Diagnostics) {
	f := &Fixture{Type: block.Labels[0], Name: block.Labels[1], Driver: FixtureSQLite,
		DeclRange: block.DefRange, NameRange: block.LabelRanges[1]}
	var diags hcl.Diagnostics
	if f.Type != "sql" {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported fixture type",
			Detail:  fmt.Sprintf("A fixture replaces the database of a sql source, not of a %q one; point an http source at a stub block instead.", f.Type),
			Subject: block.LabelRanges[0].Ptr()})
	}
	content, d := block.Body.Content(fixtureSchema)
	diags = append(diags, d...)
	if attr, ok := content.Attributes["driver"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		switch {
		case d.HasErrors():
		case v == FixtureSQLite || v == FixturePostgres:
			f.Driver = v
		default:
			diags = append(diags, AttrError(attr, "Invalid fixture driver", "driver must be %q or %q, not %q.", FixtureSQLite, FixturePostgres, v))
		}
	}
	if attr, ok := content.Attributes["dsn"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		f.DSN = v
		if !d.HasErrors() && f.Driver != FixturePostgres {
			diags = append(diags, AttrError(attr, "Unexpected dsn",
				"A sqlite fixture is a fresh temporary file; dsn is for driver = %q, a server the tests may create databases on.", FixturePostgres))
		}
		if !d.HasErrors() && v == "" && f.Driver == FixturePostgres {
			diags = append(diags, AttrError(attr, "Empty DSN",
				"dsn is empty: set it to a PostgreSQL server the tests may create databases on (e.g. from env(\"MCPGEN_TEST_POSTGRES_DSN\"))."))
		}
	} else if f.Driver == FixturePostgres {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing dsn",
			Detail:  "A postgres fixture needs dsn: a PostgreSQL server on which each test gets a database of its own.",
			Subject: block.Body.MissingItemRange().Ptr()})
	}
	if attr, ok := content.Attributes["seed"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		f.Seed, f.HasSeed = v, !d.HasErrors()
	}
	return f, diags
}

func decodeStub(block *hcl.Block, ctx *hcl.EvalContext) (*Stub, hcl.Diagnostics) {
	s := &Stub{Name: block.Labels[0], DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	content, diags := block.Body.Content(stubSchema)
	seen := map[string]*StubResponse{}
	for _, b := range content.Blocks {
		r, d := decodeStubResponse(b, ctx)
		diags = append(diags, d...)
		if r == nil {
			continue
		}
		if prev := seen[r.Path]; prev != nil {
			diags = append(diags, duplicateDiag("Duplicate stub response",
				fmt.Sprintf("%s is already answered at %s.", r.Path, pos(prev.DeclRange)), r.DeclRange))
			continue
		}
		seen[r.Path] = r
		s.Responses = append(s.Responses, r)
	}
	return s, diags
}

func decodeStubResponse(block *hcl.Block, ctx *hcl.EvalContext) (*StubResponse, hcl.Diagnostics) {
	r := &StubResponse{Path: block.Labels[0], Status: 200, DeclRange: block.DefRange}
	var diags hcl.Diagnostics
	if !strings.HasPrefix(r.Path, "/") {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid stub path",
			Detail:  fmt.Sprintf("%q is not a path: write it as the upstream sees it, starting with '/', e.g. \"/v1/stock/TN-LAP-101\".", r.Path),
			Subject: block.LabelRanges[0].Ptr()})
	}
	content, d := block.Body.Content(stubResponseSchema)
	diags = append(diags, d...)
	attrs := content.Attributes
	if attr, ok := attrs["status"]; ok {
		v, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && (v < 100 || v > 599) {
			diags = append(diags, AttrError(attr, "Invalid status", "status must be an HTTP status from 100 to 599, not %d.", v))
		}
		r.Status = v
	}
	body, hasBody := attrs["body"]
	js, hasJSON := attrs["json"]
	switch {
	case hasBody && hasJSON:
		diags = append(diags, AttrError(js, "Conflicting body", "Give body (text) or json (a value sent as JSON), not both."))
	case hasBody:
		v, d := StringAttr(body, ctx)
		diags = append(diags, d...)
		r.Body = v
	case hasJSON:
		val, d := evalAttr(js, ctx, false)
		diags = append(diags, d...)
		if !d.HasErrors() {
			b, err := ctyjson.Marshal(val, val.Type())
			if err != nil {
				diags = append(diags, AttrError(js, "Invalid json", "json cannot be encoded: %s.", err))
			}
			r.Body, r.ContentType = string(b), "application/json"
		}
	}
	if attr, ok := attrs["content_type"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		r.ContentType = v
	}
	return r, diags
}

func decodeTestCase(block *hcl.Block, ctx *hcl.EvalContext) (*TestCase, hcl.Diagnostics) {
	c := &TestCase{Name: block.Labels[0], Calls: 1, DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	var diags hcl.Diagnostics
	if strings.TrimSpace(c.Name) == "" {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty test name",
			Detail: "Name the test after what it shows, e.g. \"acme agent cannot read a globex order\".", Subject: c.NameRange.Ptr()})
	}
	content, d := block.Body.Content(testSchema)
	diags = append(diags, d...)
	attrs := content.Attributes
	if attr, ok := attrs["principal"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		c.Principal, c.PrincipalRange = v, attr.Expr.Range()
	}
	var targets []*hcl.Attribute
	for _, kind := range []string{TargetTool, TargetResource, TargetPrompt} {
		if attr, ok := attrs[kind]; ok {
			targets = append(targets, attr)
		}
	}
	switch len(targets) {
	case 0:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing target",
			Detail:  "A test names what it calls: tool = \"NAME\", resource = \"NAME\" or prompt = \"NAME\".",
			Subject: block.Body.MissingItemRange().Ptr()})
	case 1:
		v, d := StringAttr(targets[0], ctx)
		diags = append(diags, d...)
		c.Kind, c.Target, c.TargetRange = targets[0].Name, v, targets[0].Expr.Range()
	default:
		diags = append(diags, AttrError(targets[1], "Conflicting targets",
			"A test calls one thing: give one of tool, resource and prompt, not %s and %s.", targets[0].Name, targets[1].Name))
	}
	if attr, ok := attrs["args"]; ok {
		c.ArgsRange = attr.Expr.Range()
		diags = append(diags, c.decodeArgs(attr, ctx)...)
	}
	if attr, ok := attrs["calls"]; ok {
		v, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && (v < 1 || v > 1000) {
			diags = append(diags, AttrError(attr, "Invalid calls", "calls must be from 1 to 1000, not %d.", v))
		}
		c.Calls = v
	}
	var expects, users []*hcl.Block
	for _, b := range content.Blocks {
		if b.Type == "user" {
			users = append(users, b)
		} else {
			expects = append(expects, b)
		}
	}
	switch len(expects) {
	case 0:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing expect block",
			Detail:  "A test says what it expects: expect { outcome = \"denied\" }, or error, rows, visible, assert.",
			Subject: block.Body.MissingItemRange().Ptr()})
	default:
		for _, extra := range expects[1:] {
			diags = append(diags, duplicateDiag("Duplicate expect block",
				fmt.Sprintf("This test's expect block is at %s; put every expectation in it.", pos(expects[0].DefRange)), extra.DefRange))
		}
		diags = append(diags, c.Expect.decode(expects[0], ctx)...)
	}
	if len(users) > 0 {
		for _, extra := range users[1:] {
			diags = append(diags, duplicateDiag("Duplicate user block",
				fmt.Sprintf("This test's user block is at %s: the user answers once per call.", pos(users[0].DefRange)), extra.DefRange))
		}
		u, d := decodeTestUser(users[0], ctx)
		diags = append(diags, d...)
		c.User = u
	}
	return c, diags
}

func decodeTestUser(block *hcl.Block, ctx *hcl.EvalContext) (*TestUser, hcl.Diagnostics) {
	u := &TestUser{Action: UserAccept, DeclRange: block.DefRange, ActionRange: block.DefRange}
	content, diags := block.Body.Content(userSchema)
	if attr, ok := content.Attributes["action"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		actions := []string{UserAccept, UserDecline, UserCancel, UserCannotAsk}
		if !d.HasErrors() && !slices.Contains(actions, v) {
			diags = append(diags, AttrError(attr, "Invalid user action", "action must be one of %s, not %q.", strings.Join(actions, ", "), v))
		}
		u.Action, u.ActionRange = v, attr.Expr.Range()
	}
	if attr, ok := content.Attributes["answers"]; ok {
		var d hcl.Diagnostics
		u.Answers, _, d = jsonObject(attr, ctx, "answers", "an answer")
		diags = append(diags, d...)
		if u.Action != UserAccept && len(u.Answers) > 0 {
			diags = append(diags, AttrError(attr, "Conflicting user block", "Only a user who accepts gives answers; this one's action is %q.", u.Action))
		}
	}
	return u, diags
}

// decodeArgs reads args = { name = value, ... }: each value becomes JSON,
// as a client would send it, and each name keeps its range.
func (c *TestCase) decodeArgs(attr *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	c.Args, c.ArgRanges, diags = jsonObject(attr, ctx, "args", "an argument")
	return diags
}

// jsonObject reads attr = { name = value, ... } (named what in messages,
// each entry one): each value becomes JSON, as a client would send it, and
// each name keeps its range.
func jsonObject(attr *hcl.Attribute, ctx *hcl.EvalContext, what, entry string) (map[string]json.RawMessage, map[string]hcl.Range, hcl.Diagnostics) {
	values, ranges := map[string]json.RawMessage{}, map[string]hcl.Range{}
	obj, ok := attr.Expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return values, ranges, hcl.Diagnostics{AttrError(attr, "Incorrect attribute value type",
			"%s must be an object such as { order_id = 1042 }.", what)}
	}
	var diags hcl.Diagnostics
	for _, item := range obj.Items {
		kv, d := item.KeyExpr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		kv, _ = kv.Unmark()
		if kv.IsNull() || !kv.IsKnown() || kv.Type() != cty.String {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid name",
				Detail: fmt.Sprintf("The name of %s must be a string.", entry), Subject: item.KeyExpr.Range().Ptr()})
			continue
		}
		name := kv.AsString()
		val, d := item.ValueExpr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		val, _ = val.UnmarkDeep()
		if !val.IsWhollyKnown() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid argument",
				Detail: "The value must be known when the test file is loaded.", Subject: item.ValueExpr.Range().Ptr()})
			continue
		}
		b, err := ctyjson.Marshal(val, val.Type())
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid argument",
				Detail: fmt.Sprintf("The value cannot be sent as JSON: %s.", err), Subject: item.ValueExpr.Range().Ptr()})
			continue
		}
		if _, dup := values[name]; dup {
			diags = append(diags, duplicateDiag("Duplicate name",
				fmt.Sprintf("%s is already given at %s.", name, pos(ranges[name])), item.KeyExpr.Range()))
			continue
		}
		values[name], ranges[name] = b, item.KeyExpr.Range()
	}
	return values, ranges, diags
}

// ArgNames are the names of the case's arguments, sorted.
func (c *TestCase) ArgNames() []string {
	names := make([]string, 0, len(c.Args))
	for n := range c.Args {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (e *Expect) decode(block *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	e.DeclRange = block.DefRange
	content, diags := block.Body.Content(expectSchema)
	attrs := content.Attributes
	if len(attrs) == 0 && !diags.HasErrors() {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty expect block",
			Detail:  "Say what the test expects: outcome, error, rows, visible or assert.",
			Subject: block.DefRange.Ptr()})
	}
	if attr, ok := attrs["outcome"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		e.Outcome, e.OutcomeRange = v, attr.Expr.Range()
		if !d.HasErrors() && !slices.Contains(TestOutcomes, v) {
			diags = append(diags, AttrError(attr, "Invalid outcome", "outcome must be one of %s, not %q.", strings.Join(TestOutcomes, ", "), v))
		}
	}
	if attr, ok := attrs["error"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		e.Error, e.HasError, e.ErrorRange = v, !d.HasErrors(), attr.Expr.Range()
		if e.Outcome == "ok" {
			diags = append(diags, AttrError(attr, "Conflicting expectations", "An ok outcome has no error text to contain %q.", v))
		}
	}
	if attr, ok := attrs["rows"]; ok {
		v, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if v < 0 {
				diags = append(diags, AttrError(attr, "Invalid rows", "rows must not be negative."))
			}
			e.Rows = &v
		}
		e.RowsRange = attr.Expr.Range()
	}
	if attr, ok := attrs["visible"]; ok {
		v, d := BoolAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			e.Visible = &v
		}
		e.VisibleRange = attr.Expr.Range()
	}
	if attr, ok := attrs["assert"]; ok {
		diags = append(diags, e.decodeAsserts(attr, ctx)...)
	}
	return diags
}

// decodeAsserts reads assert = "CEL" or assert = ["CEL", ...], keeping each
// expression's range for the runner's compile errors.
func (e *Expect) decodeAsserts(attr *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	exprs := []hcl.Expression{attr.Expr}
	if tuple, ok := attr.Expr.(*hclsyntax.TupleConsExpr); ok {
		exprs = exprs[:0]
		for _, x := range tuple.Exprs {
			exprs = append(exprs, x)
		}
	}
	var diags hcl.Diagnostics
	for _, x := range exprs {
		val, d := x.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		val, _ = val.UnmarkDeep()
		if val.IsNull() || !val.IsKnown() || val.Type() != cty.String {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incorrect attribute value type",
				Detail:  "assert must be a CEL expression in a string, or a list of them, e.g. \"result.rows.all(r, r.org == 'acme')\".",
				Subject: x.Range().Ptr()})
			continue
		}
		e.Asserts = append(e.Asserts, Assertion{Expr: val.AsString(), Range: x.Range()})
	}
	return diags
}
