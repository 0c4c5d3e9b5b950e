package runtime_test

// DirectCall against HandleMessage: the same messages sent to two servers
// built from one configuration, one through each, must get the same
// answers, the same audit records, the same notifications and the same
// hook calls; and what DirectCall leaves to HandleMessage must be what it
// says it leaves.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// panicAdapter is a source whose tools panic when called: what
// toolMiddleware's recovery is for. No real adapter panics on purpose.
type panicAdapter struct{}

type panicSource struct{}

type panicTool struct{ name string }

var (
	_ adapter.Adapter = panicAdapter{}
	_ adapter.Source  = panicSource{}
	_ adapter.Tool    = panicTool{}
)

func init() { adapter.Register("test_panics", panicAdapter{}) }

func (panicAdapter) DecodeSource(*cfg.Source) (adapter.Source, hcl.Diagnostics) {
	return panicSource{}, nil
}

func (panicSource) DecodeTool(t *cfg.Tool) (adapter.Tool, hcl.Diagnostics) {
	return panicTool{name: t.Name}, nil
}
func (panicSource) Open(context.Context, adapter.OpenOptions) hcl.Diagnostics { return nil }
func (panicSource) Ping(context.Context) error                                { return nil }
func (panicSource) Close() error                                              { return nil }

func (panicTool) OutputSchema() map[string]any { return map[string]any{"type": "object"} }
func (t panicTool) Call(context.Context, *adapter.Call) (*adapter.Result, error) {
	panic("the " + t.name + " tool always panics")
}

// directConfig is callConfig with an HTTP tool that succeeds and a tool
// that panics.
const directConfig = `
tool "up_ok" {
  description = "The upstream answers."
  source      = source.http.up
  method = "GET"
  path   = "/ok"
}

source "test_panics" "p" {}

tool "boom" {
  description = "Panics."
  source      = source.test_panics.p
}
`

// noteSession is a client session that keeps what the server sends it.
type noteSession struct {
	id    string
	notes chan mcp.JSONRPCNotification
	mu    sync.Mutex
	level mcp.LoggingLevel
	tools map[string]server.ServerTool // non-nil: a session with tools of its own
}

var (
	_ server.ClientSession      = (*noteSession)(nil)
	_ server.SessionWithLogging = (*noteSession)(nil)
)

func newNoteSession(id string) *noteSession {
	return &noteSession{id: id, notes: make(chan mcp.JSONRPCNotification, 100), level: mcp.LoggingLevelError}
}

func (s *noteSession) SessionID() string { return s.id }
func (s *noteSession) NotificationChannel() chan<- mcp.JSONRPCNotification {
	return s.notes
}
func (s *noteSession) Initialize()       {}
func (s *noteSession) Initialized() bool { return true }
func (s *noteSession) SetLogLevel(l mcp.LoggingLevel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.level = l
}
func (s *noteSession) GetLogLevel() mcp.LoggingLevel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.level
}

// drain takes what was sent so far: the call path sends its
// notifications before it answers.
func (s *noteSession) drain() []mcp.JSONRPCNotification {
	var out []mcp.JSONRPCNotification
	for {
		select {
		case n := <-s.notes:
			out = append(out, n)
		default:
			return out
		}
	}
}

// toolsSession is a noteSession with tools of its own.
type toolsSession struct{ *noteSession }

var _ server.SessionWithTools = toolsSession{}

func (s toolsSession) GetSessionTools() map[string]server.ServerTool { return s.tools }
func (s toolsSession) SetSessionTools(tools map[string]server.ServerTool) {
	s.tools = tools
}

// side is one of the two servers compared.
type side struct {
	srv   *runtime.Server
	sess  *noteSession
	trail string // the audit file
	read  int64  // how much of it earlier cases took
	hooks *hookLog
}

// hookLog records mcp-go's hooks as they are called.
type hookLog struct {
	mu    sync.Mutex
	calls []string
}

func (h *hookLog) add(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, fmt.Sprintf(format, args...))
}

func (h *hookLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.calls
	h.calls = nil
	return out
}

