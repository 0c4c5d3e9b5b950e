package transport_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/auth"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// TestStreamableMCP: an mcp-go client initializes, lists and calls over
// Streamable HTTP, with and without sessions, on a handshake revision and
// on the sessionless 2026-07-28.
func TestStreamableMCP(t *testing.T) {
	cases := []struct {
		name        string
		stateless   bool
		version     string
		wantSession bool
	}{
		{"stateful 2025-11-25", false, mcp.ProtocolVersion20251125, true},
		{"stateful 2026-07-28", false, mcp.ProtocolVersion20260728, false},
		{"stateless 2025-11-25", true, mcp.ProtocolVersion20251125, false},
		{"stateless 2026-07-28", true, mcp.ProtocolVersion20260728, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newServer(t, serverBlock+sqlSource())
			e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.Stateless = tc.stateless }))
			c, init := connect(t, e.url, tc.version, nil)

			if init.ProtocolVersion != tc.version || init.ServerInfo.Name != "transport-test" || init.ServerInfo.Version != "1.2.3" {
				t.Errorf("initialize: version %q, server %+v; want %s and transport-test 1.2.3", init.ProtocolVersion, init.ServerInfo, tc.version)
			}
			if got := c.GetSessionId() != ""; got != tc.wantSession {
				t.Errorf("session id %q: issued %v, want %v", c.GetSessionId(), got, tc.wantSession)
			}
			if got := toolNames(t, c); !slices.Equal(got, []string{"echo"}) {
				t.Errorf("tools/list = %v, want [echo]", got)
			}
			if got, want := structured(t, callTool(t, c, "echo", map[string]any{"word": "hi"})), `{"via":"http","word":"hi"}`; got != want {
				t.Errorf("echo = %s, want %s", got, want)
			}
		})
	}
}

// TestGateOrigin: browsers may reach the endpoint only from an allowed
// origin, or from a loopback page when the server is addressed on loopback
// too (DNS rebinding sends a public name to 127.0.0.1); allowed origins get
// CORS answers, preflights included.
func TestGateOrigin(t *testing.T) {
	const app = "https://app.example.com"
	srv, _ := newServer(t, serverBlock+sqlSource())
	plain := serveHTTP(t, srv, options(nil))
	cors := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.AllowedOrigins = []string{app} }))

	cases := []struct {
		name     string
		e        *endpoint
		method   string
		host     string // the Host header, when not the listener's address
		header   map[string]string
		want     int
		wantBody string // in the body of a refusal
		wantCORS string // Access-Control-Allow-Origin
	}{
		{name: "no origin: not a browser", e: plain, want: http.StatusOK},
		{name: "foreign origin", e: plain, header: map[string]string{"Origin": "https://evil.example"}, want: http.StatusForbidden, wantBody: "is not allowed"},
		{name: "opaque origin", e: plain, header: map[string]string{"Origin": "null"}, want: http.StatusForbidden, wantBody: "is not allowed"},
		{name: "loopback origin, loopback host", e: plain, header: map[string]string{"Origin": "http://localhost:5173"}, want: http.StatusOK},
		{name: "IPv6 loopback origin, loopback host", e: plain, header: map[string]string{"Origin": "http://[::1]:5173"}, want: http.StatusOK},
		{name: "loopback origin, public host (DNS rebinding)", e: plain, host: "mcp.example.com", header: map[string]string{"Origin": "http://127.0.0.1:5173"}, want: http.StatusForbidden, wantBody: "is not allowed"},
		{name: "loopback origin, localhost host", e: plain, host: "localhost", header: map[string]string{"Origin": "http://127.0.0.1:5173"}, want: http.StatusOK},
		{name: "allowed origin", e: cors, header: map[string]string{"Origin": app}, want: http.StatusOK, wantCORS: app},
		// Past the origin, mcp-go refuses a public name on a loopback
		// listener as well (its own DNS rebinding check).
		{name: "allowed origin, public host", e: cors, host: "mcp.example.com", header: map[string]string{"Origin": app}, want: http.StatusForbidden, wantBody: "invalid Host header"},
		{name: "origin not on the list", e: cors, header: map[string]string{"Origin": "https://other.example.com"}, want: http.StatusForbidden, wantBody: "is not allowed"},
		{name: "preflight from the allowed origin", e: cors, method: http.MethodOptions, header: map[string]string{
			"Origin": app, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, authorization, mcp-session-id, mcp-protocol-version",
		}, want: http.StatusNoContent, wantCORS: app},
		{name: "preflight from another origin", e: cors, method: http.MethodOptions, header: map[string]string{
			"Origin": "https://other.example.com", "Access-Control-Request-Method": "POST",
		}, want: http.StatusForbidden, wantBody: "is not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := mcpRequest(t, tc.e.url, initializeBody)
			if tc.method != "" {
				req.Method = tc.method
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			got := do(t, req)
			if got.status != tc.want {
				t.Fatalf("status %d (%s), want %d", got.status, strings.TrimSpace(got.body), tc.want)
			}
			if acao := got.header.Get("Access-Control-Allow-Origin"); acao != tc.wantCORS {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", acao, tc.wantCORS)
			}
			if !strings.Contains(got.body, tc.wantBody) {
				t.Errorf("body %q lacks %q", got.body, tc.wantBody)
			}
			if tc.wantCORS == "" {
				return
			}
			if exposed := got.header.Get("Access-Control-Expose-Headers"); !strings.Contains(exposed, "Mcp-Session-Id") {
				t.Errorf("Access-Control-Expose-Headers %q: a browser could not read the session id", exposed)
			}
			if requested := tc.header["Access-Control-Request-Headers"]; requested != "" {
				allowed := strings.ToLower(got.header.Get("Access-Control-Allow-Headers"))
				for h := range strings.SplitSeq(requested, ",") {
					if !strings.Contains(allowed, strings.TrimSpace(h)) {
						t.Errorf("preflight allows headers %q, not the requested %q", allowed, strings.TrimSpace(h))
					}
				}
				if methods := got.header.Get("Access-Control-Allow-Methods"); !strings.Contains(methods, "POST") {
					t.Errorf("preflight allows methods %q, not POST", methods)
				}
			}
		})
	}
}

