package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

// technovaResource is the audience examples/technova.hcl expects.
const technovaResource = "http://127.0.0.1:8080/mcp"

// issuerEnv points examples/technova.hcl at a test issuer.
func issuerEnv(iss *authtest.Issuer) []string {
	return []string{"TECHNOVA_ISSUER=" + iss.URL(), "TECHNOVA_JWKS_URL=" + iss.JWKSURL()}
}

// technovaToken mints a TechNova token for sub in org with scopes.
func technovaToken(iss *authtest.Issuer, sub, org, scopes string) string {
	claims := map[string]any{"aud": technovaResource, "sub": sub, "scope": scopes}
	if org != "" {
		claims["org"] = org
	}
	return iss.Token(claims)
}

// TestTenantIsolation: an acme caller can neither read nor cancel a globex
// order, whatever arguments it sends, over stdio and HTTP, on every
// backend. The organization comes from the caller's identity only.
func TestTenantIsolation(t *testing.T) {
	iss := authtest.NewIssuer(t)
	for _, b := range backends(t) {
		for _, transport := range []string{"stdio", "http"} {
			t.Run(b.name+"/"+transport, func(t *testing.T) {
				t.Parallel()
				env := append(b.env(t), issuerEnv(iss)...)
				start := func(org string) *client.Client {
					if transport == "stdio" {
						return startStdio(t, append(env, "TECHNOVA_ORG="+org), technova).client
					}
					tok := technovaToken(iss, "agent@"+org, org, "orders.read orders.write catalog.read")
					return startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, bearer(tok), env, technova).client
				}
				// The globex server seeds the database; acme shares it.
				globex := start("globex")
				acme := start("acme")

				for name, c := range map[string]*client.Client{"acme": acme, "globex": globex} {
					for _, r := range rows(t, ok(t, call(t, c, "list_orders", map[string]any{"limit": 50}))) {
						if r["org"] != name {
							t.Fatalf("%s sees an order of %v: %v", name, r["org"], r)
						}
					}
				}
				pending := rows(t, ok(t, call(t, globex, "list_orders", map[string]any{"status": "pending", "limit": 1})))
				if len(pending) != 1 {
					t.Fatal("globex has no pending order")
				}
				id := pending[0]["id"]

				toolError(t, call(t, acme, "get_order", map[string]any{"order_id": id}), "No order")
				if items := rows(t, ok(t, call(t, acme, "list_order_items", map[string]any{"order_id": id}))); len(items) != 0 {
					t.Errorf("acme sees the items of globex order %v: %v", id, items)
				}
				toolError(t, call(t, acme, "cancel_order", map[string]any{"order_id": id, "reason": "not ours to cancel"}), "Nothing was cancelled")
				// The order resource and the prompt embedding it are scoped too.
				if _, err := readResource(acme, fmt.Sprintf("technova://orders/%v", id)); err == nil || !strings.Contains(err.Error(), "No order") {
					t.Errorf("acme read globex order %v as a resource: %v", id, err)
				}
				if _, err := getPrompt(acme, "summarize_order_issue", map[string]string{"order_id": fmt.Sprint(id)}); err == nil {
					t.Errorf("acme got a prompt embedding globex order %v", id)
				}
				// Naming the organization in the arguments is refused, not obeyed.
				toolError(t, call(t, acme, "get_order", map[string]any{"order_id": id, "org": "globex"}), `argument "org" is not accepted: its value comes from the caller's identity`)

				if got := ok(t, call(t, globex, "get_order", map[string]any{"order_id": id})); got["status"] != "pending" {
					t.Errorf("after acme's attempt, globex order %v = %v; want it still pending", id, got)
				}
			})
		}
	}
}

