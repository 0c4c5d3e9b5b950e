package hcl

import (
	"reflect"
	"testing"
	"time"
)

func TestLoadAuth(t *testing.T) {
	src := `
auth {
  resource = "https://mcp.example.com/mcp"
  scopes   = ["orders.read", "orders.write"]

  jwt {
    issuer   = env("ISSUER_FOR_TEST", "https://login.example.com/realms/acme")
    jwks_url = "https://login.example.com/realms/acme/certs"
  }

  api_key "reporting" {
    hash    = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
    subject = "svc-reporting"
    scopes  = ["orders.read"]
    claims  = { org = "acme", level = 3, teams = ["a", "b"], nested = { on = true } }
  }

  stdio {
    subject = "local"
  }
}
`
	conf, diags := LoadSource("auth.hcl", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("Load: %s", diagText(diags))
	}
	a := conf.Auth
	if a == nil || !a.HTTPCredentials() {
		t.Fatalf("auth = %+v, want HTTP credentials", a)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"resource", a.Resource, "https://mcp.example.com/mcp"},
		{"authorization servers default to the issuer", a.AuthorizationServers, []string{"https://login.example.com/realms/acme"}},
		{"algorithms default", a.JWT.Algorithms, []string{"RS256", "ES256"}},
		{"leeway default", a.JWT.Leeway, 30 * time.Second},
		{"scope claim default (either)", a.JWT.ScopeClaim, ""},
		{"key subject", a.APIKeys[0].Principal.Subject, "svc-reporting"},
		// Claims decode as a JSON token's would: numbers are float64.
		{"key claims", a.APIKeys[0].Principal.Claims, map[string]any{
			"org": "acme", "level": 3.0, "teams": []any{"a", "b"}, "nested": map[string]any{"on": true}}},
		{"stdio", a.Stdio.Subject, "local"},
		{"stdio scopes", a.Stdio.Scopes, []string(nil)},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}
