package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
)

// streamable serves the MCP endpoint over Streamable HTTP, behind the gate:
// it hands each posted message, parsed once by the gate (admit), to
// mcp-go's transport-neutral message handling (MCPServer.HandleMessage)
// with the request's session in its context, and writes the answer as
// JSON, or as an SSE stream when the call sends its client something
// first. GET opens a session's stream of broadcasts, DELETE ends a
// session. It is mcpgen's replacement for mcp-go's StreamableHTTPServer,
// keeping its behaviour on the wire (see docs/architecture.md) without
// its per-request session, goroutine and channels, and without parsing
// each body five times. A tools/call goes past HandleMessage, to
// runtime.DirectCall, when that answers it as HandleMessage would.
type streamable struct {
	s       *runtime.Server
	mcp     *server.MCPServer
	callers *callers
	log     zerolog.Logger
	cors    *cors // nil: no allowed origins
	nextID  atomic.Int64
	// closing is closed when shutdown begins: GET streams end at once.
	closing   chan struct{}
	closeOnce sync.Once
}

func newStreamable(s *runtime.Server, c *callers, allowed []string) *streamable {
	h := &streamable{s: s, mcp: s.MCP(), callers: c, log: s.Log(), closing: make(chan struct{})}
	if len(allowed) > 0 {
		h.cors = &cors{origins: allowed}
	}
	return h
}

// closeStreams ends the GET streams open and those opened from now on.
func (h *streamable) closeStreams() { h.closeOnce.Do(func() { close(h.closing) }) }

// exchange is one POST and its answer: what the gate parsed, the session
// mcp-go sees (session.go), and the stream its answer may become. It is
// the request's one allocation of the transport's.
type exchange struct {
	h    *streamable
	w    http.ResponseWriter
	body []byte
	msg  message
	json bool // body parsed as JSON
	// live is the request's session, issued tells an initialize's new
	// session id; both empty without sessions.
	live    *clientSession
	issued  string
	taken   bool            // the issued id was sent to the client
	own     clientState     // a request without a session
	answers runtime.Answers // the request's answer filter
	// reqCtx is the request's context as the gate made it (its caller,
	// transport and answers; runtime.WithRequest).
	reqCtx runtime.RequestContext
	// What admit began and finish ends: the request in flight, and what
	// it holds (an initialize's new session, a listen stream).
	flight    flight
	flightKey flightKey
	inFlight  bool
	release   func()

	mu     sync.Mutex // the response writer, once streams write to it
	sse    bool       // the answer is an SSE stream, its header written
	closed bool       // the answer is complete: nothing more is written

	startOnce sync.Once
	stopOnce  sync.Once
	notes     chan mcp.JSONRPCNotification
	stop      chan struct{}
	stopped   chan struct{}

	filterMu  sync.RWMutex
	filter    mcp.SubscriptionFilter
	listening bool
	listenID  any
}

// startForwarding starts writing the notifications sent to the request's
// client onto its answer, as they come.
func (x *exchange) startForwarding() {
	x.notes = make(chan mcp.JSONRPCNotification, notifyQueue)
	x.stop, x.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(x.stopped)
		for {
			select {
			case n := <-x.notes:
				if err := x.send(x.tag(n)); err != nil {
					x.h.log.Debug().Err(err).Msg("writing a notification onto its request's stream")
				}
			case <-x.stop:
				return
			}
		}
	}()
}

// finishForwarding stops the forwarding and writes what is still queued,
// so that the answer comes after everything the call sent.
func (x *exchange) finishForwarding() {
	x.startOnce.Do(func() {}) // none starts later: a late notification is dropped
	if x.notes == nil {
		return
	}
	x.stopForwarding()
	<-x.stopped
	for {
		select {
		case n := <-x.notes:
			_ = x.send(x.tag(n))
		default:
			return
		}
	}
}

// stopForwarding tells the forwarding goroutine, if any, to stop; once.
func (x *exchange) stopForwarding() {
	x.stopOnce.Do(func() {
		if x.stop != nil {
			close(x.stop)
		}
	})
}

