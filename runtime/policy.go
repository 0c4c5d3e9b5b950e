package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/guard"
)

// Who may call a tool is decided by its guard, compiled here once:
//
//   - the tool's own guard, or else the server block's default guard;
//   - with neither, a server without an auth block lets every (anonymous)
//     caller in, as a local tool would; a server with one lets nobody in,
//     so that every grant of access is written down where a reviewer reads.
//
// Binds are part of the policy: a caller whose identity lacks what a bind
// needs cannot call the tool at all.

// compileDefaultGuard compiles the server block's default guard, if any.
func compileDefaultGuard(env *guard.Env, server *cfg.Server) (*guard.Program, hcl.Diagnostics) {
	if server == nil || server.Guard == nil {
		return nil, nil
	}
	prg, err := env.CompileGuard(server.Guard.Source)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid guard",
			Detail:   fmt.Sprintf("The server's default guard does not compile: %s.", strings.TrimSuffix(err.Error(), ".")),
			Subject:  server.Guard.Range.Ptr(),
		}}
	}
	return prg, nil
}

// compilePolicy compiles the tool's guard and binds once, at load.
func (t *toolEntry) compilePolicy(env *guard.Env, defaultGuard *guard.Program, authConfigured bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	d := t.decl
	env = env.WithParams(guardParams(d.Params))
	t.toolVar = guard.Precompute(map[string]any{
		"name":        d.Name,
		"title":       d.Title,
		"read_only":   d.ReadOnly,
		"destructive": d.Destructive,
		"idempotent":  d.Idempotent,
		"open_world":  d.OpenWorld,
	})
	switch {
	case d.Guard != nil:
		prg, err := env.CompileGuard(d.Guard.Source)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid guard",
				Detail:   fmt.Sprintf("The guard of tool %q does not compile: %s.", d.Name, strings.TrimSuffix(err.Error(), ".")),
				Subject:  d.Guard.Range.Ptr(),
			})
		}
		t.guard = prg
	case defaultGuard != nil:
		t.guard = defaultGuard
	case authConfigured:
		t.closed = true
		kind, what := describeEntry(d.Name)
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  kind + " without a guard",
			Detail: fmt.Sprintf("%s has no guard and the server block no default guard, so with authentication configured nobody may use it. "+
				"Write guard = \"true\" to let every authenticated caller in, or a guard saying who may.", what),
			Subject: d.NameRange.Ptr(),
		})
	}
	for _, b := range d.Binds {
		prg, err := env.CompileBind(b.From.Source)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid bind",
				Detail:   fmt.Sprintf("The from expression of bind %q does not compile: %s.", b.Name, strings.TrimSuffix(err.Error(), ".")),
				Subject:  b.From.Range.Ptr(),
			})
			continue
		}
		t.binds = append(t.binds, compiledBind{name: b.Name, from: b.From.Source, typ: b.Type, prg: prg})
	}
	return diags
}

// describeEntry names what an entry serves, for diagnostics: its kind
// ("Tool", "Resource", "Prompt", "Completion") and a phrase naming it.
func describeEntry(name string) (kind, what string) {
	for _, k := range []struct{ prefix, kind string }{
		{cfg.ResourceQueryPrefix, "Resource"},
		{cfg.PromptPrefix, "Prompt"},
		{cfg.CompleteQueryPrefix, "Completion"},
	} {
		if rest, ok := strings.CutPrefix(name, k.prefix); ok {
			if k.kind == "Completion" {
				return k.kind, "The completion of " + rest
			}
			return k.kind, fmt.Sprintf("%s %q", k.kind, rest)
		}
	}
	return "Tool", fmt.Sprintf("Tool %q", name)
}

// policyEntry compiles who may read a resource with fixed content or get
// a prompt. Nothing runs for them, but the rule is a tool's: their own
// guard, else the server's default guard, else open without an auth block
// and closed with one. decl carries only what a policy reads: the name
// ("resource:NAME", "prompt:NAME"), the guard and, for a prompt, its
// arguments as string params.
func (g *Generation) policyEntry(env *guard.Env, decl *cfg.Tool) (*toolEntry, hcl.Diagnostics) {
	t := &toolEntry{decl: decl, timeout: DefaultToolTimeout}
	return t, t.compilePolicy(env, g.defaultGuard, g.Config.Auth != nil)
}

