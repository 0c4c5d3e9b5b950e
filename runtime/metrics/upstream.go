package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// upstreamMetrics count what sources that call a remote service (HTTP
// sources) saw. Labels are source keys (from the configuration) and fixed
// words.
type upstreamMetrics struct {
	responses *prometheus.CounterVec
	retries   *prometheus.CounterVec
}

func newUpstreamMetrics() upstreamMetrics {
	return upstreamMetrics{
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_upstream_responses_total",
			Help: "Tool calls that reached an upstream service, by source and the class of the last status it answered (2xx, 4xx, 5xx, ...; none when no answer came).",
		}, []string{"source", "class"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_upstream_retries_total",
			Help: "Requests to an upstream service beyond each call's first, by source.",
		}, []string{"source"}),
	}
}

func (u upstreamMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{u.responses, u.retries}
}

// Upstream counts one tool call whose source called a remote service:
// the last status it answered (0: none) and the attempts made. A call that
// made no attempt (the circuit breaker was open) is not counted here.
func (m *Metrics) Upstream(source string, status, attempts int) {
	if m == nil || attempts <= 0 {
		return
	}
	m.upstream.responses.WithLabelValues(source, statusClass(status)).Inc()
	if attempts > 1 {
		m.upstream.retries.WithLabelValues(source).Add(float64(attempts - 1))
	}
}

// statusClass is "2xx" for 204 and so on; "none" when nothing answered.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "none"
	}
	return strconv.Itoa(status/100) + "xx"
}

// BreakerStat is one source's circuit breaker as a scrape sees it.
type BreakerStat struct {
	Source string // "http.inventory"
	State  string // "closed", "half_open" or "open"
	Opens  uint64 // times it opened since the source was opened
}

// breakerStates are the values of the state label, each a series of its
// own so that a dashboard can sum them.
var breakerStates = []string{"closed", "half_open", "open"}

var (
	descBreakerState = prometheus.NewDesc("mcpgen_upstream_breaker_state",
		"1 for the state a source's circuit breaker is in, 0 for the others.", []string{"source", "state"}, nil)
	descBreakerOpens = prometheus.NewDesc("mcpgen_upstream_breaker_opens_total",
		"Times a source's circuit breaker opened; it starts again from 0 when a reload opens the source anew.", []string{"source"}, nil)
)

func collectBreakers(ch chan<- prometheus.Metric, breakers []BreakerStat) {
	for _, b := range breakers {
		for _, st := range breakerStates {
			v := 0.0
			if st == b.State {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descBreakerState, prometheus.GaugeValue, v, b.Source, st)
		}
		ch <- prometheus.MustNewConstMetric(descBreakerOpens, prometheus.CounterValue, float64(b.Opens), b.Source)
	}
}
