package configtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/yosida95/uritemplate/v3"
	"github.com/zclconf/go-cty/cty"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/celjson"
	mcpruntime "github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

// Options configure a run.
type Options struct {
	// Run selects the cases whose name it matches; nil: every case.
	Run *regexp.Regexp
	// Parallel is how many cases run at once; 0: GOMAXPROCS. Every case
	// has its own databases, stubs' view and rate-limit buckets, so cases
	// never see each other.
	Parallel int
}

// Result is one case's outcome.
type Result struct {
	Case *cfg.TestCase
	// Failures say what was expected and what came back; none: passed.
	Failures []string
	Duration time.Duration
}

// Passed reports whether the case met every expectation.
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// Report is a run's results, in declaration order.
type Report struct {
	Results  []*Result
	Duration time.Duration
}

// Counts are the passed and failed cases.
func (r *Report) Counts() (passed, failed int) {
	for _, res := range r.Results {
		if res.Passed() {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// Run runs the selected cases. An error means the run could not start (a
// fixture's server cannot be reached); a failing case is a Result.
func (s *Suite) Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	var cases []*cfg.TestCase
	for _, c := range s.tests.Cases {
		if opts.Run == nil || opts.Run.MatchString(c.Name) {
			cases = append(cases, c)
		}
	}
	report := &Report{Results: make([]*Result, len(cases))}
	if len(cases) == 0 {
		return report, nil
	}
	r, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	defer r.stop(ctx)

	n := opts.Parallel
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			report.Results[i] = r.runCase(ctx, fmt.Sprintf("c%d", i), c)
		}()
	}
	wg.Wait()
	report.Duration = time.Since(start)
	return report, nil
}

// runner is one run's shared state: the stub listener and the PostgreSQL
// fixtures' template databases.
type runner struct {
	*Suite
	stubs *stubServer
	pg    map[string]*pgFixture // by source key
}

func (s *Suite) start(ctx context.Context) (*runner, error) {
	stubs, err := startStubs(s.tests.Stubs)
	if err != nil {
		return nil, err
	}
	r := &runner{Suite: s, stubs: stubs, pg: map[string]*pgFixture{}}
	for key, f := range s.fixtures {
		if f.Driver != cfg.FixturePostgres {
			continue
		}
		p, err := newPGFixture(ctx, f.DSN)
		if err != nil {
			r.stop(ctx)
			return nil, fmt.Errorf("%s: fixture for source.%s: %w", cfg.Pos(f.DeclRange), key, err)
		}
		r.pg[key] = p
	}
	if len(r.pg) > 0 {
		// Seed the templates once, with the adapter's own seeding: a
		// build that opens the sources on them, then closes.
		if err := r.seedTemplates(ctx); err != nil {
			r.stop(ctx)
			return nil, err
		}
	}
	return r, nil
}

func (r *runner) seedTemplates(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "mcpgen-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbs := map[string]string{}
	for key, p := range r.pg {
		dbs[key] = p.template
	}
	gen, diags := mcpruntime.Build(ctx, r.paths, mcpruntime.BuildOptions{
		Mode: mcpruntime.BuildServe, Log: r.log, Rewrite: r.rewrite("seed", dir, dbs),
	})
	if diags.HasErrors() {
		return fmt.Errorf("seeding the fixture databases: %s", diagText(diags))
	}
	return gen.Close()
}

func (r *runner) stop(ctx context.Context) {
	r.stubs.close()
	for key, p := range r.pg {
		if err := p.close(ctx); err != nil {
			r.log.Warn().Err(err).Str("source", key).Msg("dropping the fixture databases")
		}
	}
}