// TestCORSPreflightModernHeaders: on revision 2026-07-28 every request
// carries Mcp-Method, and tools/call also Mcp-Name, which mcp-go requires.
// A browser sends them only if the preflight allows them; otherwise an
// allowed origin could not speak that revision at all.
func TestCORSPreflightModernHeaders(t *testing.T) {
	const app = "https://app.example.com"
	srv, _ := newServer(t, serverBlock+sqlSource())
	e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.AllowedOrigins = []string{app} }))
	req := mcpRequest(t, e.url, "")
	req.Method = http.MethodOptions
	req.Header.Set("Origin", app)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type, mcp-protocol-version, mcp-method, mcp-name")
	got := do(t, req)
	if got.status != http.StatusNoContent {
		t.Fatalf("preflight: status %d, want 204", got.status)
	}
	allowed := strings.ToLower(got.header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{mcp.HeaderMethod, mcp.HeaderName} {
		if !strings.Contains(allowed, strings.ToLower(h)) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s, which every 2026-07-28 request sends", allowed, h)
		}
	}
}

const testKey = "mcpk_transport_test_key"

// authConfig declares one API key, for svc-test with the mcp scope, and
// this server's resource URL.
func authConfig() string {
	return fmt.Sprintf(`
auth {
  resource = "https://mcp.example.com/mcp"
  scopes   = ["mcp"]
  api_key "test" {
    hash    = %q
    subject = "svc-test"
    scopes  = ["mcp"]
  }
}

tool "whoami" {
  description = "Says who the caller is."
  source      = source.sql.mem
  guard       = "'mcp' in principal.scopes"
  bind "sub" {
    from = "principal.sub"
  }
  sql    = "SELECT :sub AS sub"
  result { one = true }
}
`, auth.HashKey(testKey))
}

