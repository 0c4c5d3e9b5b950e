package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// stockConfig is one source and a few tools; %s is the upstream's URL.
const stockConfig = `
source "http" "inventory" {
  base_url = "%s/api"
  headers  = { Authorization = "Bearer server-s3cret-token", "X-Api-Key" = "key-0123456789" }
  timeout  = "30s"
  max_response_bytes = "1KB"
  retry {
    attempts = 3
    backoff  = "1ms"
    max_backoff = "2ms"
    statuses = [500, 502, 503]
  }
}

tool "stock" {
  description = "Stock of one SKU."
  source = source.http.inventory
  param "sku" { type = "string" }
  method = "GET"
  path   = "/v1/stock/{sku}"
}

tool "search" {
  description = "Search."
  source = source.http.inventory
  param "q" { type = "string" }
  param "tags" {
    type = "array"
    items = "string"
    required = false
  }
  param "note" {
    type = "string"
    required = false
  }
  method = "GET"
  path   = "/v1/search"
  query {
    q    = "args.q"
    tag  = "has(args.tags) ? args.tags : null"
  }
  headers {
    X-Note = "has(args.note) ? args.note : null"
  }
}

tool "reserve" {
  description = "Reserve."
  source = source.http.inventory
  read_only = false
  param "sku" { type = "string" }
  param "qty" { type = "integer" }
  method = "POST"
  path   = "/v1/reservations"
  body   = "{'sku': args.sku, 'qty': args.qty}"
  result = "{'id': response.body.id, 'status': response.status, 'sku': args.sku}"
}

tool "reserve_retried" {
  description = "Reserve, retried."
  source = source.http.inventory
  read_only = false
  param "sku" { type = "string" }
  method = "POST"
  path   = "/v1/reservations"
  body   = "{'sku': args.sku}"
  retry_unsafe = true
}
`