// TestToolsListPerPrincipal: a caller sees only the tools its guards and
// binds could ever let it call; calling a hidden tool answers as an
// unknown tool does, and is audited as denied by policy.
func TestToolsListPerPrincipal(t *testing.T) {
	iss := authtest.NewIssuer(t)
	env := append(sqliteBackend().env(t), issuerEnv(iss)...)
	tests := []struct {
		name    string
		token   string
		visible []string
	}{
		{"manager", technovaToken(iss, "m@acme", "acme", "orders.read orders.write catalog.read"),
			[]string{"cancel_order", "check_inventory", "get_order", "get_warehouse", "list_order_items", "list_orders", "search_products"}},
		{"reader", technovaToken(iss, "r@acme", "acme", "orders.read"),
			[]string{"get_order", "list_order_items", "list_orders"}},
		{"catalog only", technovaToken(iss, "c@acme", "acme", "catalog.read"), []string{"check_inventory", "get_warehouse", "search_products"}},
		// Scopes without an organization: the org bind fails, so no order tool.
		{"no org", technovaToken(iss, "x@nowhere", "", "orders.read catalog.read"), []string{"check_inventory", "get_warehouse", "search_products"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, bearer(tt.token), env, technova)
			list, err := s.client.ListTools(context.Background(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range list.Tools {
				names = append(names, tool.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.visible) {
				t.Fatalf("tools/list = %v, want %v", names, tt.visible)
			}
			if !slices.Contains(tt.visible, "get_order") {
				toolNotFound(t, s.client, "get_order", map[string]any{"order_id": 1001})
				line := s.logs.await(t, `"outcome":"denied"`)
				if !strings.Contains(line, `"tool":"get_order"`) || !strings.Contains(line, `"error_class":"policy"`) {
					t.Errorf("audit record %s", line)
				}
			}
		})
	}
}

// TestHTTPAuthentication sends every kind of bad credential to the MCP
// endpoint: each gets the status RFC 6750 and RFC 9728 prescribe, and
// leaves an audit record saying why, without the credential.
func TestHTTPAuthentication(t *testing.T) {
	iss := authtest.NewIssuer(t)
	s := startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, bearer(technovaDemoKey),
		append(sqliteBackend().env(t), issuerEnv(iss)...), technova)
	good := map[string]any{"aud": technovaResource, "sub": "a@acme", "scope": "orders.read", "org": "acme"}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for key, val := range good {
			c[key] = val
		}
		c[k] = v
		return c
	}
	valid := iss.Token(good)
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + strings.TrimRight(b64json(t, with("org", "globex")), "=") + "." + parts[2]
	rotatedOut := iss.Token(good, authtest.WithKeyID("retired-key"))

	const metadata = `resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp"`
	tests := []struct {
		name      string
		header    []string // Authorization values
		query     string
		status    int
		challenge string // in WWW-Authenticate
		reason    string // in the audit record
	}{
		{"valid token", []string{"Bearer " + valid}, "", http.StatusOK, "", ""},
		{"valid API key", []string{"Bearer " + technovaDemoKey}, "", http.StatusOK, "", ""},
		{"missing header", nil, "", http.StatusUnauthorized, "Bearer " + metadata, "no credential"},
		{"token in the query string", nil, "?access_token=" + valid, http.StatusUnauthorized, metadata, "no credential"},
		{"basic scheme", []string{"Basic YTpi"}, "", http.StatusUnauthorized, metadata, "not Bearer"},
		{"two headers", []string{"Bearer " + valid, "Bearer " + valid}, "", http.StatusBadRequest, `error="invalid_request"`, "more than one"},
		{"bearer without token", []string{"Bearer "}, "", http.StatusBadRequest, `error="invalid_request"`, ""},
		{"alg none", []string{"Bearer " + iss.Token(good, authtest.WithAlg("none"))}, "", http.StatusUnauthorized, `error="invalid_token"`, ""},
		{"HS256 with the RSA public key", []string{"Bearer " + iss.Token(good, authtest.WithAlg("HS256"))}, "", http.StatusUnauthorized, `error="invalid_token"`, ""},
		{"expired", []string{"Bearer " + iss.Token(with("exp", time.Now().Add(-time.Hour).Unix()))}, "", http.StatusUnauthorized, `error="invalid_token"`, "expired"},
		{"not yet valid", []string{"Bearer " + iss.Token(with("nbf", time.Now().Add(time.Hour).Unix()))}, "", http.StatusUnauthorized, `error="invalid_token"`, ""},
		{"wrong issuer", []string{"Bearer " + iss.Token(with("iss", "http://127.0.0.1:1/other"))}, "", http.StatusUnauthorized, `error="invalid_token"`, "issuer"},
		{"minted for another resource", []string{"Bearer " + iss.Token(with("aud", "https://other.example/mcp"))}, "", http.StatusUnauthorized, `error="invalid_token"`, "audience"},
		{"unknown kid", []string{"Bearer " + rotatedOut}, "", http.StatusUnauthorized, `error="invalid_token"`, "unknown key id"},
		{"forged signature", []string{"Bearer " + iss.Token(good, authtest.WithUnpublishedKey())}, "", http.StatusUnauthorized, `error="invalid_token"`, ""},
		{"tampered payload", []string{"Bearer " + tampered}, "", http.StatusUnauthorized, `error="invalid_token"`, ""},
		{"oversized token", []string{"Bearer " + iss.Token(with("pad", strings.Repeat("x", 20000)))}, "", http.StatusUnauthorized, `error="invalid_token"`, ""},
		// Last: its audit record is awaited before the records are counted.
		{"unknown API key", []string{"Bearer mcpk_not_a_key"}, "", http.StatusUnauthorized, `error="invalid_token"`, "unknown API key"},
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.url+tt.query, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			for _, h := range tt.header {
				req.Header.Add("Authorization", h)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			text, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.status, text)
			}
			if tt.status == http.StatusOK {
				return
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, tt.challenge) || !strings.Contains(got, metadata) {
				t.Errorf("WWW-Authenticate = %q, want it to contain %q and %q", got, tt.challenge, metadata)
			}
			for _, h := range tt.header {
				if cred := strings.TrimPrefix(h, "Bearer "); len(cred) > 8 && (strings.Contains(string(text), cred) || strings.Contains(s.logs.String(), cred)) {
					t.Errorf("the credential leaked into the response or the log")
				}
			}
		})
	}
	// Every refusal was audited with its reason; the credential never was.
	// Past the first few from one address, refusals are counted into the
	// summary the server writes when it stops.
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("server exited with %v", err)
	}
	var inFull []string
	summarized := map[string]any{}
	denied := 0
	for line := range strings.Lines(s.logs.String()) {
		var r struct {
			Log        string         `json:"log"`
			Outcome    string         `json:"outcome"`
			ErrorClass string         `json:"error_class"`
			Reason     string         `json:"reason"`
			Refused    int            `json:"refused"`
			Reasons    map[string]any `json:"reasons"`
		}
		if json.Unmarshal([]byte(line), &r) != nil || r.Log != "audit" {
			continue
		}
		switch {
		case r.Outcome == "denied" && r.ErrorClass == "authentication":
			inFull = append(inFull, r.Reason)
			denied++
		case r.Outcome == "summary":
			denied += r.Refused
			maps.Copy(summarized, r.Reasons)
		}
	}
	for _, tt := range tests {
		if tt.status != http.StatusOK && tt.reason != "" {
			found := slices.ContainsFunc(inFull, func(reason string) bool { return strings.Contains(reason, tt.reason) })
			for key := range summarized {
				found = found || strings.Contains(key, "authentication: ") && strings.Contains(key, tt.reason)
			}
			if !found {
				t.Errorf("%s: no denial with a reason like %q in the audit trail", tt.name, tt.reason)
			}
		}
	}
	if want := len(tests) - 2; denied != want {
		t.Errorf("%d authentication denials audited, want %d", denied, want)
	}
}

