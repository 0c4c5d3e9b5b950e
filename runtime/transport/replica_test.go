package transport_test

// Confirmations across replicas and restarts: a session's declared
// capabilities travel in its id, a question pending at shutdown is
// withdrawn, and an answer that comes after is audited.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// confirmedTool is a tool on the upstream that runs only once the user
// confirmed it: a call that reaches the upstream is one that ran.
const confirmedTool = `
tool "confirmed" {
  description = "Waits for the upstream, once the user confirmed."
  source      = source.http.up
  guard       = "true"
  timeout     = "10m"
  method      = "GET"
  path        = "/v1/slow"
  confirm {
    message = "Go ahead?"
    timeout = "10m"
  }
}
`

// user answers elicitation/create for the test: it tells asked of each
// question, then gives answer once the test closes reply.
type user struct {
	asked  chan string // the question's message
	reply  chan struct{}
	answer mcp.ElicitationResponseAction
}

func newUser(answer mcp.ElicitationResponseAction) *user {
	return &user{asked: make(chan string, 16), reply: make(chan struct{}), answer: answer}
}

func (u *user) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	u.asked <- req.Params.Message
	select {
	case <-u.reply:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: u.answer}}, nil
}

// connectAs connects mcp-go's client to url over Streamable HTTP with
// protocol 2025-11-25; with a user, it declares elicitation and asks u.
func connectAs(t *testing.T, url string, u *user) *client.Client {
	t.Helper()
	tr, err := mcptransport.NewStreamableHTTP(url, mcptransport.WithHTTPLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	var opts []client.ClientOption
	if u != nil {
		opts = append(opts, client.WithElicitationHandler(u))
	}
	c := client.NewClient(tr, opts...)
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c, mcp.ProtocolVersion20251125)
	return c
}

// balancer forwards every request to one replica, the one the test points
// it at: HAProxy's failover, on a loopback port.
type balancer struct {
	url    string
	target atomic.Pointer[url.URL]
}

func newBalancer(t *testing.T) *balancer {
	t.Helper()
	b := &balancer{}
	srv := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(b.target.Load())
	}})
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

func (b *balancer) sendTo(t *testing.T, e *endpoint) {
	t.Helper()
	u, err := url.Parse(e.base)
	if err != nil {
		t.Fatal(err)
	}
	b.target.Store(u)
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// TestReplicaKnowsClientCapabilities: a session initialized on one
// replica and served by another that shares its session key (failover, or
// a restart) keeps what its client declared. A client that declared
// elicitation is asked there, and its accepted call runs once; one that
// did not is refused as it would have been on the first replica.
func TestReplicaKnowsClientCapabilities(t *testing.T) {
	key := transport.RandomSessionKey()
	cases := []struct {
		name string
		user *user
	}{
		{"declared elicitation", newUser(mcp.ElicitationResponseActionAccept)},
		{"declared nothing", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up := newUpstream(t)
			up.release()
			config := serverBlock + up.source() + confirmedTool
			first, _ := newServer(t, config)
			replica, replicaLogs := newServer(t, config)
			withKey := options(func(o *transport.HTTPOptions) { o.SessionKey = key })
			lb := newBalancer(t)
			lb.sendTo(t, serveHTTP(t, first, withKey))
			c := connectAs(t, lb.url+withKey.Path, tc.user)
			if session := c.GetSessionId(); !strings.HasPrefix(session, "s2_") {
				t.Fatalf("session id %q, want an s2_ one", session)
			}

			lb.sendTo(t, serveHTTP(t, replica, withKey))
			if tc.user != nil {
				close(tc.user.reply)
			}
			res := callTool(t, c, "confirmed", nil)
			if tc.user == nil {
				if text := resultText(res); !res.IsError || !strings.Contains(text, "cannot ask") {
					t.Errorf("the replica served a client that declared nothing with %q, want it refused", text)
				}
				if len(up.arrived) != 0 {
					t.Error("the unconfirmed call ran")
				}
				return
			}
			if res.IsError {
				t.Fatalf("the replica refused the confirmed call: %s", resultText(res))
			}
			if got := <-tc.user.asked; got != "Go ahead?" {
				t.Errorf("the user was asked %q", got)
			}
			if n := len(up.arrived); n != 1 {
				t.Errorf("the call reached the upstream %d times, want once", n)
			}
			if recs := auditedIn(t, replicaLogs.String(), map[string]any{"tool": "confirmed", "outcome": "ok", "reason": "confirmed by the user"}); len(recs) != 1 {
				t.Errorf("the replica audited %d confirmed calls, want 1:\n%s", len(recs), replicaLogs)
			}
		})
	}
}

