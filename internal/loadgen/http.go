package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/internal/idleconn"
)

// DefaultProtocol is the MCP revision the client asks for in initialize.
const DefaultProtocol = "2025-06-18"

const (
	callTimeout = time.Minute // a call, from its request to the end of its answer
	// streamEndGrace is how long an event stream may stay open after the
	// answer it carried before its connection is given up.
	streamEndGrace = 20 * time.Millisecond
	dialTimeout    = 5 * time.Second
)

// httpEndpoint is a Streamable HTTP server; each client of the load opens
// its own session on it (or none, if the server is stateless).
//
// The clients speak HTTP/1.1 themselves rather than through net/http: on
// a small machine the bench shares the cores with the server it measures,
// and net/http's two goroutines per connection and their hand-offs cost
// about as much CPU per call as a fast server does. Each client owns one
// connection and makes its calls on its own goroutine, one at a time.
type httpEndpoint struct {
	addr     string      // host:port to dial
	host     string      // the Host field
	target   string      // the request target: path and query
	tls      *tls.Config // nil: plain HTTP
	headers  [][2]string // every request's fields but Content-Length and the session's
	protocol string
}

// newHTTPEndpoint checks the URL and the --header fields, which replace
// the bench's own of the same name (Host too; Content-Length and
// Transfer-Encoding are the bench's alone). roots are the certificate
// authorities an https server is checked against; nil: the system's.
func newHTTPEndpoint(rawURL string, headers http.Header, protocol string, roots *x509.CertPool) (*httpEndpoint, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Host == "" || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q: want an http:// or https:// URL of a server", rawURL)
	}
	e := &httpEndpoint{host: u.Host, target: u.RequestURI(), protocol: protocol}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	e.addr = net.JoinHostPort(u.Hostname(), port)
	if u.Scheme == "https" {
		e.tls = &tls.Config{ServerName: u.Hostname(), RootCAs: roots}
	}
	defaults := [][2]string{{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}}
	for _, d := range defaults {
		if _, ok := headers[d[0]]; !ok {
			e.headers = append(e.headers, d)
		}
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range headers {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range headers[name] {
			if !isToken([]byte(name)) || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				return nil, fmt.Errorf("--header %q: not a valid header field", name+": "+v)
			}
			switch http.CanonicalHeaderKey(name) {
			case "Host":
				e.host = v
			case "Content-Length", "Transfer-Encoding":
				return nil, fmt.Errorf("--header %s: the bench sets it", name)
			default:
				e.headers = append(e.headers, [2]string{name, v})
			}
		}
	}
	return e, nil
}

// httpConn is one client: its connection, its session id (empty when
// stateless), and the buffers its calls reuse.
type httpConn struct {
	e        *httpEndpoint
	session  string
	protocol string // Mcp-Protocol-Version, once negotiated
	head     []byte // a POST's request line and fields, up to Content-Length
	req      []byte // the request being sent
	resp     answerHead
	body     bodyReader
	buf      bytes.Buffer  // the answer's body
	sse      *bufio.Reader // over body, for event streams
	sseData  []byte

	nc   net.Conn // nil: dial before the next request
	br   *bufio.Reader
	idle idleconn.Check

	// Cancellation: the context the calls come with closes the
	// connection when it ends, a call in flight included.
	mu      sync.Mutex // guards nc against the AfterFunc
	watched context.Context
	unwatch func() bool
}

func (e *httpEndpoint) open(ctx context.Context) (conn, error) {
	c := &httpConn{e: e}
	c.buildHead()
	body := []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":` +
		strconv.Quote(e.protocol) + `,"capabilities":{},"clientInfo":{"name":"mcpgen-bench","version":"1"}}}`)
	raw, err := c.post(ctx, body, 0)
	if err == nil {
		if f := checkInit(raw); f != nil {
			err = errors.New(f.detail)
		}
	}
	if err == nil {
		// Both go into every request's head: no line ends, no controls.
		c.session, c.protocol = string(c.resp.session), negotiated(raw, e.protocol)
		for _, v := range [][2]string{{"Mcp-Session-Id", c.session}, {"protocol version", c.protocol}} {
			if err == nil && strings.ContainsFunc(v[1], func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
				err = fmt.Errorf("the server's %s %q is not visible ASCII", v[0], truncate([]byte(v[1]), 100))
			}
		}
	}
	if err != nil {
		c.session = ""
		c.close()
		return nil, fmt.Errorf("initialize: %v", err)
	}
	c.buildHead()
	if _, err := c.post(ctx, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), -1); err != nil {
		c.close()
		return nil, fmt.Errorf("notifications/initialized: %v", err)
	}
	return c, nil
}

