package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// What one caller may do with each entry, decided before any call, for
// the access matrix (review/access). It evaluates the entry's compiled
// guard and binds with the same caller records a real call builds
// (toolEntry.vars, Generation.caller), so the matrix cannot drift from
// what runs; arguments and request.time are left unknown.

// Verdict is an access matrix cell's answer.
type Verdict string

const (
	// Allowed: every call the arguments' validation lets through passes
	// the guard and the binds compute.
	Allowed Verdict = "allowed"
	// Denied: no call can pass; the entry is hidden from the caller's
	// lists and answered as one that does not exist.
	Denied Verdict = "denied"
	// Depends: the guard's value depends on the arguments (or the time of
	// the call); Condition is what is left of it.
	Depends Verdict = "depends"
)

// Decision is one caller's access to one entry.
type Decision struct {
	Verdict Verdict `json:"verdict"`
	// Condition is, for Depends, the guard's residual as CEL text.
	Condition string `json:"condition,omitempty"`
	// Reason says why a Denied cell is denied.
	Reason string `json:"reason,omitempty"`
	// Binds are the values bound from this caller's identity.
	Binds []BoundValue `json:"binds,omitempty"`
}

// BoundValue is one bind as it applies to one caller.
type BoundValue struct {
	Name  string `json:"name"`
	From  string `json:"from"`
	Value any    `json:"value"`
}

// EntryKind names the kind of entry Decide looks up.
type EntryKind string

const (
	KindTool     EntryKind = "tool"
	KindResource EntryKind = "resource" // a static resource or a template, by name
	KindPrompt   EntryKind = "prompt"
)

// NewPrincipal is the principal a configuration's block declares (a test
// file's principal, an api_key's, stdio's): built as the server builds
// the stdio principal.
func NewPrincipal(d *cfg.PrincipalDecl) *Principal { return principalFromDecl(d) }

// StdioPrincipal is who stdio calls run as.
func (g *Generation) StdioPrincipal() *Principal { return g.stdio }

// HTTPRefusal says why the HTTP gate refuses every request of p before
// any tool is looked at ("" when it does not): without a credential when
// HTTP needs one (anonymous is p == Anonymous), or without a scope every
// request needs.
func (g *Generation) HTTPRefusal(p *Principal) string {
	if g.authn == nil {
		return ""
	}
	if p == Anonymous {
		return "HTTP needs a credential: 401 before any tool"
	}
	if missing := g.authn.missingScopes(p); len(missing) > 0 {
		return "lacks required scope " + strings.Join(missing, ", ") + ": 403 before any tool"
	}
	return ""
}

// Decide is what the caller in ctx (WithPrincipal, WithTransport) may do
// with the entry kind/name; false when there is no such entry.
func (g *Generation) Decide(ctx context.Context, kind EntryKind, name string) (Decision, bool) {
	ctx = g.caller(ctx)
	switch kind {
	case KindTool:
		if t := g.byName[name]; t != nil {
			return t.decide(ctx, false), true
		}
	case KindResource:
		for _, e := range g.resources {
			if e.decl.Name == name {
				if e.query != nil {
					return e.query.decide(ctx, false), true
				}
				// Static content has one read, with no arguments.
				return e.access.decide(ctx, true), true
			}
		}
	case KindPrompt:
		if e := g.prompt(name); e != nil {
			return e.access.decide(ctx, false), true
		}
	}
	return Decision{}, false
}

// decide mirrors visible: closed, then the guard, then the binds.
func (t *toolEntry) decide(ctx context.Context, argsKnown bool) Decision {
	if t.closed {
		return Decision{Verdict: Denied, Reason: "closed: an auth block and no guard"}
	}
	vars := t.vars(ctx, nil)
	d := Decision{Verdict: Allowed}
	if t.guard != nil {
		r := t.guard.Residual(vars, argsKnown)
		switch {
		case r.Err != nil:
			return Decision{Verdict: Denied, Reason: "the guard fails: " + r.Err.Error()}
		case !r.Decided:
			d = Decision{Verdict: Depends, Condition: r.Condition}
		case !r.Allow:
			return Decision{Verdict: Denied, Reason: "the guard is false"}
		}
	}
	values, err := t.bindValues(vars)
	if err != nil {
		reason := err.Error()
		var be *bindError
		if errors.As(err, &be) {
			reason = fmt.Sprintf("bind %q (%s) fails: %v", be.name, be.from, be.err)
		}
		return Decision{Verdict: Denied, Reason: reason}
	}
	for _, b := range t.binds {
		d.Binds = append(d.Binds, BoundValue{Name: b.name, From: b.from, Value: values[b.name]})
	}
	return d
}
