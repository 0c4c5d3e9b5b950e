package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

// BenchmarkToolCall measures one whole tools/call in process: JSON-RPC
// decoding, argument validation, the SQLite query by primary key on 100k
// rows, and encoding the response.
func BenchmarkToolCall(b *testing.B) {
	b.Setenv("BENCH_DB", "file:"+filepath.Join(b.TempDir(), "bench.db"))
	conf, diags := cfg.Load([]string{"testdata/bench/orders.hcl"})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	gen, diags := runtime.Check(conf)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	ctx := context.Background()
	if diags := gen.Open(ctx, runtime.OpenOptions{Log: zerolog.Nop()}); diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	defer gen.Close()
	srv := runtime.NewServer(gen, runtime.ServerOptions{Log: zerolog.Nop()})
	mcp := srv.MCP()

	init := `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`
	mcp.HandleMessage(ctx, json.RawMessage(init))

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_order","arguments":{"order_id":%d}}}`, i, 1+(i*7919)%100000)
			resp := mcp.HandleMessage(ctx, json.RawMessage(msg))
			out, err := json.Marshal(resp)
			if err != nil {
				b.Fatal(err)
			}
			if strings.Contains(string(out), `"isError":true`) || !strings.Contains(string(out), `"structuredContent"`) {
				b.Fatalf("call failed: %s", out)
			}
		}
	})
}
