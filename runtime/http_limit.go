package runtime

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
)

// AllowHTTP applies the limits block's http_rate_limit to one request on
// the MCP endpoint from the client named key, before anything else reads
// it: nil lets it through; over the limit it is refused with 429 and
// Retry-After, and with 503 when the limiter cannot be reached and fails
// closed. The rule is the current generation's, held while its backend
// answers (not while the request runs: a stream would hold it for hours).
func (s *Server) AllowHTTP(ctx context.Context, key string) *Refusal {
	gen, held := s.hold()
	if !held {
		return nil // shutting down: the endpoint answers that
	}
	defer s.drop(gen)
	l := gen.limits
	if l == nil || l.http == nil {
		return nil
	}
	ok, retry, unavailable := s.calls.allow(ctx, l, l.http.prefix+key, l.http.limit)
	switch {
	case unavailable:
		s.metrics.HTTPRateLimited()
		return refusal(http.StatusServiceUnavailable, "Retry-After", "1",
			"Service unavailable: the rate limiter cannot be reached; try again shortly")
	case !ok:
		s.metrics.HTTPRateLimited()
		secs := max(1, int(math.Ceil(retry.Seconds())))
		return refusal(http.StatusTooManyRequests, "Retry-After", strconv.Itoa(secs),
			fmt.Sprintf("Too many requests: this client may send %s; retry after %d s", describeLimit(l.http.limit), secs))
	}
	return nil
}