// guardParams is what the cost check of guards and keys needs to know of a
// tool's params: arguments are validated against them before either runs.
func guardParams(ps []*cfg.Param) guard.Params {
	gp := make(guard.Params, len(ps))
	for _, p := range ps {
		gp[p.Name] = guard.Param{Type: string(p.Type), Items: string(p.Items), MaxLength: p.MaxLength, MaxItems: p.MaxItems}
	}
	return gp
}

// errClosed denies a call to a tool that no guard opens.
var errClosed = errors.New("no guard allows this tool")

// authorize evaluates the tool's guard and its binds for one call. Any
// failure denies: a false guard, an evaluation error, a claim a bind needs
// that is missing.
func (t *toolEntry) authorize(ctx context.Context, args map[string]any) (map[string]any, error) {
	if t.closed {
		return nil, errClosed
	}
	if t.guard == nil && len(t.binds) == 0 {
		return nil, nil
	}
	// What the visibility filter found for this request: a guard that
	// does not read the arguments has already decided, with the same
	// principal, tool and request values, and the binds read no arguments.
	v := requestStateFrom(ctx).verdict(t)
	if v != nil && v.visible && (t.guard == nil || !t.guard.UsesArgs()) {
		return v.binds, nil
	}
	vars := t.vars(ctx, args)
	if t.guard != nil {
		allowed, err := t.guard.Allow(vars)
		if err != nil {
			return nil, fmt.Errorf("guard: %w", err)
		}
		if !allowed {
			return nil, errors.New("guard: false")
		}
	}
	if v != nil && v.visible {
		return v.binds, nil
	}
	return t.bindValues(vars)
}

func (t *toolEntry) bindValues(vars guard.Vars) (map[string]any, error) {
	if len(t.binds) == 0 {
		return nil, nil
	}
	binds := make(map[string]any, len(t.binds))
	for _, b := range t.binds {
		v, err := b.prg.Value(vars)
		if err == nil {
			v, err = b.typed(v)
		}
		if err != nil {
			return nil, &bindError{name: b.name, from: b.from, err: err}
		}
		binds[b.name] = v
	}
	return binds, nil
}

// typed checks a bound value against the bind's declared type, so that a
// claim of an unexpected shape (a list where the statement compares one
// value) denies the call instead of reaching the backend. Without a type,
// a value must be a string, a number or a boolean; "array" takes a list
// of those, which adapters bind as they bind array params (JSON text in
// SQL, for json_each). An integral number is an integer: JSON claims are
// doubles.
func (b *compiledBind) typed(v any) (any, error) {
	want := b.typ
	switch x := v.(type) {
	case string:
		if want == "" || want == cfg.TypeString {
			return v, nil
		}
	case bool:
		if want == "" || want == cfg.TypeBoolean {
			return v, nil
		}
	case int64:
		if want == "" || want == cfg.TypeInteger || want == cfg.TypeNumber {
			return v, nil
		}
	case float64:
		switch want {
		case "", cfg.TypeNumber:
			return v, nil
		case cfg.TypeInteger:
			if n, ok := asInteger(x); ok {
				return n, nil
			}
		}
	case []any:
		if want == cfg.TypeArray {
			return v, nil
		}
	}
	what := "a string, a number or a boolean"
	switch want {
	case "":
	case cfg.TypeArray:
		what = "a list of strings, numbers or booleans"
	default:
		what = article(want)
	}
	return nil, fmt.Errorf("must be %s, not %s", what, bindKind(v))
}

func bindKind(v any) string {
	switch x := v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case float64:
		if x == math.Trunc(x) {
			return "a number"
		}
		return "a fractional number"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}

// bindError is a bind that could not be computed for a caller, or whose
// value has the wrong type. Its text names the bind and what went wrong,
// never the value: it goes to the audit record as the reason.
type bindError struct {
	name, from string
	err        error
}

func (e *bindError) Error() string {
	return fmt.Sprintf("bind %q (%s): %v", e.name, e.from, e.err)
}

func (e *bindError) Unwrap() error { return e.err }

