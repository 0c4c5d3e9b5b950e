package transport

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// CallerLimits bound what callers may hold open on the HTTP transport:
// sessions and long-lived streams (GET streams, and subscriptions/listen
// requests), per caller and in total. A caller is the authenticated
// subject, or the client's address (HTTPOptions.ClientKey) when anonymous.
// A request over a per-caller limit is refused with 429, one over a total
// with 503, both with Retry-After; nothing is queued.
type CallerLimits struct {
	SessionsPerCaller int
	Sessions          int
	StreamsPerCaller  int
	Streams           int
}

// DefaultCallerLimits leave room for many agents behind one credential,
// and bound what a server holds for all of them: a session costs about
// 11 KB in mcp-go (TestFloodStaysBounded), so 4096 of them about 45 MB.
func DefaultCallerLimits() CallerLimits {
	return CallerLimits{SessionsPerCaller: 256, Sessions: 4096, StreamsPerCaller: 32, Streams: 1024}
}

// Retry-After of refusals: a session is freed by DELETE or when it has
// been idle for the TTL, a stream when its client closes it.
const (
	sessionRetryAfter = 60
	streamRetryAfter  = 10
)

// callers is the HTTP transport's account of who holds what: the sessions
// this process knows of, the open streams, and the requests in flight,
// each by caller. It issues and checks session ids (sessionid.go) and
// decides which request a cancellation reaches (cancel.go). All of it is
// bounded by CallerLimits and by the requests being served.
type callers struct {
	s         *runtime.Server
	mcp       *server.MCPServer // where sessions are registered
	log       zerolog.Logger
	metrics   *metrics.Metrics
	ids       *sessionIDs // nil when stateless: no sessions
	clientKey func(*http.Request) string
	limits    CallerLimits
	ttl       time.Duration
	flights   inflight

	mu       sync.Mutex
	sessions map[string]*session  // by id
	ended    map[string]time.Time // ids ended by DELETE, until they would have expired
	by       map[string]*holdings // by caller
	streams  int
}

// A session is one this process has issued or been shown; it is forgotten
// when it has been idle for the TTL. Its id can come back (after a
// restart, or from another replica): it is then counted again.
type session struct {
	caller  string
	seen    time.Time
	streams int            // open GET streams on it: it is not idle while one is
	mcp     *clientSession // registered with the MCPServer while it is known
}

type holdings struct {
	sessions, streams int
}

func newCallers(s *runtime.Server, o HTTPOptions) *callers {
	limits, def := o.Limits, DefaultCallerLimits()
	for _, l := range []struct{ v, def *int }{
		{&limits.SessionsPerCaller, &def.SessionsPerCaller}, {&limits.Sessions, &def.Sessions},
		{&limits.StreamsPerCaller, &def.StreamsPerCaller}, {&limits.Streams, &def.Streams},
	} {
		if *l.v <= 0 { // unset: the default
			*l.v = *l.def
		}
	}
	c := &callers{
		s:         s,
		mcp:       s.MCP(),
		log:       s.Log(),
		metrics:   s.Metrics(),
		clientKey: o.ClientKey,
		limits:    limits,
		ttl:       o.SessionIdleTTL,
		flights:   inflight{m: map[flightKey]*flight{}, ids: map[string]int{}},
		sessions:  map[string]*session{},
		ended:     map[string]time.Time{},
		by:        map[string]*holdings{},
	}
	if c.clientKey == nil {
		c.clientKey = ClientAddress
	}
	if !o.Stateless {
		c.ids = newSessionIDs(o.SessionKey)
	}
	return c
}

// callerOf names who sent r, whose caller is p: its authenticated
// subject, or for an anonymous request the client's address.
func (c *callers) callerOf(r *http.Request, p *runtime.Principal) string {
	if p.Subject != "" {
		return p.SubjectKey()
	}
	return "addr:" + c.clientKey(r)
}

