package loadgen

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// sseServer is an mcp-go server on 127.0.0.1 whose tool logs to the client
// before it answers, which turns the answer into an event stream. It
// counts the connections it accepts.
func sseServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	s := server.NewMCPServer("sse", "1", server.WithLogging())
	s.AddTool(mcp.NewTool("echo", mcp.WithString("say", mcp.Required())),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if err := server.ServerFromContext(ctx).SendNotificationToClient(ctx, "notifications/message",
				map[string]any{"level": "info", "data": "about to answer"}); err != nil {
				return nil, err
			}
			return mcp.NewToolResultText("said " + req.GetString("say", "")), nil
		})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := new(atomic.Int64)
	hs := &http.Server{Handler: server.NewStreamableHTTPServer(s), ConnState: func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String() + "/mcp", conns
}

func TestRunReadsEventStreams(t *testing.T) {
	url, conns := sseServer(t)
	target := []Target{{Name: "sse", URL: url}}
	o := Options{Tool: "echo", Args: `{"say": "hi {{int 7 7}}"}`, Concurrency: 3, Calls: 60, Expect: "said hi 7"}
	res, err := Run(t.Context(), o, target)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Reports[0]; r.Calls != 60 || r.Errors != 0 {
		t.Fatalf("%d calls, errors %v %v", r.Calls, r.ErrorClasses, r.ErrorSamples)
	}
	// The client reads each stream to its end, and so keeps its connection.
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections for 3 clients", n)
	}

	o.Expect = "said bye"
	res, err = Run(t.Context(), o, target)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Reports[0]; r.Calls != 60 || r.ErrorClasses[ClassExpect] != 60 {
		t.Fatalf("%d calls, errors %v", r.Calls, r.ErrorClasses)
	}

	o.Expect, o.Tool = "", "nope"
	res, err = Run(t.Context(), o, target)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Reports[0]; r.Calls != 60 || r.Errors != 60 || len(r.ErrorClasses) != 1 {
		t.Fatalf("an unknown tool: %d calls, errors %v", r.Calls, r.ErrorClasses)
	}
}

func TestParseArgs(t *testing.T) {
	for _, bad := range []string{"[1]", "{", `{"a": {{int 5 1}}}`, "null"} {
		if _, err := parseArgs(bad); err == nil {
			t.Errorf("parseArgs(%q): no error", bad)
		}
	}
}

// TestSSEServerStreams checks that sseServer does answer with an event
// stream, the case TestRunReadsEventStreams is about.
func TestSSEServerStreams(t *testing.T) {
	url, _ := sseServer(t)
	e, err := newHTTPEndpoint(url, nil, DefaultProtocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	hc := c.(*httpConn)
	raw, err := hc.post(t.Context(), []byte(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"say":"x"}}}`), 5)
	if err != nil {
		t.Fatal(err)
	}
	if ct := string(hc.resp.contentType); ct != "text/event-stream" || check(raw, 5, []byte("said x")) != nil {
		t.Fatalf("%s: %s", ct, raw)
	}
}
