package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
)

// ServeStdio serves one local client over in and out until in closes or
// ctx ends. Either way, reading stops first and shutdown begins
// (Server.BeginShutdown: a question to the user is withdrawn, since its
// answer can no longer be read), and the requests already read get up to
// grace to be answered; only then are the calls still running cancelled,
// and ServeStdio returns once they have. Nothing but protocol messages is
// written to out.
//
// Each line is parsed once (parseMessage) and, as over HTTP, a tools/call
// is answered by runtime.DirectCall when it takes it, everything else by
// mcp-go's HandleMessage, with the session in its context; requests run
// on goroutines of their own, tools/call at most stdioCalls at a time.
func ServeStdio(ctx context.Context, s *runtime.Server, in io.Reader, out io.Writer, grace time.Duration) error {
	c := newStdio(s, out)
	if err := s.MCP().RegisterSession(ctx, c.session); err != nil {
		return fmt.Errorf("register the stdio session: %w", err)
	}
	defer s.MCP().UnregisterSession(context.WithoutCancel(ctx), c.session.id)

	// Requests are not cancelled when ctx ends, only once the grace is over.
	reqCtx, cancelRequests := context.WithCancel(c.context(context.WithoutCancel(ctx)))
	defer cancelRequests()
	writerDone := make(chan struct{})
	stopWriter := make(chan struct{})
	go c.writeOut(stopWriter, writerDone)

	lines := make(chan []byte)
	stop := make(chan struct{})
	go readLines(in, lines, stop)
	for open := true; open; {
		select {
		case line, ok := <-lines:
			if !ok {
				open = false
				break
			}
			c.dispatch(ctx, reqCtx, line)
		case <-ctx.Done():
			open = false
		}
	}
	close(stop)
	// /readyz on the ops listener says so from now on.
	s.BeginShutdown()
	if !c.pending.wait(grace) {
		c.log.Warn().Dur("grace", grace).Msg("calls still running after the grace period; cancelling them")
	}
	cancelRequests()
	c.requests.Wait()
	close(stopWriter)
	<-writerDone
	return nil
}

// stdioCalls is how many tools/call run at once over stdio, and
// stdioQueue how many more wait before reading stops until one is done
// (as mcp-go's stdio server did with its 5 workers and queue of 100).
const (
	stdioCalls = 5
	stdioQueue = 100
)

// stdio is one stdio connection: its session, its output and what is in
// flight.
type stdio struct {
	s        *runtime.Server
	mcp      *server.MCPServer
	log      zerolog.Logger
	session  *stdioSession
	answers  *runtime.Answers
	pending  *pending
	flights  flights
	calls    chan struct{} // a token per running tools/call
	queued   chan struct{} // a token per tools/call read and not done
	requests sync.WaitGroup

	// lines is what the requests write, to writeOut, the one goroutine
	// that writes out; closed, it has stopped.
	lines   chan outLine
	stopped chan struct{}
	out     io.Writer
}

// outLine is one encoded message for writeOut, and the request it
// answers ("": none).
type outLine struct {
	b  *buffer
	id string
}

func newStdio(s *runtime.Server, out io.Writer) *stdio {
	c := &stdio{s: s, mcp: s.MCP(), log: s.Log(), answers: s.NewAnswers("stdio", ""), pending: newPending(),
		calls: make(chan struct{}, stdioCalls), queued: make(chan struct{}, stdioCalls+stdioQueue),
		lines: make(chan outLine), stopped: make(chan struct{}), out: out}
	c.session = &stdioSession{clientSession: newClientSession("stdio"), conn: c}
	return c
}

// context is what every request of the connection runs under; the
// principal comes from the generation each request enters
// (Generation.caller).
func (c *stdio) context(ctx context.Context) context.Context {
	return runtime.WithAnswers(runtime.WithTransport(c.mcp.WithContext(ctx, c.session), "stdio"), c.answers)
}

