package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// BenchmarkHTTPCallTraced is what tracing costs a call where users pay
// it: a tools/call get_order over stateless Streamable HTTP, through a
// real listener on 127.0.0.1, authenticated by an API key, guarded, with
// its org bound from the caller (testdata/bench/apikey.hcl), audited and
// metered as `mcpgen serve` does. One call at a time on one kept-alive
// connection, so that a run under callgrind counts one call's work.
//
//   - off: no tracing, as without OTEL_* variables;
//   - on: every call's spans (the request's, authenticate, guard, the SQL
//     span) built and batched, to an exporter that drops them;
//   - sampled-out: tracing on with a sample ratio of 0;
//   - floor: the same client and net/http server with a handler that
//     writes a fixed answer: what is not mcpgen's in the counts above.
func BenchmarkHTTPCallTraced(b *testing.B) {
	b.Setenv("BENCH_DB", "file:"+filepath.Join(b.TempDir(), "bench.db"))
	run := func(b *testing.B, tracing *runtime.Tracing) {
		gen := buildServe(b, "testdata/bench/apikey.hcl") // the server retires it when it closes
		defer func() {
			if err := tracing.Shutdown(context.Background()); err != nil {
				b.Error(err)
			}
		}()
		opts := runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New(), Tracing: tracing}
		benchHTTPCalls(b, serveTracedBench(b, runtime.NewServer(gen, opts)))
	}
	b.Run("off", func(b *testing.B) { run(b, nil) })
	b.Run("on", func(b *testing.B) { run(b, runtime.NewTracingTo(dropSpans{}, 1)) })
	b.Run("sampled-out", func(b *testing.B) { run(b, runtime.NewTracingTo(dropSpans{}, 0)) })
	b.Run("floor", func(b *testing.B) {
		answer := []byte(`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"{}"}],"structuredContent":{}}}`)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(answer)
		}))
		defer srv.Close()
		benchHTTPCalls(b, srv.URL+"/mcp")
	})
}

// benchHTTPCalls posts b.N tools/call get_order requests to url, one
// after the other, with the bench API key.
func benchHTTPCalls(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	callgrindMark()
	defer callgrindMark()
	for i := range b.N {
		postBenchCall(b, client, url, i)
	}
}

// postBenchCall posts the i-th tools/call get_order, for one of acme's
// orders spread out by i, and checks that it answered.
func postBenchCall(tb testing.TB, client *http.Client, url string, i int) {
	id := 2 * (1 + (i*7919)%50000) // acme's orders are the even ones
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_order","arguments":{"order_id":%d}}}`, i+1, id)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	req.Header.Set("Authorization", "Bearer mcpk_bench_key")
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(out), `"structuredContent"`) {
		tb.Fatalf("call failed: %d %s %v", resp.StatusCode, out, err)
	}
}

// TestTracingSampledOutCostsNothing checks, over Streamable HTTP through
// a real listener, that a call whose trace nobody records (tracing on,
// sample ratio 0) allocates no more than with tracing off: no span, no
// header key built, no new request context.
func TestTracingSampledOutCostsNothing(t *testing.T) {
	t.Setenv("BENCH_DB", "file:"+filepath.Join(t.TempDir(), "bench.db"))
	allocs := func(tracing *runtime.Tracing) float64 {
		t.Cleanup(func() {
			if err := tracing.Shutdown(context.Background()); err != nil {
				t.Error(err)
			}
		})
		gen := buildServe(t, "testdata/bench/apikey.hcl")
		url := serveTracedBench(t, runtime.NewServer(gen, runtime.ServerOptions{Log: zerolog.Nop(), Audit: audit.New(io.Discard), Metrics: metrics.New(), Tracing: tracing}))
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		t.Cleanup(client.CloseIdleConnections)
		i := 0
		for ; i < 50; i++ { // warm: the connection, the pools, the caches
			postBenchCall(t, client, url, i)
		}
		// As testing.AllocsPerRun, but the mean is not rounded down. No
		// collection runs while counting: each one empties the
		// sync.Pools, and the calls after it allocate afresh, so the
		// count would follow how many collections a run happened to see.
		defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
		goruntime.GC()
		defer debug.SetGCPercent(debug.SetGCPercent(-1))
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		const calls = 400
		for range calls {
			i++
			postBenchCall(t, client, url, i)
		}
		goruntime.ReadMemStats(&after)
		return float64(after.Mallocs-before.Mallocs) / calls
	}
	off := allocs(nil)
	sampledOut := allocs(runtime.NewTracingTo(dropSpans{}, 0))
	t.Logf("allocations per call: off %.2f, sampled out %.2f", off, sampledOut)
	if sampledOut > off+1+raceAllocNoise {
		t.Errorf("a sampled-out call allocates %.2f times, a call with tracing off %.2f", sampledOut, off)
	}
}

// serveTracedBench serves srv over stateless Streamable HTTP on
// 127.0.0.1 until b ends and returns the endpoint's URL.
func serveTracedBench(b testing.TB, srv *runtime.Server) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	o := transport.DefaultHTTPOptions()
	o.Stateless = true
	go func() { done <- transport.ServeStreamable(ctx, srv, ln, o) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
		srv.Close()
	})
	return "http://" + ln.Addr().String() + o.Path
}

// callgrindMark marks where the calls of benchHTTPCalls begin and end for
// valgrind --tool=callgrind --dump-before='*callgrindMark': the dump made
// at the end counts the calls' instructions alone, without the setup
// (seeding the database), whose count wanders from run to run.
//
//go:noinline
func callgrindMark() {}
