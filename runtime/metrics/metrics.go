// Package metrics exposes mcpgen's Prometheus metrics. Label values are
// bounded by the configuration (tool names) or by code (outcomes): never a
// session id, a principal or an argument, so a caller cannot grow them.
package metrics

import (
	"database/sql"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one process's metrics. It is safe for concurrent use. A nil
// *Metrics is a valid no-op: a server without metrics records nothing.
type Metrics struct {
	registry   *prometheus.Registry
	calls      *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	generation prometheus.Gauge
	tools      prometheus.Gauge
	reloads    *prometheus.CounterVec
	config     configCollector
	sources    sourceCollector
	limits     limitMetrics
	upstream   upstreamMetrics
	sessions   sessionMetrics
	// byTool holds each tool's series once looked up (*toolSeries by tool
	// name), so that a call does not hash its labels into the vectors
	// again. Tool names come from the configuration: it stays small.
	byTool sync.Map
}

// callOutcomes are the outcomes a call's series are kept for; another
// outcome is looked up in the vector each time.
var callOutcomes = [...]string{"ok", "denied", "invalid", "rate_limited", "error", "timeout", "declined", "asked"}

// toolSeries are one tool's series, each resolved on first use (a series
// appears in /metrics once it has counted something, as before).
type toolSeries struct {
	duration prometheus.Observer
	calls    [len(callOutcomes)]atomic.Pointer[prometheus.Counter]
}

func (m *Metrics) series(tool string) *toolSeries {
	if s, ok := m.byTool.Load(tool); ok {
		return s.(*toolSeries)
	}
	s, _ := m.byTool.LoadOrStore(tool, &toolSeries{duration: m.duration.WithLabelValues(tool)})
	return s.(*toolSeries)
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
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_reloads_total",
			Help: "Configuration reloads by result (ok, failed); a failed one left the previous generation serving.",
		}, []string{"result"}),
		limits:   newLimitMetrics(),
		upstream: newUpstreamMetrics(),
		sessions: newSessionMetrics(),
	}
	// Both results exist from the start, so that rate() sees the first one.
	m.reloads.WithLabelValues(ReloadOK)
	m.reloads.WithLabelValues(ReloadFailed)
	m.registry.MustRegister(m.limits.collectors()...)
	m.registry.MustRegister(m.upstream.collectors()...)
	m.registry.MustRegister(m.sessions.collectors()...)
	m.registry.MustRegister(m.calls, m.duration, m.generation, m.tools, m.reloads, &m.config, &m.sources,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Call counts one finished tools/call.
func (m *Metrics) Call(tool, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	s := m.series(tool)
	s.count(m, tool, outcome)
	s.duration.Observe(d.Seconds())
}

func (s *toolSeries) count(m *Metrics, tool, outcome string) {
	for i, o := range callOutcomes {
		if o != outcome {
			continue
		}
		c := s.calls[i].Load()
		if c == nil {
			counter := m.calls.WithLabelValues(tool, outcome)
			c = &counter
			s.calls[i].Store(c) // a racing call stores the same series
		}
		(*c).Inc()
		return
	}
	m.calls.WithLabelValues(tool, outcome).Inc()
}

// Serving records the configuration now served.
func (m *Metrics) Serving(generation uint64, tools int) {
	if m == nil {
		return
	}
	m.generation.Set(float64(generation))
	m.tools.Set(float64(tools))
}

// Reload results.
const (
	ReloadOK     = "ok"
	ReloadFailed = "failed"
)

// Reload counts one reload attempt by its result.
func (m *Metrics) Reload(result string) {
	if m == nil {
		return
	}
	m.reloads.WithLabelValues(result).Inc()
}

// ConfigHash records the hash of the configuration now served. The old
// hash's series goes away: there is only ever one.
func (m *Metrics) ConfigHash(hash string) {
	if m == nil {
		return
	}
	m.config.hash.Store(&hash)
}

var descConfig = prometheus.NewDesc("mcpgen_config_info",
	"Always 1; its hash label is the SHA-256 of the configuration being served.", []string{"hash"}, nil)

// configCollector reports the hash served as one series. Unlike a GaugeVec
// reset and set again, a scrape never falls between the two.
type configCollector struct{ hash atomic.Pointer[string] }

func (c *configCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descConfig }

func (c *configCollector) Collect(ch chan<- prometheus.Metric) {
	if h := c.hash.Load(); h != nil {
		ch <- prometheus.MustNewConstMetric(descConfig, prometheus.GaugeValue, 1, *h)
	}
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return nil
	}
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// PoolStat is one connection pool's statistics.
type PoolStat struct {
	Source string // "sql.orders"
	Pool   string // the adapter's name for it: "read", "write", "main"
	Stats  sql.DBStats
}

// SourceStats are what the sources being served report at a scrape.
type SourceStats struct {
	Pools    []PoolStat
	Breakers []BreakerStat
	Drifted  []DriftStat
}

// Sources sets where source statistics are read from at every scrape; the
// last call wins.
func (m *Metrics) Sources(read func() SourceStats) {
	if m == nil {
		return
	}
	m.sources.read.Store(&read)
}

var (
	poolLabels  = []string{"source", "pool"}
	descOpen    = prometheus.NewDesc("mcpgen_db_connections_max", "Maximum open connections of a source's pool.", poolLabels, nil)
	descInUse   = prometheus.NewDesc("mcpgen_db_connections_in_use", "Connections of a source's pool in use.", poolLabels, nil)
	descIdle    = prometheus.NewDesc("mcpgen_db_connections_idle", "Idle connections of a source's pool.", poolLabels, nil)
	descWaits   = prometheus.NewDesc("mcpgen_db_waits_total", "Times a call waited for a connection of a source's pool.", poolLabels, nil)
	descWaitDur = prometheus.NewDesc("mcpgen_db_wait_seconds_total", "Time calls spent waiting for a connection of a source's pool.", poolLabels, nil)
)

// sourceCollector reads the sources' statistics at each scrape.
type sourceCollector struct {
	read atomic.Pointer[func() SourceStats]
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descInUse, descIdle, descWaits, descWaitDur, descBreakerState, descBreakerOpens, descDrifted} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	read := c.read.Load()
	if read == nil {
		return
	}
	stats := (*read)()
	collectBreakers(ch, stats.Breakers)
	collectDrift(ch, stats.Drifted)
	for _, p := range stats.Pools {
		s := p.Stats
		ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections), p.Source, p.Pool)
		ch <- prometheus.MustNewConstMetric(descInUse, prometheus.GaugeValue, float64(s.InUse), p.Source, p.Pool)
		ch <- prometheus.MustNewConstMetric(descIdle, prometheus.GaugeValue, float64(s.Idle), p.Source, p.Pool)
		ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(s.WaitCount), p.Source, p.Pool)
		ch <- prometheus.MustNewConstMetric(descWaitDur, prometheus.CounterValue, s.WaitDuration.Seconds(), p.Source, p.Pool)
	}
}
