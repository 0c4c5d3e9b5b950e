package runtime

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

// What a client hears while its call runs: log messages
// (notifications/message) at the level its session set with
// logging/setLevel (or, from 2026-07-28, the level the request declared),
// and, when the request carries a progressToken, notifications/progress
// with increasing values: at the start, when the tool starts running, every
// ProgressInterval while it runs (a keep-alive, so a client that resets
// its timeout on progress waits for a long statement or a user's answer),
// and at the end. Messages name the tool, the request id, the outcome, row
// counts and durations; never an argument value, a bound value or a
// credential. The transports write a call's notifications before its
// answer (stdio's writeOut, HTTP's finishForwarding): a client drops
// progress for a request already answered.

// DefaultProgressInterval is how often a call that carries a progress
// token is told it is still running.
const DefaultProgressInterval = 5 * time.Second

// logger names the source of the server's log messages to clients.
const logger = "mcpgen"

// note is one call's notifications to its client. It is a value on the
// call's stack: a call whose client asked for no progress allocates
// nothing here. The zero value (nil server) sends nothing.
type note struct {
	srv   *server.MCPServer
	ctx   context.Context
	tool  string
	id    string
	level mcp.LoggingLevel // the least severe level the client wants; "" none
	prog  *progress        // nil: the request carries no progress token
}

// progress is what a call with a progress token shares with its
// keep-alive.
type progress struct {
	token   mcp.ProgressToken
	mu      sync.Mutex
	next    float64
	stop    chan struct{}
	stopped sync.WaitGroup
}

// notes starts the notifications of a call of tool, answering req.
func (cp *callPath) notes(ctx context.Context, req mcp.CallToolRequest, rec *audit.Record) note {
	srv := mcpServerFrom(ctx)
	if srv == nil {
		return note{}
	}
	n := note{srv: srv, ctx: ctx, tool: rec.Tool, id: rec.RequestID, level: clientLogLevel(ctx)}
	if m := req.Params.Meta; m != nil && m.ProgressToken != nil {
		n.prog = &progress{token: m.ProgressToken}
	}
	if n.level == "" && n.prog == nil {
		return note{}
	}
	n.log(mcp.LoggingLevelDebug, "call started", nil)
	if n.prog != nil {
		n.tick("started")
		if iv := cp.progressInterval; iv > 0 {
			n.prog.stop = make(chan struct{})
			n.prog.stopped.Add(1)
			go n.keepAlive(iv)
		}
	}
	return n
}

// clientLogLevel is the least severe level the caller in ctx wants to
// hear; "" for none.
func clientLogLevel(ctx context.Context) mcp.LoggingLevel {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.LogLevel
	}
	// mcp-go answers error for a session that never set a level, and
	// a client that asked for nothing must hear nothing (an unasked
	// message can block a client that stopped reading): error, set or
	// not, is treated as silence.
	if s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithLogging); ok {
		if level := s.GetLogLevel(); level != mcp.LoggingLevelError {
			return level
		}
	}
	return ""
}

func (n note) log(level mcp.LoggingLevel, msg string, data map[string]any) {
	if n.srv == nil || n.level == "" || !level.ShouldSendTo(n.level) {
		return
	}
	fields := map[string]any{"message": msg, "tool": n.tool, "request_id": n.id}
	for k, v := range data {
		fields[k] = v
	}
	// A full queue drops the message: a call never waits for its client.
	_ = n.srv.SendLogMessageToClient(n.ctx, mcp.NewLoggingMessageNotification(level, logger, fields))
}

// tick sends the next progress value.
func (n note) tick(msg string) {
	if n.srv == nil || n.prog == nil {
		return
	}
	n.prog.mu.Lock()
	p := n.prog.next
	n.prog.next++
	n.prog.mu.Unlock()
	_ = n.srv.SendNotificationToClient(n.ctx, string(mcp.MethodNotificationProgress), map[string]any{
		"progressToken": n.prog.token,
		"progress":      p,
		"message":       fmt.Sprintf("%s: %s", n.tool, msg),
	})
}

// keepAlive runs on a goroutine of its own, with a copy of n.
func (n note) keepAlive(every time.Duration) {
	defer n.prog.stopped.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			n.tick("still running")
		case <-n.prog.stop:
			return
		case <-n.ctx.Done():
			return
		}
	}
}

// running says the call passed its checks and the tool starts.
func (n note) running() {
	if n.srv == nil {
		return
	}
	n.log(mcp.LoggingLevelDebug, "running", nil)
	n.tick("running")
}

// result reports what a successful call returned, when it was cut.
func (n note) result(out *adapter.Result) {
	if n.srv == nil || !out.Truncated {
		return
	}
	n.log(mcp.LoggingLevelWarning, "rows truncated by max_rows", map[string]any{"rows": out.Rows})
}

// done ends the notifications with the call's outcome; it runs before the
// answer is written.
func (n note) done(rec *audit.Record, start time.Time) {
	if n.srv == nil {
		return
	}
	if n.prog != nil && n.prog.stop != nil {
		close(n.prog.stop)
		n.prog.stopped.Wait()
	}
	if rec.Cached {
		n.log(mcp.LoggingLevelInfo, "answered from the cache", nil)
	}
	if rec.Attempts > 1 {
		n.log(mcp.LoggingLevelWarning, "the upstream needed retries", map[string]any{"attempts": rec.Attempts, "upstream_status": rec.UpstreamStatus})
	}
	if rec.Outcome == audit.OK {
		n.log(mcp.LoggingLevelDebug, "result", map[string]any{"rows": rec.Rows, "bytes": rec.Bytes})
	}
	level := mcp.LoggingLevelInfo
	switch rec.Outcome {
	case audit.OK, audit.Asked:
	case audit.Error, audit.Timeout:
		level = mcp.LoggingLevelError
	default:
		level = mcp.LoggingLevelWarning
	}
	data := map[string]any{"outcome": rec.Outcome, "duration_ms": float64(time.Since(start).Microseconds()) / 1000}
	if rec.Outcome == audit.OK {
		data["rows"] = rec.Rows
	}
	if rec.ErrorClass != "" {
		data["error_class"] = rec.ErrorClass
	}
	n.log(level, "call finished", data)
	n.tick("finished: " + rec.Outcome)
}