func TestStatusesAndBodies(t *testing.T) {
	up := newUpstream(t, nil)
	_, tools := openConfig(t, stockConfig, up.URL)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string // the structured result as JSON; "" for an error
		err     []string
	}{
		{name: "json object", handler: jsonHandler(200, `{"sku": "TN-1",  "qty": 12345678901234567890}`),
			want: `{"sku":"TN-1","qty":12345678901234567890}`},
		{name: "json array wrapped", handler: jsonHandler(200, `[1, 2]`), want: `{"body":[1,2]}`},
		{name: "json scalar wrapped", handler: jsonHandler(200, `"ok"`), want: `{"body":"ok"}`},
		{name: "201 created", handler: jsonHandler(201, `{"id": 7}`), want: `{"id":7}`},
		{name: "204 no content", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }, want: `{}`},
		{name: "plain text wrapped", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "12 in stock")
		}, want: `{"body":"12 in stock"}`},
		{name: "html wrapped as text", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<p>12</p>")
		}, want: `{"body":"\u003cp\u003e12\u003c/p\u003e"}`},
		{name: "invalid json", handler: jsonHandler(200, `{"sku": `), err: []string{"not valid JSON"}},
		{name: "404 with a json message", handler: jsonHandler(404, `{"error": {"message": "no such sku\nTN-9"}}`),
			err: []string{"rejected the request: 404 Not Found: no such sku TN-9"}},
		{name: "400 with a text message", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(400)
			fmt.Fprint(w, strings.Repeat("bad sku ", 100))
		}, err: []string{"400 Bad Request: bad sku bad sku", "…"}},
		{name: "4xx echoing the server's credentials", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			json.NewEncoder(w).Encode(map[string]string{"message": "token " + r.Header.Get("Authorization") + " and key " + r.Header.Get("X-Api-Key") + " rejected"})
		}, err: []string{"401 Unauthorized: token [redacted] and key [redacted] rejected"}},
		{name: "500 after retries", handler: jsonHandler(500, `{"message": "stack trace with internals"}`),
			err: []string{"inventory service failed: it answered 500 Internal Server Error (3 attempts)"}},
		{name: "a 5xx body is not shown", handler: jsonHandler(501, `{"message": "internals"}`),
			err: []string{"answered 501 Not Implemented."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up.set(tt.handler)
			res, _, err := callTool(t, tools["stock"], map[string]any{"sku": "TN-1"})
			if tt.want == "" {
				msg := toolError(t, err, tt.err...)
				if strings.Contains(msg, "s3cret") || strings.Contains(msg, "0123456789") || strings.Contains(msg, "internals") {
					t.Errorf("tool error leaks: %q", msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			got, _ := json.Marshal(res.Structured)
			if string(got) != tt.want {
				t.Errorf("result = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRequestBuilding(t *testing.T) {
	up := newUpstream(t, jsonHandler(200, `{"id": 9}`))
	_, tools := openConfig(t, stockConfig, up.URL)

	t.Run("query, repeated and left out", func(t *testing.T) {
		if _, _, err := callTool(t, tools["search"], map[string]any{"q": "a&b=c", "tags": []any{"x y", "z"}}); err != nil {
			t.Fatal(err)
		}
		r := up.last(t)
		if got, want := r.URL.RawQuery, "q=a%26b%3Dc&tag=x+y&tag=z"; got != want {
			t.Errorf("query = %q, want %q", got, want)
		}
		if _, present := r.Header["X-Note"]; present {
			t.Errorf("X-Note sent without a note: %q", r.Header["X-Note"])
		}
		if _, _, err := callTool(t, tools["search"], map[string]any{"q": "a", "note": "hi"}); err != nil {
			t.Fatal(err)
		}
		if r := up.last(t); r.URL.RawQuery != "q=a" || r.Header.Get("X-Note") != "hi" {
			t.Errorf("query %q, X-Note %q; want q=a and hi", r.URL.RawQuery, r.Header.Get("X-Note"))
		}
	})

	t.Run("body is data and result shapes", func(t *testing.T) {
		var body []byte
		up.set(func(w http.ResponseWriter, r *http.Request) {
			body, _ = io.ReadAll(r.Body)
			jsonHandler(201, `{"id": 42, "internal": "x"}`)(w, r)
		})
		sku := `TN-1", "qty": 1000, "x": "`
		res, c, err := callTool(t, tools["reserve"], map[string]any{"sku": sku, "qty": int64(2)})
		if err != nil {
			t.Fatal(err)
		}
		var sent map[string]any
		if err := json.Unmarshal(body, &sent); err != nil || sent["sku"] != sku || sent["qty"] != 2.0 || len(sent) != 2 {
			t.Errorf("body = %s (%v), want the sku as one string and qty 2", body, err)
		}
		r := up.last(t)
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		got, _ := json.Marshal(res.Structured)
		if want := `{"id":42,"sku":"TN-1\", \"qty\": 1000, \"x\": \"","status":201}`; string(got) != want {
			t.Errorf("result = %s, want %s", got, want)
		}
		if c.Upstream.Status != 201 || c.Upstream.Attempts != 1 {
			t.Errorf("upstream = %+v, want status 201 after 1 attempt", c.Upstream)
		}
	})

	t.Run("server headers sent, response headers kept away", func(t *testing.T) {
		up.set(func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "upstream-cookie-value"})
			w.Header().Set("X-Internal", "internal-header-value")
			jsonHandler(200, `{"qty": 1}`)(w, r)
		})
		res, _, err := callTool(t, tools["stock"], map[string]any{"sku": "TN-1"})
		if err != nil {
			t.Fatal(err)
		}
		r := up.last(t)
		if r.Header.Get("Authorization") != "Bearer server-s3cret-token" || r.Header.Get("X-Api-Key") != "key-0123456789" {
			t.Errorf("upstream got Authorization %q, X-Api-Key %q", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
		}
		got, _ := json.Marshal(res.Structured)
		if strings.Contains(string(got), "upstream-cookie-value") || strings.Contains(string(got), "internal-header-value") {
			t.Errorf("response headers reached the result: %s", got)
		}
	})
}

// TestPathInjection: whatever a value holds, it is one segment under
// /api/v1/stock/, and nothing reaches another path.
func TestPathInjection(t *testing.T) {
	up := newUpstream(t, jsonHandler(200, `{}`))
	_, tools := openConfig(t, stockConfig, up.URL)
	for _, sku := range []string{"../admin", "../../admin", "a/b", "%2F", "%2e%2e", "?x=1", "#frag", "..", ".", "a b", "é", `\..\admin`, "//evil.example", "@evil.example", ";x"} {
		t.Run(sku, func(t *testing.T) {
			_, _, err := callTool(t, tools["stock"], map[string]any{"sku": sku})
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			r := up.last(t)
			rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v1/stock/")
			if !ok || strings.Contains(rest, "/") || r.URL.RawQuery != "" || r.Host != strings.TrimPrefix(up.URL, "http://") {
				t.Fatalf("request went to %s %s (query %q)", r.Host, r.URL.EscapedPath(), r.URL.RawQuery)
			}
			if got, _ := url.PathUnescape(rest); got != sku {
				t.Errorf("segment %q decodes to %q, want %q", rest, got, sku)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		before := up.count()
		_, _, err := callTool(t, tools["stock"], map[string]any{"sku": ""})
		toolError(t, err, "sku is empty")
		if up.count() != before {
			t.Error("the upstream was called")
		}
	})
}

func TestPathRefusedOutsideBase(t *testing.T) {
	up := newUpstream(t, jsonHandler(200, `{}`))
	// Under a base path, a value of .. would leave it for a server that
	// decodes %2E%2E: refused before sending.
	cfgText := strings.Replace(stockConfig, `path   = "/v1/stock/{sku}"`, `path   = "/{sku}"`, 1)
	_, tools := openConfig(t, cfgText, up.URL)
	_, _, err := callTool(t, tools["stock"], map[string]any{"sku": ".."})
	toolError(t, err, "outside the service")
	if up.count() != 0 {
		t.Errorf("the upstream was called %d times", up.count())
	}
}

func TestHeaderInjection(t *testing.T) {
	up := newUpstream(t, jsonHandler(200, `{}`))
	_, tools := openConfig(t, stockConfig, up.URL)
	for _, note := range []string{"a\r\nX-Evil: 1", "a\nX-Evil: 1", "a\rb", "a\x00b"} {
		_, _, err := callTool(t, tools["search"], map[string]any{"q": "x", "note": note})
		toolError(t, err, "header X-Note contains a line break")
	}
	if up.count() != 0 {
		t.Errorf("the upstream was called %d times", up.count())
	}
}

func TestRetries(t *testing.T) {
	var n atomic.Int32
	failTwice := func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			jsonHandler(503, `{}`)(w, r)
			return
		}
		jsonHandler(200, `{"ok": true}`)(w, r)
	}
	up := newUpstream(t, failTwice)
	_, tools := openConfig(t, stockConfig, up.URL)

	t.Run("GET is retried until it succeeds", func(t *testing.T) {
		n.Store(0)
		_, c, err := callTool(t, tools["stock"], map[string]any{"sku": "a"})
		if err != nil || c.Upstream.Attempts != 3 || c.Upstream.Status != 200 {
			t.Errorf("err %v, upstream %+v; want success on attempt 3", err, c.Upstream)
		}
	})
	t.Run("POST is not retried", func(t *testing.T) {
		n.Store(0)
		_, c, err := callTool(t, tools["reserve"], map[string]any{"sku": "a", "qty": int64(1)})
		toolError(t, err, "503 Service Unavailable")
		if c.Upstream.Attempts != 1 || n.Load() != 1 {
			t.Errorf("attempts %d, upstream saw %d; want 1", c.Upstream.Attempts, n.Load())
		}
	})
	t.Run("POST with retry_unsafe is retried", func(t *testing.T) {
		n.Store(0)
		_, c, err := callTool(t, tools["reserve_retried"], map[string]any{"sku": "a"})
		if err != nil || c.Upstream.Attempts != 3 {
			t.Errorf("err %v, upstream %+v; want success on attempt 3", err, c.Upstream)
		}
	})
	t.Run("a status not listed is not retried", func(t *testing.T) {
		up.set(jsonHandler(504, `{}`))
		_, c, err := callTool(t, tools["stock"], map[string]any{"sku": "a"})
		toolError(t, err, "504 Gateway Timeout")
		if c.Upstream.Attempts != 1 {
			t.Errorf("attempts %d, want 1", c.Upstream.Attempts)
		}
	})
	t.Run("a wait past the deadline is not started", func(t *testing.T) {
		up.set(jsonHandler(503, `{}`))
		slow := strings.Replace(stockConfig, `backoff  = "1ms"`, `backoff  = "1h"`, 1)
		slow = strings.Replace(slow, `max_backoff = "2ms"`, `max_backoff = "2h"`, 1)
		_, tools := openConfig(t, slow, up.URL)
		// With a one-hour wait and a one-minute call, sleeping would hang
		// the test; not sleeping answers with the first attempt's error.
		_, c, err := callTool(t, tools["stock"], map[string]any{"sku": "a"})
		toolError(t, err, "503 Service Unavailable")
		if c.Upstream.Attempts != 1 {
			t.Errorf("attempts %d, want 1", c.Upstream.Attempts)
		}
	})
}

// TestConnectionFaults: resets, refusals, and answers slower than the
// timeouts.
func TestConnectionFaults(t *testing.T) {
	var resets atomic.Int32
	reset := func(w http.ResponseWriter, r *http.Request) {
		resets.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.(*net.TCPConn).SetLinger(0) // close with RST
		conn.Close()
	}

	t.Run("reset on every attempt", func(t *testing.T) {
		up := newUpstream(t, reset)
		_, tools := openConfig(t, stockConfig, up.URL)
		resets.Store(0)
		_, c, err := callTool(t, tools["stock"], map[string]any{"sku": "a"})
		toolError(t, err, "inventory service is unreachable: the connection was reset (3 attempts)")
		if c.Upstream.Attempts != 3 || c.Upstream.Status != 0 || resets.Load() != 3 {
			t.Errorf("upstream %+v after %d resets; want 3 attempts, no status", c.Upstream, resets.Load())
		}
	})
	t.Run("reset then success", func(t *testing.T) {
		resets.Store(0)
		up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			if resets.Load() == 0 {
				reset(w, r)
				return
			}
			jsonHandler(200, `{"ok": true}`)(w, r)
		})
		_, tools := openConfig(t, stockConfig, up.URL)
		if _, c, err := callTool(t, tools["stock"], map[string]any{"sku": "a"}); err != nil || c.Upstream.Attempts != 2 {
			t.Errorf("err %v, upstream %+v; want success on attempt 2", err, c.Upstream)
		}
	})
	t.Run("refused", func(t *testing.T) {
		_, tools := openConfig(t, stockConfig, closedURL(t))
		_, _, err := callTool(t, tools["reserve"], map[string]any{"sku": "a", "qty": int64(1)})
		// Nothing was sent, so even a POST is retried.
		toolError(t, err, "the connection was refused (is the service running?) (3 attempts)")
	})

	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	t.Run("slower than the source timeout", func(t *testing.T) {
		up := newUpstream(t, hang)
		quick := strings.Replace(stockConfig, `timeout  = "30s"`, `timeout  = "20ms"`, 1)
		_, tools := openConfig(t, quick, up.URL)
		_, c, err := callTool(t, tools["stock"], map[string]any{"sku": "a"})
		toolError(t, err, "did not answer within 20ms (3 attempts)")
		if c.Upstream.Attempts != 3 {
			t.Errorf("attempts %d, want 3", c.Upstream.Attempts)
		}
	})
	t.Run("slower than the call's deadline", func(t *testing.T) {
		up := newUpstream(t, hang)
		_, tools := openConfig(t, stockConfig, up.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := tools["stock"].Call(ctx, &adapter.Call{Args: map[string]any{"sku": "a"}})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the deadline, for the runtime to report a timeout", err)
		}
	})
}

// closedURL is the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestBodyOverCap: a body far over the cap is cut off after cap+1 bytes,
// and the upstream finds it could not send it all.
func TestBodyOverCap(t *testing.T) {
	const total = 256 << 20
	written := make(chan int64, 1)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat("x", 64<<10))
		var n int64
		for n < total {
			m, err := w.Write(chunk)
			n += int64(m)
			if err != nil {
				break
			}
		}
		written <- n
	})
	_, tools := openConfig(t, stockConfig, up.URL)
	_, _, err := callTool(t, tools["stock"], map[string]any{"sku": "a"})
	toolError(t, err, "larger than this tool's limit of 1 KB (max_response_bytes)")
	if n := <-written; n >= total {
		t.Errorf("the upstream wrote all %d bytes: the body was read whole", n)
	}
}

