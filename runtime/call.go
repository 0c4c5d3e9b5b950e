package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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
		return s.calls.call(ctx, t, req), nil
	}
}

// call runs one tools/call. Every failure becomes a tool result with
// isError set, worded for a model; nothing from a driver reaches the client.
func (cp *callPath) call(ctx context.Context, t *toolEntry, req mcp.CallToolRequest) *mcp.CallToolResult {
	start := time.Now()
	id := newRequestID()
	log := callLog{cp.log, id, t.decl.Name}
	rec := &audit.Record{
		RequestID: id,
		SessionID: sessionID(ctx),
		Transport: transportFrom(ctx),
		Subject:   PrincipalFrom(ctx).Subject,
		Tool:      t.decl.Name,
	}
	defer func() {
		rec.Duration = time.Since(start)
		cp.audit.Write(rec)
		cp.metrics.Call(rec.Tool, rec.Outcome, rec.Duration)
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
		rec.Outcome, rec.ErrorClass, rec.Reason = audit.Denied, "policy", denyReason(err)
		return errorResult("Permission denied: the server's policy does not allow this call for this caller.")
	}
	rec.Binds = binds
	adm, refused := cp.admit(ctx, log, rec, t, args, binds)
	if refused != nil {
		return refused // a limit, or the answer from the cache
	}
	defer adm.done()
	if f, ok := t.impl.(*fixedTool); ok {
		return cp.fixedResult(ctx, log, rec, t, f)
	}

	log.Debug().Msg("call started")
	callCtx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	c := &adapter.Call{RequestID: id, Tool: t.decl.Name, Args: args, Binds: binds}
	res, err := t.impl.Call(callCtx, c)
	rec.UpstreamStatus, rec.Attempts = c.Upstream.Status, c.Upstream.Attempts
	cp.metrics.Upstream(t.decl.Source.Key(), c.Upstream.Status, c.Upstream.Attempts)
	if err != nil {
		return cp.failure(log, rec, t, ctx, callCtx, err)
	}
	text, err := encodeObject(res.Structured)
	if err != nil {
		return cp.failure(log, rec, t, ctx, callCtx, fmt.Errorf("encoding result: %w", err))
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
