package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The sessions mcp-go's message handling sees over Streamable HTTP.
//
// A clientSession is one MCP session (up to 2025-11-25): made when the
// gate issues its id at initialize, or first sees an id issued before (a
// restart, another replica; the client's declared capabilities and
// protocol version are then those its id carries, sessionid.go), registered with the MCPServer so broadcasts
// (list_changed, resources/updated) reach it, and dropped with the
// callers' account of it (DELETE, idle, shutdown). A GET stream carries
// what is queued on it.
//
// An exchange is one POST: what mcp-go finds as the request's session
// (server.ClientSessionFromContext). What a call sends its own client
// (progress, log messages, elicitation/create) goes on the POST's answer,
// which turns into an SSE stream at the first message; the session's
// state (client info, log level, answers to elicitation) is its
// clientSession's, or the exchange's own without one (--stateless, and
// protocol 2026-07-28, which has no sessions).

// notifyQueue is how many notifications wait for a stream before more are
// dropped (as mcp-go's own transport does).
const notifyQueue = 100

// clientState is what a session remembers of its client.
type clientState struct {
	mu       sync.RWMutex
	info     mcp.Implementation
	caps     mcp.ClientCapabilities
	version  string
	logLevel mcp.LoggingLevel // "": never set, which mcp-go reads as error
}

func (c *clientState) GetClientInfo() mcp.Implementation {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.info
}

func (c *clientState) SetClientInfo(info mcp.Implementation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.info = info
}

func (c *clientState) GetClientCapabilities() mcp.ClientCapabilities {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.caps
}

func (c *clientState) SetClientCapabilities(caps mcp.ClientCapabilities) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.caps = caps
}

func (c *clientState) ProtocolVersion() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

func (c *clientState) SetProtocolVersion(v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version = v
}

func (c *clientState) GetLogLevel() mcp.LoggingLevel {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.logLevel == "" {
		return mcp.LoggingLevelError
	}
	return c.logLevel
}

func (c *clientState) SetLogLevel(level mcp.LoggingLevel) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logLevel = level
}

// clientSession is a live MCP session, registered with the MCPServer.
type clientSession struct {
	clientState
	id    string
	notes chan mcp.JSONRPCNotification // broadcasts, for its GET stream
	done  chan struct{}                // closed when the session ends
	end   sync.Once

	// asked is the server's requests to the client awaiting its answer
	// (elicitation/create), by JSON-RPC id.
	mu    sync.Mutex
	asked map[int64]chan clientAnswer
}

func newClientSession(id string) *clientSession {
	return &clientSession{id: id, notes: make(chan mcp.JSONRPCNotification, notifyQueue), done: make(chan struct{})}
}

func (s *clientSession) SessionID() string                                   { return s.id }
func (s *clientSession) Initialize()                                         {}
func (s *clientSession) Initialized() bool                                   { return true }
func (s *clientSession) NotificationChannel() chan<- mcp.JSONRPCNotification { return s.notes }

// close ends the session's GET stream, once.
func (s *clientSession) close() { s.end.Do(func() { close(s.done) }) }

// clientAnswer is the client's answer to a request of the server's.
type clientAnswer struct {
	result json.RawMessage
	err    error
}

// await records a request of the server's to the client; forget, called
// once its answer came or it gave up, forgets it.
func (s *clientSession) await(id int64) (answer <-chan clientAnswer, forget func()) {
	ch := make(chan clientAnswer, 1)
	s.mu.Lock()
	if s.asked == nil {
		s.asked = map[int64]chan clientAnswer{}
	}
	s.asked[id] = ch
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.asked, id)
		s.mu.Unlock()
	}
}

// answer delivers the client's answer to request id, or says no request
// of that id awaits one.
func (s *clientSession) answer(id int64, a clientAnswer) bool {
	s.mu.Lock()
	ch, ok := s.asked[id]
	delete(s.asked, id)
	s.mu.Unlock()
	if ok {
		ch <- a // buffered, and delivered once
	}
	return ok
}

var (
	_ server.SessionWithLogging         = (*clientSession)(nil)
	_ server.SessionWithClientInfo      = (*clientSession)(nil)
	_ server.SessionWithProtocolVersion = (*clientSession)(nil)
)

// The exchange's session methods: the state is its clientSession's when
// it has one.

