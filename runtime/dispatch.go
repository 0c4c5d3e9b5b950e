package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// DirectCall answers a tools/call without mcp-go's HandleMessage, which
// parses each message four times (its envelope, _meta for the protocol
// era, _meta again for trace context, then the request). A transport reads
// the message once (ScanMessage) and calls DirectMessage with what it
// read; DirectCall is the same for a body not yet read: id is the
// message's "id" as the caller read it (raw JSON), body the whole message.
//
// It mirrors mcp-go v1.2.1's HandleMessage for tools/call
// (server/request_handler.go, and handleToolCall and handlerError in
// server/server.go and server/handler_errors.go): the same hooks in the
// same order (OnRequestInitialization; BeforeAny, OnBeforeCallTool; then
// OnError, or OnSuccess and OnAfterCallTool), the same tool filter
// (toolVisible, visibleTools' test), the same middleware (toolMiddleware,
// the list mcp-go was given), the same answers and errors. It must be
// checked against HandleMessage again whenever mcp-go is upgraded:
// TestDirectCallMatchesHandleMessage shows what they agree on, not what a
// new release added.
//
// What mcp-go does there and DirectCall does not, because mcpgen configures
// none of it: spans and request logs (no tracer, propagator or request
// logger is installed), input and output schema validation (not enabled),
// and the response decoration of 2026-07-28 (such requests fall back).
// Nor does it record the request for notifications/cancelled: over HTTP
// the gate cancels requests itself and never passes a cancellation to
// mcp-go (transport/cancel.go), and the gate's context of the request is
// cancelled when it ends, as HandleMessage's is. And server.ServerFromContext
// finds nothing in a direct call's context, as only HandleMessage can set
// its key: mcpgen's code asks mcpServerFrom, which finds either.
//
// The request the hooks and the tool handler see is the one mcp-go
// builds, but for the map of the arguments (Params.Arguments), which is
// not built: its raw JSON (Params.RawArguments, a slice of the body) is
// what mcpgen's code reads whenever it is there, and it is there whenever
// the message has arguments. Nothing in mcpgen reads the map of a
// tools/call from the wire.
//
// ok is false when DirectCall did nothing, because it does not handle the
// message as HandleMessage would: the caller hands it to HandleMessage.
// That is every message but a tools/call request of protocol 2025-11-25
// or earlier that ScanMessage was sure of, whose id is a string or an
// integer, with "jsonrpc":"2.0", no task, of a tool mcp-go serves to
// everyone (not a session's own tool) that runs without a task, and that
// the caller may call (a hidden or unknown tool is answered by mcp-go,
// which audits it through auditNotFound).
func (s *Server) DirectCall(ctx context.Context, id json.RawMessage, body []byte) (resp mcp.JSONRPCMessage, ok bool) {
	m, sure := ScanMessage(body)
	if !sure || !bytes.Equal(m.ID, id) {
		return nil, false
	}
	return s.DirectMessage(ctx, &m, body)
}

// DirectMessage is DirectCall for a message m that ScanMessage read from
// body (which it must not change).
func (s *Server) DirectMessage(ctx context.Context, m *Message, body []byte) (resp mcp.JSONRPCMessage, ok bool) {
	c := &m.Call
	if !c.ok {
		return nil, false // HandleMessage answers, or says what is wrong
	}
	reqID, ok := directID(m.ID)
	if !ok {
		return nil, false
	}
	req := &mcp.CallToolRequest{}
	req.Method = string(mcp.MethodToolsCall)
	req.Params.Name = c.name
	req.Params.RawArguments = c.arguments
	if c.meta != nil {
		// As mcp-go reads it; its keys are taken as written.
		if json.Unmarshal(c.meta, &req.Params.Meta) != nil {
			return nil, false
		}
	}
	version := req.Params.Meta.ProtocolVersion()
	if mcp.IsModernProtocol(version) {
		return nil, false
	}
	if own, is := server.ClientSessionFromContext(ctx).(server.SessionWithTools); is && own.GetSessionTools() != nil {
		return nil, false
	}
	tool := s.installedTool(req.Params.Name)
	if tool == nil || tool.Tool.Execution != nil {
		return nil, false
	}
	gen := s.Generation()
	if !gen.toolVisible(gen.caller(ctx), tool.Tool.Name) {
		return nil, false
	}
	s.direct.Add(1)

	hooks := s.mcp.GetHooks()
	if hooks == nil {
		hooks = &server.Hooks{}
	}
	ctx = withMCPServer(ctx, s.mcp)
	for _, hook := range hooks.OnRequestInitialization {
		if err := hook(ctx, reqID, json.RawMessage(body)); err != nil {
			return mcp.JSONRPCError{JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(reqID),
				Error: mcp.NewJSONRPCErrorDetails(mcp.INVALID_REQUEST, err.Error(), nil)}, true
		}
	}
	// HandleMessage passes the headers an mcp-go transport put in the
	// context; ours puts none, so the request carries an empty set.
	req.Header = make(http.Header)
	ctx = server.WithRequestProtocolInfo(ctx, &server.RequestProtocolInfo{ProtocolVersion: version})

	const method = mcp.MethodToolsCall
	for _, hook := range hooks.OnBeforeAny {
		hook(ctx, reqID, method, req)
	}
	for _, hook := range hooks.OnBeforeCallTool {
		hook(ctx, reqID, req)
	}
	result, cerr := s.runTool(ctx, reqID, tool.Handler, req)
	if cerr != nil {
		for _, hook := range hooks.OnError {
			hook(ctx, reqID, method, req, cerr)
		}
		return cerr.jsonrpc(), true
	}
	var answer any = result // hooks and the answer hold it as mcp-go does
	for _, hook := range hooks.OnSuccess {
		hook(ctx, reqID, method, req, answer)
	}
	for _, hook := range hooks.OnAfterCallTool {
		hook(ctx, reqID, req, answer)
	}
	if result != nil {
		if text, plain := plainText(result); plain {
			// The whole response written without encoding/json.
			return &DirectAnswer{id: reqID, result: result, text: text}, true
		}
	}
	return mcp.NewJSONRPCResultResponse(mcp.NewRequestId(reqID), answer), true
}

// DirectCalls is how many tools/calls DirectCall answered itself.
func (s *Server) DirectCalls() uint64 { return s.direct.Load() }

// installedTool is the tool swap gave mcp-go under name, or nil. A tool
// put in mcp-go any other way is not found here, and its call goes to
// HandleMessage.
func (s *Server) installedTool(name string) *server.ServerTool {
	if m := s.tools.Load(); m != nil {
		return (*m)[name]
	}
	return nil
}

// runTool runs handler under toolMiddleware, as handleToolCall does, and
// turns what went wrong into the error mcp-go would answer.
func (s *Server) runTool(ctx context.Context, id any, handler server.ToolHandlerFunc, req *mcp.CallToolRequest) (*mcp.CallToolResult, *callError) {
	for i := len(toolMiddleware) - 1; i >= 0; i-- {
		handler = toolMiddleware[i](handler)
	}
	result, err := handler(ctx, *req)
	switch {
	case err != nil:
		return nil, handlerFailed(ctx, id, err)
	case result == nil:
		return nil, &callError{id: id, code: mcp.INTERNAL_ERROR, err: fmt.Errorf("tool '%s' handler returned no result", req.Params.Name)}
	case result.NeedsInput():
		// mcp-go would ask a client of 2025-11-25 or earlier with requests
		// of its own (multi round-trip); our handler asks such clients
		// with elicitation itself (elicit.go) and returns input_required
		// only to 2026-07-28, which never comes here.
		return nil, &callError{id: id, code: mcp.INTERNAL_ERROR, err: errors.New("tool '" + req.Params.Name + "' asked for input the direct path cannot request")}
	}
	return result, nil
}

