package runtime

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// BenchmarkJWTPolicy is the policy work of one request with a JWT the
// server has seen before: authentication (the token cache), then the
// visibility filter and the guard and binds, as in BenchmarkCallStages'
// "auth" and "guard" stages. The principal and its CEL value come from the
// token's memo; before, both were made on every request.
func BenchmarkJWTPolicy(b *testing.B) {
	iss := authtest.NewIssuer(b)
	conf, diags := cfg.LoadSource("main.hcl", []byte(fmt.Sprintf(`
auth {
  resource = "http://127.0.0.1:8080/mcp"
  jwt {
    issuer   = %q
    jwks_url = %q
  }
}
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:jwt_bench?mode=memory"
  seed   = "CREATE TABLE orders (id INTEGER PRIMARY KEY, org TEXT NOT NULL);"
}
tool "get_order" {
  description = "Look up one order by its number."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes && principal.claims.org != ''"
  param "order_id" {
    type = "integer"
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT id FROM orders WHERE id = :order_id AND org = :org"
}
`, iss.URL(), iss.JWKSURL())))
	gen, more := check(conf)
	if diags = append(diags, more...); diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	if diags := gen.Open(context.Background(), adapter.OpenOptions{}); diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	s := NewServer(gen, ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New()})
	b.Cleanup(s.Close)
	if err := gen.authn.ready(context.Background()); err != nil {
		b.Fatal(err)
	}
	tok := iss.Token(map[string]any{"aud": "http://127.0.0.1:8080/mcp", "sub": "bench", "scope": "orders.read", "org": "acme"})
	h := http.Header{"Authorization": {"Bearer " + tok}}
	base := WithTransport(context.Background(), "http")
	t := gen.byName["get_order"]
	args := map[string]any{"order_id": int64(2)}
	b.ReportAllocs()
	for b.Loop() {
		p, err := gen.authn.authenticate(base, h)
		if err != nil {
			b.Fatal(err)
		}
		ctx := WithPrincipal(base, p)
		if !t.visible(ctx) {
			b.Fatal("get_order is hidden from the caller")
		}
		if _, err := t.authorize(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}
