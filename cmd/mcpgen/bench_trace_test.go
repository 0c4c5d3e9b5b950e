package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// BenchmarkToolCallTraced is BenchmarkToolCall's "served" call with
// tracing off and on, side by side, measuring what the instrumentation
// costs the process, not what a collector costs:
//
//   - off: no tracing, as without OTEL_* variables;
//   - on: every call's spans (tools/call, guard, the SQL span) are built
//     and batched, and the exporter drops them;
//   - sampled-out: tracing on with a sample ratio of 0;
//   - direct-off, direct-on: off and on through Server.DirectCall, the
//     path the transports take for a tools/call;
//   - otlp: the real OTLP/HTTP exporter, to the receiver at
//     BENCH_OTLP_ENDPOINT, which must run in another process (skipped
//     without it).
func BenchmarkToolCallTraced(b *testing.B) {
	b.Setenv("BENCH_DB", "file:"+filepath.Join(b.TempDir(), "bench.db"))
	gen := openBench(b)
	defer gen.Close()
	run := func(b *testing.B, tracing *runtime.Tracing) {
		defer func() {
			if err := tracing.Shutdown(context.Background()); err != nil {
				b.Error(err)
			}
		}()
		opts := runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New(), Tracing: tracing}
		benchCalls(b, runtime.NewServer(gen, opts).MCP())
	}
	b.Run("off", func(b *testing.B) { run(b, nil) })
	b.Run("on", func(b *testing.B) { run(b, runtime.NewTracingTo(dropSpans{}, 1)) })
	// The path both transports take for a tools/call: runtime.DirectCall.
	direct := func(b *testing.B, tracing *runtime.Tracing) {
		defer func() {
			if err := tracing.Shutdown(context.Background()); err != nil {
				b.Error(err)
			}
		}()
		opts := runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New(), Tracing: tracing}
		benchDirectCalls(b, runtime.NewServer(gen, opts))
	}
	b.Run("direct-off", func(b *testing.B) { direct(b, nil) })
	b.Run("direct-on", func(b *testing.B) { direct(b, runtime.NewTracingTo(dropSpans{}, 1)) })
	b.Run("sampled-out", func(b *testing.B) { run(b, runtime.NewTracingTo(dropSpans{}, 0)) })
	b.Run("otlp", func(b *testing.B) {
		endpoint := os.Getenv("BENCH_OTLP_ENDPOINT")
		if endpoint == "" {
			b.Skip("BENCH_OTLP_ENDPOINT names no receiver")
		}
		b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
		tracing, err := runtime.NewTracing(context.Background(), nil, "bench", "1")
		if err != nil || tracing == nil {
			b.Fatalf("tracing: %v %v", tracing, err)
		}
		run(b, tracing)
	})
}

// benchDirectCalls is benchCalls through Server.DirectCall, as the HTTP
// and stdio transports answer a tools/call.
func benchDirectCalls(b *testing.B, s *runtime.Server) {
	benchAnswers(b, s.MCP(), func(ctx context.Context, id string, msg []byte) any {
		resp, ok := s.DirectCall(ctx, json.RawMessage(id), msg)
		if !ok {
			b.Fatal("DirectCall did not take the call")
		}
		return resp
	})
}

// dropSpans is a span exporter that drops every span.
type dropSpans struct{}

func (dropSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (dropSpans) Shutdown(context.Context) error                             { return nil }
