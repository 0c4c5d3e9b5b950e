package transport_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestNotificationsBeforeAnswer: everything a call sends its client
// (here its progress, up to "echo: finished: ok") is written before the call's
// answer, on stdio and on an HTTP call's own stream, with calls running
// side by side. The mcp-go client hands a notification to its handler as
// it reads it, before it reads further: a progress notification not yet
// heard when the call returns came after the answer, which a client drops
// (its request is over).
func TestNotificationsBeforeAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version string
		connect func(t *testing.T) *client.Client
	}{
		{"stdio", mcp.ProtocolVersion20251125, func(t *testing.T) *client.Client {
			srv, _ := newServer(t, serverBlock+sqlSource())
			s := serveStdio(t, srv, longGrace)
			c := client.NewClient(mcptransport.NewIO(s.stdout, s.stdin, nil))
			if err := c.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			initialize(t, c, mcp.ProtocolVersion20251125)
			return c
		}},
		{"http session", mcp.ProtocolVersion20251125, func(t *testing.T) *client.Client {
			srv, _ := newServer(t, serverBlock+sqlSource())
			e := serveHTTP(t, srv, options(nil))
			c, _ := connect(t, e.url, mcp.ProtocolVersion20251125, nil)
			return c
		}},
		{"http 2026-07-28", mcp.ProtocolVersion20260728, func(t *testing.T) *client.Client {
			srv, _ := newServer(t, serverBlock+sqlSource())
			e := serveHTTP(t, srv, options(nil))
			c, _ := connect(t, e.url, mcp.ProtocolVersion20260728, nil)
			return c
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.connect(t)
			var mu sync.Mutex
			finished := map[string]bool{} // progress tokens heard finishing
			c.OnNotification(func(n mcp.JSONRPCNotification) {
				if n.Method != string(mcp.MethodNotificationProgress) {
					return
				}
				if n.Params.AdditionalFields["message"] == "echo: finished: ok" {
					mu.Lock()
					finished[fmt.Sprint(n.Params.AdditionalFields["progressToken"])] = true
					mu.Unlock()
				}
			})
			const workers, calls = 4, 25
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range calls {
						token := fmt.Sprintf("w%d-%d", w, i)
						req := callRequest("echo", map[string]any{"word": token})
						req.Params.Meta = &mcp.Meta{ProgressToken: token}
						ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
						res, err := c.CallTool(ctx, req)
						cancel()
						if err != nil || res.IsError {
							t.Errorf("call %s: %v %+v", token, err, res)
							return
						}
						mu.Lock()
						heard := finished[token]
						mu.Unlock()
						if !heard {
							t.Errorf("call %s answered before its last progress notification", token)
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}
