package http

import (
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// traceAttempt starts a client span for one attempt when the request is
// traced, and sends its W3C trace context (traceparent) to the upstream,
// so the upstream's spans join the caller's trace. The span names the
// method, the host and the path as configured, never the filled-in URL
// (which holds argument values). end takes the attempt's outcome.
func (t *Tool) traceAttempt(req *http.Request) (end func(*http.Response, error)) {
	if !trace.SpanFromContext(req.Context()).IsRecording() {
		return func(*http.Response, error) {}
	}
	ctx, span := otel.Tracer("github.com/mcpgen/mcpgen/adapters/http").Start(req.Context(), "HTTP "+t.method,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", t.method), attribute.String("server.address", req.URL.Host),
			attribute.String("url.template", t.pathText), attribute.String("mcpgen.source", t.src.name)))
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
	return func(resp *http.Response, err error) {
		if err != nil {
			span.SetStatus(codes.Error, "no answer")
		} else {
			span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
			if resp.StatusCode >= 500 {
				span.SetStatus(codes.Error, resp.Status)
			}
		}
		span.End()
	}
}