// denyReason is what an audit record says about a denial: which bind
// failed and why. A guard's own result stays in the log.
func denyReason(err error) string {
	var be *bindError
	if errors.As(err, &be) {
		return fmt.Sprintf("bind %q: %v", be.name, be.err)
	}
	return ""
}

func (t *toolEntry) vars(ctx context.Context, args map[string]any) guard.Vars {
	return guard.Vars{
		Principal: PrincipalFrom(ctx).celValue(),
		Args:      args,
		Tool:      t.toolVar,
		Request:   requestStateFrom(ctx).request(ctx),
	}
}

// open reports whether every caller may call the tool with any
// arguments: no guard, no binds, not closed.
func (t *toolEntry) open() bool {
	return !t.closed && t.guard == nil && len(t.binds) == 0
}

// visible reports whether the caller in ctx could call the tool with some
// arguments. It is sound, not complete: a tool it shows may still deny a
// particular call, but a tool it hides would deny every call. A hidden
// tool is answered exactly as one that does not exist.
func (t *toolEntry) visible(ctx context.Context) bool {
	if t.open() {
		return true
	}
	if t.closed {
		return false
	}
	st := requestStateFrom(ctx)
	if v := st.verdict(t); v != nil {
		return v.visible
	}
	p := PrincipalFrom(ctx)
	if f := p.rememberedVerdict(t.verdicts); f != nil {
		st.remember(verdict{t: t, visible: f.visible, binds: f.binds})
		return f.visible
	}
	vars := t.vars(ctx, nil)
	v := verdict{t: t}
	if t.guard == nil || t.guard.Possible(vars) {
		binds, err := t.bindValues(vars)
		v.visible, v.binds = err == nil, binds
	}
	st.remember(v)
	p.rememberVerdict(t.verdicts, v)
	return v.visible
}

// sameEveryRequest reports whether visible finds the same verdict for a
// principal on every request: the guard and the binds read nothing of
// the request (the principal and the tool do not change, and the
// arguments are unknown to visible), and CEL's functions give the same
// value for the same input. A principal then remembers its verdict, with
// the values of the binds, which every call reads and none changes.
func (t *toolEntry) sameEveryRequest() bool {
	if t.guard != nil && t.guard.UsesRequest() {
		return false
	}
	for _, b := range t.binds {
		if b.prg.UsesRequest() {
			return false
		}
	}
	return true
}

// reasonHidden is the audit reason of a request for something the caller
// could never use, answered as if it did not exist.
const reasonHidden = "not visible to the caller"

// whyHidden is the audit reason for refusing the caller in ctx a tool it
// could never call: reasonHidden, and which bind fails when one does (a
// guard's own result stays in the log, as for denials).
func (t *toolEntry) whyHidden(ctx context.Context) string {
	if t.closed {
		return reasonHidden + ": " + errClosed.Error()
	}
	if _, err := t.bindValues(t.vars(ctx, nil)); err != nil {
		if r := denyReason(err); r != "" {
			return reasonHidden + ": " + r
		}
	}
	return reasonHidden
}

// A caller is offered only what it could use, and what it could never use
// is answered exactly as what does not exist, so that nobody learns a
// hidden tool's name, schema or existence by probing:
//
//   - tools/list and tools/call go through mcp-go's tool filter, which
//     runs before pagination (so a page is full and its cursor names a
//     tool the caller saw) and makes a call to a hidden tool mcp-go's own
//     "tool not found" answer; prompts/list and prompts/get likewise
//     through the prompt filter;
//   - mcp-go has no filter for resources: the list hooks filter and then
//     page them (server.go), and reads of hidden resources are answered
//     by our handler as unknown URIs are (resources.go);
//   - what mcp-go answered itself is audited by auditNotFound.

// visibleTools is mcp-go's tool filter: the tools the caller in ctx could
// call. A tool the generation lacks is listed by mcp-go for an instant
// during a reload; it is not offered.
func (s *Server) visibleTools(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	gen := s.Generation()
	ctx = gen.caller(ctx)
	kept := tools[:0:0]
	for _, def := range tools {
		if gen.toolVisible(ctx, def.Name) {
			kept = append(kept, def)
		}
	}
	return kept
}

