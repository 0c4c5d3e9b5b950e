package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/guard"
)

// DefaultToolTimeout bounds a tool that declares no timeout.
const DefaultToolTimeout = 30 * time.Second

// A Generation is one loaded configuration turned into live objects: its
// sources and its tools. A server serves one generation at a time; a reload
// builds the next one beside it.
type Generation struct {
	Config  *cfg.Config
	sources map[string]adapter.Source
	order   []string // source keys in declaration order
	tools   []*toolEntry
	byName  map[string]*toolEntry
	// resources (static ones and templates) and prompts: primitives.go.
	resources []*resourceEntry
	prompts   []*promptEntry
	// stdio is who stdio calls run as.
	stdio *Principal
	// authn authenticates HTTP callers; nil when the configuration
	// declares no HTTP credentials.
	authn *authn
	// defaultGuard is the server block's guard, for tools without one.
	defaultGuard *guard.Program
	// maxTimeout is the longest tool timeout: HTTP responses may take
	// that long to be ready.
	maxTimeout time.Duration
	limits     *genLimits
	// upstream is what sources report of the servers they re-expose.
	upstream upstreamEvents

	// hash identifies the files (ConfigHash); number is set when a server
	// takes the generation (reload.go).
	hash   string
	number uint64
	// partial is set when a source could not be reached in BuildCheck
	// mode, so its statements were not prepared.
	partial bool
	// refs is the server's hold (1 while current) plus the calls running
	// on the generation; its sources close when it reaches zero.
	refs atomic.Int64
}

type toolEntry struct {
	decl   *cfg.Tool
	params *Params
	guard  *guard.Program // the tool's or the server's default; nil: none
	// closed is set when authentication is configured and no guard
	// applies: nobody may call the tool.
	closed bool
	binds  []compiledBind
	// verdicts is where principals remember whether the tool is visible
	// to them (rememberedVerdict); unset for entries that are not tools.
	verdicts verdictSlot
	// toolVar is what guards see as `tool`, a CEL value built once.
	toolVar any
	impl    adapter.Tool
	timeout time.Duration
	def     mcp.Tool
	// defHash is def's DefinitionHash as the configuration determines
	// it, taken before Open; tools/list publishes it in _meta.
	defHash string
	// sensitive names the params whose values audit records redact.
	sensitive map[string]bool
	limits    toolLimits
	// asks validates what the user is asked for, and askSchema is the
	// form; asks is nil for a tool that asks nothing (elicit.go).
	asks      *Params
	askSchema map[string]any
}

type compiledBind struct {
	name string
	from string
	typ  cfg.ParamType // "": any string, number or boolean
	prg  *guard.Program
}

// check decodes a configuration into a generation without any I/O: every
// source and tool is decoded by its adapter and every param compiled.
// Build calls it; it is all `mcpgen validate --offline` runs.
func check(conf *cfg.Config) (*Generation, hcl.Diagnostics) {
	return checkPinned(conf, nil)
}

// checkPinned is check with the upstream definitions mcpgen.lock pins,
// from which sources generate tools (expose_all: exposeall.go).
func checkPinned(conf *cfg.Config, pinned map[string]json.RawMessage) (*Generation, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	g := &Generation{Config: conf, sources: map[string]adapter.Source{}, stdio: Anonymous, hash: ConfigHash(conf)}
	if conf.Auth != nil {
		g.stdio = principalFromDecl(conf.Auth.Stdio)
		var ds hcl.Diagnostics
		g.authn, ds = newAuthn(conf.Auth, conf.Server.Name)
		diags = append(diags, ds...)
	}
	env, err := guard.NewEnv()
	if err != nil {
		// The environment is fixed in code: failing to build it is a bug.
		panic("guard environment: " + err.Error())
	}
	var ds hcl.Diagnostics
	g.defaultGuard, ds = compileDefaultGuard(env, conf.Server)
	diags = append(diags, ds...)
	diags = append(diags, g.compileLimits()...)

	for _, decl := range conf.Sources {
		a, ok := adapter.Lookup(decl.Type)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown source type",
				Detail:   fmt.Sprintf("There is no source type %q; the types are: %s.", decl.Type, quoteList(adapter.Types())),
				Subject:  decl.TypeRange.Ptr(),
			})
			continue
		}
		src, ds := a.DecodeSource(decl)
		diags = append(diags, ds...)
		if src == nil {
			continue
		}
		g.sources[decl.Key()] = src
		g.order = append(g.order, decl.Key())
	}

	diags = append(diags, g.generateTools(conf, pinned)...)
	for _, decl := range conf.Tools {
		entry, ds := g.buildEntry(env, decl)
		diags = append(diags, ds...)
		if entry != nil {
			g.tools = append(g.tools, entry)
		}
	}
	diags = append(diags, g.checkPrimitives(env)...)
	sort.Slice(g.tools, func(i, j int) bool { return g.tools[i].decl.Name < g.tools[j].decl.Name })
	g.byName = make(map[string]*toolEntry, len(g.tools))
	scope := &verdictScope{id: verdictScopes.Add(1), tools: len(g.tools)}
	for i, t := range g.tools {
		g.byName[t.decl.Name] = t
		if t.sameEveryRequest() {
			t.verdicts = verdictSlot{scope: scope, index: i}
		}
	}
	diags = append(diags, g.describe()...)
	return g, diags
}

