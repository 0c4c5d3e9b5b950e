package loadgen

// The bench's own HTTP/1.1 client against real servers on 127.0.0.1:
// net/http ones framing their answers every way HTTP/1.1 allows, mcp-go's,
// an https one, and raw TCP ones answering what no server should.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/internal/idleconn"
)

// miniServer is a small MCP server on net/http: sessions, the echo tool,
// and a way of writing its JSON answers. It refuses calls outside a
// session it opened, or without the X-Bench field the tests send.
type miniServer struct {
	write    func(w http.ResponseWriter, body []byte)
	status   int           // for tools/call, if not 0: answer with it
	hold     chan struct{} // if not nil: a tools/call's answer ends when it closes
	mu       sync.Mutex
	sessions map[string]bool // opened; false once deleted
	conns    atomic.Int64    // accepted connections
}

func (m *miniServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sid := r.Header.Get("Mcp-Session-Id")
	m.mu.Lock()
	open := m.sessions[sid]
	m.mu.Unlock()
	if r.Method == http.MethodDelete {
		m.mu.Lock()
		m.sessions[sid] = false
		m.mu.Unlock()
		return
	}
	var msg struct {
		ID     json.RawMessage
		Method string
		Params struct{ Arguments struct{ Say string } }
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil || r.Header.Get("X-Bench") != "yes" {
		http.Error(w, fmt.Sprintf("bad request (%v)", err), http.StatusBadRequest)
		return
	}
	switch {
	case msg.Method == "initialize":
		m.mu.Lock()
		sid = "s" + strconv.Itoa(len(m.sessions))
		m.sessions[sid] = true
		m.mu.Unlock()
		w.Header().Set("Mcp-Session-Id", sid)
		m.write(w, []byte(`{"jsonrpc":"2.0","id":`+string(msg.ID)+`,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"mini","version":"1"}}}`))
	case !open || r.Header.Get("Mcp-Protocol-Version") != "2025-06-18":
		http.Error(w, "no such session", http.StatusNotFound)
	case msg.Method == "notifications/initialized":
		w.WriteHeader(http.StatusAccepted)
	case m.status != 0:
		http.Error(w, "overloaded", m.status)
	default:
		m.write(w, []byte(`{"jsonrpc":"2.0","id":`+string(msg.ID)+`,"result":{"content":[{"type":"text","text":"said `+msg.Params.Arguments.Say+`"}]}}`))
		if m.hold != nil {
			w.(http.Flusher).Flush()
			select {
			case <-m.hold:
			case <-r.Context().Done():
			}
		}
	}
}

// start serves m on 127.0.0.1, over TLS if asked, and returns its URL and,
// for TLS, the pool that trusts it.
func (m *miniServer) start(t *testing.T, useTLS bool) (string, *x509.CertPool) {
	t.Helper()
	m.sessions = map[string]bool{}
	s := httptest.NewUnstartedServer(m)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			m.conns.Add(1)
		}
	}
	t.Cleanup(s.Close)
	if !useTLS {
		s.Start()
		return s.URL + "/mcp", nil
	}
	s.StartTLS()
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	return s.URL + "/mcp", pool
}

