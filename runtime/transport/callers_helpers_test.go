package transport_test

// Helpers of the tests of what callers may do and hold (callers_test.go):
// a server with two API-key callers, alice and bob, and the slow tool
// "wait" (helpers_test.go's upstream), served on a loopback port; raw
// HTTP requests, since which session id, which request id and which
// protocol revision a request carries is the point.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/auth"
	"github.com/mcpgen/mcpgen/runtime/metrics"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// A caller is an API key the configuration accepts for a subject.
type caller struct{ subject, key string }

var (
	alice = caller{"alice", "mcpk_transport_test_alice"}
	bob   = caller{"bob", "mcpk_transport_test_bob"}
)

// callersConfig declares alice and bob, and the slow tool "wait" on u.
func callersConfig(u *upstream) string {
	return serverBlock + u.source() + fmt.Sprintf(`
auth {
  api_key "alice" {
    hash    = %q
    subject = "alice"
  }
  api_key "bob" {
    hash    = %q
    subject = "bob"
  }
}
`, auth.HashKey(alice.key), auth.HashKey(bob.key))
}

// sessionKey is the session key of callersOptions.
var sessionKey = bytes.Repeat([]byte("k"), transport.MinSessionKeyBytes)

// callersOptions are the default options with a session key.
func callersOptions(change func(*transport.HTTPOptions)) transport.HTTPOptions {
	return options(func(o *transport.HTTPOptions) {
		o.SessionKey = sessionKey
		if change != nil {
			change(o)
		}
	})
}

// callersEndpoint is a server with alice and bob, served, and a client
// that keeps its connections alive, as a flood would.
type callersEndpoint struct {
	*endpoint
	logs   *logBuffer // log and audit trail (nil when quiet)
	client *http.Client
}

// serveCallers serves callersConfig with o.
func serveCallers(t *testing.T, u *upstream, o transport.HTTPOptions) *callersEndpoint {
	t.Helper()
	srv, logs := newServer(t, callersConfig(u))
	return newCallersEndpoint(t, srv, o, logs)
}

// serveCallersQuietly serves as serveCallers does, counting audit lines
// without keeping them and logging nothing: for floods, where the test
// measures the server's memory.
func serveCallersQuietly(t *testing.T, u *upstream, o transport.HTTPOptions) (*callersEndpoint, *lineCounter) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.hcl")
	if err := os.WriteFile(path, []byte(callersConfig(u)), 0o600); err != nil {
		t.Fatal(err)
	}
	gen, diags := runtime.Build(context.Background(), []string{path}, runtime.BuildOptions{Mode: runtime.BuildServe, Log: zerolog.Nop()})
	if diags.HasErrors() {
		t.Fatalf("build: %s", diags.Error())
	}
	lines := &lineCounter{}
	srv := runtime.NewServer(gen, runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(lines), Metrics: metrics.New()})
	t.Cleanup(srv.Close)
	return newCallersEndpoint(t, srv, o, nil), lines
}

func newCallersEndpoint(t *testing.T, srv *runtime.Server, o transport.HTTPOptions, logs *logBuffer) *callersEndpoint {
	// At most 96 connections, 64 of them kept idle: a flood's descriptors
	// are then the server's doing, not the client's.
	e := &callersEndpoint{endpoint: serveHTTP(t, srv, o), logs: logs,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 96}}}
	// Registered after serveHTTP's cleanup, so it runs first: a shutdown
	// would wait five seconds for connections dialed and never used.
	t.Cleanup(e.client.CloseIdleConnections)
	return e
}

// lineCounter counts the lines written to it.
type lineCounter struct{ n atomic.Int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n.Add(int64(bytes.Count(p, []byte("\n"))))
	return len(p), nil
}

// request is one raw HTTP request to the MCP endpoint.
type request struct {
	method   string // POST unless set
	who      caller
	session  string
	protocol string // Mcp-Protocol-Version
	header   map[string]string
	body     string
}

func (e *callersEndpoint) send(ctx context.Context, r request) (*http.Response, error) {
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.who.key)
	req.Header.Set("Accept", "application/json, text/event-stream")
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.session != "" {
		req.Header.Set(mcp.HeaderSessionID, r.session)
	}
	if r.protocol != "" {
		req.Header.Set(mcp.HeaderProtocolVersion, r.protocol)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	return e.client.Do(req)
}

// try sends r and reads its whole answer, for at most waitLimit; for use
// off the test's goroutine.
func (e *callersEndpoint) try(r request) (answer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	resp, err := e.send(ctx, r)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}, err
}

// ask sends r and reads its whole answer.
func (e *callersEndpoint) ask(t *testing.T, r request) answer {
	t.Helper()
	a, err := e.try(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.body, err)
	}
	return a
}

func initializeAs(who caller) request {
	return request{who: who, body: `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"transport-test","version":"1"}}}`}
}