// MaxTimeout is the longest tool timeout: an HTTP response may take that
// long to be ready.
func (g *Generation) MaxTimeout() time.Duration { return g.maxTimeout }

// Partial reports whether BuildCheck could not reach a source, so that
// its statements were not prepared.
func (g *Generation) Partial() bool { return g.partial }

// buildEntry compiles one tool (or the query of a resource or completion):
// params, guard and binds, and the adapter's half. It returns nil when the
// tool cannot run; the diagnostics say why.
func (g *Generation) buildEntry(env *guard.Env, decl *cfg.Tool) (*toolEntry, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	entry := &toolEntry{decl: decl, timeout: decl.Timeout}
	for _, p := range decl.Params {
		if p.Sensitive {
			if entry.sensitive == nil {
				entry.sensitive = map[string]bool{}
			}
			entry.sensitive[p.Name] = true
		}
	}
	if entry.timeout == 0 {
		entry.timeout = DefaultToolTimeout
	}
	params, ds := NewParams(decl)
	diags = append(diags, ds...)
	entry.params = params
	diags = append(diags, entry.compilePolicy(env, g.defaultGuard, g.Config.Auth != nil)...)
	diags = append(diags, g.compileToolLimits(entry, env)...)
	diags = append(diags, entry.compileAsks()...)

	if decl.Content != nil {
		entry.impl = &fixedTool{gen: g, decl: decl}
		return entry, diags
	}
	// hcl.Load has checked that the source is declared: a source missing
	// here failed to decode and has been reported.
	src, ok := g.sources[decl.Source.Key()]
	if !ok {
		return nil, diags
	}
	impl, ds := src.DecodeTool(decl)
	diags = append(diags, ds...)
	if impl == nil || ds.HasErrors() {
		return nil, diags
	}
	entry.impl = impl
	g.maxTimeout = max(g.maxTimeout, entry.timeout)
	return entry, diags
}

// describe builds every tool's definition as clients will see it. It runs
// again after Open, because an opened source knows more (the columns a
// statement returns) and the output schema gets more precise.
func (g *Generation) describe() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range g.tools {
		def, err := toolDefinition(t)
		if err == nil && t.defHash == "" {
			t.defHash, err = DefinitionHash(def)
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid tool",
				Detail:   fmt.Sprintf("adapter.Tool %q cannot be described to clients: %s.", t.decl.Name, err),
				Subject:  t.decl.DeclRange.Ptr(),
			})
			continue
		}
		def.Meta = withMeta(def.Meta, MetaDefinitionHash, t.defHash)
		t.def = def
	}
	return diags
}

// withMeta returns meta with key set to value, creating it if nil.
func withMeta(meta *mcp.Meta, key string, value any) *mcp.Meta {
	if meta == nil {
		meta = &mcp.Meta{}
	}
	if meta.AdditionalFields == nil {
		meta.AdditionalFields = map[string]any{}
	}
	meta.AdditionalFields[key] = value
	return meta
}

// Open connects every source and prepares every tool's statement.
func (g *Generation) Open(ctx context.Context, opts adapter.OpenOptions) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, key := range g.order {
		diags = append(diags, g.sources[key].Open(ctx, opts)...)
	}
	if !opts.Check {
		if err := g.authn.open(); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot start token validation",
				Detail:   err.Error() + ".",
				Subject:  g.Config.Auth.DeclRange.Ptr(),
			})
		}
	}
	g.openLimits(ctx, opts)
	if !diags.HasErrors() {
		diags = append(diags, g.describe()...)
	}
	return diags
}

