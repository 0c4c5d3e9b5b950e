package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
	"github.com/mcpgen/mcpgen/runtime/metrics"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// hotcallConfig is a guarded tool behind a JWT issuer and an API key, with
// a bind of the caller's org: the per-call path of issue 16 in small.
const hotcallConfig = `
source "sql" "orders" {
  driver = "sqlite"
  dsn    = env("HOTCALL_DB")
  seed   = <<-SQL
    CREATE TABLE orders (id INTEGER PRIMARY KEY, org TEXT NOT NULL, status TEXT NOT NULL,
                         placed_at TIMESTAMP NOT NULL);
    INSERT INTO orders VALUES (1, 'acme', 'paid', '2026-01-02T03:04:05Z'),
                              (2, 'globex', 'shipped', '2026-02-03 04:05:06.5');
  SQL
}

auth {
  resource = "http://127.0.0.1:8080/mcp"
  jwt {
    issuer   = env("HOTCALL_ISSUER")
    jwks_url = env("HOTCALL_JWKS_URL")
  }
  api_key "bench" {
    hash    = "sha256:3627b0eaf8d55e5c4d30cc2e4f3f347c42a1f729973535e8dd3724cb56e08160" # mcpk_bench_key
    subject = "bench"
    scopes  = ["orders.read"]
    claims  = { org = "acme" }
  }
}

tool "my_order" {
  description = "The caller's org's order with this id."
  source      = source.sql.orders
  guard       = "'orders.read' in principal.scopes"
  param "order_id" {
    type    = "integer"
    minimum = 1
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT id, org, status, placed_at FROM orders WHERE id = :order_id AND org = :org"
  result {
    one       = true
    not_found = "No order with that id."
  }
}

tool "by_status" {
  description = "The caller's org's orders in a status."
  source      = source.sql.orders
  guard       = "'orders.read' in principal.scopes"
  param "status" {
    type = "string"
  }
  param "weight" {
    type     = "number"
    required = false
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT id, placed_at FROM orders WHERE status = :status AND org = :org AND (:weight IS NULL OR :weight > 0)"
}
`

// serveHotcall serves hotcallConfig over Streamable HTTP (stateless) on a
// loopback listener until tb ends, and returns its URL.
func serveHotcall(tb testing.TB, iss *authtest.Issuer) string {
	return serveHotcallAudit(tb, iss, audit.New(io.Discard))
}

