package transport_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestBroadcastStaysOffAnswers: what the server broadcasts to every
// session (here tools/list_changed, as after a reload) goes to the
// session's GET stream, and never rides on the answer to an unrelated
// POST: that answer stays one JSON object, as it was before the
// broadcast (mcp-go's transport turned every later answer on the session
// into an SSE stream, the first one carrying the notification).
func TestBroadcastStaysOffAnswers(t *testing.T) {
	srv, _ := newServer(t, serverBlock+sqlSource())
	e := serveHTTP(t, srv, options(nil))
	const version = mcp.ProtocolVersion20251125

	init := mcpRequest(t, e.url, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+version+`","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	a := do(t, init)
	session := a.header.Get("Mcp-Session-Id")
	if a.status != http.StatusOK || session == "" {
		t.Fatalf("initialize: %d %q, session %q", a.status, a.body, session)
	}
	post := func(body string) answer {
		req := mcpRequest(t, e.url, body)
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("Mcp-Protocol-Version", version)
		return do(t, req)
	}
	if a := post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`); a.status != http.StatusAccepted {
		t.Fatalf("notifications/initialized: %d %q", a.status, a.body)
	}

	srv.MCP().SendNotificationToAllClients(mcp.MethodNotificationToolsListChanged, nil)
	for i := range 2 {
		a := post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"word":"hi"}}}`)
		if ct := a.header.Get("Content-Type"); a.status != http.StatusOK || ct != "application/json" || strings.Contains(a.body, "list_changed") {
			t.Errorf("call %d after the broadcast: %d, Content-Type %q, body %q; want the answer alone, as JSON", i+1, a.status, ct, a.body)
		}
	}

	// The GET stream hears the broadcast, and the next one.
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Session-Id", session)
	req.Header.Set("Mcp-Protocol-Version", version)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET stream: %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	srv.MCP().SendNotificationToAllClients(mcp.MethodNotificationToolsListChanged, nil)
	lines := bufio.NewScanner(resp.Body)
	heard := 0
	for heard < 2 && lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data:") && strings.Contains(lines.Text(), mcp.MethodNotificationToolsListChanged) {
			heard++
		}
	}
	if heard < 2 {
		t.Errorf("the GET stream heard %d of the 2 broadcasts (%v)", heard, lines.Err())
	}
}