// rewrite points a case's configuration at its fixtures and stubs: every
// SQL source at a fresh SQLite file in dir or its own PostgreSQL
// database (dbs, by source key), every HTTP source at the stub listener,
// the issuer's keys there too, and a Redis rate limiter at memory.
func (r *runner) rewrite(id, dir string, dbs map[string]string) func(*cfg.Config) hcl.Diagnostics {
	return func(conf *cfg.Config) hcl.Diagnostics {
		var diags hcl.Diagnostics
		for i, src := range conf.Sources {
			attrs := map[string]cty.Value{}
			var drop map[string]bool
			at := src.DeclRange
			switch src.Type {
			case "sql":
				f := r.fixtures[src.Key()]
				if f == nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Source has no fixture",
						Detail: "source." + src.Key() + " has no fixture under test.", Subject: src.DeclRange.Ptr()})
					continue
				}
				at = f.DeclRange
				attrs["driver"] = cty.StringVal(f.Driver)
				if f.Driver == cfg.FixturePostgres {
					attrs["dsn"] = cty.StringVal(r.pg[src.Key()].dsnFor(dbs[src.Key()]))
				} else {
					attrs["dsn"] = cty.StringVal("file:" + filepath.Join(dir, fmt.Sprintf("%d.db", i)))
				}
				if f.HasSeed {
					attrs["seed"] = cty.StringVal(f.Seed)
				}
			case "http":
				attrs["base_url"] = cty.StringVal(r.stubs.baseURL(id, src.Name))
				drop = map[string]bool{"tls": true}
			default:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Source cannot be tested",
					Detail:  fmt.Sprintf("mcpgen test has no fixture or stub for %s sources, and will not call a real one.", src.Type),
					Subject: src.TypeRange.Ptr()})
				continue
			}
			src.Body = &overrideBody{Body: src.Body, attrs: attrs, drop: drop, at: at}
		}
		if conf.Auth != nil && conf.Auth.JWT != nil {
			conf.Auth.JWT.JWKSURL = r.stubs.baseURL(id, jwksName)
		}
		if conf.Limits != nil && conf.Limits.Backend == "redis" {
			conf.Limits.Backend, conf.Limits.RedisURL = "memory", ""
		}
		return diags
	}
}

func (r *runner) runCase(ctx context.Context, id string, c *cfg.TestCase) *Result {
	start := time.Now()
	res := &Result{Case: c}
	defer func() { res.Duration = time.Since(start) }()
	// Failures of the case as a whole point at its block.
	fail := func(format string, args ...any) {
		res.Failures = append(res.Failures, rangePos(c.DeclRange)+": "+fmt.Sprintf(format, args...))
	}

	dir, err := os.MkdirTemp("", "mcpgen-test-")
	if err != nil {
		fail("cannot make the case's fixture directory: %v", err)
		return res
	}
	defer os.RemoveAll(dir)
	dbs := map[string]string{}
	for key, p := range r.pg {
		name, err := p.create(ctx, p.template)
		if err != nil {
			fail("%v", err)
			return res
		}
		dbs[key] = name
		defer func() {
			if err := p.drop(context.WithoutCancel(ctx), name); err != nil {
				r.log.Warn().Err(err).Str("database", name).Msg("dropping a fixture database")
			}
		}()
	}
	gen, diags := mcpruntime.Build(ctx, r.paths, mcpruntime.BuildOptions{
		Mode: mcpruntime.BuildServe, Log: r.log, Rewrite: r.rewrite(id, dir, dbs),
	})
	if diags.HasErrors() {
		fail("the configuration did not build on the fixtures: %s", diagText(diags))
		return res
	}
	trail := &lockedBuffer{}
	srv := mcpruntime.NewServer(gen, mcpruntime.ServerOptions{Log: r.log, Audit: audit.New(trail)})
	defer srv.Close()
	sess := newUserSession("mcpgen-test-"+id, c.User)
	defer sess.close()
	cl := &client{srv: srv, ctx: srv.MCP().WithContext(callerContext(r.tests, c.Principal), sess)}
	if _, err := cl.send("initialize", map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": sess.capabilities(),
		"clientInfo": map[string]any{"name": "mcpgen-test", "version": "1"},
	}); err != nil {
		fail("initialize: %v", err)
		return res
	}

	e := &c.Expect
	if e.Visible != nil {
		listed, err := cl.listed(c)
		switch {
		case err != nil:
			fail("listing: %v", err)
		case listed != *e.Visible:
			res.Failures = append(res.Failures, fmt.Sprintf("%s: expected %s %s to be %s to %s, but it is %s", rangePos(e.VisibleRange), c.Kind, c.Target, visibleWord(*e.Visible), c.Principal, visibleWord(listed)))
		}
	}
	if !e.CallsNeeded() {
		return res
	}
	var got *answer
	for n := 0; n < c.Calls; n++ {
		mark := trail.Len()
		got, err = cl.call(c)
		if err != nil {
			fail("%s %s: %v", c.Kind, c.Target, err)
			return res
		}
		got.fromAudit(trail.From(mark), c)
		if q := sess.question(); q != "" {
			fail("%s %s asked the user %q, and the test gives no answer: add user { action = \"accept\" } (or decline, cancel, cannot_ask)", c.Kind, c.Target, q)
			return res
		}
	}
	r.check(res, c, got)
	for _, note := range r.stubs.notesOf(id) {
		if !res.Passed() {
			res.Failures = append(res.Failures, rangePos(c.DeclRange)+": note: "+note)
		}
	}
	return res
}

func visibleWord(v bool) string {
	if v {
		return "visible"
	}
	return "hidden"
}

// check compares what came back with what the case expects. Each failure
// starts with the position of the expectation it is about.
func (r *runner) check(res *Result, c *cfg.TestCase, got *answer) {
	e := &c.Expect
	fail := func(at hcl.Range, format string, args ...any) {
		if at.Filename == "" {
			at = e.DeclRange
		}
		res.Failures = append(res.Failures, rangePos(at)+": "+fmt.Sprintf(format, args...))
	}
	before := len(res.Failures)
	switch {
	case e.Outcome != "":
		if got.outcome != e.Outcome {
			fail(e.OutcomeRange, "expected outcome %s, got %s", e.Outcome, got.describe())
		}
	case e.HasError:
		if got.outcome == "ok" {
			fail(e.ErrorRange, "expected an error containing %q, got %s", e.Error, got.describe())
		}
	default:
		if got.outcome != "ok" {
			fail(e.DeclRange, "expected outcome ok, got %s", got.describe())
		}
	}
	if e.HasError && got.outcome != "ok" && !strings.Contains(got.text, e.Error) {
		fail(e.ErrorRange, "expected the error to contain %q, got %q", e.Error, clip(got.text))
	}
	if e.Rows != nil && got.rows != *e.Rows {
		fail(e.RowsRange, "expected %d rows, got %d (%s)", *e.Rows, got.rows, got.describe())
	}
	if len(res.Failures) > before {
		return // assertions over a result that is not the one expected say nothing more
	}
	for i, prg := range r.asserts[c] {
		if prg == nil {
			continue
		}
		a := e.Asserts[i]
		out, _, err := prg.Eval(map[string]any{"result": got.result, "text": got.text, "outcome": got.outcome})
		switch {
		case err != nil:
			fail(a.Range, "assertion %s could not be evaluated: %v (result: %s)", a.Expr, err, clip(got.resultJSON()))
		case out.Value() != true:
			fail(a.Range, "assertion %s is %v (result: %s)", a.Expr, out.Value(), clip(got.resultJSON()))
		}
	}
}

func rangePos(r hcl.Range) string { return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line) }

// answer is what one call came back with.
type answer struct {
	outcome string // from the audit record, as in TestOutcomes
	class   string // the record's error class
	rows    int
	text    string // the result's text, or the JSON-RPC error's message
	result  any    // JSON-decoded, integers as int64
	rpcErr  bool
}

func (a *answer) describe() string {
	s := a.outcome
	if a.class != "" && a.outcome != "ok" {
		s += " (" + a.class + ")"
	}
	if a.text != "" {
		s += ": " + strconv.Quote(clip(a.text))
	}
	return s
}

func (a *answer) resultJSON() string {
	b, err := json.Marshal(a.result)
	if err != nil {
		return fmt.Sprint(a.result)
	}
	return string(b)
}

