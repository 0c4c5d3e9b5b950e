package runtime

import (
	"context"
	"encoding/base64"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
	"github.com/mcpgen/mcpgen/runtime/ratelimit"
)

// Server is the MCP server for one configuration at a time. It owns the
// mcp-go server and routes every tools/call to the generation that was
// current when the call arrived.
type Server struct {
	mcp     *server.MCPServer
	log     zerolog.Logger
	audit   *audit.Logger
	metrics *metrics.Metrics
	// calls is the per-call path every request takes (call.go).
	calls    *callPath
	gen      atomic.Pointer[Generation]
	inflight sync.WaitGroup
	reload   reloadState
	opts     ServerOptions
	// draining is set (drained) when Wait begins: no request enters after.
	draining sync.RWMutex
	drained  bool
	// leaving is set when shutdown begins (health.go): /readyz says so.
	leaving atomic.Bool
	// leave ends calls.leaving when shutdown begins: questions pending
	// for the user are withdrawn (elicit.go).
	leave context.CancelFunc
	// pageSize is how many items one page of a list holds.
	pageSize int
	// refusedHTTP holds the buckets of DefaultRefusedLimit, when the
	// server listens beyond loopback (http_limit.go).
	refusedHTTP *ratelimit.Memory
	// subs is who subscribed to which resource (subscribe.go).
	subs subscriptions
	// direct counts the tools/calls DirectCall answered itself.
	direct atomic.Uint64
	// tools is what swap last gave mcp-go (SetTools), by name, for
	// DirectCall to find a tool without mcp-go's GetTool, which copies
	// the whole definition under a lock on every call.
	tools atomic.Pointer[map[string]*server.ServerTool]
}

// ServerOptions configure a Server.
type ServerOptions struct {
	Log zerolog.Logger
	// Secrets is the set Log redacts; reloads add their env() values to
	// it. nil: the first generation's Config.Secrets.
	Secrets *cfg.Secrets
	Audit   *audit.Logger    // nil: no audit trail (tests of other things)
	Metrics *metrics.Metrics // nil: no metrics
	// Exposure is where the server listens: reloads are held to the same
	// credential policy as the start (Build).
	Exposure Exposure
	// Verify checks every reloaded surface, as BuildOptions.Verify
	// checked the first: a reload it refuses leaves the current
	// generation serving.
	Verify func(*Surface) hcl.Diagnostics
	// Tracing traces requests (trace.go); nil: off.
	Tracing *Tracing
	// Pins is BuildOptions.Pins, for reloads.
	Pins func() map[string]string
	// ProgressInterval is how often a call that carries a progress token
	// hears that it is still running (notify.go); 0: never, beside its
	// start, its run and its end. DefaultProgressInterval is a sensible
	// value.
	ProgressInterval time.Duration
	// StateKey signs the requestState of confirmations in protocol
	// 2026-07-28 (roundtrip.go), so that replicas sharing it accept each
	// other's; nil: a random key of this process's.
	StateKey []byte
}

// NewServer serves gen.
func NewServer(gen *Generation, opts ServerOptions) *Server {
	if opts.Secrets == nil {
		opts.Secrets = gen.Config.Secrets
	}
	if opts.Audit == nil {
		opts.Audit = audit.Discard()
	}
	leaving, leave := context.WithCancel(context.Background())
	s := &Server{log: opts.Log, audit: opts.Audit, metrics: opts.Metrics, opts: opts, pageSize: pageSize(gen), leave: leave,
		calls: &callPath{log: opts.Log, audit: opts.Audit, metrics: opts.Metrics, tracing: opts.Tracing, progressInterval: opts.ProgressInterval,
			seal: newSealer(opts.StateKey), leaving: leaving}}
	s.metrics.Sources(s.sourceStats)
	if opts.Tracing != nil {
		s.metrics.DroppedSpans(opts.Tracing.DroppedSpans)
	}
	if opts.Exposure.beyondLoopback() {
		s.refusedHTTP = ratelimit.NewMemory(refusedBuckets, nil)
	}
	info := gen.Config.Server
	hooks := &server.Hooks{}
	hooks.AddAfterListTools(s.pageTools)
	hooks.AddAfterListPrompts(s.pagePrompts)
	hooks.AddAfterListResources(s.listResources)
	hooks.AddAfterListResourceTemplates(s.listTemplates)
	hooks.AddOnError(s.auditNotFound)
	hooks.AddOnError(s.requestFailed) // parse.go
	// trace.go: names an HTTP request's span after its MCP method.
	if opts.Tracing != nil {
		hooks.AddBeforeAny(methodStarted)
		hooks.AddOnSuccess(methodDone)
		hooks.AddOnError(methodFailed)
	}
	s.subs.hook(hooks, s.readableResource)
	mcpOpts := []server.ServerOption{
		server.WithToolCapabilities(true),
		server.WithToolFilter(s.visibleTools),
		server.WithPromptFilter(s.visiblePrompts),
		server.WithHooks(hooks),
		server.WithInstructions(info.Instructions),
	}
	// WithRecovery's work, with a middleware DirectCall applies too.
	for _, m := range toolMiddleware {
		mcpOpts = append(mcpOpts, server.WithToolHandlerMiddleware(m))
	}
	s.mcp = server.NewMCPServer(info.Name, info.Version, append(mcpOpts, s.primitiveOptions()...)...)
	s.reload.first = gen.Config
	s.swap(gen)
	s.noteRefusedLimit(gen)
	return s
}

