package metrics

import "github.com/prometheus/client_golang/prometheus"

// limitMetrics count what rate limits, concurrency caps and caches did.
// Their labels are tool names (from the configuration) and fixed words.
type limitMetrics struct {
	rateLimited     *prometheus.CounterVec
	httpRateLimited prometheus.Counter
	cacheHits       *prometheus.CounterVec
	cacheMisses     *prometheus.CounterVec
	limiterErrors   *prometheus.CounterVec
}

func newLimitMetrics() limitMetrics {
	return limitMetrics{
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_rate_limited_total",
			Help: "tools/call requests refused by a limit, by tool and reason (rate, concurrency, limiter_unavailable).",
		}, []string{"tool", "reason"}),
		httpRateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mcpgen_http_rate_limited_total",
			Help: "HTTP requests answered 429 (or 503 when the limiter was unavailable) by http_rate_limit.",
		}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_cache_hits_total",
			Help: "tools/call requests answered from the tool's cache, by tool.",
		}, []string{"tool"}),
		cacheMisses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_cache_misses_total",
			Help: "tools/call requests of a caching tool that ran, by tool.",
		}, []string{"tool"}),
		limiterErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_limiter_errors_total",
			Help: "Rate limit decisions the backend could not make (Redis unreachable), by backend and the policy applied (deny, allow).",
		}, []string{"backend", "policy"}),
	}
}

func (l limitMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{l.rateLimited, l.httpRateLimited, l.cacheHits, l.cacheMisses, l.limiterErrors}
}

// The methods below do nothing on a nil *Metrics, so that callers on the
// hot path need no check.

// RateLimited counts a call refused by a limit; reason is "rate",
// "concurrency" or "limiter_unavailable".
func (m *Metrics) RateLimited(tool, reason string) {
	if m != nil {
		m.limits.rateLimited.WithLabelValues(tool, reason).Inc()
	}
}

// HTTPRateLimited counts an HTTP request refused before any tool ran.
func (m *Metrics) HTTPRateLimited() {
	if m != nil {
		m.limits.httpRateLimited.Inc()
	}
}

// Cache counts a lookup in a tool's cache.
func (m *Metrics) Cache(tool string, hit bool) {
	if m == nil {
		return
	}
	if hit {
		m.limits.cacheHits.WithLabelValues(tool).Inc()
	} else {
		m.limits.cacheMisses.WithLabelValues(tool).Inc()
	}
}

// LimiterError counts a decision the limiter backend could not make.
func (m *Metrics) LimiterError(backend, policy string) {
	if m != nil {
		m.limits.limiterErrors.WithLabelValues(backend, policy).Inc()
	}
}
