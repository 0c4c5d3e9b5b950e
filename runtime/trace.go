package runtime

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/otlp"
)

// Tracing is OpenTelemetry tracing of MCP requests, exported over OTLP. It
// is configured by the standard OTEL_* environment variables and is off
// unless they name an exporter: a nil *Tracing costs a call nothing but a
// nil check.
type Tracing struct {
	provider *sdktrace.TracerProvider
	batcher  *spanBatcher
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
	names    sync.Map // tool name → *toolSpan
	noRoots  bool     // the sample ratio is 0: only traces a client sampled are recorded
}

// NewTracing starts tracing as the telemetry block (nil when there is
// none) and the standard environment say, or returns nil when it is off.
//
// Without a block, tracing is on when OTEL_TRACES_EXPORTER is "otlp", or
// is unset and an OTLP endpoint is (OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), and OTEL_SDK_DISABLED is not
// "true". A block turns it on (exporter = "none" off), and what it sets
// wins over the environment. The protocol is http/protobuf unless the
// block or OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL says grpc. The exporter
// reads its other settings (headers, TLS, timeout, compression) and the
// SDK its sampler from the environment as the specification says
// (otlp.ConfigFromEnv); spans are
// batched as OTEL_BSP_* say (batchConfigFromEnv). A value in either that
// cannot be used is an error.
// service.name is the block's service_name, else OTEL_SERVICE_NAME, else
// service (the server block's name).
func NewTracing(ctx context.Context, tm *cfg.Telemetry, service, version string) (*Tracing, error) {
	if tm != nil && tm.Exporter == "none" {
		return nil, nil
	}
	if tm == nil {
		if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
			return nil, nil
		}
		switch exporter := os.Getenv("OTEL_TRACES_EXPORTER"); exporter {
		case "none":
			return nil, nil
		case "":
			if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
				return nil, nil
			}
		case "otlp":
		default:
			return nil, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: only otlp and none are supported", exporter)
		}
		tm = &cfg.Telemetry{SampleRatio: 1}
	}
	conf, err := batchConfigFromEnv()
	if err != nil {
		return nil, err
	}
	protocol := tm.Protocol
	if protocol == "" {
		protocol = cmp.Or(os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	switch protocol {
	case "", otlp.HTTPProtobuf, otlp.GRPC:
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: use http/protobuf or grpc", protocol)
	}
	getenv := os.Getenv
	if tm.Endpoint != "" {
		// The block's endpoint wins: the environment's is not read, so a
		// stale one there does not stop the server.
		getenv = func(name string) string {
			if name == "OTEL_EXPORTER_OTLP_ENDPOINT" || name == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" {
				return ""
			}
			return os.Getenv(name)
		}
	}
	expConf, err := otlp.ConfigFromEnv(protocol, getenv)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	if tm.Endpoint != "" {
		expConf.Endpoint = tm.Endpoint
		if protocol != otlp.GRPC {
			expConf.Endpoint = otlp.TracesURL(tm.Endpoint)
		}
	}
	exp, err := otlp.New(expConf)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.Merge(
		resource.NewSchemaless(attribute.String("service.name", service), attribute.String("service.version", version)),
		resource.Environment())
	if err == nil && tm.ServiceName != "" {
		res, err = resource.Merge(res, resource.NewSchemaless(attribute.String("service.name", tm.ServiceName)))
	}
	if err != nil {
		return nil, fmt.Errorf("OTEL resource: %w", err)
	}
	return newTracing(exp, conf, res, tm.SampleRatio), nil
}

// NewTracingTo is tracing whose spans go to exp, batched as NewTracing's
// are with the specification's default OTEL_BSP_* settings; of the
// traces started here (not continued from a client), ratio are sampled.
// For benchmarks (an exporter that drops measures the instrumentation
// alone) and for embedding with an exporter of one's own.
func NewTracingTo(exp sdktrace.SpanExporter, ratio float64) *Tracing {
	return newTracing(exp, defaultBatchConfig, resource.Default(), ratio)
}

func newTracing(exp sdktrace.SpanExporter, conf batchConfig, res *resource.Resource, ratio float64) *Tracing {
	batcher := newSpanBatcher(exp, conf)
	provider := []sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(batcher), sdktrace.WithResource(res)}
	if ratio < 1 {
		// A trace the client sampled is kept; of those started here, this share.
		provider = append(provider, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))))
	}
	tp := sdktrace.NewTracerProvider(provider...)
	prop := propagation.TraceContext{}
	// Adapters (the HTTP client span, the SQL span) find them here.
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(prop)
	return &Tracing{provider: tp, batcher: batcher, tracer: tp.Tracer(tracerName), prop: prop, noRoots: ratio <= 0}
}

