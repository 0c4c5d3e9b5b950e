package transport_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/transport"
)

// callResult is what a tools/call run on a goroutine of its own came to.
type callResult struct {
	res *mcp.CallToolResult
	err error
}

// startCall runs a call of the slow tool in the background and waits
// until it has reached the upstream.
func startCall(t *testing.T, c *client.Client, up *upstream) <-chan callResult {
	t.Helper()
	done := make(chan callResult, 1)
	go func() {
		res, err := c.CallTool(context.Background(), callRequest("wait", nil))
		done <- callResult{res, err}
	}()
	awaitSignal(t, up.arrived, "the call reaching the upstream")
	return done
}

func awaitCall(t *testing.T, done <-chan callResult) callResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(waitLimit):
		t.Fatalf("the call did not return within %s", waitLimit)
		return callResult{}
	}
}

// TestShutdownLetsCallsFinish: a call in flight when shutdown begins runs
// to its end and is answered; ServeStreamable returns once it has.
func TestShutdownLetsCallsFinish(t *testing.T) {
	for _, stateless := range []bool{false, true} {
		name := "stateful"
		if stateless {
			name = "stateless"
		}
		t.Run(name, func(t *testing.T) {
			up := newUpstream(t)
			srv, logs := newServer(t, serverBlock+sqlSource()+up.source())
			e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) {
				o.Stateless = stateless
				o.Grace = longGrace
			}))
			c, _ := connect(t, e.url, mcp.ProtocolVersion20251125, nil)
			call := startCall(t, c, up)

			e.stop()
			logs.await(t, "shutting down: letting calls in flight finish")
			select {
			case <-up.cancelled:
				t.Fatal("shutdown cancelled the call in flight")
			case r := <-call:
				t.Fatalf("the call ended when shutdown began: %+v", r)
			default:
			}
			up.release()
			r := awaitCall(t, call)
			if r.err != nil {
				t.Fatalf("the call in flight failed: %v", r.err)
			}
			if got, want := structured(t, r.res), `{"done":true}`; got != want {
				t.Errorf("wait = %s, want %s", got, want)
			}
			if err := e.returned(t); err != nil {
				t.Errorf("ServeStreamable: %v", err)
			}
			if strings.Contains(logs.String(), "grace period") {
				t.Errorf("a call that finished in time was reported past the grace period:\n%s", logs)
			}
		})
	}
}

// TestShutdownCancelsCallsPastGrace: a call still running when the grace
// period ends is cancelled (its upstream request too), and ServeStreamable
// returns once it has returned.
func TestShutdownCancelsCallsPastGrace(t *testing.T) {
	up := newUpstream(t)
	srv, logs := newServer(t, serverBlock+sqlSource()+up.source())
	e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.Grace = 50 * time.Millisecond }))
	c, _ := connect(t, e.url, mcp.ProtocolVersion20251125, nil)
	call := startCall(t, c, up)

	e.stop()
	awaitSignal(t, up.cancelled, "the upstream request being cancelled")
	if err := e.returned(t); err != nil {
		t.Errorf("ServeStreamable: %v", err)
	}
	if r := awaitCall(t, call); r.err == nil && !r.res.IsError {
		t.Errorf("a call cancelled at shutdown succeeded: %+v", r.res)
	}
	logs.await(t, "calls still running after the grace period; cancelling them")
	if strings.Contains(logs.String(), "calls did not return after being cancelled") {
		t.Errorf("the cancelled call was not waited for:\n%s", logs)
	}
}

// TestShutdownEndsStreams: a stream that is open when shutdown begins (a
// 2026-07-28 subscriptions/listen, a 2025-11-25 GET stream) is ended at
// once rather than holding shutdown for the grace period.
func TestShutdownEndsStreams(t *testing.T) {
	cases := []struct {
		name string
		// open returns the body of an established stream.
		open func(t *testing.T, e *endpoint) io.ReadCloser
	}{
		{"subscriptions/listen", openListen},
		{"GET stream", openGETStream},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, logs := newServer(t, serverBlock+sqlSource())
			e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.Grace = longGrace }))
			body := tc.open(t, e)
			ended := make(chan struct{})
			go func() {
				defer close(ended)
				_, _ = io.Copy(io.Discard, body)
			}()

			e.stop()
			if err := e.returned(t); err != nil {
				t.Errorf("ServeStreamable: %v", err)
			}
			awaitSignal(t, ended, "the stream ending")
			if strings.Contains(logs.String(), "grace period") {
				t.Errorf("the stream held shutdown for the grace period:\n%s", logs)
			}
		})
	}
}

// openListen opens a subscriptions/listen stream and reads up to its
// acknowledgement.
func openListen(t *testing.T, e *endpoint) io.ReadCloser {
	t.Helper()
	req := mcpRequest(t, e.url, `{"jsonrpc":"2.0","id":7,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}`)
	req.Header.Set(mcp.HeaderProtocolVersion, mcp.ProtocolVersion20260728)
	req.Header.Set(mcp.HeaderMethod, string(mcp.MethodSubscriptionsListen))
	resp := openStream(t, req)
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the listen stream ended before its acknowledgement: %v", err)
		}
		if strings.Contains(line, string(mcp.MethodNotificationSubscriptionsAcknowledged)) {
			return resp.Body
		}
	}
}

// openGETStream opens a session and its GET stream.
func openGETStream(t *testing.T, e *endpoint) io.ReadCloser {
	t.Helper()
	init := do(t, mcpRequest(t, e.url, initializeBody))
	session := init.header.Get(mcp.HeaderSessionID)
	if init.status != http.StatusOK || session == "" {
		t.Fatalf("initialize: status %d, session %q", init.status, session)
	}
	initialized := mcpRequest(t, e.url, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	initialized.Header.Set(mcp.HeaderSessionID, session)
	if got := do(t, initialized); got.status != http.StatusAccepted {
		t.Fatalf("notifications/initialized: status %d (%s)", got.status, got.body)
	}
	req, err := http.NewRequest(http.MethodGet, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set(mcp.HeaderSessionID, session)
	req.Header.Set(mcp.HeaderProtocolVersion, "2025-06-18")
	return openStream(t, req).Body
}

// openStream sends req and returns its response once its headers say an
// event stream has begun; the test closes it.
func openStream(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: status %d, Content-Type %q (%s), want an event stream", req.Method, req.URL, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return resp
}
