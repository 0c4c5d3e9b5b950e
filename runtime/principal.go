package runtime

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/server"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/guard"
)

// Principal is who is calling: the subject, the scopes they were granted and
// the claims of their identity. Guards and binds see it as `principal`.
type Principal struct {
	Subject string
	Scopes  []string
	Claims  map[string]any

	// cel is what guards see as principal, built on first use: a
	// principal does not change once made.
	cel atomic.Pointer[any]
	key atomic.Pointer[string] // SubjectKey, built on first use
	// verdicts is what visible found for this principal on the tools of
	// one generation that it may remember (verdictSlot).
	verdicts atomic.Pointer[verdictMemo]
}

// verdictMemo is a principal's verdicts on the tools of one generation,
// by the tool's place in it. It holds no pointer into the generation, so
// that a principal which outlives a generation (Anonymous, a remembered
// token across a reload) does not keep it alive.
type verdictMemo struct {
	gen   uint64 // the generation's verdictScope.id
	tools []atomic.Pointer[found]
}

// found is a remembered verdict, without its tool.
type found struct {
	visible bool
	binds   map[string]any
}

// verdictScope is shared by the tools of one generation: an id no other
// generation of the process has, and how many tools it holds.
type verdictScope struct {
	id    uint64
	tools int
}

var verdictScopes atomic.Uint64

// verdictSlot is where a tool's verdicts are remembered: its generation's
// scope and its place among the generation's tools. scope is nil for an
// entry whose verdict may change from one request to the next (its guard
// or a bind reads request) and for entries that are not tools.
type verdictSlot struct {
	scope *verdictScope
	index int
}

// rememberedVerdict is what visible found before for p on the tool at
// slot, or nil.
func (p *Principal) rememberedVerdict(slot verdictSlot) *found {
	if slot.scope == nil || p == nil {
		return nil
	}
	if m := p.verdicts.Load(); m != nil && m.gen == slot.scope.id {
		return m.tools[slot.index].Load()
	}
	return nil
}

// rememberVerdict keeps v for p on the tool at slot. A principal holds
// the verdicts of one generation: those of another are dropped.
func (p *Principal) rememberVerdict(slot verdictSlot, v verdict) {
	if slot.scope == nil || p == nil {
		return
	}
	m := p.verdicts.Load()
	if m == nil || m.gen != slot.scope.id {
		next := &verdictMemo{gen: slot.scope.id, tools: make([]atomic.Pointer[found], slot.scope.tools)}
		if !p.verdicts.CompareAndSwap(m, next) {
			return // another request did the same: this one's verdict is not kept
		}
		m = next
	}
	m.tools[slot.index].Store(&found{visible: v.visible, binds: v.binds})
}

// SubjectKey is "sub:" and the subject: what the HTTP transport keys an
// authenticated caller's sessions and requests by. It is made once per
// principal, which lives as long as its API key or remembered token, not
// once per request.
func (p *Principal) SubjectKey() string {
	if k := p.key.Load(); k != nil {
		return *k
	}
	k := "sub:" + p.Subject
	p.key.Store(&k)
	return k
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

// WithPrincipal attaches the authenticated caller to ctx, for one request.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return &stateCtx{Context: ctx, st: requestState{p: p}}
}

// WithRequest attaches what a transport knows of one request to ctx, in
// one context value: the transport's name (as WithTransport), the caller
// (as WithPrincipal; nil: Anonymous) and the answer filter (as
// WithAnswers; nil: none). The HTTP gate makes one per request.
func WithRequest(ctx context.Context, transport string, p *Principal, a *Answers) context.Context {
	return &stateCtx{Context: ctx, st: requestState{p: p, transport: transport, answers: a}}
}

// A RequestContext is the context WithRequest returns, made in place
// inside a value of the transport's that lives as long as the request:
// the HTTP transport keeps one in each POST's exchange, saving an
// allocation per request. Its zero value is ready for Init; it must not
// be copied once initialized.
type RequestContext struct{ c stateCtx }

