package otlp

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestResourceGrouping: spans share a ResourceSpans only when their
// resources are the same, schema URL included, and a ScopeSpans only
// when their scopes are; a span without a resource, or whose contexts are
// invalid, is sent with empty fields rather than dropped or failing.
func TestResourceGrouping(t *testing.T) {
	attrs := []attribute.KeyValue{attribute.String("service.name", "orders")}
	newer := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0", attrs...)
	older := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.20.0", attrs...)
	scope := instrumentation.Scope{Name: "a"}
	span := func(name string, res *resource.Resource, scope instrumentation.Scope) tracetest.SpanStub {
		return tracetest.SpanStub{
			Name:                 name,
			SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}),
			Resource:             res,
			InstrumentationScope: scope,
		}
	}
	invalid := span("invalid", nil, instrumentation.Scope{})
	invalid.SpanContext = trace.SpanContext{}
	invalid.Links = []sdktrace.Link{{}}
	spans := tracetest.SpanStubs{
		span("newer", newer, scope),
		span("older", older, scope),
		span("newer again", newer, scope),
		span("newer, scope v2", newer, instrumentation.Scope{Name: "a", Version: "2"}),
		invalid,
	}.Snapshots()

	b, err := exportRequest(spans, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := &coltracepb.ExportTraceServiceRequest{}
	if err := proto.Unmarshal(b, got); err != nil {
		t.Fatal(err)
	}
	const hasRemote = uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	pb := func(name string) *tracepb.Span {
		return &tracepb.Span{TraceId: tid[:], SpanId: sid[:], Flags: hasRemote, Name: name, Status: &tracepb.Status{}}
	}
	zero := make([]byte, 16)
	res := &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "orders"}}}}}
	want := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{
		{Resource: res, SchemaUrl: "https://opentelemetry.io/schemas/1.26.0", ScopeSpans: []*tracepb.ScopeSpans{
			{Scope: &commonpb.InstrumentationScope{Name: "a"}, Spans: []*tracepb.Span{pb("newer"), pb("newer again")}},
			{Scope: &commonpb.InstrumentationScope{Name: "a", Version: "2"}, Spans: []*tracepb.Span{pb("newer, scope v2")}},
		}},
		{Resource: res, SchemaUrl: "https://opentelemetry.io/schemas/1.20.0", ScopeSpans: []*tracepb.ScopeSpans{
			{Scope: &commonpb.InstrumentationScope{Name: "a"}, Spans: []*tracepb.Span{pb("older")}},
		}},
		{Resource: &resourcepb.Resource{}, ScopeSpans: []*tracepb.ScopeSpans{
			{Scope: &commonpb.InstrumentationScope{}, Spans: []*tracepb.Span{{
				TraceId: zero, SpanId: zero[:8], Flags: hasRemote, Name: "invalid", Status: &tracepb.Status{},
				Links: []*tracepb.Span_Link{{TraceId: zero, SpanId: zero[:8], Flags: hasRemote}},
			}}},
		}},
	}}
	sameRequest(t, got, want)
}
