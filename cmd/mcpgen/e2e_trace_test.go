package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace endpoint in the test: it decodes the
// protobuf requests the exporter sends, as a collector would.
type otlpReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	cond     *sync.Cond
	spans    []*tracepb.Span
	services map[string]bool // the service.name of every batch
	bad      []string
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{services: map[string]bool{}}
	r.cond = sync.NewCond(&r.mu)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		var msg coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &msg)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		switch {
		case req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf":
			r.bad = append(r.bad, req.Method+" "+req.URL.Path+" "+req.Header.Get("Content-Type"))
		case err != nil:
			r.bad = append(r.bad, err.Error())
		}
		for _, rs := range msg.ResourceSpans {
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.Key == "service.name" {
					r.services[kv.Value.GetStringValue()] = true
				}
			}
			for _, ss := range rs.ScopeSpans {
				r.spans = append(r.spans, ss.Spans...)
			}
		}
		r.cond.Broadcast()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.Close)
	return r
}

// trace waits until the receiver holds a span named name in trace id and
// returns every span of that trace received by then.
func (r *otlpReceiver) trace(t *testing.T, id, name string) []*tracepb.Span {
	t.Helper()
	timer := time.AfterFunc(time.Minute, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.bad = append(r.bad, "timed out waiting for "+name)
		r.cond.Broadcast()
	})
	defer timer.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		var got []*tracepb.Span
		found := false
		for _, s := range r.spans {
			if hex.EncodeToString(s.TraceId) == id {
				got = append(got, s)
				found = found || s.Name == name
			}
		}
		if found {
			return got
		}
		if len(r.bad) > 0 {
			t.Fatalf("OTLP receiver: %v", r.bad)
		}
		r.cond.Wait()
	}
}

func spanNamed(t *testing.T, spans []*tracepb.Span, name string) *tracepb.Span {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
	}
	t.Fatalf("no span %q among %v", name, names)
	return nil
}

func attr(s *tracepb.Span, key string) any {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			switch v := kv.Value.Value.(type) {
			case *commonpb.AnyValue_StringValue:
				return v.StringValue
			case *commonpb.AnyValue_IntValue:
				return v.IntValue
			}
		}
	}
	return nil
}

func childOf(t *testing.T, child, parent *tracepb.Span) {
	t.Helper()
	if string(child.ParentSpanId) != string(parent.SpanId) {
		t.Errorf("span %q's parent is %x, want %q (%x)", child.Name, child.ParentSpanId, parent.Name, parent.SpanId)
	}
}