func (x *exchange) state() *clientState {
	if x.live != nil {
		return &x.live.clientState
	}
	return &x.own
}

func (x *exchange) SessionID() string {
	if x.live != nil {
		return x.live.id
	}
	return ""
}

func (x *exchange) Initialize()       {}
func (x *exchange) Initialized() bool { return true }

// NotificationChannel starts the POST's stream: a notification sent to
// the request's own client is written as an SSE event as it comes. A call
// that sends nothing costs no channel and no goroutine.
func (x *exchange) NotificationChannel() chan<- mcp.JSONRPCNotification {
	x.startOnce.Do(x.startForwarding)
	return x.notes
}

func (x *exchange) GetClientInfo() mcp.Implementation { return x.state().GetClientInfo() }
func (x *exchange) SetClientInfo(info mcp.Implementation) {
	x.state().SetClientInfo(info)
}
func (x *exchange) GetClientCapabilities() mcp.ClientCapabilities {
	return x.state().GetClientCapabilities()
}
func (x *exchange) SetClientCapabilities(caps mcp.ClientCapabilities) {
	x.state().SetClientCapabilities(caps)
}
func (x *exchange) ProtocolVersion() string                        { return x.state().ProtocolVersion() }
func (x *exchange) SetProtocolVersion(v string)                    { x.state().SetProtocolVersion(v) }
func (x *exchange) GetLogLevel() mcp.LoggingLevel                  { return x.state().GetLogLevel() }
func (x *exchange) SetLogLevel(level mcp.LoggingLevel)             { x.state().SetLogLevel(level) }
func (x *exchange) SetSubscriptionFilter(f mcp.SubscriptionFilter) { x.setFilter(f) }

// SubscriptionFilter reports a subscriptions/listen stream as filtered
// while it is open, so it hears only what its client asked for; other
// requests are unfiltered (mcp-go's rule, subscriptions.go).
func (x *exchange) SubscriptionFilter() (mcp.SubscriptionFilter, bool) {
	x.filterMu.RLock()
	defer x.filterMu.RUnlock()
	return x.filter, x.listening
}

func (x *exchange) setFilter(f mcp.SubscriptionFilter) {
	x.filterMu.Lock()
	defer x.filterMu.Unlock()
	x.filter = f
}

// errNoSession: a request without a session (--stateless, 2026-07-28) has
// nowhere for the client to answer.
var errNoSession = errors.New("elicitation needs a session: this request has none")

// RequestElicitation asks the client on the POST's own stream and waits
// for its answer, which it posts on the same session.
func (x *exchange) RequestElicitation(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	if x.live == nil {
		return nil, errNoSession
	}
	id := x.h.nextID.Add(1)
	answer, forget := x.live.await(id)
	defer forget()
	msg := mcp.JSONRPCRequest{
		JSONRPC: mcp.JSONRPC_VERSION,
		ID:      mcp.NewRequestId(id),
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
		Params:  req.Params,
	}
	if err := x.send(msg); err != nil {
		return nil, fmt.Errorf("sending elicitation/create: %w", err)
	}
	select {
	case a := <-answer:
		if a.err != nil {
			return nil, a.err
		}
		var res mcp.ElicitationResult
		if err := json.Unmarshal(a.result, &res); err != nil {
			return nil, fmt.Errorf("the client's answer to elicitation/create: %w", err)
		}
		return &res, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

var (
	_ server.SessionWithLogging            = (*exchange)(nil)
	_ server.SessionWithClientInfo         = (*exchange)(nil)
	_ server.SessionWithElicitation        = (*exchange)(nil)
	_ server.SessionWithSubscriptionFilter = (*exchange)(nil)
	_ server.SessionWithProtocolVersion    = (*exchange)(nil)
)

// listener is how a subscriptions/listen request (2026-07-28) is known to
// the MCPServer while it runs, so that broadcasts reach it: registered
// under a key of its own, the request itself having no session.
type listener struct {
	*exchange
	key string
}

func (l listener) SessionID() string { return l.key }

var (
	_ server.ClientSession                 = listener{}
	_ server.SessionWithSubscriptionFilter = listener{}
)

var listenKeys atomic.Int64

func newListenKey() string { return "listen-" + strconv.FormatInt(listenKeys.Add(1), 10) }