// toolVisible is the tool filter's test of one tool, for the caller in
// ctx (already gen.caller's): DirectCall asks it of the tool called, as
// mcp-go asks visibleTools of a one-tool list.
func (g *Generation) toolVisible(ctx context.Context, name string) bool {
	t, ok := g.byName[name]
	return ok && t.visible(ctx)
}

// visiblePrompts is mcp-go's prompt filter: the prompts the caller in ctx
// could get.
func (s *Server) visiblePrompts(ctx context.Context, prompts []mcp.Prompt) []mcp.Prompt {
	gen := s.Generation()
	ctx = gen.caller(ctx)
	kept := prompts[:0:0]
	for _, def := range prompts {
		if e := gen.prompt(def.Name); e != nil && e.access.visible(ctx) {
			kept = append(kept, def)
		}
	}
	return kept
}

// visibleResources are the static resources of defs (what mcp-go lists,
// before it is paged) that the caller in ctx may read.
func (gen *Generation) visibleResources(ctx context.Context, defs []mcp.Resource) []mcp.Resource {
	ctx = gen.caller(ctx)
	byURI := make(map[string]*resourceEntry, len(gen.resources))
	for _, e := range gen.resources {
		if e.tmpl == nil {
			byURI[e.decl.URI] = e
		}
	}
	kept := defs[:0:0]
	for _, def := range defs {
		if e := byURI[def.URI]; e != nil && e.visible(ctx) {
			kept = append(kept, def)
		}
	}
	return kept
}

// visibleTemplates are the templates of defs (what mcp-go lists, before
// it is paged) that the caller in ctx could read some URI of. The
// template that routes unknown URIs to our handler is never one of them.
func (gen *Generation) visibleTemplates(ctx context.Context, defs []mcp.ResourceTemplate) []mcp.ResourceTemplate {
	ctx = gen.caller(ctx)
	byTemplate := make(map[string]*resourceEntry, len(gen.resources))
	for _, e := range gen.resources {
		if e.tmpl != nil {
			byTemplate[e.decl.URITemplate] = e
		}
	}
	kept := defs[:0:0]
	for _, def := range defs {
		if def.URITemplate == nil {
			continue
		}
		if e := byTemplate[def.URITemplate.Raw()]; e != nil && e.visible(ctx) {
			kept = append(kept, def)
		}
	}
	return kept
}

// auditNotFound is an mcp-go error hook: it audits the requests mcp-go
// answered "not found" itself, which never reach a handler of ours. A
// hidden tool or prompt is a denial (outcome denied, error class policy);
// a name or URI nothing serves is outcome invalid, error class unknown.
func (s *Server) auditNotFound(ctx context.Context, _ any, method mcp.MCPMethod, message any, err error) {
	gen := s.Generation()
	ctx = gen.caller(ctx)
	switch req := message.(type) {
	case *mcp.CallToolRequest:
		if method != mcp.MethodToolsCall || !errors.Is(err, server.ErrToolNotFound) {
			return
		}
		// A tool the caller could call was not yet installed in mcp-go
		// (a reload in progress): as good as unknown.
		if t := gen.byName[req.Params.Name]; t != nil && !t.visible(ctx) {
			s.calls.refuseHidden(ctx, t, t.rawForAudit(*req))
			return
		}
		// An unknown tool declares no sensitive params, so no argument
		// value is recorded: they could be anything.
		s.calls.refuseUnknown(ctx, req.Params.Name, nil)
	case *mcp.GetPromptRequest:
		if method != mcp.MethodPromptsGet || !errors.Is(err, server.ErrPromptNotFound) {
			return
		}
		if e := gen.prompt(req.Params.Name); e != nil && !e.access.visible(ctx) {
			s.calls.refuseHidden(ctx, e.access, promptArgsForAudit(req.Params.Arguments))
			return
		}
		s.calls.refuseUnknown(ctx, cfg.PromptPrefix+req.Params.Name, nil)
	case *mcp.ReadResourceRequest:
		var ours *resourceNotFound // answered, and audited, by our handler
		if method != mcp.MethodResourcesRead || !errors.Is(err, server.ErrResourceNotFound) || errors.As(err, &ours) {
			return
		}
		s.calls.refuseUnknown(ctx, "", map[string]any{"uri": req.Params.URI})
	}
}