// tag marks a notification on a listen stream with the subscription it
// belongs to, as 2026-07-28 requires of every message on one. A broadcast
// shares its _meta with every other copy: it is copied.
func (x *exchange) tag(n mcp.JSONRPCNotification) mcp.JSONRPCNotification {
	if !x.listening {
		return n
	}
	meta := make(map[string]any, len(n.Params.Meta)+1)
	maps.Copy(meta, n.Params.Meta)
	meta[mcp.MetaKeySubscriptionID] = x.listenID
	n.Params.Meta = meta
	return n
}

// send writes msg onto the POST's answer as an SSE event, turning the
// answer into a stream first.
func (x *exchange) send(msg any) error {
	b := getBuffer()
	defer putBuffer(b)
	if err := b.event(msg, nil); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errAnswered
	}
	x.startStreamLocked()
	_, err := x.w.Write(b.buf.Bytes())
	flush(x.w)
	return err
}

func (x *exchange) startStreamLocked() {
	if x.sse {
		return
	}
	x.sse = true
	h := x.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Connection", "keep-alive")
	h.Set("Cache-Control", "no-cache")
	x.w.WriteHeader(http.StatusOK)
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// serveBodyless serves a request without a body the gate let through
// (GET, DELETE, HEAD) in ctx, the context the gate gave it (r's is not);
// POSTs come with their exchange (serve).
func (h *streamable) serveBodyless(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	if !h.prelude(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		h.get(ctx, w, r)
	case http.MethodDelete:
		h.delete(w, r)
	case http.MethodHead:
		w.WriteHeader(http.StatusOK)
	default:
		http.NotFound(w, r)
	}
}

// prelude applies what every request on the endpoint gets: DNS rebinding
// protection for loopback listeners, and CORS. false: it was answered.
func (h *streamable) prelude(w http.ResponseWriter, r *http.Request) bool {
	if rebound(r) {
		http.Error(w, fmt.Sprintf("Forbidden: invalid Host header %q", r.Host), http.StatusForbidden)
		return false
	}
	if h.cors != nil {
		if h.cors.preflight(w, r) {
			return false
		}
		h.cors.apply(w, r)
	}
	return true
}

// errAnswered: the request was answered, its stream is over.
var errAnswered = errors.New("the request was answered: its stream is closed")

// serve answers a POST in ctx, the context the gate gave it (r's is not).
func (h *streamable) serve(ctx context.Context, x *exchange, r *http.Request) {
	defer x.close()
	w := x.w
	if !h.prelude(w, r) {
		return
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		httpError(w, "Invalid content type: must be 'application/json'", http.StatusBadRequest)
		return
	}
	if !x.json {
		x.answers.NotJSON(ctx)
		x.writeJSON(createError(nil, mcp.PARSE_ERROR, "request body is not valid json"), http.StatusBadRequest)
		return
	}
	m := &x.msg
	header := r.Header.Get(mcp.HeaderProtocolVersion)
	metaVersion := m.metaVersion()
	modern := mcp.IsModernProtocol(header) || mcp.IsModernProtocol(metaVersion)
	initialize := m.Method == string(mcp.MethodInitialize)
	if !modern && !initialize && header != "" && !mcp.IsValidProtocolVersion(header) {
		httpError(w, "Unsupported protocol version: "+header, http.StatusBadRequest)
		return
	}
	if m.Method == "" && len(m.ID) > 0 {
		h.answer(ctx, x, r, modern)
		return
	}
	if modern {
		if !h.modernChecks(x, r, header, metaVersion) {
			return
		}
		initialize = false
		x.listening = m.Method == string(mcp.MethodSubscriptionsListen) && m.isRequest()
	} else if !initialize && x.live == nil && h.callers.ids != nil {
		httpError(w, "Invalid session ID", http.StatusNotFound) // none given: initialize first
		return
	}

	// The gate's request state (runtime.WithRequest) names the transport.
	ctx = h.mcp.WithContext(ctx, x)
	var key string // a listen stream's, registered for broadcasts
	if x.listening {
		x.listenID = x.msg.rawID()
		x.NotificationChannel()
		key = newListenKey()
		if err := h.mcp.RegisterSession(ctx, listener{x, key}); err != nil {
			h.log.Error().Err(err).Msg("registering a listen stream")
		}
		defer h.mcp.UnregisterSession(context.WithoutCancel(ctx), key)
	}
	response, direct := h.directCall(ctx, x, modern)
	if !direct {
		response = h.mcp.HandleMessage(ctx, x.body)
	}
	if x.listening {
		// Nothing more is broadcast to it; what is queued is still its own.
		h.mcp.UnregisterSession(context.WithoutCancel(ctx), key)
	}
	x.finishForwarding()
	if response == nil {
		x.mu.Lock()
		defer x.mu.Unlock()
		if !x.sse {
			w.WriteHeader(http.StatusAccepted)
		}
		return
	}
	if ctx.Err() != nil {
		return // the client is gone
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.sse {
		b := getBuffer()
		defer putBuffer(b)
		if err := b.event(response, &x.answers); err == nil {
			_, _ = w.Write(b.buf.Bytes())
			flush(w)
		}
		return
	}
	if initialize && x.issued != "" {
		w.Header().Set(server.HeaderKeySessionID, x.issued)
		x.taken = true
	}
	status := http.StatusOK
	if modern {
		if e, ok := response.(mcp.JSONRPCError); ok {
			status = statusFor(e.Error.Code)
		}
	}
	x.writeJSONLocked(response, status)
}

// directCall answers a tools/call past HandleMessage (runtime.DirectCall),
// when it can: not for 2026-07-28, nor for a message that also carries a
// result, which HandleMessage takes for an answer. direct is false when
// HandleMessage must answer.
func (h *streamable) directCall(ctx context.Context, x *exchange, modern bool) (response mcp.JSONRPCMessage, direct bool) {
	m := &x.msg
	if modern || m.Method != string(mcp.MethodToolsCall) || len(m.Result) > 0 {
		return nil, false
	}
	return h.s.DirectMessage(ctx, &m.Message, x.body)
}

// isJSON reports whether a Content-Type is application/json, with or
// without parameters; the plain spelling costs no parsing.
func isJSON(contentType string) bool {
	if contentType == "application/json" {
		return true
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/json"
}

// close marks the answer complete: whatever a call's goroutines still
// send (a progress tick, a late elicitation) is not written.
func (x *exchange) close() {
	x.startOnce.Do(func() {})
	x.stopForwarding() // also when HandleMessage panicked
	x.mu.Lock()
	x.closed = true
	x.mu.Unlock()
}

// rawID is the request's id as mcp-go holds it (a number or a string).
func (m *message) rawID() any {
	var id any
	if len(m.ID) > 0 {
		_ = json.Unmarshal(m.ID, &id)
	}
	return id
}

// modernChecks are what 2026-07-28 asks of a POST at the transport, which
// mcp-go's HandleMessage leaves to it: the version in the header and the
// body, agreeing and served; no Last-Event-ID; and the Mcp-Method and
// Mcp-Name headers matching the body.
func (h *streamable) modernChecks(x *exchange, r *http.Request, header, meta string) bool {
	m := &x.msg
	fail := func(code int, msg string) bool {
		x.writeJSON(createError(m.rawID(), code, msg), http.StatusBadRequest)
		return false
	}
	switch {
	case r.Header.Get(mcp.HeaderLastEventID) != "":
		return fail(mcp.HEADER_MISMATCH, "Last-Event-ID is not supported in protocol version "+mcp.ProtocolVersion20260728+
			": streams are not resumable, re-issue the request with a new ID")
	case header == "":
		return fail(mcp.HEADER_MISMATCH, mcp.HeaderProtocolVersion+" header is required for requests carrying "+mcp.MetaKeyProtocolVersion)
	case meta == "":
		return fail(mcp.INVALID_PARAMS, "missing or invalid _meta field "+mcp.MetaKeyProtocolVersion)
	case header != meta:
		return fail(mcp.HEADER_MISMATCH, mcp.HeaderProtocolVersion+" header "+header+" does not match request "+mcp.MetaKeyProtocolVersion+" "+meta)
	case !mcp.IsValidProtocolVersion(meta):
		e := mcp.UnsupportedProtocolVersionError{Version: meta, Supported: mcp.ValidProtocolVersions}.JSONRPCError()
		e.ID = mcp.NewRequestId(m.rawID())
		x.writeJSON(e, http.StatusBadRequest)
		return false
	}
	if !m.isRequest() {
		return true
	}
	params := m.params(x.body)
	err := mcp.ValidateStandardHeaders(r.Header.Get, meta, mcp.MCPMethod(m.Method), params)
	if err == nil && m.Method == string(mcp.MethodToolsCall) {
		err = h.paramHeaders(r.Header, params)
	}
	if err == nil {
		return true
	}
	var resp mcp.JSONRPCMessage
	var unsupported mcp.UnsupportedProtocolVersionError
	var mismatch mcp.HeaderMismatchError
	var missing mcp.MissingRequiredClientCapabilityError
	switch {
	case errors.As(err, &unsupported):
		e := unsupported.JSONRPCError()
		e.ID = mcp.NewRequestId(m.rawID())
		resp = e
	case errors.As(err, &mismatch):
		resp = createError(m.rawID(), mcp.HEADER_MISMATCH, mismatch.Error())
	case errors.As(err, &missing):
		resp = createError(m.rawID(), mcp.MISSING_REQUIRED_CLIENT_CAPABILITY, missing.Error())
	default:
		resp = createError(m.rawID(), mcp.INVALID_PARAMS, err.Error())
	}
	x.writeJSON(resp, statusFor(resp.(mcp.JSONRPCError).Error.Code))
	return false
}

// paramHeaders checks the Mcp-Param-* headers of a tools/call against its
// arguments, for a tool that declares any (x-mcp-header).
func (h *streamable) paramHeaders(header http.Header, params json.RawMessage) error {
	var call struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(params, &call) != nil || call.Name == "" {
		return nil
	}
	t := h.mcp.GetTool(call.Name)
	if t == nil {
		return nil
	}
	return mcp.ValidateParamHeadersLookup(func(name string) (string, bool) {
		v := header.Values(name)
		if len(v) == 0 {
			return "", false
		}
		return v[0], true
	}, &t.Tool, params)
}

// answer takes a client's answer to a request of the server's
// (elicitation/create) to the call waiting for it on the same session.
func (h *streamable) answer(ctx context.Context, x *exchange, r *http.Request, modern bool) {
	w, m := x.w, &x.msg
	empty := func(raw json.RawMessage) bool {
		s := bytes.TrimSpace(raw)
		return len(s) == 0 || string(s) == "null"
	}
	switch {
	case empty(m.Result) && empty(m.Error), string(bytes.TrimSpace(m.Result)) == "{}" && len(bytes.TrimSpace(m.Error)) == 0:
		w.WriteHeader(http.StatusAccepted) // a ping's answer, or nothing to deliver
		return
	case modern:
		x.writeJSON(createError(m.rawID(), mcp.INVALID_REQUEST,
			"client-to-server responses are not supported in protocol version "+mcp.ProtocolVersion20260728+
				": server-initiated requests were replaced by multi round-trip requests"), http.StatusBadRequest)
		return
	case r.Header.Get(server.HeaderKeySessionID) == "":
		httpError(w, "Missing session ID for sampling response", http.StatusBadRequest)
		return
	case x.live == nil:
		httpError(w, "No active session found for the given session ID", http.StatusNotFound)
		return
	}
	id, err := strconv.ParseInt(string(bytes.TrimSpace(m.ID)), 10, 64)
	if err != nil {
		httpError(w, "Invalid request ID in sampling response", http.StatusBadRequest)
		return
	}
	var a clientAnswer
	switch {
	case !empty(m.Error):
		var e struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(m.Error, &e); err != nil {
			a.err = fmt.Errorf("failed to parse error: %v", err)
		} else {
			a.err = fmt.Errorf("%s error %d: %s", mcp.MethodElicitationCreate, e.Code, e.Message)
		}
	default:
		a.result = m.Result
	}
	if !x.live.answer(id, a) {
		// Most often an answer to a question asked by a replica that has
		// since restarted, or withdrawn at its shutdown: the operator sees
		// the user's answer was lost.
		h.s.AuditHTTP(ctx, r, "stale_answer", fmt.Sprintf(
			"an answer to request %d of the server's on this session, which no call waits for (withdrawn, timed out, or asked before a restart)", id))
		httpError(w, "No pending sampling request found for the given request ID", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// get serves a session's stream (up to 2025-11-25): what is broadcast to
// the session, until the client goes, the session ends or shutdown begins.
func (h *streamable) get(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	if mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
		modernVerb(w, http.MethodGet)
		return
	}
	if v := r.Header.Get(mcp.HeaderProtocolVersion); v != "" && !mcp.IsValidProtocolVersion(v) {
		httpError(w, "Unsupported protocol version: "+v, http.StatusBadRequest)
		return
	}
	if _, ok := w.(http.Flusher); !ok {
		httpError(w, "Streaming unsupported", http.StatusMethodNotAllowed)
		return
	}
	cs, _ := ctx.Value(liveKey{}).(*clientSession)
	if cs == nil { // no sessions: a stream of its own, for broadcasts
		cs = newClientSession(newListenKey())
		if err := h.mcp.RegisterSession(ctx, cs); err != nil {
			httpError(w, "Session registration failed: "+err.Error(), http.StatusBadRequest)
			return
		}
		defer h.mcp.UnregisterSession(context.WithoutCancel(ctx), cs.id)
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	flush(w)
	b := getBuffer()
	defer putBuffer(b)
	for {
		select {
		case n := <-cs.notes:
			b.buf.Reset()
			if err := b.event(n, nil); err != nil {
				continue
			}
			if _, err := w.Write(b.buf.Bytes()); err != nil {
				return
			}
			flush(w)
			h.callers.touch(cs.id)
		case <-ctx.Done():
			return
		case <-cs.done:
			return
		case <-h.closing:
			return
		}
	}
}

// delete ends the session the gate checked (admitDelete).
func (h *streamable) delete(w http.ResponseWriter, r *http.Request) {
	v := r.Header.Get(mcp.HeaderProtocolVersion)
	if mcp.IsModernProtocol(v) {
		modernVerb(w, http.MethodDelete)
		return
	}
	if v != "" && !mcp.IsValidProtocolVersion(v) {
		httpError(w, "Unsupported protocol version: "+v, http.StatusBadRequest)
		return
	}
	if id := r.Header.Get(server.HeaderKeySessionID); id != "" && h.callers.ids != nil {
		h.callers.endSession(id)
	}
	w.WriteHeader(http.StatusOK)
}

// liveKey carries a GET's session, which admitGet found.
type liveKey struct{}

func modernVerb(w http.ResponseWriter, verb string) {
	w.Header().Set("Allow", http.MethodPost)
	httpError(w, verb+" is not supported in protocol version "+mcp.ProtocolVersion20260728+
		": server-to-client messages use subscriptions/listen", http.StatusMethodNotAllowed)
}

// httpError answers with a plain-text error, as http.Error does.
func httpError(w http.ResponseWriter, msg string, status int) { http.Error(w, msg, status) }

// statusFor maps a JSON-RPC error code to the HTTP status 2026-07-28
// prescribes for it.
func statusFor(code int) int {
	switch code {
	case mcp.METHOD_NOT_FOUND:
		return http.StatusNotFound
	case mcp.HEADER_MISMATCH, mcp.MISSING_REQUIRED_CLIENT_CAPABILITY, mcp.UNSUPPORTED_PROTOCOL_VERSION,
		mcp.INVALID_REQUEST, mcp.INVALID_PARAMS, mcp.PARSE_ERROR:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

func createError(id any, code int, msg string) mcp.JSONRPCError {
	return mcp.JSONRPCError{JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(id),
		Error: mcp.JSONRPCErrorDetails{Code: code, Message: msg}}
}

// writeJSON writes msg as the whole answer.
func (x *exchange) writeJSON(msg any, status int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.writeJSONLocked(msg, status)
}

func (x *exchange) writeJSONLocked(msg any, status int) {
	b := getBuffer()
	defer putBuffer(b)
	if err := b.encode(msg); err != nil {
		x.h.log.Error().Err(err).Msg("encoding an answer")
		http.Error(x.w, "Internal error: cannot encode the answer", http.StatusInternalServerError)
		return
	}
	out := x.answers.Filter(b.buf.Bytes())
	x.w.Header()["Content-Type"] = contentTypeJSON
	x.w.WriteHeader(status)
	_, _ = x.w.Write(out)
}

// contentTypeJSON is shared by every answer: net/http only reads it.
var contentTypeJSON = []string{"application/json"}

// A buffer encodes answers and events; they are pooled, so an answer
// costs no allocation of its own once the pool is warm.
type buffer struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var buffers = sync.Pool{New: func() any {
	b := &buffer{}
	b.enc = json.NewEncoder(&b.buf)
	return b
}}

func getBuffer() *buffer { return buffers.Get().(*buffer) }

// encode appends msg and a newline, as a json.Encoder writes it: a
// tools/call answered by DirectCall as its bytes (runtime.DirectAnswer),
// anything else through the encoder.
func (b *buffer) encode(msg any) error {
	a, ok := msg.(*runtime.DirectAnswer)
	if !ok {
		if b.enc == nil {
			b.enc = json.NewEncoder(&b.buf)
		}
		return b.enc.Encode(msg)
	}
	out, err := a.AppendJSON(b.buf.AvailableBuffer())
	if err != nil {
		return err
	}
	b.buf.Write(append(out, '\n'))
	return nil
}

func putBuffer(b *buffer) {
	if b.buf.Cap() > 64<<10 { // keep no large answer's buffer
		return
	}
	b.buf.Reset()
	buffers.Put(b)
}

var (
	eventPrefix = []byte("event: message\ndata: ")
	eventEnd    = []byte("\n\n")
)

// event appends msg as an SSE event, filtered through a when given.
func (b *buffer) event(msg any, a *runtime.Answers) error {
	var data buffer
	if err := data.encode(msg); err != nil {
		return err
	}
	out := bytes.TrimRight(data.buf.Bytes(), "\n")
	if a != nil {
		out = a.Filter(out)
	}
	b.buf.Write(eventPrefix)
	b.buf.Write(out)
	b.buf.Write(eventEnd)
	return nil
}

// rebound protects against DNS rebinding: a request on a loopback listener
// must name a loopback host.
func rebound(r *http.Request) bool {
	switch local := r.Context().Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr: // no formatting of the address for each request
		return local.IP.IsLoopback() && !loopbackHost(r.Host)
	case net.Addr:
		return loopbackHost(local.String()) && !loopbackHost(r.Host)
	}
	return false
}

func loopbackHost(hostport string) bool {
	host := hostOnly(hostport)
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cors answers preflights from the allowed origins and lets them read the
// session id.
type cors struct{ origins []string }

var (
	corsMethods = strings.Join([]string{http.MethodGet, http.MethodPost, http.MethodDelete}, ", ")
	corsHeaders = strings.Join([]string{"Content-Type", "Accept", "Authorization", "Mcp-Session-Id", "Mcp-Protocol-Version",
		mcp.HeaderMethod, mcp.HeaderName, "Last-Event-ID"}, ", ")
)

func (c *cors) apply(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	for _, o := range c.origins {
		if o == "*" || (origin != "" && o == origin) {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Expose-Headers", "Mcp-Session-Id")
			return
		}
	}
}

func (c *cors) preflight(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	c.apply(w, r)
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", corsMethods)
	h.Set("Access-Control-Allow-Headers", corsHeaders)
	w.WriteHeader(http.StatusNoContent)
	return true
}
