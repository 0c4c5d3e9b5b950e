package runtime_test

// What the HTTP transport asks of the server before mcp-go reads a
// request (AuthenticateHTTP, AllowHTTP), and what /readyz reports
// (Readiness), on real configurations.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/auth"
)

func newKey(t *testing.T) (key, hash string) {
	t.Helper()
	key, hash, err := auth.NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	return key, hash
}

func TestAuthenticateHTTP(t *testing.T) {
	key, hash := newKey(t)
	weakKey, weakHash := newKey(t)
	config := fmt.Sprintf(`
server { name = "authn" }

auth {
  resource        = "http://127.0.0.1:8080/mcp"
  scopes          = ["mcp", "orders.read"]
  required_scopes = ["mcp"]

  api_key "service" {
    hash    = %q
    subject = "svc"
    scopes  = ["mcp", "orders.read"]
    claims  = { org = "acme" }
  }
  api_key "weak" {
    hash    = %q
    subject = "weak"
  }
}

tool "t" {
  description = "A tool."
  guard       = "true"
  content "text" {
    text = "hi"
  }
}
`, hash, weakHash)
	h := serve(t, build(t, writeFiles(t, t.TempDir(), "main.hcl", config)...))
	const metadata = `resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp"`

	tests := []struct {
		name      string
		method    string
		header    []string // Authorization values
		status    int      // 0: let through
		challenge []string // parts of WWW-Authenticate
		subject   string   // of the principal let through, or of the audit record
		class     string
		reason    string
	}{
		{name: "valid key", header: []string{"Bearer " + key}, subject: "svc"},
		{name: "preflight without credentials", method: http.MethodOptions},
		{name: "missing", status: 401, challenge: []string{"Bearer " + metadata},
			class: "authentication", reason: "no credential"},
		{name: "wrong key", header: []string{"Bearer mcpk_not-a-key"}, status: 401,
			challenge: []string{metadata, `error="invalid_token"`, `error_description="unknown API key"`},
			class:     "authentication", reason: "unknown API key"},
		{name: "another scheme", header: []string{"Basic " + key}, status: 401,
			challenge: []string{"Bearer " + metadata}, class: "authentication", reason: "not Bearer"},
		{name: "two headers", header: []string{"Bearer " + key, "Bearer " + key}, status: 400,
			challenge: []string{`error="invalid_request"`}, class: "authentication", reason: "more than one"},
		{name: "valid key without a required scope", header: []string{"Bearer " + weakKey}, status: 403,
			challenge: []string{`error="insufficient_scope"`, `scope="mcp"`}, subject: "weak", class: "scope", reason: "missing scopes: mcp"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			r := httptest.NewRequest(method, "/mcp", nil)
			// An address each: past a few refusals, one address's are
			// summed up rather than written one by one.
			remote := fmt.Sprintf("192.0.2.%d:4711", i+1)
			r.RemoteAddr = remote
			for _, v := range tt.header {
				r.Header.Add("Authorization", v)
			}
			before := len(h.records(t))
			got, refused := h.srv.AuthenticateHTTP(r.Context(), r)
			recs := h.records(t)[before:]
			if tt.status == 0 {
				if refused != nil {
					t.Fatalf("refused: %+v", refused)
				}
				if got.Subject != tt.subject {
					t.Errorf("the request's caller is %q, want %q", got.Subject, tt.subject)
				}
				if len(recs) != 0 {
					t.Errorf("a request let through was audited: %+v", recs)
				}
				return
			}
			if refused == nil || refused.Status != tt.status {
				t.Fatalf("refusal %+v, want status %d", refused, tt.status)
			}
			if !strings.HasPrefix(refused.Message, http.StatusText(tt.status)+": ") {
				t.Errorf("message %q", refused.Message)
			}
			challenge := refused.Header.Get("WWW-Authenticate")
			for _, part := range tt.challenge {
				if !strings.Contains(challenge, part) {
					t.Errorf("WWW-Authenticate %q lacks %q", challenge, part)
				}
			}
			if len(recs) != 1 {
				t.Fatalf("%d audit records, want 1", len(recs))
			}
			rec := recs[0]
			if rec.Outcome != "denied" || rec.ErrorClass != tt.class || rec.Subject != tt.subject ||
				rec.Remote != remote || rec.Transport != "http" || !strings.Contains(rec.Reason, tt.reason) {
				t.Errorf("audit %+v, want denied/%s for %q with a reason like %q", rec, tt.class, tt.subject, tt.reason)
			}
		})
	}
	if trail := h.trail.String(); strings.Contains(trail, key) || strings.Contains(trail, weakKey) {
		t.Errorf("a key reached the audit trail:\n%s", trail)
	}

	t.Run("protected resource metadata", func(t *testing.T) {
		for _, c := range []struct {
			path string
			ok   bool
		}{
			{runtime.ProtectedResourceMetadataPath, true},
			{runtime.ProtectedResourceMetadataPath + "/mcp", true},
			{runtime.ProtectedResourceMetadataPath + "/other", false},
		} {
			doc, ok := h.srv.ProtectedResourceMetadata(c.path)
			if ok != c.ok || (ok && !strings.Contains(string(doc), `"resource":"http://127.0.0.1:8080/mcp"`)) {
				t.Errorf("%s: %v %s", c.path, ok, doc)
			}
		}
	})

	t.Run("refused once shutting down", func(t *testing.T) {
		h.srv.Close()
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		r.Header.Set("Authorization", "Bearer "+key)
		if _, refused := h.srv.AuthenticateHTTP(r.Context(), r); refused == nil || refused.Status != http.StatusServiceUnavailable {
			t.Errorf("after Close: %+v", refused)
		}
	})
}

