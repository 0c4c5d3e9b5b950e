package runtime

import (
	"context"
	"net/http"
)

// Readiness is what /readyz reports: whether this replica can serve (a
// configuration is loaded and every required dependency answers), which
// generation serves, and the state of each dependency. Why one did not
// answer goes to the log only: the endpoint is unauthenticated.
type Readiness struct {
	Ready        bool
	ShuttingDown bool
	Sources      int
	// Unreachable counts the dependencies that did not answer, required
	// or not.
	Unreachable  int
	Generation   uint64
	ConfigHash   string
	Dependencies []DependencyState
}

// DependencyState is one dependency as /readyz shows it: its name, whether
// the replica needs it, "up" or "down", and its circuit breaker's state
// when it has one.
type DependencyState struct {
	Name     string
	Required bool
	Up       bool
	Breaker  string
}

// Readiness pings the current generation's dependencies, holding the
// generation so that its sources stay open while they answer.
func (s *Server) Readiness(ctx context.Context) Readiness {
	if s.leaving.Load() {
		return Readiness{ShuttingDown: true}
	}
	gen, ok := s.hold()
	if !ok {
		return Readiness{ShuttingDown: true}
	}
	defer s.drop(gen)
	rd := Readiness{Ready: true, Sources: len(gen.order), Generation: gen.number, ConfigHash: gen.hash}
	for _, dep := range gen.Dependencies(ctx) {
		rd.Dependencies = append(rd.Dependencies, DependencyState{Name: dep.Name, Required: dep.Required, Up: dep.Err == nil, Breaker: dep.Breaker})
		if dep.Err == nil {
			continue
		}
		rd.Unreachable++
		rd.Ready = rd.Ready && !dep.Required
		s.log.Warn().Str("source", dep.Name).Bool("required", dep.Required).Err(dep.Err).Msg("readiness: source unreachable")
	}
	return rd
}

// BeginShutdown marks the replica as leaving: from now on Readiness says
// it is shutting down (/readyz answers 503), while the calls in flight
// finish and, for HTTP's drain delay, new ones are still served, so a load
// balancer stops sending work here before the listener closes. A call
// waiting for the user's answer to a question (elicit.go) does not wait:
// its answer would most likely come after this replica stopped listening,
// so it ends at once with ErrRestarting, nothing run, and the client calls
// again on another replica. The transports call it when their context
// ends, and stdio when its input ends.
func (s *Server) BeginShutdown() {
	s.leaving.Store(true)
	s.leave()
}

// MetricsHandler serves the Prometheus metrics; nil when the server has
// none.
func (s *Server) MetricsHandler() http.Handler {
	return s.metrics.Handler()
}
