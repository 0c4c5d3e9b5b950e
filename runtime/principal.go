package runtime

import (
	"context"
	"time"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// Principal is who is calling: the subject, the scopes they were granted and
// the claims of their identity. Guards and binds see it as `principal`.
type Principal struct {
	Subject string
	Scopes  []string
	Claims  map[string]any
}

// HasScope reports whether the principal was granted scope.
func (p *Principal) HasScope(scope string) bool {
	for _, s := range p.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// principalFromDecl is a principal written in the configuration.
func principalFromDecl(d *cfg.PrincipalDecl) *Principal {
	if d == nil {
		return Anonymous
	}
	return &Principal{Subject: d.Subject, Scopes: d.Scopes, Claims: d.Claims}
}

// Anonymous is the caller when no authentication is configured: no scopes,
// no claims, so any guard or bind that needs them fails closed.
var Anonymous = &Principal{}

type ctxKey int

const (
	principalKey ctxKey = iota
	transportKey
)

// WithPrincipal attaches the authenticated caller to ctx.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the caller attached to ctx, or Anonymous.
func PrincipalFrom(ctx context.Context) *Principal {
	if p, ok := ctx.Value(principalKey).(*Principal); ok && p != nil {
		return p
	}
	return Anonymous
}

// caller is ctx with the stdio principal of g attached when the request
// came over stdio: the operating system is the boundary there, and
// whoever runs the process is the principal the configuration names.
func (g *Generation) caller(ctx context.Context) context.Context {
	if transportFrom(ctx) == "stdio" {
		return WithPrincipal(ctx, g.stdio)
	}
	return ctx
}

// WithTransport names the transport a request came over ("http",
// "stdio"): guards see it as request.transport, audit records carry it,
// and stdio requests run as the configuration's stdio principal.
func WithTransport(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, transportKey, name)
}

func transportFrom(ctx context.Context) string {
	if t, ok := ctx.Value(transportKey).(string); ok {
		return t
	}
	return "in-process"
}

func (p *Principal) celValue() map[string]any {
	scopes := make([]any, len(p.Scopes))
	for i, s := range p.Scopes {
		scopes[i] = s
	}
	claims := p.Claims
	if claims == nil {
		claims = map[string]any{}
	}
	return map[string]any{"sub": p.Subject, "scopes": scopes, "claims": claims}
}

func requestValue(ctx context.Context) map[string]any {
	return map[string]any{"transport": transportFrom(ctx), "time": time.Now().UTC()}
}