// TestShutdownWithdrawsQuestions: when shutdown begins, every call waiting
// for its user's answer ends at once with ErrRestarting, nothing run,
// audited as a withdrawn confirmation; ServeStreamable does not wait for
// the answers. A call that comes while the replica drains is not asked.
func TestShutdownWithdrawsQuestions(t *testing.T) {
	up := newUpstream(t)
	srv, logs := newServer(t, serverBlock+up.source()+confirmedTool)
	e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.Grace = longGrace }))
	users := []*user{newUser(mcp.ElicitationResponseActionAccept), newUser(mcp.ElicitationResponseActionAccept)}
	var calls []<-chan callResult
	for _, u := range users {
		c := connectAs(t, e.url, u)
		done := make(chan callResult, 1)
		go func() {
			res, err := c.CallTool(context.Background(), callRequest("confirmed", nil))
			done <- callResult{res, err}
		}()
		calls = append(calls, done)
		select {
		case <-u.asked:
		case r := <-done:
			t.Fatalf("the call ended before asking: %+v", r)
		}
	}

	e.stop()
	for i, done := range calls {
		r := awaitCall(t, done)
		if r.err != nil {
			t.Fatalf("call %d: %v", i, r.err)
		}
		if text := resultText(r.res); !r.res.IsError || !strings.Contains(text, runtime.ErrRestarting.Error()) {
			t.Errorf("call %d ended with %q, want the restarting error", i, text)
		}
	}
	if err := e.returned(t); err != nil {
		t.Errorf("ServeStreamable: %v", err)
	}
	if strings.Contains(logs.String(), "grace period") {
		t.Errorf("the questions held shutdown for the grace period:\n%s", logs)
	}
	want := map[string]any{"tool": "confirmed", "outcome": "error", "error_class": "confirmation", "reason": "withdrawn: the server is restarting"}
	if recs := auditedIn(t, logs.String(), want); len(recs) != len(users) {
		t.Errorf("%d withdrawn confirmations audited, want %d:\n%s", len(recs), len(users), logs)
	}

	// While a replica drains (its drain delay), a new call is not asked.
	draining, drainingLogs := newServer(t, serverBlock+up.source()+confirmedTool)
	asked := newUser(mcp.ElicitationResponseActionAccept)
	c := connectAs(t, serveHTTP(t, draining, options(nil)).url, asked)
	draining.BeginShutdown()
	if res := callTool(t, c, "confirmed", nil); !res.IsError || !strings.Contains(resultText(res), runtime.ErrRestarting.Error()) {
		t.Errorf("a call while draining ended with %q, want the restarting error", resultText(res))
	}
	if len(asked.asked) != 0 {
		t.Error("a user was asked while the replica drained")
	}
	if recs := auditedIn(t, drainingLogs.String(), want); len(recs) != 1 {
		t.Errorf("%d withdrawn confirmations audited while draining, want 1:\n%s", len(recs), drainingLogs)
	}
	if n := len(up.arrived); n != 0 {
		t.Errorf("%d withdrawn calls ran", n)
	}
}

// TestStdioShutdownWithdrawsQuestion: over stdio, once input ends no
// answer can come: the call waiting for one ends at once with
// ErrRestarting, nothing run, and ServeStdio returns without waiting out
// its grace.
func TestStdioShutdownWithdrawsQuestion(t *testing.T) {
	up := newUpstream(t)
	srv, logs := newServer(t, serverBlock+up.source()+confirmedTool)
	s := serveStdio(t, srv, longGrace)
	out := readOutput(t, s.stdout)
	s.send(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{}},"clientInfo":{"name":"t","version":"1"}}}`)
	out.until(t, `"id":1`)
	s.send(t, stdioInitialized)
	s.send(t, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"confirmed","arguments":{}}}`)
	out.until(t, `"method":"elicitation/create"`)

	s.stdin.Close()
	answer := out.until(t, `"id":2`)
	var rpc struct {
		Result mcp.CallToolResult `json:"result"`
	}
	if err := json.Unmarshal([]byte(answer), &rpc); err != nil {
		t.Fatalf("answer %s: %v", answer, err)
	}
	if text := resultText(&rpc.Result); !rpc.Result.IsError || !strings.Contains(text, runtime.ErrRestarting.Error()) {
		t.Errorf("the call ended with %s, want the restarting error", answer)
	}
	s.awaitReturn(t)
	if strings.Contains(logs.String(), "grace period") {
		t.Errorf("the question held shutdown for the grace period:\n%s", logs)
	}
	want := map[string]any{"tool": "confirmed", "outcome": "error", "error_class": "confirmation", "reason": "withdrawn: the server is restarting"}
	if recs := auditedIn(t, logs.String(), want); len(recs) != 1 {
		t.Errorf("%d withdrawn confirmations audited, want 1:\n%s", len(recs), logs)
	}
	if n := len(up.arrived); n != 0 {
		t.Errorf("the withdrawn call ran %d times", n)
	}
}