// TestProtectedResourceMetadata: RFC 9728 metadata at the well-known path
// and its path-suffixed form, without authentication.
func TestProtectedResourceMetadata(t *testing.T) {
	iss := authtest.NewIssuer(t)
	s := startHTTP(t, append(sqliteBackend().env(t), issuerEnv(iss)...), technova)
	base := strings.TrimSuffix(s.url, "/mcp")
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
			ScopesSupported      []string `json:"scopes_supported"`
			BearerMethods        []string `json:"bearer_methods_supported"`
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d, %v", path, resp.StatusCode, err)
		}
		if doc.Resource != technovaResource || !slices.Equal(doc.AuthorizationServers, []string{iss.URL()}) ||
			!slices.Equal(doc.ScopesSupported, []string{"orders.read", "orders.write", "catalog.read"}) ||
			!slices.Equal(doc.BearerMethods, []string{"header"}) {
			t.Errorf("%s: %+v", path, doc)
		}
	}
	resp, err := http.Get(base + "/.well-known/oauth-protected-resource/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("metadata for another path: %d, want 404", resp.StatusCode)
	}
}

// TestRequiredScopes: a valid caller without the scopes every request
// needs is answered 403 insufficient_scope, naming them.
func TestRequiredScopes(t *testing.T) {
	s := startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, bearer("mcpk_test_full"), nil, "testdata/e2e/auth.hcl")
	ok(t, call(t, s.client, "whoami", nil))

	req, _ := http.NewRequest(http.MethodPost, s.url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer mcpk_test_no_mcp_scope")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `Bearer resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="the token lacks a required scope", scope="mcp"`
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("WWW-Authenticate") != want {
		t.Errorf("status %d, WWW-Authenticate %q; want 403 and %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), want)
	}
	line := s.logs.await(t, `"error_class":"scope"`)
	if !strings.Contains(line, `"subject":"svc-no-scope"`) || !strings.Contains(line, `"reason":"missing scopes: mcp"`) {
		t.Errorf("audit record %s", line)
	}
}

func b64json(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
