package transport

import (
	"bytes"
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
// It returns the request to serve and what to call once it is served, or
// false when it has answered the request itself.
func (c *callers) admit(w http.ResponseWriter, r *http.Request) (*http.Request, func(), bool) {
	caller := c.callerOf(r)
	switch r.Method {
	case http.MethodPost:
		return c.admitPost(w, r, caller)
	case http.MethodGet:
		return c.admitGet(w, r, caller)
	case http.MethodDelete:
		return c.admitDelete(w, r, caller)
	}
	return r, func() {}, true
}

// message is what the gate reads of a posted JSON-RPC message: what mcp-go
// reads to route it, and the id a cancellation names.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		RequestID json.RawMessage `json:"requestId"`
	} `json:"params"`
}

// parseMessage reads body as mcp-go does (encoding/json, so keys match
// alike), or says it cannot, when mcp-go cannot either. Params that are not
// an object leave the rest read.
func parseMessage(body []byte) (m message, ok bool) {
	if err := json.Unmarshal(body, &m); err != nil {
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

func (c *callers) admitPost(w http.ResponseWriter, r *http.Request, caller string) (*http.Request, func(), bool) {
	body, err := readBody(r) // capped by the gate
	if err != nil {
		http.Error(w, "Cannot read the request body", http.StatusBadRequest)
		return nil, nil, false
	}
	br := &bodyReader{}
	br.Reset(body)
	r.Body = br
	msg, ok := parseMessage(body)
	if !ok {
		return r, func() {}, true // mcp-go answers with a parse error
	}

	session, release := "", func() {}
	if !modern(r.Header) {
		session = r.Header.Get(server.HeaderKeySessionID)
		if c.ids != nil { // sessions are issued and bound
			switch {
			case msg.Method == string(mcp.MethodInitialize):
				id, no := c.openSession(caller)
				if no != nil {
					refuse(w, no)
					return nil, nil, false
				}
				issued := &issuedID{id: id}
				r = r.WithContext(context.WithValue(r.Context(), issuedKey{}, issued))
				// An initialize mcp-go refused before taking the id
				// (a body that is not JSON) leaves no session.
				release = func() {
					if !issued.taken.Load() {
						c.forgetSession(id)
					}
				}
				session = ""
			case session != "":
				if !c.checkSession(w, r, session, caller, true) {
					return nil, nil, false
				}
			}
			// Without an id, mcp-go answers 404 and the client
			// initializes.
		}
	}

	switch {
	case msg.Method == string(mcp.MethodNotificationCancelled):
		c.cancelRequest(r, caller, session, msg.Params.RequestID)
		w.WriteHeader(http.StatusAccepted)
		return nil, nil, false
	case !msg.isRequest():
		return r, release, true
	}
	id, ok := idKey(msg.ID)
	if !ok {
		return r, release, true // mcp-go refuses it
	}
	if msg.Method == string(mcp.MethodSubscriptionsListen) {
		var no *runtime.Refusal
		if release, no = c.openStream(caller, session); no != nil {
			refuse(w, no)
			return nil, nil, false
		}
	}
	ctx, cancel := context.WithCancel(r.Context())
	end := c.flights.begin(flightKey{caller, session, id}, cancel)
	return r.WithContext(ctx), func() { end(); cancel(); release() }, true
}

// admitGet admits a GET stream (up to 2025-11-25): on a session of the
// caller's when sessions are issued, and under the stream limits.
func (c *callers) admitGet(w http.ResponseWriter, r *http.Request, caller string) (*http.Request, func(), bool) {
	if modern(r.Header) {
		return r, func() {}, true // mcp-go refuses it: 2026-07-28 has no GET stream
	}
	session := r.Header.Get(server.HeaderKeySessionID)
	if c.ids != nil {
		if session == "" {
			http.Error(w, "Bad Request: a GET stream needs the Mcp-Session-Id header that initialize returned", http.StatusBadRequest)
			return nil, nil, false
		}
		if !c.checkSession(w, r, session, caller, true) {
			return nil, nil, false
		}
	}
	release, no := c.openStream(caller, session)
	if no != nil {
		refuse(w, no)
		return nil, nil, false
	}
	return r, release, true
}

// admitDelete admits ending a session of the caller's. mcp-go then ends it
// through the session id manager (callers.ResolveSessionIdManager).
func (c *callers) admitDelete(w http.ResponseWriter, r *http.Request, caller string) (*http.Request, func(), bool) {
	if c.ids == nil || modern(r.Header) {
		return r, func() {}, true
	}
	session := r.Header.Get(server.HeaderKeySessionID)
	if session == "" {
		http.Error(w, "Bad Request: DELETE ends the session named by the Mcp-Session-Id header, and there is none", http.StatusBadRequest)
		return nil, nil, false
	}
	if !c.checkSession(w, r, session, caller, false) {
		return nil, nil, false
	}
	return r, func() {}, true
}

// checkSession answers 404 (and audits it) when session was not issued to
// caller, so the request touches nothing of the session it names; and
// applies useSession.
func (c *callers) checkSession(w http.ResponseWriter, r *http.Request, session, caller string, revive bool) bool {
	if !c.ids.check(session, caller) {
		c.metrics.SessionRejected(metrics.SessionNotIssued)
		c.s.AuditHTTP(r, "session", errNotIssued.Error())
		http.Error(w, "Not Found: no such session for this caller; initialize a new one", http.StatusNotFound)
		return false
	}
	if no := c.useSession(session, caller, revive); no != nil {
		refuse(w, no)
		return false
	}
	return true
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

// bodyReader gives mcp-go the body the gate read.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }
