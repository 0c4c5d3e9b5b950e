package runtime

import (
	"context"
	"net/http"
)

// Readiness is what /readyz reports: whether a configuration is loaded
// and every source answers, which generation serves, and how many sources
// did not answer (which ones, and why, go to the log: the endpoint is
// unauthenticated).
type Readiness struct {
	Ready        bool
	ShuttingDown bool
	Sources      int
	Unreachable  int
	Generation   uint64
	ConfigHash   string
}

// Readiness pings the current generation's sources (and the issuer's keys
// and the rate limiter's Redis when calls need them), holding the
// generation so that its sources stay open while they answer.
func (s *Server) Readiness(ctx context.Context) Readiness {
	gen, ok := s.hold()
	if !ok {
		return Readiness{ShuttingDown: true}
	}
	defer s.drop(gen)
	down := gen.Unreachable(ctx)
	for key, err := range down {
		s.log.Warn().Str("source", key).Err(err).Msg("readiness: source unreachable")
	}
	return Readiness{
		Ready:       len(down) == 0,
		Sources:     len(gen.order),
		Unreachable: len(down),
		Generation:  gen.number,
		ConfigHash:  gen.hash,
	}
}

// MetricsHandler serves the Prometheus metrics; nil when the server has
// none.
func (s *Server) MetricsHandler() http.Handler {
	return s.metrics.Handler()
}
