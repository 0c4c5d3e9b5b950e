package runtime

import (
	"context"
	"strings"
	"sync"
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

// TestRememberedVerdicts: a principal remembers whether a tool is visible
// to it, and the values of its binds, for the tools of one generation
// whose guard and binds read nothing of the request; what it remembers
// is its own, and the generation's.
func TestRememberedVerdicts(t *testing.T) {
	source := func(scope string) string {
		return `
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:remembered_verdicts?mode=memory"
}

tool "scoped" {
  description = "For holders of one scope, bound to their org."
  source      = source.sql.db
  guard       = "'` + scope + `' in principal.scopes"
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT :org AS org"
}

tool "over_http" {
  description = "Over HTTP only."
  source      = source.sql.db
  guard       = "request.transport == 'http'"
  sql         = "SELECT 1 AS one"
}

tool "bound_to_transport" {
  description = "Bound to the transport."
  source      = source.sql.db
  guard       = "'a' in principal.scopes"
  bind "via" {
    from = "request.transport"
  }
  sql = "SELECT :via AS via"
}
`
	}
	gen1, gen2 := checkSource(t, source("a")), checkSource(t, source("b"))
	alice := &Principal{Subject: "alice", Scopes: []string{"a"}, Claims: map[string]any{"org": "acme"}}
	bob := &Principal{Subject: "bob", Scopes: []string{"b"}, Claims: map[string]any{"org": "globex"}}
	over := func(transport string, p *Principal) context.Context {
		return WithRequest(context.Background(), transport, p, nil)
	}

	for _, name := range []string{"over_http", "bound_to_transport"} {
		if gen1.byName[name].verdicts.scope != nil {
			t.Errorf("%s reads the request, yet its verdicts are remembered", name)
		}
	}
	if gen1.byName["scoped"].verdicts.scope == nil {
		t.Fatal("scoped reads only the principal, yet its verdicts are not remembered")
	}

	// Asked again and again, in turn: each principal's own answer, from
	// each generation, and from the request over each transport.
	for round := range 3 {
		for _, c := range []struct {
			gen       *Generation
			tool      string
			transport string
			p         *Principal
			want      bool
		}{
			{gen1, "scoped", "http", alice, true},
			{gen1, "scoped", "http", bob, false},
			{gen2, "scoped", "http", alice, false},
			{gen2, "scoped", "http", bob, true},
			{gen1, "over_http", "http", alice, true},
			{gen1, "over_http", "stdio", alice, false},
		} {
			if got := c.gen.byName[c.tool].visible(over(c.transport, c.p)); got != c.want {
				t.Errorf("round %d: %s on generation %d over %s for %s: visible %v, want %v",
					round, c.tool, map[*Generation]int{gen1: 1, gen2: 2}[c.gen], c.transport, c.p.Subject, got, c.want)
			}
		}
	}
	if alice.verdicts.Load() == nil || bob.verdicts.Load() == nil {
		t.Error("no verdict remembered")
	}

	// The binds a call gets are the principal's, whether found or
	// remembered, and those read from the request are the request's.
	for range 2 {
		binds, err := gen1.byName["scoped"].authorize(over("http", alice), nil)
		if err != nil || binds["org"] != "acme" {
			t.Errorf("alice's binds %v (%v), want org acme", binds, err)
		}
		if binds, err = gen2.byName["scoped"].authorize(over("http", bob), nil); err != nil || binds["org"] != "globex" {
			t.Errorf("bob's binds %v (%v), want org globex", binds, err)
		}
		for _, transport := range []string{"http", "stdio"} {
			ctx := over(transport, alice)
			if !gen1.byName["bound_to_transport"].visible(ctx) {
				t.Fatalf("bound_to_transport hidden from alice over %s", transport)
			}
			if binds, err := gen1.byName["bound_to_transport"].authorize(ctx, nil); err != nil || binds["via"] != transport {
				t.Errorf("binds over %s: %v (%v), want via %s", transport, binds, err, transport)
			}
		}
	}
}

// TestRememberedVerdictsConcurrent: requests of one principal on two
// generations at once, as during a reload, each get their own
// generation's verdict and binds while the principal's memory passes
// from one generation to the other and back.
func TestRememberedVerdictsConcurrent(t *testing.T) {
	source := func(scope, org string) string {
		return `
source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:remembered_concurrent?mode=memory"
}

tool "scoped" {
  description = "For holders of one scope."
  source      = source.sql.db
  guard       = "'` + scope + `' in principal.scopes"
  bind "org" {
    from = "principal.claims.` + org + `"
  }
  sql = "SELECT :org AS org"
}
`
	}
	gens := []*Generation{checkSource(t, source("a", "org")), checkSource(t, source("a", "team")), checkSource(t, source("b", "org"))}
	want := []struct {
		visible bool
		org     any
	}{{true, "acme"}, {true, "red"}, {false, nil}}
	alice := &Principal{Subject: "alice", Scopes: []string{"a"}, Claims: map[string]any{"org": "acme", "team": "red"}}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 300 {
				g := (w + i) % len(gens)
				ctx := WithRequest(context.Background(), "http", alice, nil)
				tool := gens[g].byName["scoped"]
				if got := tool.visible(ctx); got != want[g].visible {
					t.Errorf("generation %d: visible %v, want %v", g+1, got, want[g].visible)
					return
				}
				if !want[g].visible {
					continue
				}
				if binds, err := tool.authorize(ctx, nil); err != nil || binds["org"] != want[g].org {
					t.Errorf("generation %d: binds %v (%v), want org %v", g+1, binds, err, want[g].org)
					return
				}
			}
		})
	}
	wg.Wait()
}