// open opens a session (2025-11-25) for who and returns its id.
func (e *callersEndpoint) open(t *testing.T, who caller) string {
	t.Helper()
	init := e.ask(t, initializeAs(who))
	id := init.header.Get(mcp.HeaderSessionID)
	if init.status != http.StatusOK || id == "" {
		t.Fatalf("initialize as %s: %d %s, session %q", who.subject, init.status, init.body, id)
	}
	if a := e.ask(t, request{who: who, session: id, protocol: mcp.ProtocolVersion20251125,
		body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`}); a.status != http.StatusAccepted {
		t.Fatalf("initialized as %s: %d %s", who.subject, a.status, a.body)
	}
	return id
}

func list(who caller, session string) request {
	return request{who: who, session: session, protocol: mcp.ProtocolVersion20251125, body: `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`}
}

func end(who caller, session string) request {
	return request{method: http.MethodDelete, who: who, session: session, protocol: mcp.ProtocolVersion20251125}
}

func getStream(who caller, session string) request {
	return request{method: http.MethodGet, who: who, session: session, protocol: mcp.ProtocolVersion20251125}
}

// stream opens a GET stream and keeps it open until the test ends.
func (e *callersEndpoint) stream(t *testing.T, who caller, session string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := e.send(ctx, getStream(who, session))
	if err != nil {
		cancel()
		t.Fatalf("GET stream: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET stream as %s: %d", who.subject, resp.StatusCode)
	}
}

// modernMeta is the _meta a 2026-07-28 message carries in place of
// initialize.
const modernMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"transport-test","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`

// callWait is a tools/call of "wait" with JSON-RPC id id by who on
// session: in 2025-11-25, or (modern) in 2026-07-28.
func callWait(who caller, session string, id int, modern bool) request {
	if modern {
		return request{who: who, protocol: mcp.ProtocolVersion20260728,
			header: map[string]string{mcp.HeaderMethod: "tools/call", "Mcp-Name": "wait"},
			body:   fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"wait","arguments":{},%s}}`, id, modernMeta)}
	}
	return request{who: who, session: session, protocol: mcp.ProtocolVersion20251125,
		body: fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"wait","arguments":{}}}`, id)}
}

// cancelWait is a notifications/cancelled of request id by who on session.
func cancelWait(who caller, session string, id int, modern bool) request {
	if modern {
		return request{who: who, protocol: mcp.ProtocolVersion20260728,
			header: map[string]string{mcp.HeaderMethod: "notifications/cancelled"},
			body:   fmt.Sprintf(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%d,"reason":"test",%s}}`, id, modernMeta)}
	}
	return request{who: who, session: session, protocol: mcp.ProtocolVersion20251125,
		body: fmt.Sprintf(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%d,"reason":"test"}}`, id)}
}

// called is a tools/call's first text content, or what went wrong.
type called struct {
	text string
	err  error
}

// callAsync sends r and delivers its answer.
func (e *callersEndpoint) callAsync(r request) <-chan called {
	out := make(chan called, 1)
	go func() {
		a, err := e.try(r)
		if err != nil {
			out <- called{err: err}
			return
		}
		text, err := toolText(a)
		out <- called{text, err}
	}()
	return out
}

func awaitCalled(t *testing.T, c <-chan called) called {
	t.Helper()
	select {
	case a := <-c:
		return a
	case <-t.Context().Done():
		t.Fatal("no answer")
		return called{}
	}
}

// toolText reads a tools/call answer, JSON or an event stream ending with
// it, and returns its first text content.
func toolText(a answer) (string, error) {
	data := a.body
	if a.status != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", a.status, data)
	}
	if strings.HasPrefix(a.header.Get("Content-Type"), "text/event-stream") {
		sc := bufio.NewScanner(strings.NewReader(data))
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				data = d
			}
		}
	}
	var rpc struct {
		Result struct{ Content []struct{ Text string } }
		Error  *struct{ Message string }
	}
	if err := json.Unmarshal([]byte(data), &rpc); err != nil {
		return "", fmt.Errorf("answer %q: %v", data, err)
	}
	if rpc.Error != nil {
		return "", errors.New(rpc.Error.Message)
	}
	if len(rpc.Result.Content) == 0 {
		return "", fmt.Errorf("answer without content: %s", data)
	}
	return rpc.Result.Content[0].Text, nil
}

// auditedIn returns the audit records in text matching every field of
// want.
func auditedIn(t *testing.T, text string, want map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
next:
	for line := range strings.SplitSeq(text, "\n") {
		if !strings.Contains(line, `"log":"audit"`) {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		for k, v := range want {
			if r[k] != v {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

// audited returns the audit records matching every field of want.
func (e *callersEndpoint) audited(t *testing.T, want map[string]any) []map[string]any {
	t.Helper()
	return auditedIn(t, e.logs.String(), want)
}

// metric returns the value of one series on /metrics ("" when absent).
func (e *callersEndpoint) metric(t *testing.T, series string) string {
	t.Helper()
	for line := range strings.SplitSeq(get(t, e.base+"/metrics").body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}