// closedSessions is how many sessions were opened and then deleted.
func (m *miniServer) closedSessions() (opened, deleted int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, open := range m.sessions {
		opened++
		if !open {
			deleted++
		}
	}
	return opened, deleted
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// writeChunked sends half the body, flushes, then the rest: chunked, and
// without a Content-Length.
func writeChunked(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	_, _ = w.Write(body[len(body)/2:])
}

func writeClose(w http.ResponseWriter, body []byte) {
	w.Header().Set("Connection", "close")
	writeJSON(w, body)
}

// writeSSE sends the answer as the one event of a stream.
func writeSSE(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprintf(w, "event: message\ndata: %s\n\n", body)
}

// writeToEOF frames the body by closing the connection after it, as an
// HTTP/1.0 server does.
func writeToEOF(w http.ResponseWriter, body []byte) {
	nc, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(rw, "HTTP/1.0 200 OK\r\n")
	_ = w.Header().Write(rw)
	fmt.Fprintf(rw, "\r\n%s", body)
	_ = rw.Flush()
}

// TestHTTPAnswers runs loads against servers that frame their answers
// each way HTTP/1.1 allows: every call answered and checked, sessions
// kept and deleted, and connections reused unless the server closes them.
func TestHTTPAnswers(t *testing.T) {
	const clients, calls = 3, 60
	for _, tt := range []struct {
		name  string
		write func(http.ResponseWriter, []byte)
		tls   bool
		conns int64
		hold  bool // the stream of a call's answer stays open after it
	}{
		{"content-length", writeJSON, false, clients, false},
		{"chunked", writeChunked, false, clients, false},
		// Per client: initialize, notifications/initialized with the first
		// call (202 Accepted keeps the connection), each other call, DELETE.
		{"connection close", writeClose, false, 2*clients + calls, false},
		{"until EOF", writeToEOF, false, 2*clients + calls, false},
		{"https", writeJSON, true, clients, false},
		{"https chunked", writeChunked, true, clients, false},
		{"event stream", writeSSE, false, clients, false},
		// Each call's stream is left open after its answer, so each call
		// but the first of a client, and its DELETE, take a new connection.
		{"event stream held open", writeSSE, false, calls + clients, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := &miniServer{write: tt.write}
			if tt.hold {
				m.hold = make(chan struct{})
				t.Cleanup(func() { close(m.hold) }) // before the server's own Close
			}
			url, roots := m.start(t, tt.tls)
			target := []Target{{Name: tt.name, URL: url, Headers: http.Header{"X-Bench": {"yes"}}, roots: roots}}
			o := Options{Tool: "echo", Args: `{"say": "hi {{int 7 7}}"}`, Concurrency: clients, Calls: calls, Expect: "said hi 7"}
			res, err := Run(t.Context(), o, target)
			if err != nil {
				t.Fatal(err)
			}
			if r := res.Reports[0]; r.Calls != calls || r.Errors != 0 {
				t.Fatalf("%d calls, errors %v %v", r.Calls, r.ErrorClasses, r.ErrorSamples)
			}
			if opened, deleted := m.closedSessions(); opened != clients || deleted != clients {
				t.Errorf("%d sessions opened, %d deleted; want %d and %d", opened, deleted, clients, clients)
			}
			if n := m.conns.Load(); n != tt.conns {
				t.Errorf("%d connections, want %d", n, tt.conns)
			}
		})
	}
}

// TestHTTPSChecksTheCertificate: without the test server's pool, the
// bench does not trust it.
func TestHTTPSChecksTheCertificate(t *testing.T) {
	m := &miniServer{write: writeJSON}
	url, _ := m.start(t, true)
	_, err := Run(t.Context(), Options{Tool: "echo", Concurrency: 1, Calls: 1}, []Target{{Name: "tls", URL: url}})
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("%v, want a certificate error", err)
	}
}

// TestHTTPStatusFailures counts non-2xx answers by their status, and
// keeps the connection, whose answer was read whole.
func TestHTTPStatusFailures(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		m := &miniServer{write: writeJSON, status: status}
		url, _ := m.start(t, false)
		target := []Target{{Name: "status", URL: url, Headers: http.Header{"X-Bench": {"yes"}}}}
		res, err := Run(t.Context(), Options{Tool: "echo", Concurrency: 2, Calls: 20}, target)
		if err != nil {
			t.Fatal(err)
		}
		class := "http " + strconv.Itoa(status)
		sample := fmt.Sprintf("%d %s: overloaded", status, http.StatusText(status))
		if r := res.Reports[0]; r.Calls != 20 || r.ErrorClasses[class] != 20 || r.ErrorSamples[class] != sample {
			t.Errorf("%d: %d calls, errors %v %q; want %q", status, r.Calls, r.ErrorClasses, r.ErrorSamples, sample)
		}
		if n := m.conns.Load(); n != 2 {
			t.Errorf("%d: %d connections, want 2", status, n)
		}
	}
}

// TestHTTPServerClosesIdleConnection: a connection the server closed
// between two calls is dialled again, and neither call fails.
func TestHTTPServerClosesIdleConnection(t *testing.T) {
	m := &miniServer{write: writeJSON, sessions: map[string]bool{}}
	idle, closed := make(chan net.Conn, 8), make(chan struct{}, 8)
	s := httptest.NewUnstartedServer(m)
	s.Config.ConnState = func(nc net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			m.conns.Add(1)
		case http.StateIdle:
			idle <- nc
		case http.StateClosed:
			closed <- struct{}{}
		}
	}
	s.Start()
	defer s.Close()
	e, err := newHTTPEndpoint(s.URL, http.Header{"X-Bench": {"yes"}}, DefaultProtocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	<-idle // after initialize
	<-idle // after notifications/initialized
	for i := range int64(3) {
		body := []byte(`{"jsonrpc":"2.0","id":` + strconv.FormatInt(i+1, 10) + `,"method":"tools/call","params":{"name":"echo","arguments":{"say":"x"}}}`)
		raw, err := c.call(t.Context(), i+1, body)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if f := check(raw, i+1, []byte("said x")); f != nil {
			t.Fatalf("call %d: %v", i+1, f)
		}
		(<-idle).Close() // the server's side
		<-closed
	}
	if n := m.conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3: one per call after the first", n)
	}
}