func TestRedirects(t *testing.T) {
	other := newUpstream(t, jsonHandler(200, `{"from": "elsewhere"}`))
	up := newUpstream(t, nil)
	up.set(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/stock/away":
			http.Redirect(w, r, other.URL+"/api/v1/stock/a", http.StatusFound)
		case "/api/v1/stock/near":
			http.Redirect(w, r, "/api/v1/stock/final", http.StatusMovedPermanently)
		case "/api/v1/stock/out":
			http.Redirect(w, r, "/admin", http.StatusFound)
		default:
			jsonHandler(200, `{"at": "`+r.URL.Path+`"}`)(w, r)
		}
	})

	t.Run("none", func(t *testing.T) {
		_, tools := openConfig(t, stockConfig, up.URL)
		_, _, err := callTool(t, tools["stock"], map[string]any{"sku": "near"})
		toolError(t, err, "redirect (301 Moved Permanently), which this source does not follow")
	})
	sameHost := strings.Replace(stockConfig, `timeout  = "30s"`, "timeout  = \"30s\"\n  redirects = \"same_host\"", 1)
	t.Run("same_host follows on the host", func(t *testing.T) {
		_, tools := openConfig(t, sameHost, up.URL)
		res, _, err := callTool(t, tools["stock"], map[string]any{"sku": "near"})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(res.Structured); string(got) != `{"at":"/api/v1/stock/final"}` {
			t.Errorf("result = %s", got)
		}
	})
	t.Run("same_host refuses another host", func(t *testing.T) {
		_, tools := openConfig(t, sameHost, up.URL)
		_, c, err := callTool(t, tools["stock"], map[string]any{"sku": "away"})
		toolError(t, err, "redirected outside base_url")
		if other.count() != 0 || c.Upstream.Attempts != 1 {
			t.Errorf("the other host got %d requests after %d attempts", other.count(), c.Upstream.Attempts)
		}
	})
	t.Run("same_host refuses a path outside base_url", func(t *testing.T) {
		_, tools := openConfig(t, sameHost, up.URL)
		_, _, err := callTool(t, tools["stock"], map[string]any{"sku": "out"})
		toolError(t, err, "redirected")
	})
}