// sweepEvery forgets idle sessions and expired ends every interval until
// ctx ends.
func (c *callers) sweepEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.sweep(now)
		}
	}
}

func (c *callers) sweep(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, s := range c.sessions {
		if s.streams == 0 && now.Sub(s.seen) >= c.ttl {
			c.log.Info().Str("session", id).Msg("Sweeping expired session")
			c.dropLocked(id, s)
		}
	}
	for id, until := range c.ended {
		if now.After(until) {
			delete(c.ended, id)
		}
	}
	c.metrics.HTTPSessions(len(c.sessions))
}

func (c *callers) holdingsLocked(caller string) *holdings {
	h := c.by[caller]
	if h == nil {
		h = &holdings{}
		c.by[caller] = h
	}
	return h
}

func (c *callers) releaseLocked(caller string, h *holdings) {
	if h.sessions == 0 && h.streams == 0 {
		delete(c.by, caller)
	}
}

// admitSessionLocked counts a new session for caller, or refuses it.
func (c *callers) admitSessionLocked(caller string) *runtime.Refusal {
	h := c.by[caller]
	switch {
	case h != nil && h.sessions >= c.limits.SessionsPerCaller:
		c.metrics.CallerLimited(metrics.LimitSessionsPerCaller)
		return retryLater(http.StatusTooManyRequests, sessionRetryAfter, fmt.Sprintf(
			"Too many sessions: this caller already holds %d, the most allowed; end one with DELETE, or wait for an idle one to expire (after %s)",
			h.sessions, c.ttl))
	case len(c.sessions) >= c.limits.Sessions:
		c.metrics.CallerLimited(metrics.LimitSessions)
		return retryLater(http.StatusServiceUnavailable, sessionRetryAfter,
			"Service unavailable: the server holds as many sessions as it may")
	}
	return nil
}

// addLocked counts session id of caller, and registers it with the
// MCPServer so that broadcasts reach it.
func (c *callers) addLocked(id, caller string, now time.Time) *session {
	s := &session{caller: caller, seen: now, mcp: newClientSession(id)}
	c.sessions[id] = s
	c.holdingsLocked(caller).sessions++
	c.metrics.HTTPSessions(len(c.sessions))
	if err := c.mcp.RegisterSession(context.Background(), s.mcp); err != nil {
		c.log.Error().Err(err).Str("session", id).Msg("registering a session")
	}
	return s
}

// dropLocked forgets session id: it is unregistered, and its stream ends.
func (c *callers) dropLocked(id string, s *session) {
	delete(c.sessions, id)
	h := c.by[s.caller]
	h.sessions--
	c.releaseLocked(s.caller, h)
	c.mcp.UnregisterSession(context.Background(), id)
	s.mcp.close()
}

// openSession issues a session id to caller for an initialize that
// declares d, or refuses.
func (c *callers) openSession(caller string, d declared) (string, *clientSession, *runtime.Refusal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if no := c.admitSessionLocked(caller); no != nil {
		return "", nil, no
	}
	id := c.ids.issue(caller, d)
	return id, c.addLocked(id, caller, time.Now()).mcp, nil
}

// touch marks session id as in use.
func (c *callers) touch(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.sessions[id]; s != nil {
		s.seen = time.Now()
	}
}

// liveSession is the session id when this process holds it for caller,
// marked as seen now; nil otherwise. Such an id had its MAC checked for
// this caller when it was issued or first shown here, under the one key
// this process has: it is not checked again on every request. Any other
// id, caller or ended session goes through checkSession's whole check.
func (c *callers) liveSession(id, caller string) *clientSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[id]
	if s == nil || s.caller != caller {
		return nil
	}
	s.seen = time.Now()
	return s.mcp
}

