package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// Cancellation over HTTP. mcp-go keys the requests it can cancel by
// session id and request id; without a session (--stateless, or protocol
// 2026-07-28) every caller shares one namespace of small integer ids, and
// with one, whoever learns the id can use it. So no notifications/cancelled
// posted over HTTP reaches mcp-go: the gate keeps its own account of the
// requests in flight, keyed by caller, session and request id, and a
// cancellation ends only a request of the same caller and session, by
// cancelling that request's context. Anything else is ignored (202, as for
// any notification) and logged, and audited when the id names a request
// in flight from someone else.
//
// Over stdio there is one client, one principal and one session: the
// connection keeps its requests by id and cancels them itself (stdio.go,
// flights), as a tools/call it answers through runtime.DirectCall is not
// known to mcp-go.

// A flightKey names a request by who sent it: the caller, the session
// (empty without one) and the JSON-RPC id (see idKey).
type flightKey struct {
	caller, session, id string
}

// A flight is one request in flight; those under one key are a list.
type flight struct {
	cancel context.CancelFunc
	next   *flight
}

// inflight is the requests being served over HTTP, by flightKey, and how
// many carry each request id whoever sent them. Its size is that of the
// requests in flight.
type inflight struct {
	mu  sync.Mutex
	m   map[flightKey]*flight
	ids map[string]int
}

// begin records fl, a request in flight under k, until end.
func (f *inflight) begin(k flightKey, fl *flight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl.next = f.m[k]
	f.m[k] = fl
	f.ids[k.id]++
}

// end forgets fl, answered.
func (f *inflight) end(k flightKey, fl *flight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch head := f.m[k]; {
	case head == fl && fl.next == nil:
		delete(f.m, k)
	case head == fl:
		f.m[k] = fl.next
	default:
		for p := head; p != nil && p.next != nil; p = p.next {
			if p.next == fl {
				p.next = fl.next
				break
			}
		}
	}
	if f.ids[k.id]--; f.ids[k.id] <= 0 {
		delete(f.ids, k.id)
	}
}

// cancel cancels the requests in flight under k and says how many it
// cancelled, and whether others carry the same id (sent by another
// caller, or on another session).
func (f *inflight) cancel(k flightKey) (n int, elsewhere bool) {
	var cancels []context.CancelFunc
	f.mu.Lock()
	for fl := f.m[k]; fl != nil; fl = fl.next {
		cancels = append(cancels, fl.cancel)
	}
	elsewhere = f.ids[k.id] > len(cancels)
	f.mu.Unlock()
	for _, c := range cancels {
		c()
	}
	return len(cancels), elsewhere
}

// idKey is a JSON-RPC id as a key: numbers and strings apart ("1" is not
// 1), numbers by value. ok is false for anything that is not an id.
func idKey(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return "s" + s, true
	case 'n', 't', 'f', '{', '[':
		return "", false
	}
	if plainInteger(raw) {
		return "n" + string(raw), true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return "", false
	}
	if f, err := n.Float64(); err == nil {
		b, _ := json.Marshal(f)
		return "n" + string(b), true
	}
	return "n" + n.String(), true
}

// cancelRequest handles a notifications/cancelled that caller posted on
// session: it cancels caller's own request, if in flight, and nothing
// else.
func (c *callers) cancelRequest(ctx context.Context, r *http.Request, caller, session string, requestID json.RawMessage) {
	log := c.s.Log()
	id, ok := idKey(requestID)
	if !ok {
		log.Debug().Msg("notifications/cancelled without a request id: ignored")
		return
	}
	n, elsewhere := c.flights.cancel(flightKey{caller, session, id})
	switch {
	case n > 0:
		c.metrics.Cancellation(metrics.CancelDone)
		log.Debug().Str("request_id", short(id[1:])).Msg("request cancelled by its client")
	case elsewhere:
		c.metrics.Cancellation(metrics.CancelNotYours)
		log.Warn().Str("request_id", short(id[1:])).Str("remote", r.RemoteAddr).
			Msg("notifications/cancelled names a request this caller did not send: ignored")
		c.s.AuditHTTP(ctx, r, "cancellation", "notifications/cancelled names a request this caller did not send on this session")
	default:
		c.metrics.Cancellation(metrics.CancelNotInFlight)
		log.Debug().Str("request_id", short(id[1:])).Msg("notifications/cancelled for no request in flight: ignored")
	}
}

// short is an id for the log: a client chooses it, so at most 64 bytes.
func short(id string) string {
	if len(id) > 64 {
		return id[:64] + "..."
	}
	return id
}

// plainInteger reports whether raw is an integer as JSON writes it: no
// leading zero, no fraction or exponent, short enough to be exact.
func plainInteger(raw []byte) bool {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
