package http

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/guard"
)

// Tool is a tool whose source is a `source "http"`.
type Tool struct {
	src         *Source
	name        string
	method      string
	path        pathTemplate
	query       []namedExpr // sorted by name
	headers     []namedExpr // sorted by name
	body        *guard.ValueProgram
	result      *guard.ValueProgram
	retryUnsafe bool

	// For Describe: the path as a reviewer reads it (cfg.WrittenString),
	// the CEL of body and result as written.
	pathText, bodySrc, resultSrc string
}

// namedExpr is one query parameter or header and the CEL that computes it.
type namedExpr struct {
	name string
	src  string // as written
	prg  *guard.ValueProgram
}

var toolSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "method", Required: true},
		{Name: "path", Required: true},
		{Name: "body"},
		{Name: "result"},
		{Name: "retry_unsafe"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "query"}, {Type: "headers"}},
}

// methods a tool may use; idempotent ones (RFC 9110, section 9.2.2) are
// retried without retry_unsafe.
var methods = map[string]bool{"GET": true, "HEAD": true, "OPTIONS": true, "PUT": true, "DELETE": true, "POST": false, "PATCH": false}

// CEL environments: request parts see the call, result also the response.
var celEnvs = sync.OnceValues(func() ([2]*guard.ValueEnv, error) {
	req, err := guard.NewValueEnv("args", "binds")
	if err != nil {
		return [2]*guard.ValueEnv{}, err
	}
	res, err := guard.NewValueEnv("args", "binds", "response")
	return [2]*guard.ValueEnv{req, res}, err
})

// DecodeTool decodes the HTTP part of a tool (method, path, query, headers,
// body, result, retry_unsafe), compiles its CEL and checks that every
// placeholder and reference is a declared param or bind and that every
// param and bind is used. It does no I/O.
func (s *Source) DecodeTool(tool *cfg.Tool) (adapter.Tool, hcl.Diagnostics) {
	t := &Tool{src: s, name: tool.Name, method: http.MethodGet}
	content, diags := tool.Body.Content(toolSchema)
	envs, err := celEnvs()
	if err != nil {
		panic("http adapter: CEL environment: " + err.Error()) // fixed in code
	}
	u := newUsage(tool)

	if attr, ok := content.Attributes["method"]; ok {
		v, ds := cfg.StringAttr(attr, tool.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if _, known := methods[v]; !known {
				diags = append(diags, cfg.AttrError(attr, "Invalid method",
					"method must be one of GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE (in capitals), not %q.", v))
			}
			t.method = v
		}
	}
	if attr, ok := content.Attributes["path"]; ok {
		diags = append(diags, t.decodePath(attr, tool, u)...)
	}
	if attr, ok := content.Attributes["retry_unsafe"]; ok {
		v, ds := cfg.BoolAttr(attr, tool.Ctx)
		diags = append(diags, ds...)
		t.retryUnsafe = v
		if !ds.HasErrors() && v && methods[t.method] {
			r := attr.NameRange
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "retry_unsafe has no effect",
				Detail: fmt.Sprintf("%s is idempotent and is retried anyway; remove retry_unsafe.", t.method), Subject: &r})
		}
	}
	if attr, ok := content.Attributes["body"]; ok {
		prg, src, ds := compileCEL(envs[0], attr, tool, u)
		diags = append(diags, ds...)
		t.body, t.bodySrc = prg, src
		if t.method == http.MethodGet || t.method == http.MethodHead || t.method == http.MethodOptions {
			diags = append(diags, cfg.AttrError(attr, "Body on a "+t.method+" request",
				"A %s request has no body; use POST, PUT, PATCH or DELETE, or send the values in a query block.", t.method))
		}
	}
	if attr, ok := content.Attributes["result"]; ok {
		prg, src, ds := compileCEL(envs[1], attr, tool, u)
		diags = append(diags, ds...)
		t.result, t.resultSrc = prg, src
	}

	seen := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		if first, dup := seen[b.Type]; dup {
			r := b.DefRange
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate " + b.Type + " block",
				Detail: fmt.Sprintf("A tool has at most one %s block; the first is at %s.", b.Type, cfg.Pos(first)), Subject: &r})
			continue
		}
		seen[b.Type] = b.DefRange
		exprs, ds := decodeNamedExprs(b, envs[0], tool, u)
		diags = append(diags, ds...)
		if b.Type == "query" {
			t.query = exprs
		} else {
			diags = append(diags, s.checkToolHeaders(b, exprs)...)
			t.headers = exprs
		}
	}

	if !diags.HasErrors() {
		diags = append(diags, u.unused()...)
	}
	return t, diags
}

func (t *Tool) decodePath(attr *hcl.Attribute, tool *cfg.Tool, u *usage) hcl.Diagnostics {
	v, diags := cfg.StringAttr(attr, tool.Ctx)
	if diags.HasErrors() {
		return diags
	}
	t.pathText = cfg.WrittenString(attr, tool.Ctx)
	text := cfg.NewValueText(attr.Expr, v)
	tmpl, problems := parsePath(v)
	for _, p := range problems {
		r := text.RangeOf(p.off, p.end)
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid path", Detail: p.msg + ".", Subject: &r})
	}
	t.path = tmpl
	if len(problems) > 0 {
		return diags
	}
	for _, p := range tmpl.names() {
		r := text.RangeOf(p.off, p.end)
		switch param, kind := u.lookup(p.name); {
		case kind == "" && u.tool.MeantToDeclare(p.name): // its misspelt block is reported
		case kind == "":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared path parameter",
				Detail: fmt.Sprintf("{%s} is not declared; add a param or bind block named %q.", p.name, p.name), Subject: &r})
		case param != nil && param.Type == cfg.TypeArray:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Array in a path",
				Detail: fmt.Sprintf("param %q is an array, and a path segment holds one value; send it in a query block.", p.name), Subject: &r})
		case param != nil && !param.Required && param.Default == nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Optional path parameter",
				Detail: fmt.Sprintf("param %q is optional without a default, and a path segment cannot be left out; make it required or give it a default.", p.name), Subject: &r})
		default:
			u.use(p.name, kind)
		}
	}
	return diags
}

// compileCEL compiles a CEL attribute and records what it reads. It
// returns the expression's text too, for Describe.
func compileCEL(env *guard.ValueEnv, attr *hcl.Attribute, tool *cfg.Tool, u *usage) (*guard.ValueProgram, string, hcl.Diagnostics) {
	src, diags := cfg.PublicStringAttr(attr, tool.Ctx)
	if diags.HasErrors() {
		return nil, "", diags
	}
	prg, err := env.Compile(src)
	if err != nil {
		return nil, src, append(diags, cfg.AttrError(attr, "Invalid CEL expression",
			"%s does not compile: %s.", attr.Name, strings.TrimSuffix(err.Error(), ".")))
	}
	return prg, src, append(diags, u.references(prg, attr)...)
}

func decodeNamedExprs(b *hcl.Block, env *guard.ValueEnv, tool *cfg.Tool, u *usage) ([]namedExpr, hcl.Diagnostics) {
	attrs, diags := b.Body.JustAttributes()
	var out []namedExpr
	for _, attr := range attrs {
		prg, src, ds := compileCEL(env, attr, tool, u)
		diags = append(diags, ds...)
		if prg != nil {
			out = append(out, namedExpr{name: attr.Name, src: src, prg: prg})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	if b.Type == "headers" {
		for i := range out {
			out[i].name = http.CanonicalHeaderKey(out[i].name)
		}
	}
	return out, diags
}

// checkToolHeaders refuses names that are not headers, that the client
// sets itself, or that the source already sets: a reviewer should find one
// place where, say, Authorization comes from.
func (s *Source) checkToolHeaders(b *hcl.Block, exprs []namedExpr) hcl.Diagnostics {
	attrs, _ := b.Body.JustAttributes()
	var diags hcl.Diagnostics
	for _, e := range exprs {
		var attr *hcl.Attribute
		for name, a := range attrs {
			if http.CanonicalHeaderKey(name) == e.name {
				attr = a
			}
		}
		r := attr.NameRange
		switch {
		case !headerName.MatchString(e.name):
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid header name",
				Detail: fmt.Sprintf("%q is not a valid HTTP header name.", attr.Name), Subject: &r})
		case reservedHeaders[e.name]:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reserved header",
				Detail: fmt.Sprintf("%s is set by the HTTP client itself and cannot be configured.", e.name), Subject: &r})
		case s.headers.Get(e.name) != "":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Header set by the source",
				Detail: fmt.Sprintf("The source already sets %s; a tool cannot replace it.", e.name), Subject: &r})
		}
	}
	return diags
}

