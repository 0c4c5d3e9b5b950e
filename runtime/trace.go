package runtime

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

// Tracing is OpenTelemetry tracing of MCP requests, exported over OTLP. It
// is configured by the standard OTEL_* environment variables and is off
// unless they name an exporter: a nil *Tracing costs a call nothing but a
// nil check.
type Tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
}

// NewTracing starts tracing as the telemetry block (nil when there is
// none) and the standard environment say, or returns nil when it is off.
//
// Without a block, tracing is on when OTEL_TRACES_EXPORTER is "otlp", or
// is unset and an OTLP endpoint is (OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), and OTEL_SDK_DISABLED is not
// "true". A block turns it on (exporter = "none" off), and what it sets
// wins over the environment. The protocol is http/protobuf unless the
// block or OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL says grpc. The exporters
// read their other settings (headers, TLS, timeout) and the SDK its
// sampler and batching from the environment as the specification says.
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
	protocol := tm.Protocol
	if protocol == "" {
		protocol = cmp.Or(os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch protocol {
	case "", "http/protobuf":
		var opts []otlptracehttp.Option
		if tm.Endpoint != "" {
			opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimSuffix(tm.Endpoint, "/")+"/v1/traces"))
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	case "grpc":
		var opts []otlptracegrpc.Option
		if tm.Endpoint != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(tm.Endpoint))
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: use http/protobuf or grpc", protocol)
	}
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
	provider := []sdktrace.TracerProviderOption{sdktrace.WithBatcher(exp), sdktrace.WithResource(res)}
	if tm.SampleRatio < 1 {
		// A trace the client sampled is kept; of those started here, this share.
		provider = append(provider, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(tm.SampleRatio))))
	}
	tp := sdktrace.NewTracerProvider(provider...)
	prop := propagation.TraceContext{}
	// Adapters (the HTTP client span, the SQL span) find them here.
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(prop)
	return &Tracing{provider: tp, tracer: tp.Tracer("github.com/mcpgen/mcpgen/runtime"), prop: prop}, nil
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
	return tr.prop.Extract(ctx, propagation.HeaderCarrier(h))
}

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

// callSpan is the span of one request; the zero value (tracing off) does
// nothing.
type callSpan struct{ span trace.Span }

// startCall starts the server span of one MCP request (tools/call NAME):
// its parent is the trace in the request's _meta.traceparent, else the one
// in ctx (the HTTP header's).
func (tr *Tracing) startCall(ctx context.Context, method, name string, meta *mcp.Meta) (context.Context, callSpan) {
	if tr == nil {
		return ctx, callSpan{}
	}
	if meta != nil && meta.AdditionalFields["traceparent"] != nil {
		ctx = tr.prop.Extract(ctx, metaCarrier(meta.AdditionalFields))
	}
	ctx, span := tr.tracer.Start(ctx, method+" "+name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("mcp.method.name", method), attribute.String("gen_ai.tool.name", name),
			attribute.String("mcp.transport", transportFrom(ctx))))
	return ctx, callSpan{span}
}

// traceID is the span's trace id in hex, or "".
func (c callSpan) traceID() string {
	if c.span == nil {
		return ""
	}
	return c.span.SpanContext().TraceID().String()
}

// end records the request's outcome, as its audit record says it.
func (c callSpan) end(rec *audit.Record) {
	if c.span == nil {
		return
	}
	c.span.SetAttributes(attribute.String("mcpgen.outcome", rec.Outcome), attribute.String("mcpgen.request_id", rec.RequestID))
	if rec.ErrorClass != "" {
		c.span.SetAttributes(attribute.String("error.type", rec.ErrorClass))
	}
	if rec.Outcome != audit.OK {
		c.span.SetStatus(codes.Error, rec.Outcome)
	}
	c.span.End()
}

// child starts a step of the request (guard, limits); a no-op when the
// request has no span.
func (c callSpan) child(ctx context.Context, name string) stepSpan {
	if c.span == nil {
		return stepSpan{}
	}
	_, span := c.span.TracerProvider().Tracer("github.com/mcpgen/mcpgen/runtime").Start(ctx, name)
	return stepSpan{span}
}

type stepSpan struct{ span trace.Span }

// end ends the step, failed when refused is true.
func (s stepSpan) end(refused bool) {
	if s.span == nil {
		return
	}
	if refused {
		s.span.SetStatus(codes.Error, "refused")
	}
	s.span.End()
}