// DroppedSpans is how many spans were dropped because the export queue
// (OTEL_BSP_MAX_QUEUE_SIZE) was full. Safe on nil.
func (tr *Tracing) DroppedSpans() uint64 {
	if tr == nil {
		return 0
	}
	return tr.batcher.Dropped()
}

// Shutdown exports the spans still buffered. Safe on nil.
func (tr *Tracing) Shutdown(ctx context.Context) error {
	if tr == nil {
		return nil
	}
	return tr.provider.Shutdown(ctx)
}

// Extract continues the trace an HTTP request's traceparent header names:
// the transport calls it on every request. Safe on nil.
func (tr *Tracing) Extract(ctx context.Context, h http.Header) context.Context {
	if tr == nil {
		return ctx
	}
	return tr.prop.Extract(ctx, headerCarrier(h))
}

// headerCarrier reads W3C trace context from HTTP headers by their
// canonical names: propagation.HeaderCarrier canonicalizes "traceparent"
// on every Get, which allocates.
type headerCarrier http.Header

func (h headerCarrier) Get(key string) string {
	var v []string
	switch key {
	case "traceparent":
		v = h["Traceparent"]
	case "tracestate":
		v = h["Tracestate"]
	default:
		return http.Header(h).Get(key)
	}
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
func (h headerCarrier) Set(key, value string) { http.Header(h).Set(key, value) }
func (h headerCarrier) Keys() []string        { return propagation.HeaderCarrier(h).Keys() }

// Tracing is the server's tracing, nil when off.
func (s *Server) Tracing() *Tracing { return s.calls.tracing }

// metaCarrier reads W3C trace context from a request's _meta
// (traceparent, tracestate), so a client's trace continues over stdio
// too, and over HTTP when the client puts it there rather than in the
// header.
type metaCarrier map[string]any

func (m metaCarrier) Get(key string) string {
	v, _ := m[key].(string)
	return v
}
func (m metaCarrier) Set(string, string) {}
func (m metaCarrier) Keys() []string {
	return []string{"traceparent", "tracestate"}
}

// A Request is the span of one HTTP request to the MCP endpoint, started
// by the transport where the request enters (before authentication) and
// ended when its answer is written. It continues the trace of the
// request's traceparent header. Once mcp-go has parsed the body, the
// span takes the MCP method's name (see methodStarted); a tools/call
// without _meta.traceparent makes it the call's span, named for the tool.
// nil when tracing is off: every method is then a no-op.
type Request struct {
	span   trace.Span
	tracer trace.Tracer
}

type requestKey struct{}

// StartRequest starts the span of an HTTP request to the MCP endpoint.
// name is what it is called until its MCP method is known ("POST /mcp"):
// the transport builds it once, not per request. Safe on nil; returns a
// nil *Request when tracing is off.
func (tr *Tracing) StartRequest(ctx context.Context, h http.Header, name string) (context.Context, *Request) {
	if tr == nil {
		return ctx, nil
	}
	if len(h["Traceparent"]) > 0 {
		ctx = tr.prop.Extract(ctx, headerCarrier(h))
	}
	if tr.sampledOut(ctx) {
		return ctx, nil
	}
	ctx, span := tr.tracer.Start(ctx, name, serverKind)
	q := &Request{span: span, tracer: tr.tracer}
	return context.WithValue(ctx, requestKey{}, q), q
}

func requestFrom(ctx context.Context) *Request {
	q, _ := ctx.Value(requestKey{}).(*Request)
	return q
}

// Step starts a step of the request (authenticate), a child of its span;
// a no-op when the request is not traced or not sampled.
func (q *Request) Step(ctx context.Context, name string) Step {
	if q == nil || !q.span.IsRecording() {
		return Step{}
	}
	_, span := q.tracer.Start(ctx, name)
	return Step{span}
}

// End ends the request's span; refused is the reason the transport
// refused it before mcp-go saw it ("" when it did not).
func (q *Request) End(refused string) {
	if q == nil {
		return
	}
	if refused != "" && q.span.IsRecording() {
		q.span.SetAttributes(attribute.String("mcpgen.outcome", audit.Denied), attribute.String("error.type", refused))
		q.span.SetStatus(codes.Error, refused)
	}
	q.span.End()
}

const tracerName = "github.com/mcpgen/mcpgen/runtime"

// serverKind is built once: an option built per span costs an allocation.
var serverKind = trace.WithSpanKind(trace.SpanKindServer)

// sampledOut is true when nothing under ctx would be recorded, so no
// span need start at all: ctx continues a trace its client did not sample
// (the sampler is parent-based; the context, as it came, carries the
// decision on), or it starts a trace and the sample ratio is 0. (A trace
// started here and sampled out by a ratio between 0 and 1 still costs a
// non-recording span: the SDK decides on its id.)
func (tr *Tracing) sampledOut(ctx context.Context) bool {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return tr.noRoots
	}
	return !sc.IsSampled()
}

