package transport_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/transport"
)

// TestMCPGoLogsReachTheLog: what the transports log reaches the
// operational log: the Streamable HTTP handler's sweeper, dropping a
// session idle past SessionIdleTTL, and through a *log.Logger mcp-go's
// stdio server (here failing to write an answer).
func TestMCPGoLogsReachTheLog(t *testing.T) {
	t.Run("Streamable HTTP", func(t *testing.T) {
		srv, logs := newServer(t, serverBlock+sqlSource())
		e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.SessionIdleTTL = 20 * time.Millisecond }))
		c, _ := connect(t, e.url, mcp.ProtocolVersion20251125, nil)
		line := logs.await(t, "Sweeping expired session")
		if !strings.Contains(line, `"level":"info"`) || !strings.Contains(line, `"session":"`+c.GetSessionId()+`"`) {
			t.Errorf("log line %s: want info, naming session %s", line, c.GetSessionId())
		}
	})
	t.Run("stdio", func(t *testing.T) {
		srv, logs := newServer(t, serverBlock+sqlSource())
		s := serveStdio(t, srv, longGrace)
		s.stdout.Close() // the client stops reading
		s.send(t, `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
		line := logs.await(t, "Error writing response")
		if !strings.Contains(line, `"level":"warn"`) || !strings.Contains(line, "closed pipe") {
			t.Errorf("log line %s: want a warning with the write's error", line)
		}
		s.stdin.Close()
		s.awaitReturn(t)
	})
}