// Dependency is something calls need and readiness reports: a source, the
// issuer's keys, the rate limiter's Redis.
type Dependency struct {
	// Name is the source's key ("sql.orders"), "auth.jwks" or
	// "limits.redis".
	Name string
	// Required: the replica is ready only while it answers.
	Required bool
	// Err says why it did not answer; nil when it did. For the log only.
	Err error
	// Breaker is the state of a source's circuit breaker ("closed",
	// "half_open", "open"), for sources that have one.
	Breaker string
}

// Dependencies pings every source, the issuer's keys and the rate
// limiter's Redis, in that order. A source is required as its block says
// (required), or else as its adapter does (adapter.RequiredByDefaulter:
// SQL sources are, HTTP sources are not). The issuer's keys are required,
// and up once they have been fetched: a JWKS endpoint that blips while
// keys are cached does not stop validation. Redis is required when a call
// is refused without it (on_redis_error = "deny").
func (g *Generation) Dependencies(ctx context.Context) []Dependency {
	decls := make(map[string]*cfg.Source, len(g.Config.Sources))
	for _, d := range g.Config.Sources {
		decls[d.Key()] = d
	}
	deps := make([]Dependency, 0, len(g.order)+2)
	for _, key := range g.order {
		src := g.sources[key]
		dep := Dependency{Name: key, Required: true, Err: src.Ping(ctx)}
		if d, ok := src.(adapter.RequiredByDefaulter); ok {
			dep.Required = d.RequiredByDefault()
		}
		if decl := decls[key]; decl != nil && decl.Required != nil {
			dep.Required = *decl.Required
		}
		if b, ok := src.(adapter.BreakerStatser); ok {
			dep.Breaker, _ = b.BreakerStats()
		}
		deps = append(deps, dep)
	}
	if g.authn != nil && g.authn.creds.JWT != nil {
		deps = append(deps, Dependency{Name: "auth.jwks", Required: true, Err: g.authn.ready(ctx)})
	}
	if g.limits != nil && g.limits.store.v.redis != nil {
		deps = append(deps, Dependency{Name: "limits.redis", Required: !g.limits.failOpen, Err: g.limits.store.v.redis.Ping(ctx)})
	}
	return deps
}

// Close closes every source. Callers make sure no call is still running.
func (g *Generation) Close() error {
	g.authn.close()
	var errs []error
	for _, key := range g.order {
		if err := g.sources[key].Close(); err != nil {
			errs = append(errs, fmt.Errorf("source.%s: %w", key, err))
		}
	}
	if err := g.closeLimits(); err != nil {
		errs = append(errs, fmt.Errorf("rate limiter: %w", err))
	}
	return errors.Join(errs...)
}

func toolDefinition(t *toolEntry) (mcp.Tool, error) {
	in, err := json.Marshal(t.params.InputSchema())
	if err != nil {
		return mcp.Tool{}, fmt.Errorf("input schema: %w", err)
	}
	var out json.RawMessage
	if schema := t.impl.OutputSchema(); schema != nil { // fixed content has none
		if out, err = json.Marshal(schema); err != nil {
			return mcp.Tool{}, fmt.Errorf("output schema: %w", err)
		}
	}
	d := t.decl
	description := d.Description
	var meta *mcp.Meta
	if dep := d.Deprecated; dep != nil {
		// First, where a model reading the description cannot miss it.
		description = strings.TrimSpace(dep.String() + "\n\n" + description)
		meta = withMeta(meta, MetaDeprecated, dep.Notice)
	}
	return mcp.Tool{
		Meta:            meta,
		Name:            d.Name,
		Title:           d.Title,
		Description:     description,
		RawInputSchema:  in,
		RawOutputSchema: out,
		Annotations: mcp.ToolAnnotation{
			Title:           d.Title,
			ReadOnlyHint:    mcp.ToBoolPtr(d.ReadOnly),
			DestructiveHint: mcp.ToBoolPtr(d.Destructive),
			IdempotentHint:  mcp.ToBoolPtr(d.Idempotent),
			OpenWorldHint:   mcp.ToBoolPtr(d.OpenWorld),
		},
	}, nil
}

func quoteList(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", s)
	}
	return out
}