// methodStarted names an HTTP request's span after its MCP method, as
// soon as mcp-go has parsed it (a BeforeAny hook). Method names are
// constants: naming the span allocates nothing.
func methodStarted(ctx context.Context, _ any, method mcp.MCPMethod, _ any) {
	if q := requestFrom(ctx); q != nil && q.span.IsRecording() {
		q.span.SetName(string(method))
		attr, ok := methodAttrs[method]
		if !ok { // a method mcp-go does not know: a client chose the name
			attr = []attribute.KeyValue{attribute.String("mcp.method.name", string(method))}
		}
		q.span.SetAttributes(attr...)
	}
}

// methodAttrs holds the mcp.method.name attribute of each MCP method,
// built once: a slice built per call escapes to the heap.
var methodAttrs = func() map[mcp.MCPMethod][]attribute.KeyValue {
	m := map[mcp.MCPMethod][]attribute.KeyValue{}
	for _, method := range []mcp.MCPMethod{
		mcp.MethodInitialize, mcp.MethodPing, mcp.MethodToolsList, mcp.MethodToolsCall,
		mcp.MethodResourcesList, mcp.MethodResourcesTemplatesList, mcp.MethodResourcesRead,
		mcp.MethodPromptsList, mcp.MethodPromptsGet, mcp.MethodSetLogLevel, mcp.MethodCompletionComplete,
	} {
		m[method] = []attribute.KeyValue{attribute.String("mcp.method.name", string(method))}
	}
	return m
}()

// methodFailed records an MCP method's error on its HTTP request's span.
func methodFailed(ctx context.Context, _ any, _ mcp.MCPMethod, _ any, err error) {
	if q := requestFrom(ctx); q != nil && q.span.IsRecording() {
		q.span.SetAttributes(attribute.String("mcpgen.outcome", "error"), attribute.String("error.type", "jsonrpc"))
		q.span.SetStatus(codes.Error, err.Error())
	}
}

// methodDone records an MCP method's success on its HTTP request's span.
func methodDone(ctx context.Context, _ any, method mcp.MCPMethod, _ any, _ any) {
	if method == mcp.MethodToolsCall {
		return // the call's own outcome says more (callSpan.end)
	}
	if q := requestFrom(ctx); q != nil && q.span.IsRecording() {
		q.span.SetAttributes(attribute.String("mcpgen.outcome", audit.OK))
	}
}

// callSpan is the span of one tools/call; the zero value (tracing off, or
// not sampled) does nothing. owned is false when the span is the HTTP
// request's, which the transport ends.
type callSpan struct {
	span   trace.Span
	tracer trace.Tracer
	method string // "" when the span is the HTTP request's: it has its method
	tool   *toolSpan
	owned  bool
}

// toolSpan is what the spans of one tool's calls share, built once per
// tool: the span's name, "tools/call NAME", and the attributes of a
// successful call over HTTP (set from a shared slice, they allocate
// nothing but the span's own copy).
type toolSpan struct {
	name string
	ok   []attribute.KeyValue
}