// TestAuthenticateHTTPWithoutCredentials: a configuration without HTTP
// credentials lets every request through, anonymous, and serves no
// metadata.
func TestAuthenticateHTTPWithoutCredentials(t *testing.T) {
	h := serve(t, build(t, writeFiles(t, t.TempDir(), "main.hcl", `server { name = "open" }`)...))
	r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	got, refused := h.srv.AuthenticateHTTP(r.Context(), r)
	if refused != nil || got != runtime.Anonymous {
		t.Errorf("got %v, refused %+v", got, refused)
	}
	if _, ok := h.srv.ProtectedResourceMetadata(runtime.ProtectedResourceMetadataPath); ok {
		t.Errorf("metadata served without an auth block")
	}
}

func TestAllowHTTP(t *testing.T) {
	limited := `
server { name = "limited" }
limits {
  http_rate_limit {
    rate  = "1/h"
    burst = 1
  }
}
`
	tests := []struct {
		name   string
		config string
		keys   []string
		status []int // 0: allowed
	}{
		{"no http_rate_limit", `server { name = "open" }`, []string{"a", "a", "a"}, []int{0, 0, 0}},
		{"over the limit", limited, []string{"a", "a"}, []int{0, 429}},
		{"per client", limited, []string{"a", "b", "a", "b"}, []int{0, 0, 429, 429}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := serve(t, build(t, writeFiles(t, t.TempDir(), "main.hcl", tt.config)...))
			for i, key := range tt.keys {
				r := h.srv.AllowHTTP(context.Background(), key)
				if tt.status[i] == 0 {
					if r != nil {
						t.Errorf("request %d from %s refused: %+v", i, key, r)
					}
					continue
				}
				if r == nil || r.Status != tt.status[i] {
					t.Fatalf("request %d from %s: %+v, want %d", i, key, r, tt.status[i])
				}
				secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
				if err != nil || secs < 1 || secs > 3600 {
					t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
				}
				want := fmt.Sprintf("Too many requests: this client may send 1 call per hour, in bursts of up to 1; retry after %d s", secs)
				if r.Message != want {
					t.Errorf("message %q, want %q", r.Message, want)
				}
			}
		})
	}
	t.Run("after Close", func(t *testing.T) {
		h := serve(t, build(t, writeFiles(t, t.TempDir(), "main.hcl", limited)...))
		h.srv.Close()
		if r := h.srv.AllowHTTP(context.Background(), "a"); r != nil {
			t.Errorf("after Close: %+v (the endpoint answers shutting down itself)", r)
		}
	})
}

