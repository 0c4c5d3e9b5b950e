package metrics

import "github.com/prometheus/client_golang/prometheus"

// sessionMetrics describe what callers hold open on the HTTP transport and
// what the transport refused them. Labels are fixed words.
type sessionMetrics struct {
	sessions      prometheus.Gauge
	streams       prometheus.Gauge
	callerLimited *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	cancellations *prometheus.CounterVec
}

// Limits a request can be refused by (mcpgen_http_caller_limited_total).
const (
	LimitSessionsPerCaller = "sessions_per_caller"
	LimitSessions          = "sessions"
	LimitStreamsPerCaller  = "streams_per_caller"
	LimitStreams           = "streams"
)

// Why a session id was refused (mcpgen_http_sessions_rejected_total).
const (
	SessionNotIssued = "not_issued" // not by this key to this caller
	SessionEnded     = "ended"      // ended by DELETE
)

// What came of a notifications/cancelled (mcpgen_cancellations_total).
const (
	CancelDone        = "cancelled"
	CancelNotYours    = "not_yours"
	CancelNotInFlight = "not_in_flight"
)

func newSessionMetrics() sessionMetrics {
	m := sessionMetrics{
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcpgen_http_sessions",
			Help: "Sessions this process holds for HTTP clients (issued or shown, and not idle).",
		}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mcpgen_http_streams",
			Help: "Open long-lived HTTP streams: GET streams and subscriptions/listen requests.",
		}),
		callerLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_http_caller_limited_total",
			Help: "HTTP requests refused by a limit on what callers hold open, by limit (sessions_per_caller, sessions, streams_per_caller, streams).",
		}, []string{"limit"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_http_sessions_rejected_total",
			Help: "HTTP requests answered 404 for their session id, by reason (not_issued: not issued to this caller; ended: ended by DELETE).",
		}, []string{"reason"}),
		cancellations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mcpgen_cancellations_total",
			Help: "notifications/cancelled received over HTTP, by result (cancelled, not_yours: names another caller's request and was ignored, not_in_flight).",
		}, []string{"result"}),
	}
	for _, l := range []string{LimitSessionsPerCaller, LimitSessions, LimitStreamsPerCaller, LimitStreams} {
		m.callerLimited.WithLabelValues(l)
	}
	for _, r := range []string{SessionNotIssued, SessionEnded} {
		m.rejected.WithLabelValues(r)
	}
	for _, r := range []string{CancelDone, CancelNotYours, CancelNotInFlight} {
		m.cancellations.WithLabelValues(r)
	}
	return m
}

func (s sessionMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{s.sessions, s.streams, s.callerLimited, s.rejected, s.cancellations}
}

// HTTPSessions sets the number of sessions held.
func (m *Metrics) HTTPSessions(n int) {
	if m != nil {
		m.sessions.sessions.Set(float64(n))
	}
}

// HTTPStreams sets the number of open streams.
func (m *Metrics) HTTPStreams(n int) {
	if m != nil {
		m.sessions.streams.Set(float64(n))
	}
}

// CallerLimited counts a request refused by limit (Limit...).
func (m *Metrics) CallerLimited(limit string) {
	if m != nil {
		m.sessions.callerLimited.WithLabelValues(limit).Inc()
	}
}

// SessionRejected counts a request refused for its session id (Session...).
func (m *Metrics) SessionRejected(reason string) {
	if m != nil {
		m.sessions.rejected.WithLabelValues(reason).Inc()
	}
}

// Cancellation counts a notifications/cancelled by result (Cancel...).
func (m *Metrics) Cancellation(result string) {
	if m != nil {
		m.sessions.cancellations.WithLabelValues(result).Inc()
	}
}
