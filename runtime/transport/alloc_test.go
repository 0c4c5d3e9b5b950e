package transport_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestTransportAllocations: what the Streamable HTTP transport allocates
// for a tools/call on a live session, over what mcp-go's HandleMessage
// allocates for the same message by itself, stays under a bound: the
// transport parses the body once and makes one object of its own per POST
// (mcp-go's transport made an ephemeral session, channels, a goroutine and
// parsed the body four more times). Both sides count the whole process:
// the HTTP side includes net/http's client and server.
func TestTransportAllocations(t *testing.T) {
	srv, _ := newServer(t, serverBlock+sqlSource())
	e := serveHTTP(t, srv, options(nil))
	const version = mcp.ProtocolVersion20251125
	client := &http.Client{Timeout: waitLimit}
	post := func(session, body string) *http.Response {
		req := mcpRequest(t, e.url, body)
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", version)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	session := post("", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+version+`","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`).Header.Get("Mcp-Session-Id")
	if session == "" {
		t.Fatal("initialize: no session id")
	}
	post(session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	const call = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"word":"hi"}}}`

	overHTTP := testing.AllocsPerRun(200, func() {
		if resp := post(session, call); resp.StatusCode != http.StatusOK {
			t.Fatalf("tools/call: %d", resp.StatusCode)
		}
	})
	ctx := srv.MCP().WithContext(context.Background(), nil)
	direct := testing.AllocsPerRun(200, func() {
		if resp := srv.MCP().HandleMessage(ctx, []byte(call)); resp == nil {
			t.Fatal("no answer")
		}
	})
	extra := overHTTP - direct
	t.Logf("allocations per tools/call: %.0f over HTTP, %.0f in HandleMessage alone: %.0f for HTTP, client included", overHTTP, direct, extra)
	// 195 before the transport was ours (db28aa9), 142 after; with the
	// race detector 219 and 161.
	const bound = 160 + raceAllocs
	if extra > bound {
		t.Errorf("HTTP adds %.0f allocations per tools/call, want at most %d", extra, bound)
	}
}