// TestTracing: with an OTLP endpoint in the environment, a tools/call is
// a server span continuing the client's trace (the traceparent header, or
// _meta.traceparent), with the guard, the limits and the backend as
// children; the HTTP client span passes the trace on to the upstream; the
// SQL span names the database, not the arguments; and the audit record
// and the log line carry the trace id.
func TestTracing(t *testing.T) {
	otlp := newOTLPReceiver(t)
	upstreamSaw := make(chan string, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamSaw <- r.Header.Get("Traceparent")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"42","name":"widget"}`)
	}))
	t.Cleanup(upstream.Close)
	env := []string{
		"TRACE_UPSTREAM_URL=" + upstream.URL,
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + otlp.URL,
		"OTEL_BSP_SCHEDULE_DELAY=50",
	}
	_, url, logs := serveProcess(t, env, "--listen", "127.0.0.1:0", "--log-level", "debug", "testdata/trace/trace.hcl")

	// The client's trace, in the HTTP header.
	const headerTrace, headerParent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	c, err := client.NewStreamableHttpClient(url, transport.WithHTTPHeaders(map[string]string{
		"traceparent": "00-" + headerTrace + "-" + headerParent + "-01",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	ok(t, call(t, c, "fetch", map[string]any{"id": "42"}))

	spans := otlp.trace(t, headerTrace, "tools/call fetch")
	root := spanNamed(t, spans, "tools/call fetch")
	if hex.EncodeToString(root.ParentSpanId) != headerParent {
		t.Errorf("tools/call's parent = %x, want the client's %s", root.ParentSpanId, headerParent)
	}
	if root.Kind != tracepb.Span_SPAN_KIND_SERVER || attr(root, "mcpgen.outcome") != "ok" || attr(root, "gen_ai.tool.name") != "fetch" {
		t.Errorf("tools/call span: kind %v, attributes %v", root.Kind, root.Attributes)
	}
	for _, name := range []string{"guard", "limits"} {
		childOf(t, spanNamed(t, spans, name), root)
	}
	hop := spanNamed(t, spans, "HTTP GET")
	childOf(t, hop, root)
	if hop.Kind != tracepb.Span_SPAN_KIND_CLIENT || attr(hop, "http.response.status_code") != int64(200) {
		t.Errorf("HTTP client span: kind %v, attributes %v", hop.Kind, hop.Attributes)
	}
	if want := "00-" + headerTrace + "-" + hex.EncodeToString(hop.SpanId) + "-01"; <-upstreamSaw != want {
		t.Errorf("the upstream did not get traceparent %s", want)
	}

	// The client's trace in _meta, on a call whose argument must not be
	// in any span.
	const metaTrace = "0af7651916cd43dd8448eb211c80319c"
	req := mcp.CallToolRequest{}
	req.Params.Name = "echo_word"
	req.Params.Arguments = map[string]any{"word": "s3cr3t-word"}
	req.Params.Meta = &mcp.Meta{AdditionalFields: map[string]any{"traceparent": "00-" + metaTrace + "-b7ad6b7169203331-01"}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res, err := c.CallTool(ctx, req); err != nil || res.IsError {
		t.Fatalf("echo_word: %v %v", res, err)
	}
	spans = otlp.trace(t, metaTrace, "tools/call echo_word")
	root = spanNamed(t, spans, "tools/call echo_word")
	if hex.EncodeToString(root.ParentSpanId) != "b7ad6b7169203331" {
		t.Errorf("tools/call's parent = %x, want the one in _meta", root.ParentSpanId)
	}
	db := spanNamed(t, spans, "sql echo_word")
	childOf(t, db, root)
	if attr(db, "db.system") != "sqlite" || attr(db, "db.response.returned_rows") != int64(1) {
		t.Errorf("SQL span attributes %v", db.Attributes)
	}
	for _, s := range spans {
		if raw, _ := json.Marshal(s.Attributes); strings.Contains(string(raw), "s3cr3t-word") {
			t.Errorf("span %q holds an argument's value: %s", s.Name, raw)
		}
	}

	// The audit record and the log line of each call name its trace.
	for _, id := range []string{headerTrace, metaTrace} {
		logs.awaitLine(t, "the audit record of trace "+id, func(l string) bool {
			return strings.Contains(l, `"log":"audit"`) && strings.Contains(l, `"trace_id":"`+id+`"`)
		})
		logs.awaitLine(t, "the log line of trace "+id, func(l string) bool {
			return strings.Contains(l, `"message":"tool call"`) && strings.Contains(l, `"trace_id":"`+id+`"`)
		})
	}
}

// awaitLine blocks until a line satisfies match, failing if the process
// stops logging first.
func (l *logLines) awaitLine(t *testing.T, what string, match func(string) bool) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		for _, line := range l.lines {
			if match(line) {
				return
			}
		}
		if l.done {
			t.Fatalf("process stopped logging before %s; log:\n%s", what, strings.Join(l.lines, "\n"))
		}
		l.cond.Wait()
	}
}

// TestTracingOffByDefault: without OTEL_* variables nothing is exported
// and neither the audit record nor the log names a trace.
func TestTracingOffByDefault(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tp := r.Header.Get("Traceparent"); tp != "" {
			t.Errorf("the upstream got traceparent %s with tracing off", tp)
		}
		_, _ = io.WriteString(w, `{"id":"1"}`)
	}))
	t.Cleanup(upstream.Close)
	s := startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		[]string{"TRACE_UPSTREAM_URL=" + upstream.URL}, "testdata/trace/trace.hcl")
	ok(t, call(t, s.client, "fetch", map[string]any{"id": "1"}))
	s.logs.await(t, `"log":"audit"`)
	if strings.Contains(s.logs.String(), "trace_id") {
		t.Errorf("a trace id was logged with tracing off:\n%s", s.logs)
	}
}

// TestTracingBlock: a telemetry block turns tracing on by itself, with the
// collector it names and the service name it gives; the trace id in the
// audit record finds the call's spans.
func TestTracingBlock(t *testing.T) {
	otlp := newOTLPReceiver(t)
	dir := t.TempDir()
	tools, err := os.ReadFile("testdata/trace/trace.hcl")
	if err != nil {
		t.Fatal(err)
	}
	block := "telemetry {\n  endpoint     = env(\"TRACE_OTLP\")\n  service_name = \"traced-by-block\"\n}\n"
	for name, text := range map[string]string{"trace.hcl": string(tools), "telemetry.hcl": block} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := startHTTP(t, []string{"TRACE_OTLP=" + otlp.URL, "TRACE_UPSTREAM_URL=http://127.0.0.1:1", "OTEL_BSP_SCHEDULE_DELAY=50"}, dir)
	ok(t, call(t, s.client, "echo_word", map[string]any{"word": "hi"}))
	line := s.logs.await(t, `"log":"audit"`)
	var rec struct {
		TraceID string `json:"trace_id"`
	}
	if err := json.Unmarshal([]byte(line), &rec); err != nil || len(rec.TraceID) != 32 {
		t.Fatalf("no trace id in the audit record %s", line)
	}
	spans := otlp.trace(t, rec.TraceID, "tools/call echo_word")
	childOf(t, spanNamed(t, spans, "sql echo_word"), spanNamed(t, spans, "tools/call echo_word"))
	otlp.mu.Lock()
	defer otlp.mu.Unlock()
	if !otlp.services["traced-by-block"] {
		t.Errorf("service names %v, want the block's traced-by-block", otlp.services)
	}
}
