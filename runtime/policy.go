package runtime

import (
	"context"
	"errors"
	"fmt"
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
		t.binds = append(t.binds, compiledBind{name: b.Name, from: b.From.Source, prg: prg})
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
		if err != nil {
			return nil, fmt.Errorf("bind %q (%s): %w", b.name, b.from, err)
		}
		binds[b.name] = v
	}
	return binds, nil
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
