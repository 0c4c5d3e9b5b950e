package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"

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
	t.toolVar = map[string]any{
		"name":        d.Name,
		"title":       d.Title,
		"read_only":   d.ReadOnly,
		"destructive": d.Destructive,
		"idempotent":  d.Idempotent,
		"open_world":  d.OpenWorld,
	}
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
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Tool without a guard",
			Detail: fmt.Sprintf("Tool %q has no guard and the server block no default guard, so with authentication configured nobody may call it. "+
				"Write guard = \"true\" to let every authenticated caller in, or a guard saying who may.", d.Name),
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
		Request:   requestValue(ctx),
	}
}

// visible reports whether the caller in ctx could call the tool with some
// arguments. It is sound, not complete: a tool it shows may still deny a
// particular call, but a tool it hides would deny every call.
func (t *toolEntry) visible(ctx context.Context) bool {
	if t.closed {
		return false
	}
	if t.guard == nil && len(t.binds) == 0 {
		return true
	}
	vars := t.vars(ctx, nil)
	if t.guard != nil && !t.guard.Possible(vars) {
		return false
	}
	_, err := t.bindValues(vars)
	return err == nil
}

// filterTools removes from a tools/list result the tools the caller can
// never call. Calls to them are still answered (denied, and audited).
func (s *Server) filterTools(ctx context.Context, _ any, _ *mcp.ListToolsRequest, result *mcp.ListToolsResult) {
	if result == nil {
		return
	}
	gen := s.Generation()
	ctx = gen.caller(ctx)
	kept := result.Tools[:0:0]
	for _, def := range result.Tools {
		// A tool the generation lacks is listed by mcp-go for an instant
		// during a reload; it is not offered.
		if t, ok := gen.byName[def.Name]; !ok || !t.visible(ctx) {
			continue
		}
		kept = append(kept, def)
	}
	result.Tools = kept
}
