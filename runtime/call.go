package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
	"unsafe"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// The per-call path. Every tools/call, and every resource read, prompt and
// completion backed by a query, runs through callPath.call: validate the
// arguments, evaluate the guard and binds, apply the limits (rate, cache,
// concurrency; limits.go), run the adapter under the tool's timeout, and
// write one audit record and one metrics observation from the same place,
// so that the two always agree on the outcome.

// callPath holds what a call reports to: the operational log, the audit
// trail and the metrics. It is the server's, shared by every generation.
type callPath struct {
	log     zerolog.Logger
	audit   *audit.Logger
	metrics *metrics.Metrics
	tracing *Tracing // nil: off
	seal    sealer   // confirmation states of protocol 2026-07-28 (roundtrip.go)
	// progressInterval is the keep-alive period of calls that carry a
	// progress token (notify.go); 0: none.
	progressInterval time.Duration
	// leaving ends when the replica begins to shut down (BeginShutdown).
	leaving context.Context
}

// handler runs tools/call for the tool named name on the generation
// current when the call arrives. mcp-go's tool filter (visibleTools) has
// let only a tool the caller could call reach it.
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
			return toolGone(name), nil
		}
		res, hidden := s.calls.call(ctx, t, req)
		if hidden {
			// The filter saw the tool on the generation before: for
			// this caller, the reload removed it.
			return toolGone(name), nil
		}
		return res, nil
	}
}

func toolGone(name string) *mcp.CallToolResult {
	return errorResult(fmt.Sprintf("The tool %q no longer exists: the server's configuration was reloaded. List the tools again.", name))
}

// call runs one tools/call. Every failure becomes a tool result with
// isError set, worded for a model; nothing from a driver reaches the
// client. hidden reports a tool the caller could never call, refused and
// audited without a result: the caller answers it as a tool, resource or
// completion that does not exist.
func (cp *callPath) call(ctx context.Context, t *toolEntry, req mcp.CallToolRequest) (res *mcp.CallToolResult, hidden bool) {
	start := time.Now()
	ctx, span := cp.tracing.startCall(ctx, "tools/call", t.decl.Name, req.Params.Meta)
	m := new(callMemory)
	rec := &m.rec
	fillRecord(rec, ctx, t.decl.Name, m.requestID())
	rec.TraceID = span.traceID()
	id := rec.RequestID
	log := callLog{cp.log, id, t.decl.Name, rec.TraceID}
	defer cp.finish(rec, start)
	defer span.end(rec)
	defer func() {
		// A panic (an adapter's bug) is a failure like any other: the
		// client is told the tool failed, never the panic's value, which
		// may quote a query or a driver's state; the operator finds the
		// value and the stack in the log, and the record says what
		// happened.
		if r := recover(); r != nil {
			rec.Outcome, rec.ErrorClass, rec.Reason = audit.Error, "panic", fmt.Sprint(r)
			log.Error().Interface("panic", r).Bytes("stack", debug.Stack()).Msg("tool handler panicked")
			res, hidden = serverFault(id), false
		}
	}()
	note := cp.notes(ctx, req, rec)
	defer note.done(rec, start)

	// Whether the caller may see the tool at all is decided before
	// anything about its arguments is said, so that a hidden tool's
	// schema never leaks. mcp-go's filter has normally decided it already:
	// it is asked again only on the paths that refuse, where soundness
	// (visible is false only when every call is denied) makes that the
	// same answer as asking first.
	args, err := t.arguments(req)
	if err != nil {
		if !t.visible(ctx) {
			cp.hidden(log, rec, t.rawForAudit(req), t.whyHidden(ctx))
			return nil, true
		}
		log.Debug().Err(err).Msg("invalid arguments")
		rec.Outcome, rec.ErrorClass, rec.Args = audit.Invalid, "arguments", t.rawForAudit(req)
		return errorResult(err.Error()), false
	}
	rec.Args = t.forAudit(args)

	guard := span.child(ctx, "guard")
	binds, err := t.authorize(ctx, args)
	guard.End(err != nil)
	if err != nil {
		if !t.visible(ctx) {
			cp.hidden(log, rec, rec.Args, t.whyHidden(ctx))
			return nil, true
		}
		log.Info().Err(err).Msg("call denied")
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Denied, "policy", denyReason(err)
		return errorResult("Permission denied: the server's policy does not allow this call for this caller."), false
	}
	rec.Binds = binds
	adm, refused := cp.admit(ctx, log, rec, t, args, binds)
	if refused != nil {
		return refused, false // a limit, or the answer from the cache
	}
	defer adm.done()
	if args, refused = cp.elicit(ctx, log, rec, t, args, req); refused != nil {
		return refused, false // the user did not accept, or could not be asked
	}
	note.running()
	if f, ok := t.impl.(*fixedTool); ok {
		return cp.fixedResult(ctx, log, rec, t, f), false
	}

	log.Debug().Msg("call started")
	callCtx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	c := &m.call
	*c = adapter.Call{RequestID: id, Tool: t.decl.Name, Args: args, Binds: binds}
	out, err := t.impl.Call(callCtx, c)
	rec.UpstreamStatus, rec.Attempts = c.Upstream.Status, c.Upstream.Attempts
	if c.Upstream.Attempts > 0 { // a call that asked an upstream (not SQL)
		cp.metrics.Upstream(t.decl.Source.Key(), c.Upstream.Status, c.Upstream.Attempts)
	}
	if err != nil {
		return cp.failure(log, rec, t, ctx, callCtx, err), false
	}
	if out.Content != nil { // an upstream MCP server's answer, as it came
		res, size, err := passThrough(out)
		if err != nil {
			return cp.failure(log, rec, t, ctx, callCtx, err), false
		}
		rec.Outcome, rec.Rows, rec.Bytes = audit.OK, out.Rows, size
		return res, false
	}
	text, err := encodeObject(out.Structured)
	if err != nil {
		return cp.failure(log, rec, t, ctx, callCtx, fmt.Errorf("encoding result: %w", err)), false
	}
	rec.Outcome, rec.Rows, rec.Bytes = audit.OK, out.Rows, len(text)
	adm.keep(out, text)
	note.result(out)
	log.Debug().Int("rows", out.Rows).Bool("truncated", out.Truncated).Dur("duration", time.Since(start)).Msg("tool call")
	return textResult(text, out.Structured), false
}

