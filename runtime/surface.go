package runtime

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// Surface is a generation's whole tool surface: every tool, resource,
// resource template and prompt exactly as clients are offered it, joined
// with what the server runs for each (source, statement or request,
// guard, binds, limits, cache) and where it is declared. tools/list,
// `mcpgen tools` and the review tools all read this one model; none
// re-derives it from the configuration.
//
// Its JSON is deterministic: every list is sorted by name and maps encode
// with sorted keys, so two builds of equal files encode equal byte for
// byte. Env() values never appear in it.
type Surface struct {
	Server            ServerSurface     `json:"server"`
	Tools             []ToolSurface     `json:"tools"`
	Resources         []ResourceSurface `json:"resources"`
	ResourceTemplates []ResourceSurface `json:"resource_templates"`
	Prompts           []PromptSurface   `json:"prompts"`
}

// ServerSurface is what initialize tells clients, and who may call at all.
type ServerSurface struct {
	Name         string      `json:"name"`
	Version      string      `json:"version"`
	Instructions string      `json:"instructions,omitempty"`
	Auth         AuthSurface `json:"auth"`
	// HTTPRateLimit is the limit on HTTP requests per client address
	// (http_limit.go): the declared http_rate_limit (from "limits"), or
	// the default on requests refused authentication (from
	// "default_refused"), which serve applies beyond loopback only.
	HTTPRateLimit *RateSurface `json:"http_rate_limit,omitempty"`
}

// AuthSurface says how callers are identified: the credentials HTTP
// accepts (none: every HTTP caller is anonymous) and who stdio runs as.
type AuthSurface struct {
	JWTIssuer      string   `json:"jwt_issuer,omitempty"`
	Resource       string   `json:"resource,omitempty"`
	APIKeys        []string `json:"api_keys,omitempty"` // their names
	RequiredScopes []string `json:"required_scopes,omitempty"`
	StdioSubject   string   `json:"stdio_subject"`
	// Closed is set when an auth block exists: a tool with no guard
	// (and no server default guard) is then closed to everyone.
	Closed bool `json:"closed_by_default"`
}

// ToolSurface is one tool: its tools/list entry and what runs.
type ToolSurface struct {
	Tool mcp.Tool `json:"tool"`
	// Deprecated repeats the tool's deprecation, which Tool's
	// description and _meta carry, for review tools; nil: none.
	Deprecated *DeprecatedSurface `json:"deprecated,omitempty"`
	Execution
}

// DeprecatedSurface is a tool's `deprecated` notice and the removal date
// it names (YYYY-MM-DD; empty: none).
type DeprecatedSurface struct {
	Notice       string `json:"notice"`
	RemovedAfter string `json:"removed_after,omitempty"`
}

// ResourceSurface is one resource or template: its resources/list (or
// templates/list) entry and, for one backed by a query, what runs.
type ResourceSurface struct {
	Resource *mcp.Resource         `json:"resource,omitempty"`
	Template *mcp.ResourceTemplate `json:"template,omitempty"`
	Declared string                `json:"declared"`
	// Access is who may read it (for a query, the query's own); a caller
	// it excludes is not shown it and reads it as a URI nothing serves.
	Access Access `json:"access"`
	// Query is what reading it runs; nil for static content.
	Query *Execution `json:"query,omitempty"`
	// Content is what reading a static resource returns.
	Content *ContentSurface `json:"content,omitempty"`
}

// PromptSurface is one prompt: its prompts/list entry, who may get it, and
// the queries that complete its arguments, by argument name.
type PromptSurface struct {
	Prompt      mcp.Prompt           `json:"prompt"`
	Declared    string               `json:"declared"`
	Access      Access               `json:"access"`
	Completions map[string]Execution `json:"completions,omitempty"`
	// Messages are what prompts/get returns, placeholders unfilled.
	Messages []ContentSurface `json:"messages"`
	// Enums are the values an argument allows, by argument name.
	Enums map[string][]string `json:"argument_enums,omitempty"`
}