// readLines sends in's lines until it ends or stop is closed.
func readLines(in io.Reader, lines chan<- []byte, stop <-chan struct{}) {
	defer close(lines)
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			select {
			case lines <- line:
			case <-stop:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// dispatch serves one line: an answer to a request of the server's goes
// to the call waiting for it, a notification is handled at once (a
// cancellation must not wait behind the calls), a request on a goroutine
// of its own.
//
// reading ends with serving; ctx is the requests'.
func (c *stdio) dispatch(reading, ctx context.Context, line []byte) {
	m, ok := parseMessage(line)
	if !ok {
		c.answers.NotJSON(ctx)
		c.write(createError(nil, mcp.PARSE_ERROR, "Parse error"), "")
		return
	}
	if m.Method == "" && len(m.ID) > 0 && (len(m.Result) > 0 || len(m.Error) > 0) {
		c.session.deliver(&m)
		return
	}
	if !m.isRequest() {
		if m.Method == string(mcp.MethodNotificationCancelled) {
			// The connection cancels its own requests; mcp-go is not told.
			if k, ok := idKey(m.Params.RequestID); ok {
				c.flights.cancel(k)
			}
			return
		}
		if resp := c.handle(ctx, line, nil); resp != nil {
			c.write(resp, "")
		}
		return
	}
	call := m.Method == string(mcp.MethodToolsCall)
	if call {
		select {
		case c.queued <- struct{}{}:
		case <-reading.Done():
			return // shutdown began while the queue was full: not read
		}
	}
	id := string(m.ID)
	reqCtx, cancel := context.WithCancel(ctx)
	k, tracked := idKey(m.ID)
	if tracked {
		c.flights.begin(k, cancel)
	}
	if m.Method == string(mcp.MethodSubscriptionsListen) {
		// A listen stream is answered only when it ends, which shutdown
		// brings about: waiting for it would always wait the whole grace.
		c.pending.skip(id)
	} else {
		c.pending.add()
	}
	c.requests.Add(1)
	go func() {
		defer c.requests.Done()
		defer cancel()
		var resp mcp.JSONRPCMessage
		run := true
		if call {
			defer func() { <-c.queued }()
			select {
			case c.calls <- struct{}{}:
				defer func() { <-c.calls }()
			case <-reqCtx.Done():
			}
			// A call its client cancelled while it waited for its turn
			// never runs (nor takes a turn it was not given). One that
			// shutdown cancelled runs and ends cancelled, answered.
			run = !(tracked && c.flights.cancelled(k))
		}
		if run {
			resp = c.handle(reqCtx, line, &m)
		}
		if tracked && c.flights.end(k) {
			// The client cancelled it: the specification asks for no
			// answer, and a client that gave up may have stopped reading.
			resp = nil
		}
		c.write(resp, id)
	}()
}

// flights is the requests of a stdio connection being served, by idKey:
// how to cancel each, and whether the client did. The connection cancels
// its requests itself, as the HTTP gate does (cancel.go): a tools/call
// answered by runtime.DirectCall is not known to mcp-go.
type flights struct {
	mu sync.Mutex
	m  map[string]*stdioFlight
}

// stdioFlight is one request being served over stdio.
type stdioFlight struct {
	cancel    context.CancelFunc
	cancelled bool
}

func (f *flights) begin(k string, cancel context.CancelFunc) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[string]*stdioFlight{}
	}
	f.m[k] = &stdioFlight{cancel: cancel}
	f.mu.Unlock()
}

// cancelled reports whether the client cancelled request k.
func (f *flights) cancelled(k string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.m[k]
	return fl != nil && fl.cancelled
}

// cancel cancels request k, if it is being served.
func (f *flights) cancel(k string) {
	f.mu.Lock()
	fl := f.m[k]
	if fl != nil {
		fl.cancelled = true
	}
	f.mu.Unlock()
	if fl != nil {
		fl.cancel()
	}
}

// end forgets request k, answered, and reports whether it was cancelled.
func (f *flights) end(k string) (cancelled bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.m[k]
	delete(f.m, k)
	return fl != nil && fl.cancelled
}

// handle answers one message: a tools/call through runtime.DirectCall
// when it takes it, anything else (and m nil: a notification) through
// HandleMessage. A handler that panics answers with an internal error
// instead of ending the process.
func (c *stdio) handle(ctx context.Context, line []byte, m *message) (resp mcp.JSONRPCMessage) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error().Interface("panic", r).Msg("panic recovered in a stdio request")
			if m != nil {
				resp = createError(m.rawID(), mcp.INTERNAL_ERROR, fmt.Sprintf("internal panic: %v", r))
			}
		}
	}()
	if m != nil && m.Method == string(mcp.MethodToolsCall) {
		if resp, ok := c.s.DirectMessage(ctx, &m.Message, line); ok {
			return resp
		}
	}
	return c.mcp.HandleMessage(ctx, line)
}

// write writes msg as one line: the answer to request id (its raw JSON),
// or a message that answers nothing (""). It returns once writeOut has
// taken the line.
func (c *stdio) write(msg any, id string) {
	if msg == nil {
		if id != "" {
			c.pending.done(id)
		}
		return
	}
	b := getBuffer()
	if err := b.encode(msg); err != nil {
		putBuffer(b)
		c.log.Error().Err(err).Msg("encoding a stdio message")
		if id != "" {
			c.pending.done(id)
		}
		return
	}
	select {
	case c.lines <- outLine{b, id}:
	case <-c.stopped: // only after every request was answered: not reached
		putBuffer(b)
	}
}