// textResult is the answer of a call that returned structured, encoded
// as text: its one text block and its structured content, which the
// response writes from the same bytes. Nothing writes to text once it is
// encoded (the cache keeps it as it is), so the text block reads those
// bytes too instead of a copy of what may be a large result; the result
// and its content list are one allocation.
func textResult(text []byte, structured any) *mcp.CallToolResult {
	r := new(struct {
		mcp.CallToolResult
		content [1]mcp.Content
	})
	r.content[0] = mcp.NewTextContent(unsafe.String(unsafe.SliceData(text), len(text)))
	r.Content = r.content[:]
	r.StructuredContent = structured
	r.RawStructuredContent = text
	return &r.CallToolResult
}

// callMemory is what one tools/call allocates for itself, in one piece:
// its audit record, what the adapter is given, and the request id's text.
type callMemory struct {
	rec  audit.Record
	call adapter.Call
	id   [16]byte
}

// requestID makes a new request id in m.id and returns it as a string
// that reads those bytes, which are never written again.
func (m *callMemory) requestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	hex.Encode(m.id[:], b[:])
	return unsafe.String(&m.id[0], len(m.id))
}

// record starts the audit record of one request by the caller in ctx for
// the tool (or "resource:NAME", "prompt:NAME") named tool.
func (cp *callPath) record(ctx context.Context, tool string) *audit.Record {
	rec := new(audit.Record)
	fillRecord(rec, ctx, tool, newRequestID())
	return rec
}

// fillRecord starts rec as record does, with the request id id.
func fillRecord(rec *audit.Record, ctx context.Context, tool, id string) {
	*rec = audit.Record{
		RequestID: id,
		SessionID: sessionID(ctx),
		Transport: transportFrom(ctx),
		Subject:   PrincipalFrom(ctx).Subject,
		Tool:      tool,
	}
}

// finish writes a request's audit record and its metrics observation,
// from the same place, so that the two agree on the outcome.
func (cp *callPath) finish(rec *audit.Record, start time.Time) {
	rec.Duration = time.Since(start)
	cp.audit.Write(rec)
	cp.metrics.Call(rec.Tool, rec.Outcome, rec.Duration)
}

// hidden marks rec as the refusal of something the caller could never
// use, for reason (toolEntry.whyHidden).
func (cp *callPath) hidden(log callLog, rec *audit.Record, args map[string]any, reason string) {
	log.Info().Str("reason", reason).Msg("hidden from the caller: answered as unknown")
	rec.Outcome, rec.ErrorClass, rec.Reason, rec.Args = audit.Denied, "policy", reason, args
}

// refuseHidden audits a request for t, which the caller in ctx could never
// use and was answered as if t did not exist.
func (cp *callPath) refuseHidden(ctx context.Context, t *toolEntry, args map[string]any) {
	start := time.Now()
	rec := cp.record(ctx, t.decl.Name)
	cp.hidden(callLog{log: cp.log, id: rec.RequestID, tool: t.decl.Name}, rec, args, t.whyHidden(ctx))
	cp.finish(rec, start)
}

// refuseUnknown audits a request for a tool or prompt name, or a URI, that
// nothing serves. It counts in no metric: the name is the caller's, and
// metric labels are bounded by the configuration.
func (cp *callPath) refuseUnknown(ctx context.Context, name string, args map[string]any) {
	rec := cp.record(ctx, name)
	rec.Outcome, rec.ErrorClass, rec.Args = audit.Invalid, "unknown", args
	cp.log.Debug().Str("request_id", rec.RequestID).Str("name", name).Any("args", args).Msg("unknown name or uri")
	cp.audit.Write(rec)
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
	tid  string // the trace id, when tracing is on
}

func (c callLog) at(e *zerolog.Event) *zerolog.Event {
	if c.tid != "" {
		e = e.Str("trace_id", c.tid)
	}
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

func (cp *callPath) failure(log callLog, rec *audit.Record, t *toolEntry, parent, callCtx context.Context, err error) *mcp.CallToolResult {
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
	return serverFault(rec.RequestID)
}

// serverFault is the answer to a call that failed on the server's side:
// the request id, by which the operator finds the cause in the log.
func serverFault(requestID string) *mcp.CallToolResult {
	return errorResult(fmt.Sprintf("The tool failed on the server side (request id %s); the operator can find the cause in the server log.", requestID))
}

func errorResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(text)}, IsError: true}
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