// TestGateAPIKey: with API keys declared, a request without the right one
// is refused with a challenge that points at the metadata, and the right
// one reaches the tool as its principal.
func TestGateAPIKey(t *testing.T) {
	const app = "https://app.example.com"
	srv, logs := newServer(t, serverBlock+sqlSource()+authConfig())
	e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.AllowedOrigins = []string{app} }))
	const metadata = `Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`

	cases := []struct {
		name          string
		method        string
		authorization []string
		want          int
		wantChallenge string // a prefix of WWW-Authenticate; "" for none
	}{
		{name: "no credential", want: http.StatusUnauthorized, wantChallenge: metadata},
		{name: "unknown key", authorization: []string{"Bearer mcpk_wrong"}, want: http.StatusUnauthorized, wantChallenge: metadata + `, error="invalid_token"`},
		{name: "another scheme", authorization: []string{"Basic " + testKey}, want: http.StatusUnauthorized, wantChallenge: metadata},
		{name: "two headers", authorization: []string{"Bearer " + testKey, "Bearer " + testKey}, want: http.StatusBadRequest, wantChallenge: metadata + `, error="invalid_request"`},
		{name: "the key", authorization: []string{"Bearer " + testKey}, want: http.StatusOK},
		{name: "the key, scheme in lower case", authorization: []string{"bearer " + testKey}, want: http.StatusOK},
		// Browsers send preflights without credentials.
		{name: "preflight", method: http.MethodOptions, want: http.StatusNoContent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := mcpRequest(t, e.url, initializeBody)
			if tc.method == http.MethodOptions {
				req.Method = tc.method
				req.Header.Set("Origin", app)
				req.Header.Set("Access-Control-Request-Method", "POST")
			}
			for _, a := range tc.authorization {
				req.Header.Add("Authorization", a)
			}
			got := do(t, req)
			if got.status != tc.want {
				t.Fatalf("status %d (%s), want %d", got.status, strings.TrimSpace(got.body), tc.want)
			}
			if challenge := got.header.Get("WWW-Authenticate"); !strings.HasPrefix(challenge, tc.wantChallenge) || (tc.wantChallenge == "") != (challenge == "") {
				t.Errorf("WWW-Authenticate %q, want it to start with %q", challenge, tc.wantChallenge)
			}
		})
	}

	t.Run("client", func(t *testing.T) {
		c, _ := connect(t, e.url, mcp.ProtocolVersion20251125, map[string]string{"Authorization": "Bearer " + testKey})
		if got, want := structured(t, callTool(t, c, "whoami", nil)), `{"sub":"svc-test"}`; got != want {
			t.Errorf("whoami = %s, want %s", got, want)
		}
	})
	// A refused credential is audited; the key is never logged.
	line := logs.await(t, `"outcome":"denied"`, `"error_class":"authentication"`)
	if !strings.Contains(line, `"transport":"http"`) || !strings.Contains(line, `"remote":"127.0.0.1:`) {
		t.Errorf("audit record %s: want the transport and the client's address", line)
	}
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("the API key reached the log:\n%s", logs)
	}
}

// TestGateBodyCap: a body over MaxBodyBytes is refused with 413 whether
// its length is declared or it is chunked; one under the cap gets through.
func TestGateBodyCap(t *testing.T) {
	const limit = 1024
	srv, _ := newServer(t, serverBlock+sqlSource())
	e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.MaxBodyBytes = limit }))
	// An initialize padded to size bytes: valid JSON at any size.
	body := func(size int) string {
		pad := size - len(initializeBody) - len(`,"pad":""`)
		b := strings.TrimSuffix(initializeBody, "}") + `,"pad":"` + strings.Repeat("x", pad) + `"}`
		if len(b) != size {
			t.Fatalf("padded body of %d bytes, want %d", len(b), size)
		}
		return b
	}

	cases := []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{"under the cap", limit - 24, false, http.StatusOK},
		{"at the cap", limit, false, http.StatusOK},
		{"over the cap", limit + 1, false, http.StatusRequestEntityTooLarge},
		{"far over the cap", 64 * limit, false, http.StatusRequestEntityTooLarge},
		{"chunked, under the cap", limit - 24, true, http.StatusOK},
		{"chunked, at the cap", limit, true, http.StatusOK},
		{"chunked, over the cap", limit + 1, true, http.StatusRequestEntityTooLarge},
		{"chunked, far over the cap", 64 * limit, true, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := mcpRequest(t, e.url, body(tc.size))
			if tc.chunked {
				// A reader of unknown length: net/http sends it chunked.
				req.Body = io.NopCloser(struct{ io.Reader }{strings.NewReader(body(tc.size))})
				req.ContentLength = -1
			}
			got := do(t, req)
			if got.status != tc.want {
				t.Fatalf("status %d (%s), want %d", got.status, strings.TrimSpace(got.body), tc.want)
			}
			if tc.want == http.StatusRequestEntityTooLarge && !strings.Contains(got.body, "the limit is 1024 bytes") {
				t.Errorf("413 body %q does not name the limit", got.body)
			}
		})
	}

	t.Run("chunked, malformed", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", conn.RemoteAddr())
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})
}

// limitedRequest is one request of TestGateHTTPRateLimit: its X-Client
// and Origin headers, and the status it should get.
type limitedRequest struct {
	client, origin string
	want           int
}

