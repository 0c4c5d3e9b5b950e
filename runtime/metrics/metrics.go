// Package metrics exposes mcpgen's Prometheus metrics. Label values are
// bounded by the configuration (tool names) or by code (outcomes): never a
// session id, a principal or an argument, so a caller cannot grow them.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one process's metrics. It is safe for concurrent use.
type Metrics struct {
	registry   *prometheus.Registry
	calls      *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	generation prometheus.Gauge
	tools      prometheus.Gauge
}

// New registers mcpgen's metrics, and Go's and the process's, in a registry
// of their own.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_tool_calls_total",
			Help: "tools/call requests by tool and outcome (ok, invalid, denied, rate_limited, error, timeout).",
		}, []string{"tool", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mcpgen_tool_call_duration_seconds",
			Help:    "Time from receiving a tools/call to its result, by tool.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"tool"}),
		generation: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcpgen_config_generation",
			Help: "The configuration generation being served; it grows with every successful reload.",
		}),
		tools: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcpgen_tools",
			Help: "Tools in the configuration being served.",
		}),
	}
	m.registry.MustRegister(m.calls, m.duration, m.generation, m.tools,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Call counts one finished tools/call.
func (m *Metrics) Call(tool, outcome string, d time.Duration) {
	m.calls.WithLabelValues(tool, outcome).Inc()
	m.duration.WithLabelValues(tool).Observe(d.Seconds())
}

// Serving records the configuration now served.
func (m *Metrics) Serving(generation uint64, tools int) {
	m.generation.Set(float64(generation))
	m.tools.Set(float64(tools))
}

// Register adds a collector of another part (a source's pool statistics).
func (m *Metrics) Register(c prometheus.Collector) error { return m.registry.Register(c) }

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