// useSession accepts a request of caller on session id, whose binding to
// caller was checked: ended sessions are refused, known ones touched, and
// others (issued before a restart, or by another replica) counted anew,
// with what their id declares (d), unless revive is false.
//
// It returns the live session; for a session not known and not revived, a
// session of the request's own, never registered.
func (c *callers) useSession(id, caller string, d declared, revive bool) (*clientSession, *runtime.Refusal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.ended[id]; ok {
		c.metrics.SessionRejected(metrics.SessionEnded)
		return nil, &runtime.Refusal{Status: http.StatusNotFound, Header: http.Header{},
			Message: "Not Found: the session was ended; initialize a new one"}
	}
	now := time.Now()
	if s := c.sessions[id]; s != nil {
		s.seen = now
		return s.mcp, nil
	}
	if !revive {
		return newClientSession(id), nil
	}
	if no := c.admitSessionLocked(caller); no != nil {
		return nil, no
	}
	live := c.addLocked(id, caller, now).mcp
	d.restore(&live.clientState)
	return live, nil
}

// endSession forgets session id and refuses it from then on, until it
// would have expired. Ends are bounded: past the total of sessions, the
// oldest ends are dropped first.
func (c *callers) endSession(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.sessions[id]; s != nil {
		c.dropLocked(id, s)
	}
	for len(c.ended) >= c.limits.Sessions && len(c.ended) > 0 {
		oldest, at := "", time.Time{}
		for e, until := range c.ended {
			if oldest == "" || until.Before(at) {
				oldest, at = e, until
			}
		}
		delete(c.ended, oldest)
	}
	c.ended[id] = time.Now().Add(c.ttl)
	c.metrics.HTTPSessions(len(c.sessions))
}

// forgetSession forgets session id, issued for an initialize that was
// refused.
func (c *callers) forgetSession(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.sessions[id]; s != nil && s.streams == 0 {
		c.dropLocked(id, s)
		c.metrics.HTTPSessions(len(c.sessions))
	}
}

// openStream counts a long-lived stream of caller (on session id, if any),
// or refuses it. release, called once when the stream ends, uncounts it.
func (c *callers) openStream(caller, id string) (release func(), no *runtime.Refusal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.by[caller]
	switch {
	case h != nil && h.streams >= c.limits.StreamsPerCaller:
		c.metrics.CallerLimited(metrics.LimitStreamsPerCaller)
		return nil, retryLater(http.StatusTooManyRequests, streamRetryAfter, fmt.Sprintf(
			"Too many streams: this caller already has %d open, the most allowed; close one first", h.streams))
	case c.streams >= c.limits.Streams:
		c.metrics.CallerLimited(metrics.LimitStreams)
		return nil, retryLater(http.StatusServiceUnavailable, streamRetryAfter,
			"Service unavailable: the server has as many streams open as it may")
	}
	h = c.holdingsLocked(caller)
	h.streams++
	c.streams++
	if s := c.sessions[id]; s != nil {
		s.streams++
	}
	c.metrics.HTTPStreams(c.streams)
	return sync.OnceFunc(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		h := c.by[caller]
		h.streams--
		c.streams--
		c.releaseLocked(caller, h)
		if s := c.sessions[id]; s != nil {
			s.streams--
			s.seen = time.Now()
		}
		c.metrics.HTTPStreams(c.streams)
	}), nil
}

func retryLater(status, secs int, msg string) *runtime.Refusal {
	return &runtime.Refusal{Status: status, Header: http.Header{"Retry-After": {strconv.Itoa(secs)}}, Message: msg}
}

type sessionError string

func (e sessionError) Error() string { return string(e) }

const errNotIssued = sessionError("the session id was not issued to this caller")

// withSessionKey is o with a random session key when sessions are issued
// and none was given, which it warns of.
func (o HTTPOptions) withSessionKey(log zerolog.Logger) HTTPOptions {
	if o.Stateless || len(o.SessionKey) > 0 {
		return o
	}
	log.Warn().Msg("no session key configured (--session-key-file): session ids are signed with a random key, so clients' sessions end when this process does and other replicas refuse them")
	o.SessionKey = RandomSessionKey()
	return o
}
