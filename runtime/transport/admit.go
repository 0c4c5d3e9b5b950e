package transport

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// admit applies the per-caller rules to a request on the MCP endpoint
// that passed the gate's other checks: its session must have been issued
// to its caller, the caller's sessions and streams must stay under
// CallerLimits, and a cancellation reaches only the caller's own request.
// ctx is the request's context, p its caller. It returns the context to
// serve the request in and what to call once it is served (for a POST,
// finish), or false when it has answered the request itself.
//
// A POST's body is read and parsed here, once, into x, along with its
// session.
func (c *callers) admit(ctx context.Context, w http.ResponseWriter, r *http.Request, p *runtime.Principal, x *exchange) (context.Context, func(), bool) {
	caller := c.callerOf(r, p)
	switch r.Method {
	case http.MethodPost:
		return c.admitPost(ctx, w, r, caller, x)
	case http.MethodGet:
		return c.admitGet(ctx, w, r, caller)
	case http.MethodDelete:
		return c.admitDelete(ctx, w, r, caller)
	}
	return ctx, func() {}, true
}

// message is what the transport reads of a posted JSON-RPC message
// (runtime.Message): what routes it, the id a cancellation names, the
// protocol version a 2026-07-28 request declares, and what
// runtime.DirectMessage takes of a tools/call. mcp-go's HandleMessage
// reads the rest.
type message struct{ runtime.Message }

// metaVersion is the protocol version the message's _meta declares, read
// as mcp-go reads it (keys matched exactly); "" for none.
func (m *message) metaVersion() string {
	if len(m.Params.Meta) == 0 {
		return ""
	}
	var meta *mcp.Meta
	if json.Unmarshal(m.Params.Meta, &meta) != nil {
		return ""
	}
	return meta.ProtocolVersion()
}

// params returns the raw params of body, for the header checks of
// 2026-07-28.
func (m *message) params(body []byte) json.RawMessage {
	var w struct {
		Params json.RawMessage `json:"params"`
	}
	_ = json.Unmarshal(body, &w)
	return w.Params
}

// parseMessage reads body as mcp-go does, or says it cannot, when mcp-go
// cannot either: in one pass (runtime.ScanMessage) when it can be sure to
// read it as encoding/json does, through encoding/json otherwise (keys
// matched alike, but nothing read for runtime.DirectMessage, which
// leaves such a message to HandleMessage). Params that are not an object
// leave the rest read.
func parseMessage(body []byte) (m message, ok bool) {
	if m.Message, ok = runtime.ScanMessage(body); ok {
		return m, true
	}
	// Into the runtime.Message itself, so that an error's Field is the
	// path of JSON keys, with no Go field in front.
	if err := json.Unmarshal(body, &m.Message); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || typeErr.Field != "params" && !strings.HasPrefix(typeErr.Field, "params.") {
			return message{}, false
		}
	}
	return m, true
}

func (m *message) isRequest() bool {
	return m.Method != "" && len(m.ID) > 0 && string(m.ID) != "null"
}

// modern reports whether a request speaks protocol 2026-07-28, which has
// no sessions. mcp-go serves a message as such only when its header says
// so (and its _meta agrees), so the header decides.
func modern(h http.Header) bool {
	return mcp.IsModernProtocol(h.Get(mcp.HeaderProtocolVersion))
}