// rawServer answers each request on a connection with what answer
// returns for its method, and closes the connection after it if asked.
// It counts the connections it accepts.
type rawServer struct {
	answer func(method string) (raw string, closeAfter bool)
	conns  atomic.Int64
}

func (s *rawServer) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			wg.Go(func() { s.serve(nc) })
		}
	})
	return "http://" + ln.Addr().String() + "/mcp"
}

func (s *rawServer) serve(nc net.Conn) {
	defer nc.Close()
	br := bufio.NewReader(nc)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		var msg struct{ Method string }
		_ = json.NewDecoder(req.Body).Decode(&msg)
		_, _ = io.Copy(io.Discard, req.Body)
		if req.Method == http.MethodDelete {
			msg.Method = "DELETE"
		}
		raw, closeAfter := s.answer(msg.Method)
		if _, err := io.WriteString(nc, raw); err != nil || closeAfter {
			return
		}
	}
}

func httpAnswer(status, header, body string) string {
	return fmt.Sprintf("HTTP/1.1 %s\r\n%sContent-Length: %d\r\n\r\n%s", status, header, len(body), body)
}

// goodAnswers are the answers of a stateless server but to tools/call.
func goodAnswers(method string) (string, bool) {
	switch method {
	case "initialize":
		return httpAnswer("200 OK", "Content-Type: application/json\r\n", `{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18"}}`), false
	case "notifications/initialized":
		return "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", false
	}
	return "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n", false
}

// TestHTTPMalformedAnswers: answers to tools/call that break HTTP/1.1 or
// are no JSON-RPC answer fail each call with a class and a detail naming
// what was wrong, and the client dials a new connection for the next.
func TestHTTPMalformedAnswers(t *testing.T) {
	const json = "Content-Type: application/json\r\n"
	const answer = `{"jsonrpc":"2.0","id":1,"result":{}}`
	for _, tt := range []struct {
		name       string
		raw        string
		closeAfter bool
		class      string
		detail     string
	}{
		{"status line", "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n", false, ClassTransport, `malformed status line "HTTP/1.1 2OO OK"`},
		{"no status line", "\r\n\r\n", false, ClassTransport, `malformed status line ""`},
		{"header line", "HTTP/1.1 200 OK\r\nContent Type: x\r\n\r\n", false, ClassTransport, `malformed header line "Content Type: x"`},
		{"header line too long", "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("x", 20000) + "\r\n\r\n", false, ClassTransport, "a header line longer than 16384 bytes"},
		{"header too long", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Long: "+strings.Repeat("x", 8000)+"\r\n", 10) + "\r\n", false, ClassTransport, "a header longer than 65536 bytes"},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", false, ClassTransport, `bad Content-Length "4"`},
		{"gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, ClassTransport, `unsupported Transfer-Encoding "gzip"`},
		{"truncated body", "HTTP/1.1 200 OK\r\n" + json + "Content-Length: 100\r\n\r\n" + answer, true, ClassTransport,
			fmt.Sprintf("the connection closed %d bytes into a body of 100", len(answer))},
		{"truncated header", "HTTP/1.1 200 OK\r\n" + json, true, ClassTransport, "reading the header: unexpected EOF"},
		{"closed", "", true, ClassTransport, "the server closed the connection without answering"},
		{"chunk size", "HTTP/1.1 200 OK\r\n" + json + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + answer + "\r\n0\r\n\r\n", false, ClassTransport, `bad chunk size "zz"`},
		{"chunk end", "HTTP/1.1 200 OK\r\n" + json + "Transfer-Encoding: chunked\r\n\r\n4\r\n" + answer + "\r\n0\r\n\r\n", false, ClassTransport,
			"chunked body: no line end after a chunk's data"},
		{"chunk cut", "HTTP/1.1 200 OK\r\n" + json + "Transfer-Encoding: chunked\r\n\r\n40\r\n" + answer, true, ClassTransport, "the connection closed inside a chunk"},
		{"content type", httpAnswer("200 OK", "Content-Type: text/plain\r\n", answer), false, ClassAnswer, `200 OK answered with Content-Type "text/plain"`},
		{"json", httpAnswer("200 OK", json, `{"jsonrpc":"2.0","id":1,"result":`), false, ClassAnswer, "unexpected end of JSON input"},
		{"event stream", httpAnswer("200 OK", "Content-Type: text/event-stream\r\n", "data: "+answer[:20]+"\n\n"), false, ClassAnswer, "the event stream ended without an answer to id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &rawServer{answer: func(method string) (string, bool) {
				if method == "tools/call" {
					return tt.raw, tt.closeAfter
				}
				return goodAnswers(method)
			}}
			url := s.start(t)
			const calls = 10
			// One client: how many connections a load of several dials depends
			// on how many calls each of them got to make.
			res, err := Run(t.Context(), Options{Tool: "echo", Concurrency: 1, Calls: calls}, []Target{{Name: tt.name, URL: url}})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Reports[0]
			if r.Calls != calls || r.ErrorClasses[tt.class] != calls || !strings.Contains(r.ErrorSamples[tt.class], tt.detail) {
				t.Fatalf("%d calls, errors %v %q; want %s: %q", r.Calls, r.ErrorClasses, r.ErrorSamples, tt.class, tt.detail)
			}
			// A connection that carried a broken answer is not used again; one
			// whose answer was whole but wrong is. The first call goes on the
			// connection of initialize.
			want := int64(calls)
			if tt.class == ClassAnswer {
				want = 1
			}
			if n := s.conns.Load(); n != want {
				t.Errorf("%d connections, want %d", n, want)
			}
		})
	}
}