// writeOut writes every line of the connection, until stop: the
// notifications sent to the session as they come, and the lines of
// write. Before a line of write it writes the notifications already
// queued: whatever a call sent before its answer (progress, log
// messages) is written before it, as clients expect (a client drops
// progress for a request already answered).
func (c *stdio) writeOut(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	defer close(c.stopped)
	b := getBuffer()
	defer putBuffer(b)
	note := func(n mcp.JSONRPCNotification) {
		b.buf.Reset()
		if err := b.enc.Encode(n); err != nil {
			c.log.Error().Err(err).Msg("encoding a stdio notification")
			return
		}
		c.put(b.buf.Bytes())
	}
	for {
		select {
		case n := <-c.session.notes:
			note(n)
		case l := <-c.lines:
			for queued := true; queued; {
				select {
				case n := <-c.session.notes:
					note(n)
				default:
					queued = false
				}
			}
			out := l.b.buf.Bytes()
			if l.id != "" {
				out = c.answers.Filter(out)
			}
			c.put(out)
			putBuffer(l.b)
			if l.id != "" {
				c.pending.done(l.id)
			}
		case <-stop:
			return
		}
	}
}

// put writes one encoded line out.
func (c *stdio) put(line []byte) {
	if _, err := c.out.Write(line); err != nil {
		c.log.Warn().Msgf("Error writing response: %v", err)
	}
}

// stdioSession is the one session of a stdio connection: initialized by
// initialize (mcp-go broadcasts only to initialized sessions), and asking
// its client on the connection's output.
type stdioSession struct {
	*clientSession
	conn        *stdio
	initialized atomic.Bool
}

func (s *stdioSession) Initialize()       { s.initialized.Store(true) }
func (s *stdioSession) Initialized() bool { return s.initialized.Load() }

// RequestElicitation asks the client and waits for its answer.
func (s *stdioSession) RequestElicitation(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	id := stdioIDs.Add(1)
	answer, forget := s.await(id)
	defer forget()
	s.conn.write(mcp.JSONRPCRequest{
		JSONRPC: mcp.JSONRPC_VERSION,
		ID:      mcp.NewRequestId(id),
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
		Params:  req.Params,
	}, "")
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

// deliver hands the client's answer m to the call waiting for it; an
// answer nothing waits for is dropped and audited.
func (s *stdioSession) deliver(m *message) {
	id, err := strconv.ParseInt(string(bytes.TrimSpace(m.ID)), 10, 64)
	if err != nil {
		return
	}
	var a clientAnswer
	if e := bytes.TrimSpace(m.Error); len(e) > 0 && string(e) != "null" {
		var je struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(e, &je); err != nil {
			a.err = fmt.Errorf("failed to parse error: %v", err)
		} else {
			a.err = fmt.Errorf("%s error %d: %s", mcp.MethodElicitationCreate, je.Code, je.Message)
		}
	} else {
		a.result = m.Result
	}
	if !s.answer(id, a) {
		// An answer to a question withdrawn at shutdown or timed out:
		// the operator sees the user's answer was lost.
		s.conn.s.AuditStdio("stale_answer", fmt.Sprintf(
			"an answer to request %d of the server's, which no call waits for (withdrawn or timed out)", id))
	}
}

// stdioIDs number the server's requests to stdio clients.
var stdioIDs atomic.Int64

var (
	_ server.SessionWithLogging     = (*stdioSession)(nil)
	_ server.SessionWithClientInfo  = (*stdioSession)(nil)
	_ server.SessionWithElicitation = (*stdioSession)(nil)
)

// pending counts requests read and not yet answered.
type pending struct {
	mu      sync.Mutex
	n       int
	skipped map[string]bool // ids of requests not waited for
	changed chan struct{}
}

func newPending() *pending {
	return &pending{skipped: map[string]bool{}, changed: make(chan struct{}, 1)}
}

func (p *pending) add() {
	p.mu.Lock()
	p.n++
	p.mu.Unlock()
}

// skip marks a request whose answer shutdown does not wait for.
func (p *pending) skip(id string) {
	p.mu.Lock()
	p.skipped[id] = true
	p.mu.Unlock()
}

func (p *pending) done(id string) {
	p.mu.Lock()
	if p.skipped[id] {
		delete(p.skipped, id)
		p.mu.Unlock()
		return
	}
	p.n--
	p.mu.Unlock()
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// wait reports whether every request was answered within d.
func (p *pending) wait(d time.Duration) bool {
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		p.mu.Lock()
		n := p.n
		p.mu.Unlock()
		if n <= 0 {
			return true
		}
		select {
		case <-p.changed:
		case <-timeout.C:
			return false
		}
	}
}