func (c *callers) admitPost(ctx context.Context, w http.ResponseWriter, r *http.Request, caller string, x *exchange) (context.Context, func(), bool) {
	body, err := readBody(r) // capped by the gate
	if err != nil {
		http.Error(w, "Cannot read the request body", http.StatusBadRequest)
		return nil, nil, false
	}
	x.body = body
	if x.msg, x.json = parseMessage(body); !x.json {
		return ctx, nil, true // answered with a parse error
	}
	msg := &x.msg

	session, release := "", func() {}
	if !modern(r.Header) {
		session = r.Header.Get(server.HeaderKeySessionID)
		if c.ids != nil { // sessions are issued and bound
			switch {
			case msg.Method == string(mcp.MethodInitialize):
				id, live, no := c.openSession(caller, declaredIn(body))
				if no != nil {
					refuse(w, no)
					return nil, nil, false
				}
				x.issued, x.live = id, live
				// An initialize refused before its answer (a wrong
				// Content-Type) leaves no session.
				release = func() {
					if !x.taken {
						c.forgetSession(id)
					}
				}
				session = ""
			case session != "":
				if x.live = c.checkSession(ctx, w, r, session, caller, true); x.live == nil {
					return nil, nil, false
				}
			}
			// Without an id, serve answers 404 and the client
			// initializes.
		}
	}

	switch {
	case msg.Method == string(mcp.MethodNotificationCancelled):
		c.cancelRequest(ctx, r, caller, session, msg.Params.RequestID)
		w.WriteHeader(http.StatusAccepted)
		return nil, nil, false
	case !msg.isRequest():
		x.release = release
		return ctx, nil, true
	}
	id, ok := idKey(msg.ID)
	if !ok {
		x.release = release
		return ctx, nil, true // HandleMessage refuses it
	}
	if msg.Method == string(mcp.MethodSubscriptionsListen) {
		var no *runtime.Refusal
		if release, no = c.openStream(caller, session); no != nil {
			refuse(w, no)
			return nil, nil, false
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	x.flight = flight{cancel: cancel}
	x.flightKey = flightKey{caller, session, id}
	x.inFlight = true
	c.flights.begin(x.flightKey, &x.flight)
	x.release = release
	return ctx, nil, true
}

// finish ends what admitPost began for x, once it is answered.
func (c *callers) finish(x *exchange) {
	if x.inFlight {
		c.flights.end(x.flightKey, &x.flight)
		x.flight.cancel()
	}
	if x.release != nil {
		x.release()
	}
}

// admitGet admits a GET stream (up to 2025-11-25): on a session of the
// caller's when sessions are issued, and under the stream limits.
func (c *callers) admitGet(ctx context.Context, w http.ResponseWriter, r *http.Request, caller string) (context.Context, func(), bool) {
	if modern(r.Header) {
		return ctx, func() {}, true // mcp-go refuses it: 2026-07-28 has no GET stream
	}
	session := r.Header.Get(server.HeaderKeySessionID)
	if c.ids != nil {
		if session == "" {
			http.Error(w, "Bad Request: a GET stream needs the Mcp-Session-Id header that initialize returned", http.StatusBadRequest)
			return nil, nil, false
		}
		live := c.checkSession(ctx, w, r, session, caller, true)
		if live == nil {
			return nil, nil, false
		}
		ctx = context.WithValue(ctx, liveKey{}, live)
	}
	release, no := c.openStream(caller, session)
	if no != nil {
		refuse(w, no)
		return nil, nil, false
	}
	return ctx, release, true
}

// admitDelete admits ending a session of the caller's, which
// streamable.delete then ends.
func (c *callers) admitDelete(ctx context.Context, w http.ResponseWriter, r *http.Request, caller string) (context.Context, func(), bool) {
	if c.ids == nil || modern(r.Header) {
		return ctx, func() {}, true
	}
	session := r.Header.Get(server.HeaderKeySessionID)
	if session == "" {
		http.Error(w, "Bad Request: DELETE ends the session named by the Mcp-Session-Id header, and there is none", http.StatusBadRequest)
		return nil, nil, false
	}
	if c.checkSession(ctx, w, r, session, caller, false) == nil {
		return nil, nil, false
	}
	return ctx, func() {}, true
}

// checkSession answers 404 (and audits it) when session was not issued to
// caller, so the request touches nothing of the session it names; and
// applies useSession, returning the live session (nil: answered).
func (c *callers) checkSession(ctx context.Context, w http.ResponseWriter, r *http.Request, session, caller string, revive bool) *clientSession {
	if live := c.liveSession(session, caller); live != nil {
		return live
	}
	d, ok := c.ids.check(session, caller)
	if !ok {
		c.metrics.SessionRejected(metrics.SessionNotIssued)
		c.s.AuditHTTP(ctx, r, "session", errNotIssued.Error())
		http.Error(w, "Not Found: no such session for this caller; initialize a new one", http.StatusNotFound)
		return nil
	}
	live, no := c.useSession(session, caller, d, revive)
	if no != nil {
		refuse(w, no)
		return nil
	}
	return live
}

// declaredIn is what an initialize's body declares: the version mcp-go
// negotiates for it and the client's capabilities. A body mcp-go cannot
// read declares nothing (and its initialize fails, leaving no session).
func declaredIn(body []byte) declared {
	var m struct {
		Params struct {
			ProtocolVersion string                 `json:"protocolVersion"`
			Capabilities    mcp.ClientCapabilities `json:"capabilities"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &m) != nil {
		return declared{}
	}
	return declare(mcp.NegotiateLegacyVersion(m.Params.ProtocolVersion), m.Params.Capabilities)
}

// readBody reads a request's body, in one allocation when its length is
// declared.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength < 0 {
		return io.ReadAll(r.Body)
	}
	b := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, b)
	return b, err
}
