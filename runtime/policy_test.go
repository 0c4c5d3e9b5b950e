package runtime

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

// TestHiddenAfterFilter: a call mcp-go's filter let through, to a tool
// that the generation the call then entered hides from the caller (a
// reload between the two), is answered as a tool the reload removed, and
// its arguments are not validated: a hidden tool's schema never leaks.
func TestHiddenAfterFilter(t *testing.T) {
	gen := checkSource(t, `
server { name = "s" }

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:hidden_after_filter?mode=memory"
}

tool "t" {
  description = "For holders of scope a."
  source      = source.sql.db
  guard       = "'a' in principal.scopes"
  param "n" { type = "integer" }
  sql    = "SELECT :n AS n"
  result { one = true }
}
`)
	trail := &syncBuffer{}
	s := NewServer(gen, ServerOptions{Log: zerolog.Nop(), Audit: audit.New(trail)})
	t.Cleanup(s.Close)

	for _, args := range []map[string]any{{"n": 1}, {"n": "not an integer"}} {
		var req mcp.CallToolRequest
		req.Params.Name = "t"
		req.Params.Arguments = args
		res, err := s.handler("t")(WithPrincipal(context.Background(), &Principal{Subject: "b"}), req)
		if err != nil || !res.IsError || !strings.HasPrefix(res.Content[0].(mcp.TextContent).Text, `The tool "t" no longer exists`) {
			t.Errorf("a hidden tool called with %v: %+v %v, want the answer for a removed tool", args, res, err)
		}
	}
	lines := strings.Split(strings.TrimSpace(trail.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d audit records, want 2:\n%s", len(lines), trail)
	}
	for _, line := range lines {
		if !strings.Contains(line, `"tool":"t"`) || !strings.Contains(line, `"subject":"b"`) || !strings.Contains(line, `"outcome":"denied"`) ||
			!strings.Contains(line, `"error_class":"policy"`) || !strings.Contains(line, `"reason":"not visible to the caller"`) {
			t.Errorf("audit record %s", line)
		}
	}
}

// BenchmarkPolicy is what deciding who may call costs per call, for a
// guard on a scope and a bind of a claim: visible (mcp-go's tool filter
// asks it once per call, with the arguments unknown) against authorize
// (the guard and the binds with the arguments).
func BenchmarkPolicy(b *testing.B) {
	conf, diags := cfg.LoadSource("main.hcl", []byte(`
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:bench_policy?mode=memory"
}

tool "t" {
  description = "Guarded and bound."
  source      = source.sql.db
  guard       = "'orders.read' in principal.scopes"
  param "order_id" { type = "integer" }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT :order_id AS id, :org AS org"
}
`))
	gen, more := check(conf)
	if diags = append(diags, more...); diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	t := gen.byName["t"]
	p := &Principal{Subject: "bench", Scopes: []string{"orders.read"}, Claims: map[string]any{"org": "acme"}}
	// A request's context each time, as the HTTP handler makes one; the
	// principal is shared, as an API key's is.
	b.Run("visible", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !t.visible(WithPrincipal(context.Background(), p)) {
				b.Fatal("not visible")
			}
		}
	})
	b.Run("authorize", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := t.authorize(WithPrincipal(context.Background(), p), map[string]any{"order_id": 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("both", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ctx := WithPrincipal(context.Background(), p)
			if !t.visible(ctx) {
				b.Fatal("not visible")
			}
			if _, err := t.authorize(ctx, map[string]any{"order_id": 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