// startCall starts the span of one tools/call NAME.
//
// Over HTTP the request already has a span, started where it entered,
// with authentication under it; when the call carries no
// _meta.traceparent, that span becomes the call's (renamed "tools/call
// NAME"), so one tree holds authenticate, guard, rate limit, cache and
// the backend. _meta.traceparent, when present, wins over the header:
// it is the MCP-level carrier (SEP-414), set by the client for this
// message, while the header belongs to the HTTP hop and may be set by a
// proxy or the HTTP library for a whole session. As it is only known
// after the body is parsed, and a span's parent cannot change once it
// has started, the call then gets a span of its own in the _meta trace,
// linked to the HTTP request's span. Over stdio only _meta exists.
func (tr *Tracing) startCall(ctx context.Context, method, name string, meta *mcp.Meta) (context.Context, callSpan) {
	if tr == nil {
		return ctx, callSpan{}
	}
	q := requestFrom(ctx)
	var fromMeta bool
	if meta != nil && meta.AdditionalFields["traceparent"] != nil {
		if mctx := tr.prop.Extract(ctx, metaCarrier(meta.AdditionalFields)); trace.SpanContextFromContext(mctx).IsValid() {
			ctx, fromMeta = mctx, true
		}
	}
	if tr.sampledOut(ctx) {
		return ctx, callSpan{}
	}
	if q != nil && !fromMeta {
		if !q.span.IsRecording() {
			return ctx, callSpan{}
		}
		ts := tr.toolSpan(name)
		q.span.SetName(ts.name)
		return ctx, callSpan{span: q.span, tracer: tr.tracer, tool: ts}
	}
	ts := tr.toolSpan(name)
	var span trace.Span
	if q != nil {
		ctx, span = tr.tracer.Start(ctx, ts.name, serverKind, trace.WithLinks(trace.Link{SpanContext: q.span.SpanContext()}))
	} else {
		ctx, span = tr.tracer.Start(ctx, ts.name, serverKind)
	}
	if !span.IsRecording() {
		// Sampled out: the context still carries the trace upstream.
		return ctx, callSpan{}
	}
	return ctx, callSpan{span: span, tracer: tr.tracer, method: method, tool: ts, owned: true}
}

// toolSpan is what the spans of tool's calls share, built once per tool
// (tool is a declared tool's name: the map holds no more than those).
func (tr *Tracing) toolSpan(tool string) *toolSpan {
	if v, ok := tr.names.Load(tool); ok {
		return v.(*toolSpan)
	}
	ts := &toolSpan{name: "tools/call " + tool, ok: []attribute.KeyValue{attribute.String("gen_ai.tool.name", tool), attribute.String("mcpgen.outcome", audit.OK)}}
	v, _ := tr.names.LoadOrStore(tool, ts)
	return v.(*toolSpan)
}

// traceID is the span's trace id in hex, or "".
func (c callSpan) traceID() string {
	if c.span == nil {
		return ""
	}
	return c.span.SpanContext().TraceID().String()
}

// end records the call's outcome, as its audit record says it, and ends
// its span unless the transport owns it.
func (c callSpan) end(rec *audit.Record) {
	if c.span == nil {
		return
	}
	if c.method == "" && rec.Outcome == audit.OK && rec.ErrorClass == "" {
		c.span.SetAttributes(c.tool.ok...) // the common case, from a slice built once
	} else {
		c.setAttributes(rec)
	}
	if rec.Outcome != audit.OK {
		c.span.SetStatus(codes.Error, rec.Outcome)
	}
	if c.owned {
		c.span.End()
	}
}

// setAttributes records the call's outcome in one SetAttributes: each
// call grows the span's slice.
func (c callSpan) setAttributes(rec *audit.Record) {
	attrs := [5]attribute.KeyValue{c.tool.ok[0], attribute.String("mcpgen.outcome", rec.Outcome)}
	n := 2
	if c.method != "" {
		attrs[n], attrs[n+1] = attribute.String("mcp.method.name", c.method), attribute.String("mcp.transport", rec.Transport)
		n += 2
	}
	if rec.ErrorClass != "" {
		attrs[n] = attribute.String("error.type", rec.ErrorClass)
		n++
	}
	c.span.SetAttributes(attrs[:n]...)
}

// child starts a step of the call (guard); a no-op when the call has no
// span.
func (c callSpan) child(ctx context.Context, name string) Step {
	if c.span == nil {
		return Step{}
	}
	_, span := c.tracer.Start(ctx, name)
	return Step{span}
}

// step starts a step of the call whose span ctx holds (rate limit,
// cache); a no-op when tracing is off or the call is not sampled.
func (tr *Tracing) step(ctx context.Context, name string) Step {
	if tr == nil {
		return Step{}
	}
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return Step{}
	}
	_, span := tr.tracer.Start(ctx, name)
	return Step{span}
}

// A Step is a child span of a request or call: authenticate, guard, rate
// limit, cache. The zero value does nothing.
type Step struct{ span trace.Span }

// End ends the step, failed when refused is true.
func (s Step) End(refused bool) {
	if s.span == nil {
		return
	}
	if refused {
		s.span.SetStatus(codes.Error, "refused")
	}
	s.span.End()
}

// hit records whether the cache answered.
func (s Step) hit(hit bool) {
	if s.span != nil {
		s.span.SetAttributes(attribute.Bool("mcpgen.cache.hit", hit))
	}
}