// buildHead writes the request line and fields every POST of the client
// carries, with the session's once there is one.
func (c *httpConn) buildHead() { c.head = c.appendHead(c.head[:0], "POST") }

func (c *httpConn) appendHead(b []byte, method string) []byte {
	b = append(append(append(append(b, method...), ' '), c.e.target...), " HTTP/1.1\r\nHost: "...)
	b = append(append(b, c.e.host...), "\r\n"...)
	for _, h := range c.e.headers {
		if (c.session != "" && strings.EqualFold(h[0], "Mcp-Session-Id")) || (c.protocol != "" && strings.EqualFold(h[0], "Mcp-Protocol-Version")) {
			continue
		}
		b = append(append(append(append(b, h[0]...), ": "...), h[1]...), "\r\n"...)
	}
	if c.session != "" {
		b = append(append(append(b, "Mcp-Session-Id: "...), c.session...), "\r\n"...)
	}
	if c.protocol != "" {
		b = append(append(append(b, "Mcp-Protocol-Version: "...), c.protocol...), "\r\n"...)
	}
	return b
}

func (c *httpConn) call(ctx context.Context, id int64, body []byte) ([]byte, error) {
	return c.post(ctx, body, id)
}

// post sends one message. For a request (id >= 0) it returns the answer
// to it, read from a JSON body or an event stream; a notification (id -1)
// wants 202 Accepted and no body.
func (c *httpConn) post(ctx context.Context, body []byte, id int64) ([]byte, error) {
	c.req = append(c.req[:0], c.head...)
	c.req = append(strconv.AppendInt(append(c.req, "Content-Length: "...), int64(len(body)), 10), "\r\n\r\n"...)
	c.req = append(c.req, body...)
	if err := c.send(ctx); err != nil {
		return nil, err
	}
	raw, err := c.readAnswer(id)
	return raw, c.finish(ctx, err)
}

// send writes c.req on the connection, dialling first if there is none
// or if the server has closed the one there is.
func (c *httpConn) send(ctx context.Context) error {
	c.watch(ctx)
	if c.nc != nil && (c.br.Buffered() > 0 || !c.idle.Usable()) {
		c.shut() // closed by the server while idle, or it said something unasked
	}
	if c.nc == nil {
		if err := c.dial(ctx); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return &failure{ClassTransport, err.Error()}
		}
	}
	err := c.nc.SetDeadline(time.Now().Add(callTimeout))
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // ended before the deadline was set: its AfterFunc's went unseen
	}
	if err == nil {
		_, err = c.nc.Write(c.req)
	}
	if err != nil {
		c.shut()
		return &failure{ClassTransport, c.explain(ctx, err)}
	}
	return nil
}

// finish keeps the connection for the next call if the answer was read
// whole and the server keeps it open, and closes it otherwise. A body
// read to the end of the connection leaves nothing to keep, whatever the
// header said.
func (c *httpConn) finish(ctx context.Context, err error) error {
	if !c.body.done || c.resp.close || c.body.mode == bodyToEOF {
		c.shut()
	}
	if _, ok := err.(*failure); err != nil && !ok {
		return &failure{ClassTransport, c.explain(ctx, err)}
	}
	return err
}

// explain says why the connection failed: the call's context ended, the
// call took too long, or the error as it is.
func (c *httpConn) explain(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return ctx.Err().Error()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("no answer within %v", callTimeout)
	}
	return err.Error()
}