// toolMiddleware wraps every tool handler, in order, first outermost:
// mcp-go is given it as WithToolHandlerMiddleware, and DirectCall applies
// it the same way.
var toolMiddleware = []server.ToolHandlerMiddleware{recoverTool}

// recoverTool answers a panicking tool handler with an error, as
// server.WithRecovery does, in the same words.
func recoverTool(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (result *mcp.CallToolResult, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic recovered in %s tool handler: %v", req.Params.Name, r)
			}
		}()
		return next(ctx, req)
	}
}

// callError is mcp-go's requestError for a tools/call: what OnError hooks
// see (the same text, and the cause through Unwrap), and the JSON-RPC
// error answered.
type callError struct {
	id   any
	code int
	err  error
	data any
}

func (e *callError) Error() string { return fmt.Sprintf("request error: %s", e.err) }

func (e *callError) Unwrap() error { return e.err }

func (e *callError) jsonrpc() mcp.JSONRPCError {
	return mcp.JSONRPCError{JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(e.id),
		Error: mcp.NewJSONRPCErrorDetails(e.code, e.err.Error(), e.data)}
}

// handlerFailed is mcp-go's handlerError: a handler's error is an internal
// error, but for a URL elicitation a client before 2026-07-28 must start.
func handlerFailed(ctx context.Context, id any, err error) *callError {
	if required, ok := urlElicitationRequired(err); ok && !mcp.IsModernProtocol(server.RequestProtocolVersion(ctx)) {
		details := required.JSONRPCError().Error
		return &callError{id: id, code: details.Code, err: err, data: details.Data}
	}
	return &callError{id: id, code: mcp.INTERNAL_ERROR, err: err}
}

func urlElicitationRequired(err error) (mcp.URLElicitationRequiredError, bool) {
	var required mcp.URLElicitationRequiredError
	if errors.As(err, &required) {
		return required, true
	}
	var pointer *mcp.URLElicitationRequiredError
	if errors.As(err, &pointer) && pointer != nil {
		return *pointer, true
	}
	return required, false
}

// directID is a request id as HandleMessage holds it (encoding/json into
// an any): a string, or for an integer the float64 encoding/json makes
// of it. Anything else (null, a fraction, an exponent, an object) is
// left to HandleMessage.
func directID(raw json.RawMessage) (any, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	switch c := raw[0]; {
	case c == '"':
		var id string
		if json.Unmarshal(raw, &id) != nil {
			return nil, false
		}
		return id, true
	case c == '-' || '0' <= c && c <= '9':
		digits := raw[1:]
		if c == '-' && len(digits) == 0 {
			return nil, false
		}
		for _, d := range digits {
			if d < '0' || d > '9' {
				return nil, false
			}
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, false
		}
		return f, true
	}
	return nil, false
}

// mcpServerKey carries the mcp-go server of a call DirectCall runs, which
// HandleMessage puts in the context under a key of its own (read by
// server.ServerFromContext) that no one else can set.
type mcpServerKey struct{}

// withMCPServer is ctx carrying srv. A request state in ctx (the HTTP
// gate's, WithRequest) carries it, at no cost; it is one server's for
// good, so a context shared with another server's calls gets a value of
// its own.
func withMCPServer(ctx context.Context, srv *server.MCPServer) context.Context {
	if st := requestStateFrom(ctx); st != nil && (st.mcp.CompareAndSwap(nil, srv) || st.mcp.Load() == srv) {
		return ctx
	}
	return context.WithValue(ctx, mcpServerKey{}, srv)
}

// mcpServerFrom is the mcp-go server serving the request in ctx, whether
// HandleMessage or DirectCall runs it; nil for neither.
func mcpServerFrom(ctx context.Context) *server.MCPServer {
	if srv := server.ServerFromContext(ctx); srv != nil {
		return srv
	}
	srv, _ := ctx.Value(mcpServerKey{}).(*server.MCPServer)
	return srv
}
