package transport_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/transport"
)

// TestDirectCallOverHTTP: an mcp-go client's tools/calls over Streamable
// HTTP are answered by runtime.DirectCall (its count goes up by one a
// call), with sessions and without, notifications on the call's stream
// and an audit record included; what DirectCall leaves to HandleMessage
// (an unknown tool, protocol 2026-07-28, other methods) is answered all
// the same, and not counted.
func TestDirectCallOverHTTP(t *testing.T) {
	cases := []struct {
		name      string
		stateless bool
		version   string
		direct    bool
	}{
		{"stateful 2025-11-25", false, mcp.ProtocolVersion20251125, true},
		{"stateless 2025-11-25", true, mcp.ProtocolVersion20251125, true},
		{"stateful 2025-06-18", false, mcp.ProtocolVersion20250618, true},
		{"2026-07-28", false, mcp.ProtocolVersion20260728, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, logs := newServer(t, serverBlock+sqlSource())
			e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.Stateless = tc.stateless }))
			c, _ := connect(t, e.url, tc.version, nil)
			heard := make(chan mcp.JSONRPCNotification, 16)
			c.OnNotification(func(n mcp.JSONRPCNotification) {
				select {
				case heard <- n:
				default:
				}
			})
			want := uint64(0)
			// count checks DirectCalls after what, which it answers when
			// direct.
			count := func(what string, direct bool) {
				t.Helper()
				if direct {
					want++
				}
				if got := srv.DirectCalls(); got != want {
					t.Errorf("after %s: DirectCall answered %d calls, want %d", what, got, want)
				}
			}

			toolNames(t, c)
			count("tools/list", false)
			if got, w := structured(t, callTool(t, c, "echo", map[string]any{"word": "hi"})), `{"via":"http","word":"hi"}`; got != w {
				t.Errorf("echo = %s, want %s", got, w)
			}
			count("a call", tc.direct)
			logs.await(t, `"log":"audit"`, `"tool":"echo"`, `"outcome":"ok"`, `"transport":"http"`)

			// A progress token: the call's notifications come on its
			// stream, before its answer.
			req := callRequest("echo", map[string]any{"word": "again"})
			req.Params.Meta = &mcp.Meta{ProgressToken: "p-1"}
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			res, err := c.CallTool(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if got, w := structured(t, res), `{"via":"http","word":"again"}`; got != w {
				t.Errorf("echo = %s, want %s", got, w)
			}
			count("a call with a progress token", tc.direct)
			select {
			case n := <-heard:
				if n.Method != string(mcp.MethodNotificationProgress) || n.Params.AdditionalFields["progressToken"] != "p-1" {
					t.Errorf("heard %s %v, want progress of p-1", n.Method, n.Params.AdditionalFields)
				}
			case <-ctx.Done():
				t.Fatal("no progress notification")
			}

			// An unknown tool is mcp-go's to answer.
			if _, err := c.CallTool(ctx, callRequest("nope", map[string]any{})); err == nil || !strings.Contains(err.Error(), "tool 'nope' not found") {
				t.Errorf("unknown tool: %v, want mcp-go's not found", err)
			}
			count("an unknown tool", false)
		})
	}
}

// TestDirectCallAuthorized: the direct path comes after the gate: a
// tools/call without the right credential is refused before anything
// answers it, and one with it runs as its principal and is audited.
func TestDirectCallAuthorized(t *testing.T) {
	srv, logs := newServer(t, serverBlock+sqlSource()+authConfig())
	e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.Stateless = true }))
	const call = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`
	post := func(authorization string) answer {
		req := mcpRequest(t, e.url, call)
		req.Header.Set("Mcp-Protocol-Version", mcp.ProtocolVersion20251125)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		return do(t, req)
	}
	for _, authorization := range []string{"", "Bearer mcpk_wrong"} {
		if a := post(authorization); a.status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d %s, want 401", authorization, a.status, a.body)
		}
	}
	if n := srv.DirectCalls(); n != 0 {
		t.Errorf("DirectCall answered %d refused calls", n)
	}
	a := post("Bearer " + testKey)
	if a.status != http.StatusOK || !strings.Contains(a.body, `"structuredContent":{"sub":"svc-test"}`) {
		t.Errorf("with the key: %d %s, want svc-test's answer", a.status, a.body)
	}
	if n := srv.DirectCalls(); n != 1 {
		t.Errorf("DirectCall answered %d calls, want 1", n)
	}
	logs.await(t, `"log":"audit"`, `"subject":"svc-test"`, `"tool":"whoami"`, `"outcome":"ok"`)
}