// TestGateHTTPRateLimit: past its burst a client is refused with 429 and
// Retry-After before anything else looks at the request, per client
// address or per ClientKey; the health checks are not limited.
func TestGateHTTPRateLimit(t *testing.T) {
	const limits = `
limits {
  http_rate_limit {
    rate  = "1/h"
    burst = 2
  }
}
`
	byHeader := func(r *http.Request) string { return r.Header.Get("X-Client") }
	cases := []struct {
		name      string
		clientKey func(*http.Request) string
		requests  []limitedRequest // in order
	}{
		{name: "by address", requests: []limitedRequest{
			{"a", "", http.StatusOK},
			{"b", "", http.StatusOK},
			{"c", "", http.StatusTooManyRequests},
			// Limited before the origin is checked.
			{"d", "https://evil.example", http.StatusTooManyRequests},
		}},
		{name: "by ClientKey", clientKey: byHeader, requests: []limitedRequest{
			{"a", "", http.StatusOK},
			{"a", "https://evil.example", http.StatusForbidden},
			{"a", "", http.StatusTooManyRequests},
			{"b", "", http.StatusOK},
			{"b", "", http.StatusOK},
			{"b", "", http.StatusTooManyRequests},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := newServer(t, serverBlock+sqlSource()+limits)
			e := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.ClientKey = tc.clientKey }))
			refused := 0
			for i, r := range tc.requests {
				req := mcpRequest(t, e.url, initializeBody)
				req.Header.Set("X-Client", r.client)
				if r.origin != "" {
					req.Header.Set("Origin", r.origin)
				}
				got := do(t, req)
				if got.status != r.want {
					t.Fatalf("request %d from %q: status %d (%s), want %d", i, r.client, got.status, strings.TrimSpace(got.body), r.want)
				}
				if got.status != http.StatusTooManyRequests {
					continue
				}
				refused++
				// One token an hour: the wait is most of an hour.
				if secs, err := strconv.Atoi(got.header.Get("Retry-After")); err != nil || secs < 60 || secs > 3600 {
					t.Errorf("request %d: Retry-After %q, want whole seconds within the hour", i, got.header.Get("Retry-After"))
				}
			}
			for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
				if got := get(t, e.base+path); got.status != http.StatusOK {
					t.Errorf("%s past the limit: status %d, want 200", path, got.status)
				}
			}
			if want := fmt.Sprintf("mcpgen_http_rate_limited_total %d\n", refused); !strings.Contains(get(t, e.base+"/metrics").body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		})
	}
}

// TestProtectedResourceMetadata: RFC 9728 metadata is public, at the
// well-known path and at it followed by the resource's path, and nowhere
// else; a configuration without a resource has none.
func TestProtectedResourceMetadata(t *testing.T) {
	srv, _ := newServer(t, serverBlock+sqlSource()+authConfig())
	withResource := serveHTTP(t, srv, options(nil))
	bare, _ := newServer(t, serverBlock+sqlSource())
	without := serveHTTP(t, bare, options(nil))

	cases := []struct {
		e    *endpoint
		path string
		want int
	}{
		{withResource, "/.well-known/oauth-protected-resource", http.StatusOK},
		{withResource, "/.well-known/oauth-protected-resource/mcp", http.StatusOK},
		{withResource, "/.well-known/oauth-protected-resource/other", http.StatusNotFound},
		{withResource, "/.well-known/oauth-protected-resource/mcp/more", http.StatusNotFound},
		{without, "/.well-known/oauth-protected-resource", http.StatusNotFound},
		{without, "/.well-known/oauth-protected-resource/mcp", http.StatusNotFound},
	}
	for _, tc := range cases {
		name := tc.path
		if tc.e == without {
			name = "no resource " + name
		}
		t.Run(name, func(t *testing.T) {
			got := get(t, tc.e.base+tc.path)
			if got.status != tc.want {
				t.Fatalf("status %d, want %d", got.status, tc.want)
			}
			if tc.want != http.StatusOK {
				return
			}
			want := `{"bearer_methods_supported":["header"],"resource":"https://mcp.example.com/mcp","resource_name":"transport-test","scopes_supported":["mcp"]}`
			if got.body != want {
				t.Errorf("body %s, want %s", got.body, want)
			}
			for k, v := range map[string]string{"Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=300"} {
				if got.header.Get(k) != v {
					t.Errorf("%s: %q, want %q", k, got.header.Get(k), v)
				}
			}
		})
	}
}

// TestClientAddress: HTTP rate limits key a request by its IP address.
func TestClientAddress(t *testing.T) {
	cases := []struct{ remote, want string }{
		{"192.0.2.1:5678", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"192.0.2.1", "192.0.2.1"}, // no port: as it is
		{"", ""},
	}
	for _, tc := range cases {
		if got := transport.ClientAddress(&http.Request{RemoteAddr: tc.remote}); got != tc.want {
			t.Errorf("ClientAddress(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}

// TestServeStreamableListenerFails: a listener that fails is reported,
// not waited on.
func TestServeStreamableListenerFails(t *testing.T) {
	srv, _ := newServer(t, serverBlock+sqlSource())
	ln := listen(t)
	ln.Close()
	if err := transport.ServeStreamable(t.Context(), srv, ln, options(nil)); err == nil {
		t.Error("ServeStreamable on a closed listener returned nil")
	}
}
