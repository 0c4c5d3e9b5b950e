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
	"syscall"
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
// _meta.traceparent), with the guard and the backend as children; the HTTP client span passes the trace on to the upstream; the
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
	childOf(t, spanNamed(t, spans, "guard"), root)
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

// TestTracingSpanTree: over Streamable HTTP with an API key, a tools/call
// is one span from where the request entered, continuing the traceparent
// header, with every step of the call under it: authenticate, guard, rate
// limit, cache, and the HTTP client span, whose traceparent reaches the
// upstream. Other MCP methods get a span named for the method. A call
// with _meta.traceparent gets its span in that trace, linked to its HTTP
// request's span; a request refused at authentication is still traced.
func TestTracingSpanTree(t *testing.T) {
	otlp := newOTLPReceiver(t)
	upstreamSaw := make(chan string, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamSaw <- r.Header.Get("Traceparent")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"42","name":"widget"}`)
	}))
	t.Cleanup(upstream.Close)
	env := []string{"TRACE_UPSTREAM_URL=" + upstream.URL, "OTEL_EXPORTER_OTLP_ENDPOINT=" + otlp.URL, "OTEL_BSP_SCHEDULE_DELAY=50"}
	_, url, _ := serveProcess(t, env, "--listen", "127.0.0.1:0", "testdata/trace/tree.hcl")

	const headerTrace, headerParent = "5bf92f3577b34da6a3ce929d0e0e4737", "10f067aa0ba902b8"
	c, err := client.NewStreamableHttpClient(url, transport.WithHTTPHeaders(map[string]string{
		"traceparent":   "00-" + headerTrace + "-" + headerParent + "-01",
		"Authorization": "Bearer mcpk_test_full",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.ListTools(ctx, mcp.ListToolsRequest{}); err != nil {
		t.Fatal(err)
	}
	ok(t, call(t, c, "fetch", map[string]any{"id": "42"}))

	spans := otlp.trace(t, headerTrace, "tools/call fetch")
	root := spanNamed(t, spans, "tools/call fetch")
	if hex.EncodeToString(root.ParentSpanId) != headerParent || root.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("tools/call span: parent %x (want the header's %s), kind %v", root.ParentSpanId, headerParent, root.Kind)
	}
	for k, want := range map[string]any{"mcp.method.name": "tools/call", "gen_ai.tool.name": "fetch", "mcpgen.outcome": "ok"} {
		if got := attr(root, k); got != want {
			t.Errorf("tools/call span: %s = %v, want %v", k, got, want)
		}
	}
	// One child per step, in the order the call takes them.
	var last *tracepb.Span
	steps := childrenOf(spans, root)
	for _, name := range []string{"authenticate", "guard", "rate limit", "cache", "HTTP GET"} {
		step := spanNamed(t, steps, name)
		childOf(t, step, root)
		if step.Status.GetCode() == tracepb.Status_STATUS_CODE_ERROR {
			t.Errorf("step %q failed: %v", name, step.Status)
		}
		if last != nil && step.StartTimeUnixNano < last.EndTimeUnixNano {
			t.Errorf("step %q started before %q ended", name, last.Name)
		}
		last = step
	}
	if hit, _ := attrBool(spanNamed(t, steps, "cache"), "mcpgen.cache.hit"); hit {
		t.Errorf("the first call was a cache hit")
	}
	if want := "00-" + headerTrace + "-" + hex.EncodeToString(last.SpanId) + "-01"; <-upstreamSaw != want {
		t.Errorf("the upstream did not get traceparent %s", want)
	}
	for _, method := range []string{"tools/list"} {
		s := spanNamed(t, spans, method)
		if len(childrenOf(spans, s)) != 1 {
			t.Errorf("%s span's children: %v, want its authenticate span", method, childrenOf(spans, s))
		}
		if attr(s, "mcp.method.name") != method || attr(s, "mcpgen.outcome") != "ok" || hex.EncodeToString(s.ParentSpanId) != headerParent {
			t.Errorf("%s span: parent %x, attributes %v", method, s.ParentSpanId, s.Attributes)
		}
	}

	// _meta.traceparent: the call's span is in that trace, linked to the
	// span of the HTTP request that carried it (in the header's trace).
	const metaTrace, metaParent = "1af7651916cd43dd8448eb211c80319d", "c7ad6b7169203332"
	req := mcp.CallToolRequest{}
	req.Params.Name = "echo_word"
	req.Params.Arguments = map[string]any{"word": "hello"}
	req.Params.Meta = &mcp.Meta{AdditionalFields: map[string]any{"traceparent": "00-" + metaTrace + "-" + metaParent + "-01"}}
	if res, err := c.CallTool(ctx, req); err != nil || res.IsError {
		t.Fatalf("echo_word: %v %v", res, err)
	}
	spans = otlp.trace(t, metaTrace, "tools/call echo_word")
	call := spanNamed(t, spans, "tools/call echo_word")
	if hex.EncodeToString(call.ParentSpanId) != metaParent {
		t.Errorf("echo_word's parent = %x, want _meta's %s", call.ParentSpanId, metaParent)
	}
	for _, name := range []string{"guard", "rate limit", "cache", "sql echo_word"} {
		childOf(t, spanNamed(t, spans, name), call)
	}
	if len(call.Links) != 1 || hex.EncodeToString(call.Links[0].TraceId) != headerTrace {
		t.Fatalf("echo_word's links = %v, want its HTTP request's span in %s", call.Links, headerTrace)
	}
	httpSpans := otlp.trace(t, headerTrace, "tools/call")
	var request *tracepb.Span
	for _, s := range httpSpans {
		if string(s.SpanId) == string(call.Links[0].SpanId) {
			request = s
		}
	}
	if request == nil || request.Name != "tools/call" {
		t.Fatalf("the linked span %x is not the tools/call request's", call.Links[0].SpanId)
	}
	childOf(t, spanNamed(t, childrenOf(httpSpans, request), "authenticate"), request)

	// Refused at authentication: the request's span says so.
	const refusedTrace = "6bf92f3577b34da6a3ce929d0e0e4738"
	raw, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	raw.Header.Set("Content-Type", "application/json")
	raw.Header.Set("Accept", "application/json, text/event-stream")
	raw.Header.Set("traceparent", "00-"+refusedTrace+"-20f067aa0ba902b9-01")
	resp, err := http.DefaultClient.Do(raw)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a key: %s, want 401", resp.Status)
	}
	spans = otlp.trace(t, refusedTrace, "POST /mcp")
	post := spanNamed(t, spans, "POST /mcp")
	if post.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || attr(post, "error.type") != "authentication" || attr(post, "mcpgen.outcome") != "denied" {
		t.Errorf("refused request's span: status %v, attributes %v", post.Status, post.Attributes)
	}
	authn := spanNamed(t, spans, "authenticate")
	childOf(t, authn, post)
	if authn.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("authenticate span of a refused request: status %v", authn.Status)
	}
}

func childrenOf(spans []*tracepb.Span, parent *tracepb.Span) []*tracepb.Span {
	var out []*tracepb.Span
	for _, s := range spans {
		if string(s.ParentSpanId) == string(parent.SpanId) {
			out = append(out, s)
		}
	}
	return out
}

func attrBool(s *tracepb.Span, key string) (bool, bool) {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			v, ok := kv.Value.Value.(*commonpb.AnyValue_BoolValue)
			return ok && v.BoolValue, ok
		}
	}
	return false, false
}

// TestTracingExportFailureLogged: spans the collector refuses are reported
// in the server's JSON log, naming the collector's answer and never the
// credential the exporter sends it.
func TestTracingExportFailureLogged(t *testing.T) {
	refused := make(chan struct{}, 1)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such tenant", http.StatusBadRequest)
		select {
		case refused <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(collector.Close)
	s := startHTTP(t, []string{
		"TRACE_UPSTREAM_URL=http://127.0.0.1:1",
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL,
		"OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20otlp-s3cret",
		"OTEL_BSP_SCHEDULE_DELAY=50",
	}, "testdata/trace/trace.hcl")
	ok(t, call(t, s.client, "echo_word", map[string]any{"word": "hi"}))
	// Once the collector has refused the batch, stopping lets that export
	// finish and report: the warning is logged by then, or the wait below
	// ends with the process's log.
	<-refused
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	line := s.logs.await(t, "tracing: spans not exported")
	var rec struct {
		Level, Error string
	}
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Level != "warn" ||
		!strings.Contains(rec.Error, "400") || !strings.Contains(rec.Error, "no such tenant") {
		t.Errorf("want a JSON warning naming the collector's 400 and its text, got %s", line)
	}
	if strings.Contains(s.logs.String(), "otlp-s3cret") {
		t.Errorf("the exporter's credential is in the log:\n%s", s.logs)
	}
}
