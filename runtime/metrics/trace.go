package metrics

import "github.com/prometheus/client_golang/prometheus"

// DroppedSpans exposes mcpgen_trace_spans_dropped_total, read from dropped
// at every scrape: the spans tracing dropped because its export queue was
// full (the collector is slow or away). Call it once, when tracing is on.
func (m *Metrics) DroppedSpans(dropped func() uint64) {
	if m == nil {
		return
	}
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "mcpgen_trace_spans_dropped_total",
		Help: "Spans dropped because the export queue (OTEL_BSP_MAX_QUEUE_SIZE) was full: the OTLP collector is slow or unreachable.",
	}, func() float64 { return float64(dropped()) }))
}
