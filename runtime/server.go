package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
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
	mcp      *server.MCPServer
	log      zerolog.Logger
	audit    *audit.Logger
	metrics  *metrics.Metrics
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
}

// NewServer serves gen.
func NewServer(gen *Generation, opts ServerOptions) *Server {
	if opts.Secrets == nil {
		opts.Secrets = gen.Config.Secrets
	}
	s := &Server{log: opts.Log, audit: opts.Audit, metrics: opts.Metrics, opts: opts}
	if s.audit == nil {
		s.audit = audit.Discard()
	}
	if s.metrics != nil {
		s.metrics.Sources(s.sourceStats)
	}
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
	tools := make([]server.ServerTool, len(gen.tools))
	for i, t := range gen.tools {
		tools[i] = server.ServerTool{Tool: t.def, Handler: s.handler(t.decl.Name)}
	}
	old := s.gen.Swap(gen)
	// Tools last: a client told the tool list changed has already been
	// told of any resource or prompt change of the same swap.
	s.swapPrimitives(old, gen)
	s.mcp.SetTools(tools...)
	if s.metrics != nil {
		s.metrics.Serving(gen.number, len(gen.tools))
		s.metrics.ConfigHash(gen.hash)
	}
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

// handler runs tools/call for the tool named name on the generation
// current when the call arrives.
func (s *Server) handler(name string) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		ctx, gen, err := s.enter(ctx)
		if err != nil {
			return errorResult("The server is shutting down; try again shortly."), nil
		}
		defer s.release(gen)
		t := gen.byName[name]
		if t == nil {
			// mcp-go found the tool just before a reload removed it.
			return errorResult(fmt.Sprintf("The tool %q no longer exists: the server's configuration was reloaded. List the tools again.", name)), nil
		}
		return s.call(ctx, t, req), nil
	}
}

// call runs one tools/call. Every failure becomes a tool result with
// isError set, worded for a model; nothing from a driver reaches the client.
func (s *Server) call(ctx context.Context, t *toolEntry, req mcp.CallToolRequest) *mcp.CallToolResult {
	start := time.Now()
	id := newRequestID()
	log := callLog{s.log, id, t.decl.Name}
	rec := &audit.Record{
		RequestID: id,
		SessionID: sessionID(ctx),
		Transport: transportFrom(ctx),
		Subject:   PrincipalFrom(ctx).Subject,
		Tool:      t.decl.Name,
	}
	defer func() {
		rec.Duration = time.Since(start)
		s.audit.Write(rec)
		if s.metrics != nil {
			s.metrics.Call(rec.Tool, rec.Outcome, rec.Duration)
		}
	}()

	args, err := t.arguments(req)
	if err != nil {
		log.Debug().Err(err).Msg("invalid arguments")
		rec.Outcome, rec.ErrorClass, rec.Args = audit.Invalid, "arguments", t.rawForAudit(req)
		return errorResult(err.Error())
	}
	rec.Args = t.forAudit(args)

	binds, err := t.authorize(ctx, args)
	if err != nil {
		log.Info().Err(err).Msg("call denied")
		rec.Outcome, rec.ErrorClass = audit.Denied, "policy"
		return errorResult("Permission denied: the server's policy does not allow this call for this caller.")
	}
	rec.Binds = binds
	adm, refused := s.admit(ctx, log, rec, t, args, binds)
	if refused != nil {
		return refused // a limit, or the answer from the cache
	}
	defer adm.done()
	if f, ok := t.impl.(*fixedTool); ok {
		return s.fixedResult(ctx, log, rec, t, f)
	}

	log.Debug().Msg("call started")
	callCtx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	c := &adapter.Call{RequestID: id, Tool: t.decl.Name, Args: args, Binds: binds}
	res, err := t.impl.Call(callCtx, c)
	rec.UpstreamStatus, rec.Attempts = c.Upstream.Status, c.Upstream.Attempts
	s.metrics.Upstream(t.decl.Source.Key(), c.Upstream.Status, c.Upstream.Attempts)
	if err != nil {
		return s.failure(log, rec, t, ctx, callCtx, err)
	}
	text, err := encodeObject(res.Structured)
	if err != nil {
		return s.failure(log, rec, t, ctx, callCtx, fmt.Errorf("encoding result: %w", err))
	}
	rec.Outcome, rec.Rows, rec.Bytes = audit.OK, res.Rows, len(text)
	adm.keep(res, text)
	log.Debug().Int("rows", res.Rows).Bool("truncated", res.Truncated).Dur("duration", time.Since(start)).Msg("tool call")
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(string(text))},
		StructuredContent: res.Structured,
		// Encoded once: the response reuses the text's bytes.
		RawStructuredContent: text,
	}
}

func sessionID(ctx context.Context) string {
	if cs := server.ClientSessionFromContext(ctx); cs != nil {
		return cs.SessionID()
	}
	return ""
}

// encodeObject encodes a result. Row and Rows write their own compact JSON;
// going through json.Marshal would only validate it again.
func encodeObject(v any) ([]byte, error) {
	if m, ok := v.(json.Marshaler); ok {
		return m.MarshalJSON()
	}
	return json.Marshal(v)
}

// callLog tags a call's log events with its request id and tool. It builds
// nothing for levels that are off: this is the hot path.
type callLog struct {
	log  zerolog.Logger
	id   string
	tool string
}

func (c callLog) at(e *zerolog.Event) *zerolog.Event {
	return e.Str("request_id", c.id).Str("tool", c.tool)
}

func (c callLog) Debug() *zerolog.Event { return c.at(c.log.Debug()) }
func (c callLog) Info() *zerolog.Event  { return c.at(c.log.Info()) }
func (c callLog) Warn() *zerolog.Event  { return c.at(c.log.Warn()) }
func (c callLog) Error() *zerolog.Event { return c.at(c.log.Error()) }

func (t *toolEntry) arguments(req mcp.CallToolRequest) (map[string]any, error) {
	if len(req.Params.RawArguments) > 0 {
		return t.params.Validate(req.Params.RawArguments)
	}
	switch a := req.Params.Arguments.(type) {
	case nil:
		return t.params.ValidateMap(nil)
	case map[string]any:
		return t.params.ValidateMap(a)
	case json.RawMessage:
		return t.params.Validate(a)
	}
	return nil, &ArgumentError{Problems: []string{"arguments must be a JSON object"}}
}

func (s *Server) failure(log callLog, rec *audit.Record, t *toolEntry, parent, callCtx context.Context, err error) *mcp.CallToolResult {
	var te *adapter.ToolError
	rec.Outcome = audit.Error
	switch {
	case errors.As(err, &te):
		rec.ErrorClass = "tool"
		log.Debug().Str("error", te.Msg).Msg("tool error")
		return errorResult(te.Msg)
	case parent.Err() != nil:
		rec.ErrorClass = "cancelled"
		log.Info().Msg("call cancelled by the client")
		return errorResult("The call was cancelled.")
	case errors.Is(callCtx.Err(), context.DeadlineExceeded):
		rec.Outcome = audit.Timeout
		log.Warn().Dur("timeout", t.timeout).Msg("tool timed out")
		return errorResult(fmt.Sprintf("The tool timed out after %s and was cancelled (request id %s). Try again with narrower arguments.", t.timeout, rec.RequestID))
	}
	rec.ErrorClass = "backend"
	log.Error().Err(err).Msg("tool failed")
	return errorResult(fmt.Sprintf("The tool failed on the server side (request id %s); the operator can find the cause in the server log.", rec.RequestID))
}

func errorResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(text)}, IsError: true}
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
