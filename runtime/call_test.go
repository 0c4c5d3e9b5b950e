package runtime_test

// The per-call path, end to end: every way a tools/call can end, each seen
// as the client sees it (the tool result), as the reviewer sees it (the
// audit record) and with nothing of the driver or the upstream in the text.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime"
)

// upstream is an HTTP service whose handlers the test can hold and watch.
type upstream struct {
	*httptest.Server
	held    chan struct{} // /hold: a request arrived
	release chan struct{} // /hold: let it answer
	waiting chan struct{} // /wait: a request arrived
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{held: make(chan struct{}, 1), release: make(chan struct{}), waiting: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	})
	// Neither answers: only the caller's deadline or cancellation ends them.
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/wait", func(w http.ResponseWriter, r *http.Request) {
		u.waiting <- struct{}{}
		<-r.Context().Done()
	})
	mux.HandleFunc("/hold", func(w http.ResponseWriter, r *http.Request) {
		u.held <- struct{}{}
		select {
		case <-u.release:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"held":true}`)
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream-secret-body: panic at db.go:42", http.StatusInternalServerError)
	})
	u.Server = httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(u.Close)
	return u
}

// callConfig declares one tool for every way a call can end.
func callConfig(db, upstreamURL string) string {
	return fmt.Sprintf(`
server { name = "calls" }

source "sql" "db" {
  driver = "sqlite"
  dsn    = %q
  seed   = <<-SQL
    CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
    INSERT INTO kv VALUES ('a', 'one'), ('b', 'two');
  SQL
}

source "http" "up" {
  base_url = %q
}

tool "get" {
  description = "A value by key."
  source      = source.sql.db
  param "k" { type = "string" }
  sql    = "SELECT k, v FROM kv WHERE k = :k"
  result {
    one       = true
    not_found = "No such key."
  }
}

tool "staff_only" {
  description = "Only staff may call it."
  source      = source.sql.db
  guard       = "'staff' in principal.scopes"
  sql         = "SELECT count(*) AS n FROM kv"
  result { one = true }
}

tool "only_a" {
  description = "The guard reads the arguments."
  source      = source.sql.db
  guard       = "args.k == 'a'"
  param "k" { type = "string" }
  sql    = "SELECT v FROM kv WHERE k = :k"
  result { one = true }
}

tool "my_org" {
  description = "Bound to the caller's organization."
  source      = source.sql.db
  bind "org" {
    from = "principal.claims.org"
  }
  sql    = "SELECT :org AS org"
  result { one = true }
}

tool "limited" {
  description = "One call an hour."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 1
  }
}

tool "held" {
  description = "One at a time; the upstream answers when the test says."
  source      = source.http.up
  max_concurrency = 1
  method = "GET"
  path   = "/hold"
}

tool "slow" {
  description = "The upstream never answers."
  source      = source.http.up
  timeout     = "50ms"
  method = "GET"
  path   = "/block"
}

tool "cancellable" {
  description = "The upstream never answers; the client gives up."
  source      = source.http.up
  method = "GET"
  path   = "/wait"
}

tool "put" {
  description = "Inserts a key."
  source      = source.sql.db
  read_only   = false
  param "k" { type = "string" }
  param "v" {
    type      = "string"
    sensitive = true
  }
  sql = "INSERT INTO kv (k, v) VALUES (:k, :v)"
}

tool "upstream_fail" {
  description = "The upstream answers 500."
  source      = source.http.up
  method = "GET"
  path   = "/fail"
}

tool "cached" {
  description = "A value, cached per caller."
  source      = source.sql.db
  param "k" { type = "string" }
  sql    = "SELECT v FROM kv WHERE k = :k"
  result { one = true }
  cache { ttl = "1h" }
}

tool "about" {
  description = "What this server is."
  content "text" {
    text = "A server for the runtime's tests."
  }
}

tool "declared_error" {
  description = "Always a declared error."
  is_error    = true
  content "text" {
    text = "Not today."
  }
}
`, db, upstreamURL)
}

// TestCallPath: each way a tools/call ends, as the client and the audit
// trail see it.
func TestCallPath(t *testing.T) {
	up := newUpstream(t)
	dir := t.TempDir()
	paths := writeFiles(t, dir, "calls.hcl", callConfig(filepath.Join(dir, "calls.db"), up.URL))
	h := serve(t, build(t, paths...))

	alice := &runtime.Principal{Subject: "alice", Scopes: []string{"orders.read"}, Claims: map[string]any{"org": "acme"}}
	noOrg := &runtime.Principal{Subject: "bob"}
	// Nothing the driver or the upstream said reaches a client.
	leaks := []string{"sqlite", "SQL", "constraint", "UNIQUE", "upstream-secret-body", "db.go", "context deadline",
		"context canceled", strings.TrimPrefix(up.URL, "http://")}

	tests := []struct {
		name string
		who  *runtime.Principal
		tool string
		args any
		// before runs first (a call that fills a bucket or the cache);
		// hold starts a call that stays in flight during the one tested
		// and returns a function that ends it and checks its result.
		before func(t *testing.T)
		hold   func(t *testing.T) (end func())
		ctx    func(t *testing.T) context.Context

		wantRPCError string // mcp-go's own answer: the tool is unknown, or hidden
		isError      bool
		text         string // a part of the result's text
		outcome      string
		class        string
		cached       bool
	}{
		{name: "ok", who: alice, tool: "get", args: map[string]any{"k": "a"},
			text: `{"k":"a","v":"one"}`, outcome: "ok"},
		{name: "no row", who: alice, tool: "get", args: map[string]any{"k": "zz"},
			isError: true, text: "No such key.", outcome: "error", class: "tool"},
		{name: "unknown tool", who: alice, tool: "nope", args: map[string]any{},
			wantRPCError: "tool 'nope' not found: tool not found", outcome: "invalid", class: "unknown"},
		{name: "unknown argument", who: alice, tool: "get", args: map[string]any{"k": "a", "extra": 1},
			isError: true, text: `"extra"`, outcome: "invalid", class: "arguments"},
		{name: "wrong type", who: alice, tool: "get", args: map[string]any{"k": 7},
			isError: true, text: `argument "k" must be a string`, outcome: "invalid", class: "arguments"},
		{name: "arguments not an object", who: alice, tool: "get", args: []int{1},
			isError: true, text: "object", outcome: "invalid", class: "arguments"},
		{name: "bind passed as an argument", who: alice, tool: "my_org", args: map[string]any{"org": "globex"},
			isError: true, text: `"org"`, outcome: "invalid", class: "arguments"},
		// A tool the caller could never call answers as an unknown one,
		// whatever its arguments: they are not validated.
		{name: "hidden tool", who: alice, tool: "staff_only", args: map[string]any{},
			wantRPCError: "tool 'staff_only' not found: tool not found", outcome: "denied", class: "policy"},
		{name: "hidden tool, invalid arguments", who: alice, tool: "staff_only", args: map[string]any{"x": []int{1}},
			wantRPCError: "tool 'staff_only' not found: tool not found", outcome: "denied", class: "policy"},
		{name: "guard false for these arguments", who: alice, tool: "only_a", args: map[string]any{"k": "b"},
			isError: true, text: "Permission denied", outcome: "denied", class: "policy"},
		{name: "guard true for these arguments", who: alice, tool: "only_a", args: map[string]any{"k": "a"},
			text: `{"v":"one"}`, outcome: "ok"},
		{name: "bind needs a missing claim", who: noOrg, tool: "my_org", args: map[string]any{},
			wantRPCError: "tool 'my_org' not found: tool not found", outcome: "denied", class: "policy"},
		{name: "bind", who: alice, tool: "my_org", args: map[string]any{},
			text: `{"org":"acme"}`, outcome: "ok"},
		{name: "rate limited", who: alice, tool: "limited", args: map[string]any{},
			before: func(t *testing.T) {
				if res := h.call(t, as(alice), "limited", map[string]any{}); res.IsError {
					t.Fatalf("the first call was refused: %s", res.text())
				}
			},
			isError: true, text: "Rate limit exceeded: tool limited allows 1 call per hour, in bursts of up to 1. Try again in ",
			outcome: "rate_limited", class: "rate"},
		{name: "concurrency cap", who: alice, tool: "held", args: map[string]any{},
			hold: func(t *testing.T) func() {
				type answer struct {
					resp rpcResponse
					err  error
				}
				done := make(chan answer, 1)
				go func() {
					resp, err := h.send(as(alice), "tools/call", map[string]any{"name": "held", "arguments": map[string]any{}})
					done <- answer{resp, err}
				}()
				<-up.held // the first call holds the only slot
				return func() {
					up.release <- struct{}{}
					a := <-done
					if a.err != nil {
						t.Fatal(a.err)
					}
					var res toolResult
					a.resp.decode(t, &res)
					if res.IsError || res.StructuredContent["held"] != true {
						t.Errorf("the call holding the slot: %+v", res)
					}
				}
			},
			isError: true, text: "Too many calls: tool held runs at most 1 at a time.", outcome: "rate_limited", class: "concurrency"},
		{name: "timeout", who: alice, tool: "slow", args: map[string]any{},
			isError: true, text: "The tool timed out after 50ms and was cancelled", outcome: "timeout"},
		{name: "cancelled by the client", who: alice, tool: "cancellable", args: map[string]any{},
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithCancel(as(alice))
				t.Cleanup(cancel)
				go func() {
					select {
					case <-up.waiting: // the call reached the upstream: the client gives up
						cancel()
					case <-ctx.Done():
					}
				}()
				return ctx
			},
			isError: true, text: "The call was cancelled.", outcome: "error", class: "cancelled"},
		{name: "backend error", who: alice, tool: "put", args: map[string]any{"k": "a", "v": "dup"},
			isError: true, text: "The tool failed on the server side (request id ", outcome: "error", class: "backend"},
		{name: "write ok", who: alice, tool: "put", args: map[string]any{"k": "c", "v": "three"},
			text: `{"rows_affected":1}`, outcome: "ok"},
		{name: "upstream 500", who: alice, tool: "upstream_fail", args: map[string]any{},
			isError: true, text: "500", outcome: "error", class: "tool"},
		{name: "cache hit", who: alice, tool: "cached", args: map[string]any{"k": "b"},
			before: func(t *testing.T) {
				res := h.call(t, as(alice), "cached", map[string]any{"k": "b"})
				if rec := h.last(t); res.IsError || rec.Cached {
					t.Fatalf("the first call: %s, cached %v", res.text(), rec.Cached)
				}
			},
			text: `{"v":"two"}`, outcome: "ok", cached: true},
		{name: "cache is per caller", who: noOrg, tool: "cached", args: map[string]any{"k": "b"},
			text: `{"v":"two"}`, outcome: "ok", cached: false},
		{name: "fixed content", who: alice, tool: "about", args: map[string]any{},
			text: "A server for the runtime's tests.", outcome: "ok"},
		{name: "fixed content declared an error", who: alice, tool: "declared_error", args: map[string]any{},
			isError: true, text: "Not today.", outcome: "error", class: "tool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			if tt.hold != nil {
				end := tt.hold(t)
				defer end()
			}
			ctx := as(tt.who)
			if tt.ctx != nil {
				ctx = tt.ctx(t)
			}
			before := len(h.records(t))
			resp := h.rpc(t, ctx, "tools/call", map[string]any{"name": tt.tool, "arguments": tt.args})

			if tt.wantRPCError != "" {
				if resp.Error == nil || resp.Error.Code != mcp.INVALID_PARAMS || resp.Error.Message != tt.wantRPCError {
					t.Fatalf("got %s %+v, want the JSON-RPC error %d %q", resp.Result, resp.Error, mcp.INVALID_PARAMS, tt.wantRPCError)
				}
			} else {
				var res toolResult
				resp.decode(t, &res)
				text := res.text()
				if res.IsError != tt.isError || !strings.Contains(text, tt.text) {
					t.Errorf("result: isError %v, %q; want isError %v with %q", res.IsError, text, tt.isError, tt.text)
				}
				for _, s := range leaks {
					if strings.Contains(text, s) {
						t.Errorf("the result leaks %q: %q", s, text)
					}
				}
			}

			recs := h.records(t)[before:]
			if len(recs) != 1 {
				t.Fatalf("%d audit records, want 1: %+v", len(recs), recs)
			}
			type audited struct {
				tool, subject, transport, outcome, class string
				cached                                   bool
			}
			r := recs[0]
			got := audited{r.Tool, r.Subject, r.Transport, r.Outcome, r.ErrorClass, r.Cached}
			want := audited{tt.tool, tt.who.Subject, "http", tt.outcome, tt.class, tt.cached}
			if got != want {
				t.Errorf("audit record\n got %+v\nwant %+v", got, want)
			}
		})
	}

	t.Run("hidden tool is not listed", func(t *testing.T) {
		for _, c := range []struct {
			who    *runtime.Principal
			hidden []string
			shown  []string
		}{
			{alice, []string{"staff_only"}, []string{"get", "my_org", "only_a", "about"}},
			{noOrg, []string{"staff_only", "my_org"}, []string{"get", "only_a"}},
			{&runtime.Principal{Subject: "s", Scopes: []string{"staff"}}, nil, []string{"staff_only"}},
		} {
			names := h.listTools(t, as(c.who))
			for _, n := range c.hidden {
				if slices.Contains(names, n) {
					t.Errorf("%s sees %s: %v", c.who.Subject, n, names)
				}
			}
			for _, n := range c.shown {
				if !slices.Contains(names, n) {
					t.Errorf("%s does not see %s: %v", c.who.Subject, n, names)
				}
			}
		}
	})

	t.Run("audit redacts sensitive arguments", func(t *testing.T) {
		for _, args := range []map[string]any{
			{"k": "d", "v": "hunter2"},                 // valid
			{"k": "d", "v": "hunter2", "x": true},      // invalid: recorded as sent
			{"k": "e", "v": strings.Repeat("x", 5000)}, // valid, long
		} {
			h.call(t, as(alice), "put", args)
			rec := h.last(t)
			if rec.Args["v"] != "[redacted]" || rec.Args["k"] != args["k"] {
				t.Errorf("audit args %v for %v", rec.Args, args["k"])
			}
		}
		if strings.Contains(h.trail.String(), "hunter2") {
			t.Errorf("a sensitive value reached the audit trail")
		}
		// An invalid call too large to record is recorded by its size.
		h.call(t, as(alice), "get", map[string]any{"k": strings.Repeat("y", 5000), "extra": 1})
		if rec := h.last(t); rec.Outcome != "invalid" || rec.Args["_truncated_bytes"] == nil {
			t.Errorf("an oversized invalid call is audited as %+v", rec)
		}
	})

	t.Run("the log has the cause the client was not told", func(t *testing.T) {
		if logs := h.logs.String(); !strings.Contains(logs, "UNIQUE constraint failed") {
			t.Errorf("the backend error is not in the operator's log:\n%s", logs)
		}
	})
}
