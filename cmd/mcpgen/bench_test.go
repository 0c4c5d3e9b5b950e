package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
	"github.com/mcpgen/mcpgen/runtime/metrics"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// BenchmarkToolCall measures one whole tools/call in process: JSON-RPC
// decoding, argument validation, the SQLite query by primary key on 100k
// rows, and encoding the response.
//
// "served" is the call as `mcpgen serve` runs it, with its audit line
// (written to io.Discard here) and its metrics. "limited" is "served" with
// a rate limit per caller in the memory backend (never reached): the
// difference is what a rate limit costs. "metered" is "bare" plus the rate
// limit and the metrics, without the audit line: against "bare", what the
// issue's 5% target is about.
func BenchmarkToolCall(b *testing.B) {
	b.Setenv("BENCH_DB", "file:"+filepath.Join(b.TempDir(), "bench.db"))
	gen := openBench(b)
	defer gen.Close()
	limited := openBench(b, "testdata/bench/limits.hcl")
	defer limited.Close()
	for _, bm := range []struct {
		name string
		gen  *runtime.Generation
		opts runtime.ServerOptions
	}{
		{"bare", gen, runtime.ServerOptions{Log: zerolog.Nop()}},
		{"served", gen, runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New()}},
		{"limited", limited, runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New()}},
		{"metered", limited, runtime.ServerOptions{Log: zerolog.Nop(), Metrics: metrics.New()}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			benchCalls(b, runtime.NewServer(bm.gen, bm.opts).MCP())
		})
	}
}

// openBench loads testdata/bench/orders.hcl (and any more files) and
// opens it, seeding the database named by BENCH_DB.
func openBench(b *testing.B, more ...string) *runtime.Generation {
	return buildServe(b, append([]string{"testdata/bench/orders.hcl"}, more...)...)
}

// benchCalls sends get_order calls for spread-out ids through s, as a
// transport would, and encodes each response.
func benchCalls(b *testing.B, s *mcpserver.MCPServer) {
	benchAnswers(b, s, func(ctx context.Context, _ string, msg []byte) any {
		return s.HandleMessage(ctx, json.RawMessage(msg))
	})
}

// benchAnswers initializes s, then answers get_order calls in parallel
// with answer (given each message and its id), checking every answer.
func benchAnswers(b *testing.B, s *mcpserver.MCPServer, answer func(ctx context.Context, id string, msg []byte) any) {
	ctx := context.Background()
	init := `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`
	s.HandleMessage(ctx, json.RawMessage(init))

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			id := strconv.Itoa(i)
			msg := `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"get_order","arguments":{"order_id":` + strconv.Itoa(1+(i*7919)%100000) + `}}}`
			out, err := json.Marshal(answer(ctx, id, []byte(msg)))
			if err != nil {
				b.Fatal(err)
			}
			if strings.Contains(string(out), `"isError":true`) || !strings.Contains(string(out), `"structuredContent"`) {
				b.Fatalf("call failed: %s", out)
			}
		}
	})
}

// BenchmarkToolCallHandwritten is the same call on a hand-written mcp-go
// tool over the same database: the difference to BenchmarkToolCall is what
// mcpgen adds per call.
func BenchmarkToolCallHandwritten(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	b.Setenv("BENCH_DB", "file:"+path)
	gen := openBench(b) // creates and seeds the file
	gen.Close()

	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	stmt, err := db.Prepare("SELECT id, status, total_cents, placed_at FROM orders WHERE id = ?")
	if err != nil {
		b.Fatal(err)
	}
	type order struct {
		ID         int64     `json:"id"`
		Status     string    `json:"status"`
		TotalCents int64     `json:"total_cents"`
		PlacedAt   time.Time `json:"placed_at"`
	}
	s := mcpserver.NewMCPServer("handwritten", "1", mcpserver.WithRecovery())
	s.AddTool(mcp.NewTool("get_order", mcp.WithInteger("order_id", mcp.Required(), mcp.Min(1))),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var args struct {
				OrderID *int64 `json:"order_id"`
			}
			if err := req.BindArguments(&args); err != nil || args.OrderID == nil || *args.OrderID < 1 {
				return mcp.NewToolResultError("order_id must be an integer of at least 1"), nil
			}
			var o order
			if err := stmt.QueryRowContext(ctx, *args.OrderID).Scan(&o.ID, &o.Status, &o.TotalCents, &o.PlacedAt); err != nil {
				return mcp.NewToolResultError("query failed"), nil
			}
			text, err := json.Marshal(o)
			if err != nil {
				return nil, err
			}
			return mcp.NewToolResultStructured(o, string(text)), nil
		})
	benchCalls(b, s)
}

// BenchmarkHTTPCall measures a tools/call over real Streamable HTTP on
// 127.0.0.1, unauthenticated and unguarded ("open") against the same call
// behind authentication, a guard and a bind of the caller's org. The
// issue's target: guarded and authenticated costs under 10% more.
func BenchmarkHTTPCall(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	b.Setenv("BENCH_DB", "file:"+path)
	iss := authtest.NewIssuer(b)
	b.Setenv("BENCH_ISSUER", iss.URL())
	b.Setenv("BENCH_JWKS_URL", iss.JWKSURL())
	token := iss.Token(map[string]any{"aud": "http://127.0.0.1:8080/mcp", "sub": "bench", "scope": "orders.read", "org": "acme"})
	for _, bm := range []struct {
		name, config, credential string
		sessions                 bool
	}{
		{"open", "testdata/bench/orders.hcl", "", false},
		{"guarded-jwt", "testdata/bench/guarded.hcl", token, false},
		{"guarded-apikey", "testdata/bench/guarded.hcl", "mcpk_bench_key", false},
		// With sessions: the gate checks that the session was issued to
		// the caller, on every call.
		{"guarded-apikey-sessions", "testdata/bench/guarded.hcl", "mcpk_bench_key", true},
	} {
		b.Run(bm.name, func(b *testing.B) {
			url := serveBench(b, bm.config, !bm.sessions)
			session := ""
			if bm.sessions {
				session = openBenchSession(b, url, bm.credential)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					id := 2 * (1 + (i*7919)%50000) // acme's orders are the even ones
					body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_order","arguments":{"order_id":%d}}}`, i, id)
					req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Accept", "application/json, text/event-stream")
					req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
					if bm.credential != "" {
						req.Header.Set("Authorization", "Bearer "+bm.credential)
					}
					if session != "" {
						req.Header.Set("Mcp-Session-Id", session)
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					out, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), `"structuredContent"`) {
						b.Fatalf("call failed: %d %s", resp.StatusCode, out)
					}
				}
			})
		})
	}
}

// openBenchSession initializes a session on url as the caller of
// credential and returns its id.
func openBenchSession(b *testing.B, url, credential string) string {
	post := func(body string, session string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+credential)
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			b.Fatalf("%s: %s", body, resp.Status)
		}
		return resp
	}
	resp := post(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`, "")
	session := resp.Header.Get("Mcp-Session-Id")
	if session == "" {
		b.Fatal("initialize gave no session id")
	}
	post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, session)
	return session
}

// serveBench serves config over Streamable HTTP (stateless or not), with audit
// (to io.Discard) and metrics as `mcpgen serve` has them, until b ends.
func serveBench(b *testing.B, config string, stateless bool) string {
	gen := buildServe(b, config)
	srv := runtime.NewServer(gen, runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	o := transport.DefaultHTTPOptions()
	o.Stateless = stateless
	go func() { done <- transport.ServeStreamable(ctx, srv, ln, o) }()
	b.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return "http://" + ln.Addr().String() + o.Path
}