// newSide serves the configuration of TestDirectCallMatchesHandleMessage
// with its audit trail in a file, and registers a session on it.
func newSide(t *testing.T, upstreamURL string) *side {
	t.Helper()
	dir := t.TempDir()
	paths := writeFiles(t, dir, "calls.hcl", callConfig(filepath.Join(dir, "calls.db"), upstreamURL)+directConfig)
	gen := build(t, paths...)
	trail := filepath.Join(dir, "audit.log")
	f, err := os.Create(trail)
	if err != nil {
		t.Fatal(err)
	}
	s := &side{trail: trail, hooks: &hookLog{}, sess: newNoteSession("direct-test")}
	s.srv = runtime.NewServer(gen, runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(f), Metrics: metrics.New()})
	t.Cleanup(s.srv.Close)
	if err := s.srv.MCP().RegisterSession(context.Background(), s.sess); err != nil {
		t.Fatal(err)
	}
	hooks := s.srv.MCP().GetHooks()
	hooks.AddOnRequestInitialization(func(_ context.Context, id any, _ any) error {
		s.hooks.add("init %T %v", id, id)
		if id == "refuse-me" {
			return errors.New("refused by a hook")
		}
		return nil
	})
	hooks.AddBeforeAny(func(_ context.Context, id any, method mcp.MCPMethod, msg any) {
		s.hooks.add("beforeAny %T %v %s %T", id, id, method, msg)
	})
	hooks.AddBeforeCallTool(func(_ context.Context, id any, req *mcp.CallToolRequest) {
		// What a handler reads of the request: mcpgen's read the raw
		// arguments (the map is not built on the direct path).
		meta, _ := json.Marshal(req.Params.Meta)
		task, _ := json.Marshal(req.Params.Task)
		s.hooks.add("beforeCallTool %v %s header=%v arguments=%s _meta=%s task=%s", id, req.Params.Name, req.Header,
			req.Params.RawArguments, meta, task)
	})
	hooks.AddOnSuccess(func(_ context.Context, id any, method mcp.MCPMethod, _ any, result any) {
		s.hooks.add("success %v %s %T", id, method, result)
	})
	hooks.AddAfterCallTool(func(_ context.Context, id any, _ *mcp.CallToolRequest, result any) {
		s.hooks.add("afterCallTool %v %T", id, result)
	})
	hooks.AddOnError(func(_ context.Context, id any, method mcp.MCPMethod, msg any, err error) {
		s.hooks.add("error %v %s %T %v notFound=%t", id, method, msg, err, strings.Contains(err.Error(), "not found"))
	})
	return s
}

// exchange is what one message did on one side, request ids (random per
// call) replaced by a placeholder.
type exchange struct {
	answer string
	audit  []map[string]any
	notes  []string
	hooks  []string
}

func (s *side) send(t *testing.T, who *runtime.Principal, body string, direct bool) (exchange, bool) {
	t.Helper()
	ctx := s.srv.MCP().WithContext(as(who), s.sess)
	var resp mcp.JSONRPCMessage
	took := false
	if direct {
		var env struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal([]byte(body), &env) // the gate's parse; a bad body has no id
		resp, took = s.srv.DirectCall(ctx, env.ID, []byte(body))
	}
	if !took {
		resp = s.srv.MCP().HandleMessage(ctx, json.RawMessage(body))
	}
	var x exchange
	x.answer = written(t, resp)
	for _, n := range s.sess.drain() {
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		x.notes = append(x.notes, string(b))
	}
	x.hooks = s.hooks.take()
	// The audit records written since the last case.
	f, err := os.Open(s.trail)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(s.read, 0); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	var ids []string
	for sc.Scan() {
		s.read += int64(len(sc.Bytes())) + 1
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("audit line %q: %v", sc.Bytes(), err)
		}
		if id, _ := rec["request_id"].(string); id != "" {
			ids = append(ids, id)
		}
		delete(rec, "request_id")
		delete(rec, "time")
		delete(rec, "duration_ms")
		x.audit = append(x.audit, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		x.answer = strings.ReplaceAll(x.answer, id, "<request-id>")
		for i := range x.notes {
			x.notes[i] = strings.ReplaceAll(x.notes[i], id, "<request-id>")
		}
	}
	for i := range x.notes {
		x.notes[i] = noteDuration.ReplaceAllString(x.notes[i], `"duration_ms":0`)
	}
	return x, took
}