// usage tracks which params and binds a tool's request uses.
type usage struct {
	tool   *cfg.Tool
	params map[string]*cfg.Param
	binds  map[string]*cfg.Bind
	used   map[string]bool
}

func newUsage(tool *cfg.Tool) *usage {
	u := &usage{tool: tool, params: map[string]*cfg.Param{}, binds: map[string]*cfg.Bind{}, used: map[string]bool{}}
	for _, p := range tool.Inputs() {
		u.params[p.Name] = p
	}
	for _, b := range tool.Binds {
		u.binds[b.Name] = b
	}
	return u
}

// lookup finds a name among binds first (they win at call time, as in
// SQL), then params; kind is "" when it is neither.
func (u *usage) lookup(name string) (*cfg.Param, string) {
	if _, ok := u.binds[name]; ok {
		return nil, "bind"
	}
	if p, ok := u.params[name]; ok {
		return p, "param"
	}
	return nil, ""
}

func (u *usage) use(name, kind string) { u.used[kind+"."+name] = true }

// references checks the args.X and binds.X an expression reads. Using
// args or binds as a whole (body = "args") uses every one of them.
func (u *usage) references(prg *guard.ValueProgram, attr *hcl.Attribute) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, v := range []struct{ variable, kind string }{{"args", "param"}, {"binds", "bind"}} {
		keys, whole := prg.Uses(v.variable)
		if whole {
			for name := range u.params {
				if v.kind == "param" {
					u.use(name, v.kind)
				}
			}
			for name := range u.binds {
				if v.kind == "bind" {
					u.use(name, v.kind)
				}
			}
		}
		for _, k := range keys {
			if !u.declared(k, v.kind) {
				if !u.tool.MeantToDeclare(k) {
					diags = append(diags, cfg.AttrError(attr, "Undeclared "+v.kind,
						"%s.%s is not declared; add a %s block named %q.", v.variable, k, v.kind, k))
				}
				continue
			}
			u.use(k, v.kind)
		}
	}
	return diags
}

func (u *usage) declared(name, kind string) bool {
	if kind == "bind" {
		_, ok := u.binds[name]
		return ok
	}
	_, ok := u.params[name]
	return ok
}

func (u *usage) unused() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range u.tool.Inputs() {
		if !u.used["param."+p.Name] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unused parameter",
				Detail:  fmt.Sprintf("param %q is not used in the request; use it as {%s} in the path or args.%s in query, headers or body, or remove it.", p.Name, p.Name, p.Name),
				Subject: p.NameRange.Ptr()})
		}
	}
	for _, b := range u.tool.Binds {
		if !u.used["bind."+b.Name] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unused bind",
				Detail:  fmt.Sprintf("bind %q is not used in the request; use it as {%s} in the path or binds.%s in query, headers or body, or remove it.", b.Name, b.Name, b.Name),
				Subject: b.NameRange.Ptr()})
		}
	}
	return diags
}

// Describe says what the tool sends, for reviewers: the method, the URL
// (base_url joined with the path template, placeholders kept; an env() in
// either is named, not shown), the CEL of each query parameter, tool
// header, body and result (trimmed), and retry_unsafe when set. The source's headers
// are left out: they carry credentials.
func (t *Tool) Describe() map[string]string {
	d := map[string]string{
		"method": t.method,
		"url":    strings.TrimSuffix(t.src.baseURL, "/") + t.pathText,
	}
	for _, q := range t.query {
		d["query."+q.name] = strings.TrimSpace(q.src)
	}
	for _, h := range t.headers {
		d["header."+h.name] = strings.TrimSpace(h.src)
	}
	if t.body != nil {
		d["body"] = strings.TrimSpace(t.bodySrc)
	}
	if t.result != nil {
		d["result"] = strings.TrimSpace(t.resultSrc)
	}
	if t.retryUnsafe {
		d["retry_unsafe"] = "true"
	}
	return d
}

// OutputSchema is an open object schema: what an upstream returns is not
// known at load. A JSON object is returned as is; anything else is wrapped
// as {"body": ...}; a result expression makes its own object.
func (t *Tool) OutputSchema() map[string]any {
	return map[string]any{"type": "object"}
}