// TestBreaker: the breaker opens after consecutive failures, fails fast
// without calling the upstream while open, and closes through a probe.
func TestBreaker(t *testing.T) {
	up := newUpstream(t, jsonHandler(503, `{}`))
	text := strings.Replace(stockConfig, "  retry {\n    attempts = 3", "  circuit_breaker {\n    failures = 2\n    open_for = \"1m\"\n  }\n  retry {\n    attempts = 1", 1)
	s, tools := openConfig(t, text, up.URL)
	clock := &fakeClock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	s.now = clock.Now
	stock := func() error {
		_, _, err := callTool(t, tools["stock"], map[string]any{"sku": "a"})
		return err
	}
	state := func() string { st, _ := s.BreakerStats(); return st }

	toolError(t, stock(), "503")
	// A 4xx proves the upstream alive: it resets the count.
	up.set(jsonHandler(404, `{}`))
	toolError(t, stock(), "404")
	up.set(jsonHandler(503, `{}`))
	toolError(t, stock(), "503")
	if state() != "closed" {
		t.Fatalf("breaker %s after one failure in a row, want closed", state())
	}
	toolError(t, stock(), "503")
	if state() != "open" {
		t.Fatalf("breaker %s after two failures in a row, want open", state())
	}
	before := up.count()
	toolError(t, stock(), "Upstream unavailable, retry after 1m0s")
	clock.Advance(45 * time.Second)
	toolError(t, stock(), "Upstream unavailable, retry after 15s")
	if up.count() != before {
		t.Errorf("the upstream was called %d times while the breaker was open", up.count()-before)
	}
	if err := s.Ping(context.Background()); err == nil {
		t.Error("Ping succeeded with the breaker open")
	}

	// A failed probe opens it again.
	clock.Advance(15 * time.Second)
	toolError(t, stock(), "503")
	if state() != "open" || up.count() != before+1 {
		t.Fatalf("after a failed probe: breaker %s, %d calls; want open, 1", state(), up.count()-before)
	}
	// A successful one closes it.
	clock.Advance(time.Minute)
	up.set(jsonHandler(200, `{"qty": 1}`))
	if err := stock(); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if state() != "closed" {
		t.Fatalf("breaker %s after a successful probe, want closed", state())
	}
	if _, opens := s.BreakerStats(); opens != 2 {
		t.Errorf("opens = %d, want 2", opens)
	}
}

func TestPing(t *testing.T) {
	up := newUpstream(t, jsonHandler(200, `{}`))
	text := strings.Replace(stockConfig, `timeout  = "30s"`, "timeout  = \"30s\"\n  ping_path = \"/healthz\"", 1)
	s, _ := openConfig(t, text, up.URL)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if r := up.last(t); r.URL.Path != "/api/healthz" || r.Header.Get("Authorization") == "" {
		t.Errorf("ping went to %s with Authorization %q", r.URL.Path, r.Header.Get("Authorization"))
	}
	up.set(jsonHandler(503, `{}`))
	if err := s.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("Ping = %v, want the 503", err)
	}
}
