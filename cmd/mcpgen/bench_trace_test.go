package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// BenchmarkToolCallTraced is BenchmarkToolCall's "served" call with tracing
// off and on, side by side: "traced" exports every call's spans (the
// tools/call span, guard, limits, the SQL span) over OTLP/HTTP to a
// receiver in the process that reads and drops them.
func BenchmarkToolCallTraced(b *testing.B) {
	b.Setenv("BENCH_DB", "file:"+filepath.Join(b.TempDir(), "bench.db"))
	gen := openBench(b)
	defer gen.Close()
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	tracing, err := runtime.NewTracing(context.Background(), nil, "bench", "1")
	if err != nil || tracing == nil {
		b.Fatalf("tracing: %v %v", tracing, err)
	}
	defer tracing.Shutdown(context.Background())
	for _, bm := range []struct {
		name    string
		tracing *runtime.Tracing
	}{{"off", nil}, {"on", tracing}} {
		b.Run(bm.name, func(b *testing.B) {
			opts := runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New(), Tracing: bm.tracing}
			benchCalls(b, runtime.NewServer(gen, opts).MCP())
		})
	}
}