// readAnswer reads the answer to id. A *failure leaves the connection
// usable if c.body.done; any other error is the connection's.
func (c *httpConn) readAnswer(id int64) ([]byte, error) {
	h := &c.resp
	c.body = bodyReader{}
	if err := readHead(c.br, h); err != nil {
		return nil, err
	}
	c.body.reset(c.br, h)
	c.buf.Reset()
	if h.status/100 != 2 {
		if _, err := c.buf.ReadFrom(&c.body); err != nil {
			return nil, err
		}
		text := bytes.TrimSpace(c.buf.Bytes()[:min(c.buf.Len(), 512)])
		return nil, &failure{classHTTP(h.status), string(h.statusText) + ": " + string(text)}
	}
	if id < 0 {
		_, err := c.buf.ReadFrom(&c.body)
		return nil, err
	}
	mt := h.contentType
	if i := bytes.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = bytes.TrimSpace(mt)
	switch {
	case bytes.EqualFold(mt, []byte("application/json")):
		if _, err := c.buf.ReadFrom(&c.body); err != nil {
			return nil, err
		}
		return c.buf.Bytes(), nil
	case bytes.EqualFold(mt, []byte("text/event-stream")):
		if c.sse == nil {
			c.sse = bufio.NewReaderSize(&c.body, 16<<10)
		}
		c.sse.Reset(&c.body)
		raw, err := readSSE(c.sse, id, c.sseData[:0])
		c.sseData = raw[:0]
		if c.body.err != nil {
			return nil, c.body.err
		}
		if err != nil {
			return nil, &failure{ClassAnswer, err.Error()}
		}
		// The server should end the stream after the answer: read on to
		// its end, so that the connection serves the next call. One that
		// keeps the stream open has streamEndGrace to end it; then the
		// connection is left (finish closes a body not read to its end),
		// as a client with a pool of connections would leave it and use
		// another, and the answer stands.
		if err := c.nc.SetReadDeadline(time.Now().Add(streamEndGrace)); err != nil {
			return nil, err
		}
		if _, err := c.buf.ReadFrom(&c.body); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, err
		}
		return raw, nil
	}
	if _, err := c.buf.ReadFrom(&c.body); err != nil {
		return nil, err
	}
	return nil, &failure{ClassAnswer, fmt.Sprintf("%s answered with Content-Type %q", h.statusText, h.contentType)}
}

// close ends the session, as a well-behaved client does, so that sessions
// do not pile up in the server between rounds, and closes the connection.
func (c *httpConn) close() {
	if c.session != "" {
		ctx := context.Background()
		c.req = append(c.appendHead(c.req[:0], "DELETE"), "Content-Length: 0\r\n\r\n"...)
		if c.send(ctx) == nil {
			_ = c.finish(ctx, c.drain())
		}
	}
	c.shut()
	if c.unwatch != nil {
		c.unwatch()
	}
}

// drain reads an answer whatever it says.
func (c *httpConn) drain() error {
	c.body = bodyReader{}
	if err := readHead(c.br, &c.resp); err != nil {
		return err
	}
	c.body.reset(c.br, &c.resp)
	c.buf.Reset()
	_, err := c.buf.ReadFrom(&c.body)
	return err
}

func (c *httpConn) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: dialTimeout}
	nc, err := d.DialContext(ctx, "tcp", c.e.addr)
	if err != nil {
		return err
	}
	if c.e.tls != nil {
		tc := tls.Client(nc, c.e.tls)
		hctx, cancel := context.WithTimeout(ctx, dialTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			nc.Close()
			return err
		}
		nc = tc
	}
	c.idle.Reset(nc)
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 16<<10)
	} else {
		c.br.Reset(nc)
	}
	c.mu.Lock()
	c.nc = nc
	c.mu.Unlock()
	return nil
}

// shut closes the connection, if any; the next call dials a new one.
func (c *httpConn) shut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
		c.idle.Reset(nil)
	}
}

// watch arranges for ctx to end a call in flight: set once per context,
// since a client's calls come with the same one.
func (c *httpConn) watch(ctx context.Context) {
	if ctx == c.watched {
		return
	}
	if c.unwatch != nil {
		c.unwatch()
	}
	c.watched = ctx
	c.unwatch = context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.nc != nil {
			_ = c.nc.SetDeadline(time.Unix(1, 0))
		}
	})
}