// Execution is what the server does for a call: where it is declared, the
// source and what it executes there, who may call and with what bound
// values, and the limits around it.
type Execution struct {
	Declared string `json:"declared"` // file:line:col of the block
	// Source is the source's key ("sql.orders"); empty for a tool that
	// returns fixed content.
	Source string `json:"source,omitempty"`
	// Executes is the adapter's description (adapter.Describer): the
	// statement, or the request template.
	Executes map[string]string `json:"executes,omitempty"`
	// Content lists the kinds of a fixed-content tool's items.
	Content  []string `json:"content,omitempty"`
	ReadOnly bool     `json:"read_only"`
	Access   Access   `json:"access"`
	Limits   Limits   `json:"limits"`
	// Sensitive names the params whose values audit records redact.
	Sensitive []string `json:"sensitive_params,omitempty"`
	// AsksUser is what the user at the client is asked before the tool
	// runs (confirm and ask blocks).
	AsksUser *AsksUser `json:"asks_user,omitempty"`

	// Returns are a fixed-content tool's items.
	Returns []ContentSurface `json:"returns,omitempty"`
}

// Access is who may call: the guard that applies and where it comes from,
// and the values bound from the caller's identity.
type Access struct {
	// Rule is "guard" (the tool's own), "server_guard" (the server
	// block's default), "open" (no auth block, no guard: every caller) or
	// "closed" (an auth block and no guard: nobody).
	Rule  string `json:"rule"`
	Guard string `json:"guard,omitempty"`
	Binds []Bind `json:"binds,omitempty"`
}

// Bind is one value bound from the caller's identity: the statement
// parameter it fills and the CEL expression it comes from.
type Bind struct {
	Name string `json:"name"`
	From string `json:"from"`
	// Type is the bind's declared type; empty: a string, number or boolean.
	Type string `json:"type,omitempty"`
}

// Limits are a call's timeout, rate limit, concurrency caps and cache.
type Limits struct {
	Timeout   string        `json:"timeout"`
	RateLimit *RateSurface  `json:"rate_limit,omitempty"`
	MaxCalls  int           `json:"max_concurrency,omitempty"`
	SourceMax int           `json:"source_max_concurrency,omitempty"`
	Cache     *CacheSurface `json:"cache,omitempty"`
}

// RateSurface is a rate limit as it applies to a tool.
type RateSurface struct {
	Rate  int    `json:"rate"`
	Per   string `json:"per"`
	Burst int    `json:"burst"`
	// Key is "principal", "tool", "global" or a CEL expression.
	Key string `json:"key"`
	// From is "tool" or "server" (the limits block's default).
	From string `json:"from"`
}

// CacheSurface is a tool's result cache.
type CacheSurface struct {
	TTL        string `json:"ttl"`
	MaxEntries int    `json:"max_entries"`
	Shared     bool   `json:"shared"`
}

// Surface builds the generation's surface. After Open it carries the
// output schemas the opened sources know (the columns a statement
// returns).
func (g *Generation) Surface() *Surface {
	conf := g.Config
	s := &Surface{
		Tools:             []ToolSurface{},
		Resources:         []ResourceSurface{},
		ResourceTemplates: []ResourceSurface{},
		Prompts:           []PromptSurface{},
	}
	if srv := conf.Server; srv != nil {
		s.Server = ServerSurface{Name: srv.Name, Version: srv.Version, Instructions: srv.Instructions}
	}
	s.Server.Auth = authSurface(conf.Auth, g.stdio)
	s.Server.HTTPRateLimit = httpRateSurface(conf)
	for _, t := range g.tools { // sorted by name
		ts := ToolSurface{Tool: t.def, Execution: g.execution(t)}
		if dep := t.decl.Deprecated; dep != nil {
			ts.Deprecated = &DeprecatedSurface{Notice: dep.Notice}
			if !dep.RemovedAfter.IsZero() {
				ts.Deprecated.RemovedAfter = dep.RemovedAfter.Format(time.DateOnly)
			}
		}
		s.Tools = append(s.Tools, ts)
	}
	for _, e := range g.resources { // sorted by name
		r := ResourceSurface{Declared: position(e.decl.DeclRange), Access: e.access.access(conf)}
		if e.query != nil {
			x := g.execution(e.query)
			r.Query = &x
		}
		if e.tmpl != nil {
			def := e.templateDefinition()
			r.Template = &def
			s.ResourceTemplates = append(s.ResourceTemplates, r)
			continue
		}
		def := e.definition()
		r.Resource = &def
		r.Content = resourceContent(e.decl)
		s.Resources = append(s.Resources, r)
	}
	for _, e := range g.prompts { // sorted by name
		p := PromptSurface{Prompt: e.definition(), Declared: position(e.decl.DeclRange), Access: e.access.access(conf)}
		p.Messages, p.Enums = promptMessages(e.decl)
		for arg, q := range e.completes {
			if p.Completions == nil {
				p.Completions = map[string]Execution{}
			}
			p.Completions[arg] = g.execution(q)
		}
		s.Prompts = append(s.Prompts, p)
	}
	return s
}