// TestAnswerNobodyWaitsFor: an answer posted on a live session to a
// request no call waits for (asked before a restart, or withdrawn) is
// refused with 400 and audited as a stale answer, naming its caller and
// its id, so an operator sees what a restart cost; an answer on a session
// that was ended, or never issued to the caller, stays a 404 of the gate.
func TestAnswerNobodyWaitsFor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.hcl")
	if err := os.WriteFile(path, []byte(serverBlock+sqlSource()+authConfig()), 0o600); err != nil {
		t.Fatal(err)
	}
	log := zerolog.New(newLogBuffer())
	gen, diags := runtime.Build(context.Background(), []string{path}, runtime.BuildOptions{Mode: runtime.BuildServe, Log: log})
	if diags.HasErrors() {
		t.Fatalf("build: %s", diags.Error())
	}
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	auditFile, err := os.Create(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := runtime.NewServer(gen, runtime.ServerOptions{Log: log, Audit: audit.New(auditFile), Metrics: metrics.New()})
	t.Cleanup(srv.Close)
	e := serveHTTP(t, srv, options(nil))

	post := func(session, body string) answer {
		req := mcpRequest(t, e.url, body)
		req.Header.Set("Authorization", "Bearer "+testKey)
		if session != "" {
			req.Header.Set(mcp.HeaderSessionID, session)
			req.Header.Set(mcp.HeaderProtocolVersion, mcp.ProtocolVersion20251125)
		}
		return do(t, req)
	}
	open := func() string {
		init := post("", initializeBody)
		if init.status != http.StatusOK || init.header.Get(mcp.HeaderSessionID) == "" {
			t.Fatalf("initialize: status %d (%s)", init.status, init.body)
		}
		return init.header.Get(mcp.HeaderSessionID)
	}
	answerTo := func(id int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":{"action":"accept"}}`, id)
	}
	stale := func() []map[string]any {
		data, err := os.ReadFile(auditPath)
		if err != nil {
			t.Fatal(err)
		}
		return auditedIn(t, string(data), map[string]any{"error_class": "stale_answer"})
	}

	live := open()
	if got := post(live, answerTo(42)); got.status != http.StatusBadRequest {
		t.Errorf("an answer nobody waits for: status %d (%s), want 400", got.status, got.body)
	}
	recs := stale()
	if len(recs) != 1 {
		t.Fatalf("%d stale answers audited, want 1", len(recs))
	}
	r := recs[0]
	if r["session_id"] != live || r["subject"] != "svc-test" || r["remote"] == "" || !strings.Contains(fmt.Sprint(r["reason"]), "request 42") {
		t.Errorf("stale answer record %v: want its session, its caller and the id 42", r)
	}

	ended := open()
	endReq := mcpRequest(t, e.url, "")
	endReq.Method = http.MethodDelete
	endReq.Header.Set("Authorization", "Bearer "+testKey)
	endReq.Header.Set(mcp.HeaderSessionID, ended)
	if got := do(t, endReq); got.status != http.StatusOK {
		t.Fatalf("DELETE: status %d (%s)", got.status, got.body)
	}
	for name, session := range map[string]string{"ended": ended, "never issued": forged()} {
		if got := post(session, answerTo(43)); got.status != http.StatusNotFound {
			t.Errorf("an answer on a session %s: status %d (%s), want 404", name, got.status, got.body)
		}
	}
	if n := len(stale()); n != 1 {
		t.Errorf("%d stale answers audited after the 404s, want still 1", n)
	}
}
