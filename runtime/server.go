package runtime

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
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
}

// NewServer serves gen.
func NewServer(gen *Generation, opts ServerOptions) *Server {
	if opts.Secrets == nil {
		opts.Secrets = gen.Config.Secrets
	}
	if opts.Audit == nil {
		opts.Audit = audit.Discard()
	}
	s := &Server{log: opts.Log, audit: opts.Audit, metrics: opts.Metrics, opts: opts,
		calls: &callPath{log: opts.Log, audit: opts.Audit, metrics: opts.Metrics}}
	s.metrics.Sources(s.sourceStats)
	info := gen.Config.Server
	hooks := &server.Hooks{}
	hooks.AddAfterListTools(s.filterTools)
	mcpOpts := []server.ServerOption{
		server.WithToolCapabilities(true),
		server.WithHooks(hooks),
		server.WithInstructions(info.Instructions),
		server.WithRecovery(),
	}
	s.mcp = server.NewMCPServer(info.Name, info.Version, append(mcpOpts, s.primitiveOptions(gen)...)...)
	s.reload.first = gen.Config
	s.swap(gen)
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
	// Tools last: a client told the tool list changed has already been
	// told of any resource or prompt change of the same swap.
	s.swapPrimitives(old, gen)
	s.mcp.SetTools(tools...)
	s.metrics.Serving(gen.number, len(gen.tools))
	s.metrics.ConfigHash(gen.hash)
	return old
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