// ToolDefinitions are the tools exactly as tools/list shows them to a
// caller whose guards allow everything.
func (s *Surface) ToolDefinitions() []mcp.Tool {
	defs := make([]mcp.Tool, len(s.Tools))
	for i, t := range s.Tools {
		defs[i] = t.Tool
	}
	return defs
}

// VisibleTools names the tools a caller sees in tools/list: those it could
// call with some arguments (see toolEntry.visible), in name order. ctx
// carries the caller (WithPrincipal) and the transport (WithTransport).
func (g *Generation) VisibleTools(ctx context.Context) []string {
	ctx = g.caller(ctx)
	names := []string{}
	for _, t := range g.tools {
		if t.visible(ctx) {
			names = append(names, t.decl.Name)
		}
	}
	return names
}

func (g *Generation) execution(t *toolEntry) Execution {
	d := t.decl
	x := Execution{
		Declared: position(d.DeclRange),
		ReadOnly: d.ReadOnly,
		Access:   t.access(g.Config),
		Limits:   t.limitsSurface(g.Config),
		AsksUser: t.asksUser(),
	}
	for name := range t.sensitive {
		x.Sensitive = append(x.Sensitive, name)
	}
	sort.Strings(x.Sensitive)
	if d.Content != nil {
		for _, c := range d.Content {
			x.Content = append(x.Content, string(c.Kind))
			x.Returns = append(x.Returns, contentSurface(c, ""))
		}
		return x
	}
	x.Source = d.Source.Key()
	if desc, ok := t.impl.(adapter.Describer); ok {
		x.Executes = map[string]string{}
		for k, v := range desc.Describe() {
			x.Executes[k] = g.Config.Secrets.Redact(v)
		}
	}
	return x
}

func (t *toolEntry) access(conf *cfg.Config) Access {
	a := Access{Rule: "open"}
	switch {
	case t.closed:
		a.Rule = "closed"
	case t.decl.Guard != nil:
		a.Rule, a.Guard = "guard", t.decl.Guard.Source
	case conf.Server != nil && conf.Server.Guard != nil:
		a.Rule, a.Guard = "server_guard", conf.Server.Guard.Source
	}
	for _, b := range t.binds {
		a.Binds = append(a.Binds, Bind{Name: b.name, From: b.from, Type: string(b.typ)})
	}
	return a
}

func (t *toolEntry) limitsSurface(conf *cfg.Config) Limits {
	d := t.decl
	l := Limits{Timeout: t.timeout.String(), MaxCalls: d.MaxConcurrency, SourceMax: cap(t.limits.srcSem)}
	rl, from := d.RateLimit, "tool"
	if rl == nil && conf.Limits != nil {
		rl, from = conf.Limits.RateLimit, "server"
	}
	if rl != nil {
		key := rl.Key
		if rl.KeyExpr != nil {
			key = rl.KeyExpr.Source
		}
		l.RateLimit = &RateSurface{Rate: rl.Rate, Per: rl.Per.String(), Burst: rl.Burst, Key: key, From: from}
	}
	if c := d.Cache; c != nil {
		l.Cache = &CacheSurface{TTL: c.TTL.String(), MaxEntries: c.MaxEntries, Shared: c.Shared}
	}
	return l
}

func authSurface(a *cfg.Auth, stdio *Principal) AuthSurface {
	s := AuthSurface{StdioSubject: stdio.Subject}
	if a == nil {
		return s
	}
	s.Closed = true
	s.Resource = a.Resource
	s.RequiredScopes = a.RequiredScopes
	if a.JWT != nil {
		s.JWTIssuer = a.JWT.Issuer
	}
	for _, k := range a.APIKeys {
		s.APIKeys = append(s.APIKeys, k.Name)
	}
	sort.Strings(s.APIKeys)
	return s
}

// position is a range's start as file:line:col.
func position(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