// Init makes rc what WithRequest(ctx, transport, p, a) would return, and
// returns it. It is called once.
func (rc *RequestContext) Init(ctx context.Context, transport string, p *Principal, a *Answers) context.Context {
	rc.c.Context = ctx
	rc.c.st.p, rc.c.st.transport, rc.c.st.answers = p, transport, a
	return &rc.c
}

// stateCtx is one request's state in one context value, instead of a
// context.WithValue (and often a copy of the http.Request) for each of
// its parts: every request makes one. It answers the keys of the parts it
// holds, and passes on those of the parts it lacks, so that what is
// attached later (WithTransport, WithAnswers) or earlier still counts.
type stateCtx struct {
	context.Context
	st requestState
}

func (c *stateCtx) Value(key any) any {
	switch key {
	case principalKey:
		return &c.st
	case transportKey:
		if c.st.transport != "" {
			return &c.st // not the string, which would be boxed anew each time
		}
	case answersKey{}:
		if c.st.answers != nil {
			return c.st.answers
		}
	case mcpServerKey{}:
		if srv := c.st.mcp.Load(); srv != nil {
			return srv
		}
	}
	return c.Context.Value(key)
}

// PrincipalFrom returns the caller attached to ctx, or Anonymous.
func PrincipalFrom(ctx context.Context) *Principal {
	if st, ok := ctx.Value(principalKey).(*requestState); ok && st.p != nil {
		return st.p
	}
	return Anonymous
}

// requestState is what the policy works out once per request and reads
// again within it: the CEL value of the request (so that every expression
// of the request sees the same request.time), and what mcp-go's tool
// filter found (visible), which the call then does not work out again
// (authorize). It lives as long as the request's context.
type requestState struct {
	p *Principal
	// What WithRequest attaches besides the caller, and the mcp-go server
	// of a call DirectMessage runs (withMCPServer).
	transport string
	answers   *Answers
	mcp       atomic.Pointer[server.MCPServer]

	mu       sync.Mutex
	req      map[string]any
	reqCtx   context.Context // where req is made from, once read
	first    verdict         // a request names one tool: one verdict,
	verdicts []*verdict      // rarely more
}

// verdict is whether a tool is visible to the request's caller, with the
// values of its binds when it is.
type verdict struct {
	t       *toolEntry
	visible bool
	binds   map[string]any
}

func requestStateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(principalKey).(*requestState)
	return st
}

// request is what expressions see as request in ctx, built once per
// request state (a nil state builds it every time). It stays a map, made
// a CEL value only if an expression reads it (Make): few do.
func (st *requestState) request(ctx context.Context) guard.Lazy {
	if st == nil {
		return requestIn{ctx}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.reqCtx == nil {
		st.reqCtx = ctx
	}
	return st
}

// Make is the request, made from the context request was first given.
func (st *requestState) Make() any {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.req == nil {
		st.req = requestValue(st.reqCtx)
	}
	return st.req
}

// requestIn is the request of a context without a request state.
type requestIn struct{ ctx context.Context }

func (r requestIn) Make() any { return requestValue(r.ctx) }

func (st *requestState) verdict(t *toolEntry) *verdict {
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.first.t == t {
		return &st.first
	}
	for _, v := range st.verdicts {
		if v.t == t {
			return v
		}
	}
	return nil
}

func (st *requestState) remember(v verdict) {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.first.t == nil {
		st.first = v
		return
	}
	st.verdicts = append(st.verdicts, &verdict{t: v.t, visible: v.visible, binds: v.binds})
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
	switch t := ctx.Value(transportKey).(type) {
	case *requestState: // WithRequest's
		return t.transport
	case string:
		return t
	}
	return "in-process"
}

// celValue is what guards, binds and keys see as principal, built once
// per principal.
func (p *Principal) celValue() any {
	if v := p.cel.Load(); v != nil {
		return *v
	}
	claims := p.Claims
	if claims == nil {
		claims = map[string]any{}
	}
	v := guard.Precompute(map[string]any{"sub": p.Subject, "scopes": p.Scopes, "claims": claims})
	p.cel.Store(&v)
	return v
}

func requestValue(ctx context.Context) map[string]any {
	return map[string]any{"transport": transportFrom(ctx), "time": time.Now().UTC()}
}