// TestHTTPCancelEndsCall: the end of the call's context ends a call whose
// server does not answer, without waiting for the call's timeout.
func TestHTTPCancelEndsCall(t *testing.T) {
	got := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	s := &rawServer{answer: func(method string) (string, bool) {
		if method == "tools/call" {
			got <- struct{}{}
			<-release
			return "", true
		}
		return goodAnswers(method)
	}}
	e, err := newHTTPEndpoint(s.start(t), nil, DefaultProtocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-got; cancel() }()
	_, err = c.call(ctx, 1, []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}`))
	var f *failure
	if !errors.As(err, &f) || f.class != ClassTransport || f.detail != context.Canceled.Error() {
		t.Fatalf("%v, want a transport failure: %v", err, context.Canceled)
	}
}

// TestHTTPHeaderFields refuses --header fields that would break the
// request, and sends the others in the place of the bench's own.
func TestHTTPHeaderFields(t *testing.T) {
	for _, h := range []http.Header{
		{"X-A": {"one\r\nX-B: two"}},
		{"X A": {"b"}},
		{"Content-Length": {"3"}},
	} {
		if _, err := newHTTPEndpoint("http://127.0.0.1:1/mcp", h, DefaultProtocol, nil); err == nil {
			t.Errorf("%v: no error", h)
		}
	}
	// --header replaces what the bench would send, the Host field included.
	e, err := newHTTPEndpoint("http://127.0.0.1:1/mcp?x=1", http.Header{"Host": {"mcp.example"}, "Accept": {"application/json"}}, DefaultProtocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &httpConn{e: e, session: "s1", protocol: DefaultProtocol}
	want := "POST /mcp?x=1 HTTP/1.1\r\nHost: mcp.example\r\nContent-Type: application/json\r\nAccept: application/json\r\n" +
		"Mcp-Session-Id: s1\r\nMcp-Protocol-Version: 2025-06-18\r\n"
	if head := string(c.appendHead(nil, "POST")); head != want {
		t.Errorf("%q, want %q", head, want)
	}
	for _, u := range []string{"ftp://x/y", "http:///mcp", "http://u:p@x/"} {
		if _, err := newHTTPEndpoint(u, nil, DefaultProtocol, nil); err == nil {
			t.Errorf("%s: no error", u)
		}
	}
}

// FuzzReadResponse reads any bytes as the answer to id 5: it never
// panics, ends (the input does), and allocates in proportion to it.
func FuzzReadResponse(f *testing.F) {
	const body = `{"jsonrpc":"2.0","id":5,"result":{}}`
	for _, seed := range []string{
		httpAnswer("200 OK", "Content-Type: application/json\r\n", body),
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"jso\r\n1f;x=y\r\nnrpc\":\"2.0\",\"id\":5,\"result\":{}}\r\n0\r\nTrailer: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n40\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n\r\n2a\r\ndata: " + body + "\n\n\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + body,
		"HTTP/1.1 100 Continue\r\n\r\n" + httpAnswer("503 Service Unavailable", "", "busy"),
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n{",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n{",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &httpConn{br: bufio.NewReaderSize(bytes.NewReader(data), 16<<10)}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		raw, err := c.readAnswer(5)
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10+8*uint64(len(data)) {
			t.Errorf("%d bytes allocated reading %d", grew, len(data))
		}
		if err == nil && !c.body.done {
			t.Errorf("an answer %q without its body read whole", raw)
		}
	})
}

// TestHTTPBadSessionID: a session id that cannot go into a request's head
// as it is ends initialize, and no request carries it.
func TestHTTPBadSessionID(t *testing.T) {
	var deletes atomic.Int64
	s := &rawServer{answer: func(method string) (string, bool) {
		switch method {
		case "initialize":
			return httpAnswer("200 OK", "Content-Type: application/json\r\nMcp-Session-Id: a\x01b\r\n", `{"jsonrpc":"2.0","id":0,"result":{}}`), false
		case "DELETE":
			deletes.Add(1)
		}
		return goodAnswers(method)
	}}
	_, err := Run(t.Context(), Options{Tool: "echo", Concurrency: 1, Calls: 1}, []Target{{Name: "raw", URL: s.start(t)}})
	if err == nil || !strings.Contains(err.Error(), `initialize: the server's Mcp-Session-Id "a\x01b" is not visible ASCII`) {
		t.Fatalf("%v, want the session id refused", err)
	}
	if n := deletes.Load(); n != 0 {
		t.Errorf("%d DELETEs with the session id", n)
	}
}