// MCP exposes the underlying mcp-go server (for transports and in-process
// clients).
func (s *Server) MCP() *server.MCPServer { return s.mcp }

// Log is the operational logger, for transports.
func (s *Server) Log() zerolog.Logger { return s.log }

// Generation is the generation new calls run on.
func (s *Server) Generation() *Generation { return s.gen.Load() }

// swap makes gen current and returns the generation it replaces (nil for
// the first), which the caller retires. Requests in flight keep the
// generation they entered; new ones enter gen. Swaps are serialized
// (reload.go).
func (s *Server) swap(gen *Generation) *Generation {
	s.reload.serial++
	gen.number = s.reload.serial
	gen.refs.Store(1)
	surface := gen.Surface()
	tools := make([]server.ServerTool, len(surface.Tools))
	for i, t := range surface.Tools {
		tools[i] = server.ServerTool{Tool: t.Tool, Handler: s.handler(t.Tool.Name)}
	}
	old := s.gen.Swap(gen)
	gen.upstream.attach(func(ev adapter.UpstreamEvent) { s.upstreamChanged(gen, ev) })
	s.upstreamReloaded(old, gen)
	// Tools last: a client told the tool list changed has already been
	// told of any resource or prompt change of the same swap.
	s.swapPrimitives(old, gen)
	s.resourcesUpdated(old, surface)
	s.mcp.SetTools(tools...)
	byName := make(map[string]*server.ServerTool, len(tools))
	for i := range tools {
		byName[tools[i].Tool.Name] = &tools[i]
	}
	s.tools.Store(&byName)
	s.metrics.Serving(gen.number, len(gen.tools))
	s.metrics.ConfigHash(gen.hash)
	return old
}

// The list hooks page what mcp-go lists, once it is filtered for the
// caller: mcp-go applies the client's cursor (it starts after the name the
// cursor holds) and, having no page size, lists everything after it. Tools
// and prompts arrive filtered (visibleTools, visiblePrompts); resources
// and templates are filtered here, as mcp-go has no filter for them. So a
// page is never short for what the caller may not see, and its cursor
// holds the name of an item the caller was sent.

func (s *Server) pageTools(_ context.Context, _ any, _ *mcp.ListToolsRequest, res *mcp.ListToolsResult) {
	res.Tools, res.NextCursor = page(s.Generation().upstream.served(res.Tools), s.pageSize)
}

func (s *Server) pagePrompts(_ context.Context, _ any, _ *mcp.ListPromptsRequest, res *mcp.ListPromptsResult) {
	res.Prompts, res.NextCursor = page(res.Prompts, s.pageSize)
}

func (s *Server) listResources(ctx context.Context, _ any, _ *mcp.ListResourcesRequest, res *mcp.ListResourcesResult) {
	res.Resources, res.NextCursor = page(s.Generation().visibleResources(ctx, res.Resources), s.pageSize)
}

func (s *Server) listTemplates(ctx context.Context, _ any, _ *mcp.ListResourceTemplatesRequest, res *mcp.ListResourceTemplatesResult) {
	res.ResourceTemplates, res.NextCursor = page(s.Generation().visibleTemplates(ctx, res.ResourceTemplates), s.pageSize)
}

// page is the first size items and, when more follow, the cursor of the
// next page: mcp-go's, the base64 of the last name sent.
func page[T mcp.Named](items []T, size int) ([]T, mcp.Cursor) {
	if len(items) <= size {
		return items, ""
	}
	items = items[:size]
	return items, mcp.Cursor(base64.StdEncoding.EncodeToString([]byte(items[size-1].GetName())))
}

// sourceStats reads the pools and circuit breakers of the generation
// being served.
func (s *Server) sourceStats() metrics.SourceStats {
	var out metrics.SourceStats
	gen, ok := s.hold() // its pools must stay open while they are read
	if !ok {
		return out
	}
	defer s.drop(gen)
	for _, key := range gen.order {
		src := gen.sources[key]
		if b, ok := src.(adapter.BreakerStatser); ok {
			state, opens := b.BreakerStats()
			out.Breakers = append(out.Breakers, metrics.BreakerStat{Source: key, State: state, Opens: opens})
		}
		if d, ok := src.(adapter.DriftStatser); ok {
			out.Drifted = append(out.Drifted, metrics.DriftStat{Source: key, Tools: d.DriftedTools()})
		}
		ps, ok := src.(adapter.PoolStatser)
		if !ok {
			continue
		}
		stats := ps.PoolStats()
		names := make([]string, 0, len(stats))
		for name := range stats {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			out.Pools = append(out.Pools, metrics.PoolStat{Source: key, Pool: name, Stats: stats[name]})
		}
	}
	return out
}