// TestDefaultRefusedLimit: beyond loopback, without an http_rate_limit, an
// address that keeps failing authentication is refused with 429 before its
// credentials are read, valid or not; a declared http_rate_limit replaces
// the default, and on loopback there is none.
func TestDefaultRefusedLimit(t *testing.T) {
	key, hash := newKey(t)
	authBlock := fmt.Sprintf(`
auth {
  api_key "service" {
    hash    = %q
    subject = "svc"
  }
}
`, hash)
	declared := `
limits {
  http_rate_limit {
    rate  = "1000/s"
    burst = 1000
  }
}
`
	tests := []struct {
		name, listen, config string
		limited              bool
	}{
		{"beyond loopback", "0.0.0.0:8080", authBlock, true},
		{"beyond loopback, http_rate_limit declared", "0.0.0.0:8080", authBlock + declared, false},
		{"loopback", "127.0.0.1:8080", authBlock, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A proxy in front stands for TLS, which credentials beyond loopback need.
			exposure := runtime.Exposure{HTTP: tt.listen, TrustedProxy: true}
			gen, diags := runtime.Build(context.Background(), writeFiles(t, t.TempDir(), "main.hcl", tt.config),
				runtime.BuildOptions{Mode: runtime.BuildServe, Log: zerolog.Nop(), Exposure: exposure})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			trail := &lockedBuffer{}
			srv := runtime.NewServer(gen, runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(trail), Exposure: exposure})
			t.Cleanup(srv.Close)
			request := func(remote, token string) *runtime.Refusal {
				r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
				r.RemoteAddr = remote
				if token != "" {
					r.Header.Set("Authorization", "Bearer "+token)
				}
				_, refused := srv.AuthenticateHTTP(r.Context(), r)
				return refused
			}
			// A token comes back every second: count the 401s until the
			// first 429, allowing for the seconds the loop took.
			start := time.Now()
			var unauthorized int
			var limited *runtime.Refusal
			for port := range 500 {
				refused := request(fmt.Sprintf("198.51.100.1:%d", 1000+port), "mcpk_wrong")
				if refused.Status == http.StatusTooManyRequests {
					limited = refused
					break
				}
				unauthorized++
			}
			burst := runtime.DefaultRefusedLimit.Burst
			if !tt.limited {
				if limited != nil {
					t.Fatalf("refused with 429 after %d: %+v", unauthorized, limited)
				}
				return
			}
			if most := burst + int(time.Since(start).Seconds()) + 1; limited == nil || unauthorized < burst || unauthorized > most {
				t.Fatalf("%d refused with 401 before a 429, want %d to %d", unauthorized, burst, most)
			}
			if limited.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After: %+v", limited)
			}
			// The address's credentials are not even read now; another
			// address is not concerned.
			at := time.Now()
			refused := request("198.51.100.1:9", key)
			if (refused == nil && time.Since(at) < time.Second) || (refused != nil && refused.Status != http.StatusTooManyRequests) {
				t.Errorf("a valid key from the limited address: %+v, want 429", refused)
			}
			if refused := request("198.51.100.2:9", key); refused != nil {
				t.Errorf("a valid key from another address: %+v", refused)
			}
		})
	}
}

func TestReadiness(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(up.Close)
	sqlite := func(dir string) string {
		return fmt.Sprintf(`
source "sql" "db" {
  driver = "sqlite"
  dsn    = %q
}
`, filepath.Join(dir, "r.db"))
	}
	httpSource := func(name, url, required string) string {
		return fmt.Sprintf(`
source "http" %q {
  base_url  = %q
  ping_path = "/healthz"
  %s
}
`, name, url, required)
	}
	db := runtime.DependencyState{Name: "sql.db", Required: true, Up: true}
	tests := []struct {
		name    string
		config  func(dir string) string
		sources int
		ready   bool
		deps    []runtime.DependencyState
	}{
		{"no sources", func(string) string { return "" }, 0, true, nil},
		{"every source answers", func(dir string) string { return sqlite(dir) + httpSource("up", up.URL, "") }, 2, true,
			[]runtime.DependencyState{db, {Name: "http.up", Up: true, Breaker: "closed"}}},
		{"an upstream does not, not required", func(dir string) string { return sqlite(dir) + httpSource("down", down.URL, "") }, 2, true,
			[]runtime.DependencyState{db, {Name: "http.down", Breaker: "closed"}}},
		{"an upstream does not, required", func(dir string) string {
			return sqlite(dir) + httpSource("down", down.URL, "required = true")
		}, 2, false, []runtime.DependencyState{db, {Name: "http.down", Required: true, Breaker: "closed"}}},
		{"the rate limiter's Redis does not, failing closed", func(string) string {
			return `
limits {
  backend   = "redis"
  redis_url = "redis://127.0.0.1:1/0"
}
`
		}, 0, false, []runtime.DependencyState{{Name: "limits.redis", Required: true}}},
		{"the rate limiter's Redis does not, failing open", func(string) string {
			return `
limits {
  backend        = "redis"
  redis_url      = "redis://127.0.0.1:1/0"
  on_redis_error = "allow"
}
`
		}, 0, true, []runtime.DependencyState{{Name: "limits.redis"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			gen := build(t, writeFiles(t, dir, "main.hcl", `server { name = "ready" }`+tt.config(dir))...)
			h := serve(t, gen)
			got := h.srv.Readiness(context.Background())
			unreachable := 0
			for _, d := range tt.deps {
				if !d.Up {
					unreachable++
				}
			}
			want := runtime.Readiness{Ready: tt.ready, Sources: tt.sources, Unreachable: unreachable,
				Generation: 1, ConfigHash: gen.Hash(), Dependencies: tt.deps}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Readiness\n got %+v\nwant %+v", got, want)
			}
			if unreachable > 0 && !strings.Contains(h.logs.String(), "readiness: source unreachable") {
				t.Errorf("the log does not say what is down:\n%s", h.logs)
			}
			h.srv.Close()
			if got := h.srv.Readiness(context.Background()); !reflect.DeepEqual(got, runtime.Readiness{ShuttingDown: true}) {
				t.Errorf("after Close: %+v", got)
			}
		})
	}
}
