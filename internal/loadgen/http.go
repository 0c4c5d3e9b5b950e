package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultProtocol is the MCP revision the client asks for in initialize.
const DefaultProtocol = "2025-06-18"

// httpEndpoint is a Streamable HTTP server; each client of the load opens
// its own session on it (or none, if the server is stateless).
type httpEndpoint struct {
	url      string
	hc       *http.Client
	headers  http.Header // --header
	protocol string
}

func newHTTPEndpoint(url string, headers http.Header, protocol string, conns int) *httpEndpoint {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &httpEndpoint{url: url, hc: &http.Client{Transport: tr, Timeout: time.Minute}, headers: headers, protocol: protocol}
}

func (e *httpEndpoint) closeIdle() { e.hc.CloseIdleConnections() }

// httpConn is one client: its session id (empty when stateless) and the
// headers every request carries.
type httpConn struct {
	e      *httpEndpoint
	header http.Header
	buf    bytes.Buffer
}

func (e *httpEndpoint) open(ctx context.Context) (conn, error) {
	c := &httpConn{e: e, header: http.Header{
		"Content-Type": {"application/json"},
		"Accept":       {"application/json, text/event-stream"},
	}}
	for k, v := range e.headers {
		c.header[k] = v
	}
	body := []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":` +
		strconv.Quote(e.protocol) + `,"capabilities":{},"clientInfo":{"name":"mcpgen-bench","version":"1"}}}`)
	resp, raw, err := c.post(ctx, body, 0)
	if err != nil {
		return nil, fmt.Errorf("initialize: %v", err)
	}
	if f := checkInit(raw); f != nil {
		return nil, fmt.Errorf("initialize: %s", f.detail)
	}
	if sid := resp.Header.Get("Mcp-Session-Id"); sid != "" {
		c.header.Set("Mcp-Session-Id", sid)
	}
	c.header.Set("Mcp-Protocol-Version", negotiated(raw, e.protocol))
	if _, _, err := c.post(ctx, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), -1); err != nil {
		return nil, fmt.Errorf("notifications/initialized: %v", err)
	}
	return c, nil
}

// post sends one message. For a request (id >= 0) it returns the answer
// to it, read from a JSON body or an event stream; a notification (id -1)
// wants 202 Accepted and no body.
func (c *httpConn) post(ctx context.Context, body []byte, id int64) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.e.url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = c.header
	resp, err := c.e.hc.Do(req)
	if err != nil {
		return nil, nil, &failure{ClassTransport, err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return resp, nil, &failure{classHTTP(resp.StatusCode), resp.Status + ": " + strings.TrimSpace(string(b))}
	}
	if id < 0 {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp, nil, nil
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		c.buf.Reset()
		if _, err := c.buf.ReadFrom(resp.Body); err != nil {
			return resp, nil, &failure{ClassTransport, err.Error()}
		}
		return resp, c.buf.Bytes(), nil
	case "text/event-stream":
		raw, err := readSSE(resp.Body, id)
		if err != nil {
			return resp, nil, &failure{ClassAnswer, err.Error()}
		}
		return resp, raw, nil
	}
	return resp, nil, &failure{ClassAnswer, fmt.Sprintf("%s answered with Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))}
}

func (c *httpConn) call(ctx context.Context, id int64, body []byte) ([]byte, error) {
	_, raw, err := c.post(ctx, body, id)
	return raw, err
}

// close ends the session, as a well-behaved client does, so that sessions
// do not pile up in the server between rounds.
func (c *httpConn) close() {
	if c.header.Get("Mcp-Session-Id") == "" {
		return
	}
	req, err := http.NewRequest(http.MethodDelete, c.e.url, nil)
	if err != nil {
		return
	}
	req.Header = c.header
	if resp, err := c.e.hc.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