// fromAudit takes the outcome from the call's audit record: the one about
// the case's target, written by this call.
func (a *answer) fromAudit(lines []byte, c *cfg.TestCase) {
	key := c.Target
	switch c.Kind {
	case cfg.TargetResource:
		key = cfg.ResourceQueryPrefix + c.Target
	case cfg.TargetPrompt:
		key = cfg.PromptPrefix + c.Target
	}
	var found *auditLine
	for line := range bytes.Lines(lines) {
		var rec auditLine
		if json.Unmarshal(line, &rec) != nil || rec.Log != "audit" {
			continue
		}
		if rec.Tool == key || rec.Tool == c.Target {
			found = &rec
		}
	}
	if found == nil {
		// Nothing about the target was audited: mcp-go answered it
		// itself (an unknown name), or an embedded read failed first.
		if a.outcome == "" {
			a.outcome = "error"
		}
		return
	}
	a.outcome, a.class, a.rows = found.Outcome, found.ErrorClass, found.Rows
}

type auditLine struct {
	Log        string `json:"log"`
	Tool       string `json:"tool"`
	Outcome    string `json:"outcome"`
	ErrorClass string `json:"error_class"`
	Rows       int    `json:"rows"`
}

func clip(s string) string {
	const max = 300
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	cfg.WriteDiagnostics(&b, errorsOnly(diags))
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "\n", "; "))
}

// callerContext is who a case calls as: a declared principal over HTTP,
// anonymous over HTTP, or the configuration's stdio principal over stdio.
func callerContext(tests *cfg.Tests, name string) context.Context {
	ctx := context.Background()
	switch name {
	case cfg.PrincipalStdio:
		return mcpruntime.WithTransport(ctx, "stdio")
	case cfg.PrincipalAnonymous:
		return mcpruntime.WithTransport(ctx, "http")
	}
	ctx = mcpruntime.WithTransport(ctx, "http")
	if p := tests.Principal(name); p != nil {
		ctx = mcpruntime.WithPrincipal(ctx, &mcpruntime.Principal{Subject: p.Subject, Scopes: p.Scopes, Claims: p.Claims})
	}
	return ctx
}

// client sends JSON-RPC requests to the server in process, as a transport
// does (mcp-go's HandleMessage), with the case's caller in the context.
type client struct {
	srv *mcpruntime.Server
	ctx context.Context
	id  int
}

type rpcAnswer struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (cl *client) send(method string, params any) (*rpcAnswer, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	cl.id++
	msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, cl.id, method, p)
	out, err := json.Marshal(cl.srv.MCP().HandleMessage(cl.ctx, json.RawMessage(msg)))
	if err != nil {
		return nil, err
	}
	var a rpcAnswer
	if err := json.Unmarshal(out, &a); err != nil || (a.Result == nil && a.Error == nil) {
		return nil, fmt.Errorf("%s: the answer is not JSON-RPC: %s", method, clip(string(out)))
	}
	return &a, nil
}