// TestHTTPAnswerToEOFEndsConnection: an HTTP/1.1 answer with neither a
// length nor chunks ends where the server closes the connection, so the
// next call dials a new one even where an idle connection cannot be
// peeked at (the zero idleconn.Check, as where sockets cannot be peeked at).
func TestHTTPAnswerToEOFEndsConnection(t *testing.T) {
	const answer = `{"jsonrpc":"2.0","id":1,"result":{}}`
	s := &rawServer{answer: func(method string) (string, bool) {
		if method == "tools/call" {
			return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + answer, true
		}
		return goodAnswers(method)
	}}
	url := s.start(t)
	e, err := newHTTPEndpoint(url, nil, DefaultProtocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	cn, err := e.open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c := cn.(*httpConn)
	defer c.close()
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{}}}`)
	for i := range 3 {
		c.idle = idleconn.Check{} // no peeking: only what the answer said counts
		raw, err := c.call(t.Context(), 1, body)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if f := check(raw, 1, nil); f != nil {
			t.Fatalf("call %d: %v", i+1, f)
		}
		if c.nc != nil {
			t.Errorf("call %d: the connection is kept after an answer the server ended by closing it", i+1)
		}
	}
	if n := s.conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3: the first with initialize, then one per call", n)
	}
}

// TestHTTPKeepsIdleConnection: a connection idle past the read deadline
// its last answer left (streamEndGrace after an event stream, callTimeout
// after any) is still the server's, and the next call uses it. The
// deadline is moved into the past here, as that much idleness would.
func TestHTTPKeepsIdleConnection(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write func(http.ResponseWriter, []byte)
	}{{"json", writeJSON}, {"event stream", writeSSE}} {
		t.Run(tt.name, func(t *testing.T) {
			m := &miniServer{write: tt.write}
			url, _ := m.start(t, false)
			e, err := newHTTPEndpoint(url, http.Header{"X-Bench": {"yes"}}, DefaultProtocol, nil)
			if err != nil {
				t.Fatal(err)
			}
			cn, err := e.open(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			c := cn.(*httpConn)
			defer c.close()
			for i := range int64(3) {
				_ = c.nc.SetReadDeadline(time.Unix(1, 0))
				body := []byte(`{"jsonrpc":"2.0","id":` + strconv.FormatInt(i+1, 10) + `,"method":"tools/call","params":{"name":"echo","arguments":{"say":"x"}}}`)
				raw, err := c.call(t.Context(), i+1, body)
				if err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
				if f := check(raw, i+1, []byte("said x")); f != nil {
					t.Fatalf("call %d: %v", i+1, f)
				}
			}
			if n := m.conns.Load(); n != 1 {
				t.Errorf("%d connections, want 1", n)
			}
		})
	}
}