// written is the answer as a transport writes it, newline included: the
// bytes of a runtime.DirectAnswer, anything else through a json.Encoder.
func written(t *testing.T, resp mcp.JSONRPCMessage) string {
	t.Helper()
	if a, ok := resp.(*runtime.DirectAnswer); ok {
		out, err := a.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(out) + "\n"
	}
	var b strings.Builder
	if err := json.NewEncoder(&b).Encode(resp); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// noteDuration is the timing in a log message's data.
var noteDuration = regexp.MustCompile(`"duration_ms":[0-9.e-]+`)

// TestDirectCallMatchesHandleMessage: every way a tools/call can go,
// through HandleMessage on one server and DirectCall on another built from
// the same configuration: the same answer, byte for byte, the same audit
// records (but for their random request ids and timings), notifications
// and hook calls. The cases DirectCall leaves to HandleMessage are named,
// and checked to be left.
func TestDirectCallMatchesHandleMessage(t *testing.T) {
	up := newUpstream(t)
	viaHandle, viaDirect := newSide(t, up.URL), newSide(t, up.URL)

	alice := &runtime.Principal{Subject: "alice", Scopes: []string{"orders.read"}, Claims: map[string]any{"org": "acme"}}
	noOrg := &runtime.Principal{Subject: "bob"}
	call := func(id, name, args string) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, name, args)
	}
	tests := []struct {
		name   string
		who    *runtime.Principal
		body   string
		level  mcp.LoggingLevel // the session's log level for the call; "" error
		direct bool             // DirectCall answers it, rather than HandleMessage
		see    string           // a part of the answer, so the case tests what it says
		notes  bool             // the client hears notifications
		quiet  bool             // a direct answer without an audit record: no tool ran
		class  string           // the audit record's error_class, when the case is about it
	}{
		{name: "ok", who: alice, body: call("1", "get", `{"k":"a"}`), direct: true, see: `"structuredContent":{"k":"a","v":"one"}`},
		{name: "string id", who: alice, body: call(`"req-1"`, "get", `{"k":"a"}`), direct: true},
		{name: "string id with escapes", who: alice, body: call(`"r\u0065q\n2"`, "get", `{"k":"a"}`), direct: true},
		{name: "negative id", who: alice, body: call("-5", "get", `{"k":"a"}`), direct: true},
		{name: "id beyond 2^53", who: alice, body: call("9007199254740993", "get", `{"k":"a"}`), direct: true, see: `"id":9007199254740992`},
		{name: "no row", who: alice, body: call("2", "get", `{"k":"zz"}`), direct: true},
		{name: "unknown argument", who: alice, body: call("3", "get", `{"k":"a","extra":1}`), direct: true},
		{name: "wrong type", who: alice, body: call("4", "get", `{"k":7}`), direct: true, see: `must be a string`},
		{name: "arguments not an object", who: alice, body: call("5", "get", `[1]`), direct: true},
		{name: "no arguments", who: alice, body: `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get"}}`, direct: true, see: `\"k\"`},
		{name: "bind passed as an argument", who: alice, body: call("7", "my_org", `{"org":"globex"}`), direct: true},
		{name: "guard false", who: alice, body: call("8", "only_a", `{"k":"b"}`), direct: true, see: "Permission denied"},
		{name: "guard true", who: alice, body: call("9", "only_a", `{"k":"a"}`), direct: true},
		{name: "bind", who: alice, body: call("10", "my_org", `{}`), direct: true},
		{name: "rate limit, first call", who: alice, body: call("11", "limited", `{}`), direct: true},
		{name: "rate limit hit", who: alice, body: call("12", "limited", `{}`), direct: true, see: "Rate limit exceeded"},
		{name: "HTTP tool", who: alice, body: call("13", "up_ok", `{}`), direct: true, see: `"ok":true`},
		{name: "HTTP tool, upstream fails", who: alice, body: call("14", "upstream_fail", `{}`), direct: true},
		{name: "timeout", who: alice, body: call("15", "slow", `{}`), direct: true, see: "timed out"},
		{name: "write, sensitive argument", who: alice, body: call("16", "put", `{"k":"c","v":"secret"}`), direct: true},
		{name: "write fails", who: alice, body: call("17", "put", `{"k":"c","v":"secret"}`), direct: true},
		{name: "cache miss", who: alice, body: call("18", "cached", `{"k":"a"}`), direct: true},
		{name: "cache hit", who: alice, body: call("19", "cached", `{"k":"a"}`), direct: true},
		{name: "content tool", who: alice, body: call("20", "about", `{}`), direct: true},
		{name: "declared error", who: alice, body: call("21", "declared_error", `{}`), direct: true},
		{name: "panicking tool", who: alice, body: call("22", "boom", `{}`), direct: true, see: `"isError":true`, class: "panic"},
		{name: "progress token", who: alice, direct: true, notes: true,
			body: `{"jsonrpc":"2.0","id":23,"method":"tools/call","params":{"name":"get","arguments":{"k":"b"},"_meta":{"progressToken":"p-23"}}}`},
		{name: "progress token and log level", who: alice, level: mcp.LoggingLevelDebug, direct: true, notes: true,
			body: `{"jsonrpc":"2.0","id":24,"method":"tools/call","params":{"name":"get","arguments":{"k":"zz"},"_meta":{"progressToken":24}}}`},
		{name: "log level, panicking tool", who: alice, level: mcp.LoggingLevelDebug, body: call("25", "boom", `{}`), direct: true, notes: true},
		{name: "_meta of other keys", who: alice, direct: true,
			body: `{"jsonrpc":"2.0","id":26,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"_meta":{"x-trace":"abc","n":1}}}`},
		{name: "_meta naming an older protocol", who: alice, direct: true,
			body: `{"jsonrpc":"2.0","id":27,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-06-18"}}}`},
		{name: "refused by OnRequestInitialization", who: alice, body: call(`"refuse-me"`, "get", `{"k":"a"}`),
			direct: true, see: `"code":-32600,"message":"refused by a hook"`, quiet: true},
		{name: "members in another order", who: alice, direct: true,
			body: `{"params":{"arguments":{"k":"a"},"name":"get"},"method":"tools/call","id":28,"jsonrpc":"2.0"}`},
		{name: "whitespace everywhere", who: alice, direct: true,
			body: " {\n\t\"jsonrpc\" : \"2.0\" ,\r\n \"id\" : 29 , \"method\":\"tools/call\", \"params\" : { \"name\" : \"get\" , \"arguments\" : { \"k\" : \"a\" } } }\n"},
		{name: "unknown members", who: alice, direct: true, see: `"structuredContent":{"k":"a","v":"one"}`,
			body: `{"jsonrpc":"2.0","id":30,"x":[{"method":"ping"}],"method":"tools/call","params":{"name":"get","y":null,"arguments":{"k":"a"}}}`},
		{name: "arguments a string", who: alice, body: call("31", "get", `"k"`), direct: true},
		{name: "arguments null", who: alice, body: call("32", "get", `null`), direct: true},
		{name: "arguments with escapes and numbers", who: alice, direct: true, see: `must be a string`,
			body: call("33", "get", `{"k":-1.5e+3,"\u006b2":"\"\u00e9\""}`)},
		{name: "numbers at the edges of float64", who: alice, direct: true, see: `must be a string`,
			body: call("38", "get", `{"k":1e-400,"n":1.7976931348623157e308,"m":-0}`)},
		{name: "_meta null", who: alice, direct: true,
			body: `{"jsonrpc":"2.0","id":34,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"_meta":null}}`},
		{name: "task null", who: alice, direct: true,
			body: `{"jsonrpc":"2.0","id":35,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"task":null}}`},
		{name: "result null", who: alice, direct: true,
			body: `{"jsonrpc":"2.0","id":36,"result":null,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "params inside an unknown member", who: alice, direct: true, see: `"structuredContent":{"k":"a","v":"one"}`,
			body: `{"jsonrpc":"2.0","id":37,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}},"other":{"params":null}}`},

		// Left to HandleMessage.
		{name: "Method spelled in capitals", who: alice, body: `{"jsonrpc":"2.0","id":60,"Method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "NAME spelled in capitals", who: alice, body: `{"jsonrpc":"2.0","id":61,"method":"tools/call","params":{"NAME":"get","arguments":{"k":"a"}}}`},
		{name: "Arguments spelled with a capital", who: alice, body: `{"jsonrpc":"2.0","id":62,"method":"tools/call","params":{"name":"get","Arguments":{"k":"a"}}}`},
		{name: "a key with an escape", who: alice, body: `{"jsonrpc":"2.0","id":63,"method":"tools/call","p\u0061rams":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "a key folding to params", who: alice, body: `{"jsonrpc":"2.0","id":64,"method":"tools/call","param\u017f":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "non-ASCII key folding to params", who: alice, body: "{\"jsonrpc\":\"2.0\",\"id\":65,\"method\":\"tools/call\",\"param\u017f\":{\"name\":\"get\",\"arguments\":{\"k\":\"a\"}}}"},
		{name: "duplicate name", who: alice, body: `{"jsonrpc":"2.0","id":66,"method":"tools/call","params":{"name":"nope","name":"get","arguments":{"k":"a"}}}`},
		{name: "duplicate arguments", who: alice, body: `{"jsonrpc":"2.0","id":67,"method":"tools/call","params":{"name":"get","arguments":{"k":"zz"},"arguments":{"k":"a"}}}`},
		{name: "duplicate params", who: alice, body: `{"jsonrpc":"2.0","id":68,"method":"tools/call","params":{"name":"nope"},"params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "duplicate method", who: alice, body: `{"jsonrpc":"2.0","id":69,"method":"tools/list","method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "duplicate id", who: alice, body: `{"jsonrpc":"2.0","id":70,"id":71,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "duplicate jsonrpc", who: alice, body: `{"jsonrpc":"1.0","jsonrpc":"2.0","id":72,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "escape in method", who: alice, body: `{"jsonrpc":"2.0","id":73,"method":"tools\/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "escape in name", who: alice, body: `{"jsonrpc":"2.0","id":74,"method":"tools/call","params":{"name":"g\u0065t","arguments":{"k":"a"}}}`},
		{name: "escape in jsonrpc", who: alice, body: `{"jsonrpc":"\u0032.0","id":75,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "_meta not an object", who: alice, body: `{"jsonrpc":"2.0","id":76,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"_meta":5}}`},
		{name: "inputResponses", who: alice, body: `{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"inputResponses":{}}}`},
		{name: "trailing comma", who: alice, body: `{"jsonrpc":"2.0","id":78,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},}}`},
		{name: "a bad escape in the arguments", who: alice, body: `{"jsonrpc":"2.0","id":79,"method":"tools/call","params":{"name":"get","arguments":{"k":"\0"}}}`},
		{name: "more after the message", who: alice, body: `{"jsonrpc":"2.0","id":80,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}} {}`},
		{name: "invalid UTF-8 in name", who: alice, body: "{\"jsonrpc\":\"2.0\",\"id\":81,\"method\":\"tools/call\",\"params\":{\"name\":\"get\xff\",\"arguments\":{\"k\":\"a\"}}}"},
		{name: "a number beyond float64 in the arguments", who: alice, body: call("83", "get", `{"k":"a","n":[1e400]}`)},
		{name: "a number beyond float64 in _meta", who: alice,
			body: `{"jsonrpc":"2.0","id":84,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"_meta":{"n":-2e308}}}`},
		{name: "result", who: alice, body: `{"jsonrpc":"2.0","id":82,"result":{},"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "unknown tool", who: alice, body: call("40", "nope", `{}`), see: "tool 'nope' not found"},
		{name: "hidden tool", who: alice, body: call("41", "staff_only", `{}`), see: "tool 'staff_only' not found"},
		{name: "hidden for a missing claim", who: noOrg, body: call("42", "my_org", `{}`)},
		{name: "fractional id", who: alice, body: call("43.5", "get", `{"k":"a"}`)},
		{name: "exponent id", who: alice, body: call("1e3", "get", `{"k":"a"}`)},
		{name: "object id", who: alice, body: call(`{"a":1}`, "get", `{"k":"a"}`)},
		{name: "null id", who: alice, body: call("null", "get", `{"k":"a"}`)},
		{name: "jsonrpc 1.0", who: alice, body: `{"jsonrpc":"1.0","id":44,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "no jsonrpc", who: alice, body: `{"id":45,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`},
		{name: "params not an object", who: alice, body: `{"jsonrpc":"2.0","id":46,"method":"tools/call","params":[1]}`},
		{name: "name not a string", who: alice, body: `{"jsonrpc":"2.0","id":47,"method":"tools/call","params":{"name":7}}`},
		{name: "arguments not JSON", who: alice, body: `{"jsonrpc":"2.0","id":48,"method":"tools/call","params":{"name":"get","arguments":{"k":}}}`},
		{name: "task", who: alice, body: `{"jsonrpc":"2.0","id":49,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"task":{"ttl":1000}}}`},
		{name: "protocol 2026-07-28", who: alice,
			body: `{"jsonrpc":"2.0","id":50,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`},
		{name: "another method", who: alice, body: `{"jsonrpc":"2.0","id":51,"method":"tools/list"}`},
	}
	direct := 0
	for _, tc := range tests {
		if tc.direct {
			direct++
		}
		t.Run(tc.name, func(t *testing.T) {
			level := tc.level
			if level == "" {
				level = mcp.LoggingLevelError
			}
			viaHandle.sess.SetLogLevel(level)
			viaDirect.sess.SetLogLevel(level)
			want, _ := viaHandle.send(t, tc.who, tc.body, false)
			got, direct := viaDirect.send(t, tc.who, tc.body, true)
			if direct != tc.direct {
				t.Errorf("DirectCall answered: %t, want %t", direct, tc.direct)
			}
			if got.answer != want.answer {
				t.Errorf("answers differ:\n direct %s\n handle %s", got.answer, want.answer)
			}
			gotAudit, _ := json.Marshal(got.audit)
			wantAudit, _ := json.Marshal(want.audit)
			if string(gotAudit) != string(wantAudit) {
				t.Errorf("audit records differ:\n direct %s\n handle %s", gotAudit, wantAudit)
			}
			if !slices.Equal(got.notes, want.notes) {
				t.Errorf("notifications differ:\n direct %q\n handle %q", got.notes, want.notes)
			}
			if !slices.Equal(got.hooks, want.hooks) {
				t.Errorf("hook calls differ:\n direct %q\n handle %q", got.hooks, want.hooks)
			}
			// What the case is about happened, on the direct side too.
			if !strings.Contains(got.answer, tc.see) {
				t.Errorf("the answer %s does not say %q", got.answer, tc.see)
			}
			if strings.Contains(got.answer, "always panics") {
				t.Errorf("the answer %s quotes the panic: the client must only hear that the tool failed", got.answer)
			}
			if tc.notes && len(got.notes) == 0 {
				t.Error("the client heard nothing")
			}
			if tc.direct && !tc.quiet && len(got.audit) == 0 {
				t.Error("the call answered directly left no audit record")
			}
			for _, rec := range got.audit {
				if rec["outcome"] == nil || rec["outcome"] == "" {
					t.Errorf("an audit record without an outcome: %v", rec)
				}
				if tc.class != "" && rec["error_class"] != tc.class {
					t.Errorf("error_class %v, want %s", rec["error_class"], tc.class)
				}
			}
		})
	}
	if n := viaDirect.srv.DirectCalls(); n != uint64(direct) {
		t.Errorf("DirectCall answered %d calls, want %d", n, direct)
	}
}

// TestDirectCallSessionWithTools: a session with tools of its own is left
// to HandleMessage, which looks there first; its tool is the one run.
func TestDirectCallSessionWithTools(t *testing.T) {
	up := newUpstream(t)
	s := newSide(t, up.URL)
	own := toolsSession{newNoteSession("own-tools")}
	own.tools = map[string]server.ServerTool{"get": {
		Tool: mcp.NewTool("get"),
		Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("the session's own get"), nil
		},
	}}
	if err := s.srv.MCP().RegisterSession(context.Background(), own); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get","arguments":{"k":"a"}}}`)
	ctx := s.srv.MCP().WithContext(as(&runtime.Principal{Subject: "alice"}), own)
	if resp, ok := s.srv.DirectCall(ctx, json.RawMessage(`1`), body); ok {
		t.Fatalf("DirectCall answered a session with tools of its own: %+v", resp)
	}
	out, err := json.Marshal(s.srv.MCP().HandleMessage(ctx, body))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "the session's own get") {
		t.Errorf("HandleMessage answered %s, want the session's tool", out)
	}
	// Also when the session's tools do not include the one called.
	own.tools = map[string]server.ServerTool{}
	if resp, ok := s.srv.DirectCall(ctx, json.RawMessage(`1`), body); ok {
		t.Fatalf("DirectCall answered a session with tools of its own: %+v", resp)
	}
	if n := s.srv.DirectCalls(); n != 0 {
		t.Errorf("DirectCalls = %d, want 0", n)
	}
}