// listed reports whether the case's target is in the list its kind has.
func (cl *client) listed(c *cfg.TestCase) (bool, error) {
	methods := map[string][]string{
		cfg.TargetTool:     {"tools/list"},
		cfg.TargetResource: {"resources/list", "resources/templates/list"},
		cfg.TargetPrompt:   {"prompts/list"},
	}[c.Kind]
	for _, m := range methods {
		cursor := ""
		for {
			params := map[string]any{}
			if cursor != "" {
				params["cursor"] = cursor
			}
			a, err := cl.send(m, params)
			if err != nil {
				return false, err
			}
			if a.Error != nil {
				return false, fmt.Errorf("%s: %s", m, a.Error.Message)
			}
			var page struct {
				Tools             []struct{ Name string } `json:"tools"`
				Resources         []struct{ Name string } `json:"resources"`
				ResourceTemplates []struct{ Name string } `json:"resourceTemplates"`
				Prompts           []struct{ Name string } `json:"prompts"`
				NextCursor        string                  `json:"nextCursor"`
			}
			if err := json.Unmarshal(a.Result, &page); err != nil {
				return false, fmt.Errorf("%s: %v", m, err)
			}
			for _, list := range [][]struct{ Name string }{page.Tools, page.Resources, page.ResourceTemplates, page.Prompts} {
				for _, item := range list {
					if item.Name == c.Target {
						return true, nil
					}
				}
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
	}
	return false, nil
}

// call makes the case's call once.
func (cl *client) call(c *cfg.TestCase) (*answer, error) {
	args := map[string]json.RawMessage{}
	for k, v := range c.Args {
		args[k] = v
	}
	var method string
	var params any
	switch c.Kind {
	case cfg.TargetTool:
		method, params = "tools/call", map[string]any{"name": c.Target, "arguments": args}
	case cfg.TargetResource:
		uri, err := cl.resourceURI(c)
		if err != nil {
			return nil, err
		}
		method, params = "resources/read", map[string]any{"uri": uri}
	case cfg.TargetPrompt:
		strs := map[string]string{}
		for k, v := range c.Args {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				s = string(v)
			}
			strs[k] = s
		}
		method, params = "prompts/get", map[string]any{"name": c.Target, "arguments": strs}
	}
	a, err := cl.send(method, params)
	if err != nil {
		return nil, err
	}
	got := &answer{outcome: "ok"}
	if a.Error != nil {
		got.outcome, got.text, got.rpcErr = "error", a.Error.Message, true
		return got, nil
	}
	switch c.Kind {
	case cfg.TargetTool:
		var res struct {
			IsError           bool            `json:"isError"`
			Content           []contentItem   `json:"content"`
			StructuredContent json.RawMessage `json:"structuredContent"`
		}
		if err := json.Unmarshal(a.Result, &res); err != nil {
			return nil, err
		}
		got.text = joinText(res.Content)
		if res.IsError {
			got.outcome = "error"
		}
		if len(res.StructuredContent) > 0 {
			got.result = decodeJSON(res.StructuredContent)
		} else {
			got.result = textValue(got.text)
		}
	case cfg.TargetResource:
		var res struct {
			Contents []struct {
				Text string `json:"text"`
				Blob string `json:"blob"`
			} `json:"contents"`
		}
		if err := json.Unmarshal(a.Result, &res); err != nil {
			return nil, err
		}
		var parts []string
		for _, ct := range res.Contents {
			parts = append(parts, ct.Text)
		}
		got.text = strings.Join(parts, "\n")
		got.result = textValue(got.text)
	case cfg.TargetPrompt:
		var res struct {
			Messages []struct {
				Content contentItem `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(a.Result, &res); err != nil {
			return nil, err
		}
		var items []contentItem
		for _, m := range res.Messages {
			items = append(items, m.Content)
		}
		got.text = joinText(items)
		got.result = decodeJSON(a.Result)
	}
	return got, nil
}

type contentItem struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Resource *struct {
		Text string `json:"text"`
	} `json:"resource"`
}

func joinText(items []contentItem) string {
	var parts []string
	for _, it := range items {
		switch {
		case it.Text != "":
			parts = append(parts, it.Text)
		case it.Resource != nil && it.Resource.Text != "":
			parts = append(parts, it.Resource.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// textValue is a text result as assertions see it: its JSON value when it
// is JSON, else the text.
func textValue(text string) any {
	if v := decodeJSON([]byte(text)); v != nil {
		return v
	}
	return text
}

// decodeJSON decodes with integers as int64, so that assertions compare
// them with CEL's integer literals; nil when b is not one JSON value.
func decodeJSON(b []byte) any {
	v, err := celjson.Decode(b)
	if err != nil {
		return nil
	}
	return v
}

// resourceURI is the URI a resource case reads: the fixed one, or the
// template filled in with the case's arguments.
func (cl *client) resourceURI(c *cfg.TestCase) (string, error) {
	gen := cl.srv.Generation()
	for _, r := range gen.Config.Resources {
		if r.Name != c.Target {
			continue
		}
		if !r.IsTemplate() {
			return r.URI, nil
		}
		t, err := uritemplate.New(r.URITemplate)
		if err != nil {
			return "", err
		}
		vals := uritemplate.Values{}
		for k, v := range c.Args {
			var s string
			if json.Unmarshal(v, &s) != nil {
				s = string(v) // a number or a bool, as written
			}
			vals.Set(k, uritemplate.String(s))
		}
		return t.Expand(vals)
	}
	return "", errors.New("no such resource")
}

// lockedBuffer is the audit trail of one case: written by the server's
// goroutines, read after each call.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

// From is a copy of what was written from offset on.
func (l *lockedBuffer) From(offset int) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes()[offset:])
}

func errorsOnly(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	return out
}