// serveHotcallAudit is serveHotcall writing its audit trail to log.
func serveHotcallAudit(tb testing.TB, iss *authtest.Issuer, log *audit.Logger) string {
	tb.Helper()
	dir := tb.TempDir()
	path := filepath.Join(dir, "main.hcl")
	if err := os.WriteFile(path, []byte(hotcallConfig), 0o600); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("HOTCALL_DB", "file:"+filepath.Join(dir, "orders.db"))
	tb.Setenv("HOTCALL_ISSUER", iss.URL())
	tb.Setenv("HOTCALL_JWKS_URL", iss.JWKSURL())
	gen := buildServe(tb, path)
	srv := runtime.NewServer(gen, runtime.ServerOptions{Log: zerolog.Nop(), Audit: log, Metrics: metrics.New()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	o := transport.DefaultHTTPOptions()
	o.Stateless = true
	go func() { done <- transport.ServeStreamable(ctx, srv, ln, o) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return "http://" + ln.Addr().String() + o.Path
}

// hotcallPost sends one tools/call of my_order as credential and returns
// the status and body.
func hotcallPost(client *http.Client, url, credential string, id int) (int, string, error) {
	return hotcallSend(client, url, credential, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"my_order","arguments":{"order_id":%d}}}`, id, id))
}

// hotcallSend posts one JSON-RPC message as credential.
func hotcallSend(client *http.Client, url, credential, body string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	req.Header.Set("Authorization", "Bearer "+credential)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), err
}

// TestJWTPrincipalPerToken: callers with JWTs, over HTTP, each get the
// principal of their own token on every call, whichever token came
// before, including two tokens of the same subject with different claims:
// the principal kept for a token never serves another.
func TestJWTPrincipalPerToken(t *testing.T) {
	iss := authtest.NewIssuer(t)
	url := serveHotcall(t, iss)
	token := func(sub, org string) string {
		return iss.Token(map[string]any{"aud": "http://127.0.0.1:8080/mcp", "sub": sub, "scope": "orders.read", "org": org})
	}
	acme, globex, moved := token("ann", "acme"), token("bob", "globex"), token("ann", "globex")
	client := &http.Client{}
	for round := range 3 {
		for _, c := range []struct {
			name, token string
			sees        int // the one order of the two this caller's org has
		}{{"acme", acme, 1}, {"globex", globex, 2}, {"ann moved to globex", moved, 2}} {
			for id := 1; id <= 2; id++ {
				status, body, err := hotcallPost(client, url, c.token, id)
				if err != nil || status != http.StatusOK {
					t.Fatalf("round %d, %s, order %d: %d %s %v", round, c.name, id, status, body, err)
				}
				found := strings.Contains(body, `"structuredContent"`)
				if found != (id == c.sees) {
					t.Errorf("round %d, %s, order %d: found = %v, want %v: %s", round, c.name, id, found, id == c.sees, body)
				}
			}
		}
	}
}

// TestJWTCallAllocations: a call with a JWT the server has seen before
// costs no more than one with an API key: the principal, its CEL value
// and the identity are made once per token and found again without a
// copy. Counted over a real loopback connection, client included (2 to
// spare for the client's own variation).
func TestJWTCallAllocations(t *testing.T) {
	iss := authtest.NewIssuer(t)
	url := serveHotcall(t, iss)
	jwt := iss.Token(map[string]any{"aud": "http://127.0.0.1:8080/mcp", "sub": "bench", "scope": "orders.read", "org": "acme"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	t.Cleanup(client.CloseIdleConnections)
	measure := func(credential string) float64 {
		var failed error
		call := func() {
			status, body, err := hotcallPost(client, url, credential, 1)
			if failed == nil && (err != nil || status != http.StatusOK || !strings.Contains(body, `"structuredContent"`)) {
				failed = fmt.Errorf("%d %s %v", status, body, err)
			}
		}
		call() // the token's first use checks its signature
		n := testing.AllocsPerRun(200, call)
		if failed != nil {
			t.Fatal(failed)
		}
		return n
	}
	key, tok := measure("mcpk_bench_key"), measure(jwt)
	t.Logf("allocations per call over HTTP: API key %.0f, JWT %.0f", key, tok)
	if tok > key+2 {
		t.Errorf("a call with a known JWT allocates %.0f, one with an API key %.0f: want at most 2 more", tok, key)
	}
}

// TestAuditLineOverHTTP pins the bytes of a call's audit record, as the
// server writes it to its file: args and binds in json.Marshal's form
// (sorted keys, HTML characters escaped, numbers in their shortest form),
// whatever encodes them.
func TestAuditLineOverHTTP(t *testing.T) {
	iss := authtest.NewIssuer(t)
	path := filepath.Join(t.TempDir(), "audit.log")
	f, err := audit.OpenFile(audit.FileOptions{Path: path, Fsync: "never", MaxSize: 1 << 30, MaxFiles: 1})
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(f)
	url := serveHotcallAudit(t, iss, log)
	for _, args := range []string{`{"status":"<paid> & \"co\"","weight":2.5e-7}`, `{"status":"payé","weight":1e21}`} {
		status, body, err := hotcallSend(http.DefaultClient, url, "mcpk_bench_key",
			`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"by_status","arguments":`+args+`}}`)
		if err != nil || status != http.StatusOK || !strings.Contains(body, `"structuredContent"`) {
			t.Fatalf("%s: %d %s %v", args, status, body, err)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"args":{"status":"\u003cpaid\u003e \u0026 \"co\"","weight":2.5e-7}`,
		`"args":{"status":"payé","weight":1e+21}`,
		`"binds":{"org":"acme"}`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the audit file lacks %s:\n%s", want, out)
		}
	}
}
