package runtime

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/mcpgen/mcpgen/runtime/ratelimit"
)

// ClientAddress keys HTTP rate limits by the client's IP address, the only
// identity a request has before authentication. Behind a proxy every
// client shares the proxy's address: set HTTPOptions.ClientKey instead.
func ClientAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// httpLimit applies the limits block's http_rate_limit to every request on
// the MCP endpoint before anything else reads it: over the limit, 429 with
// Retry-After. The rule is the current generation's, so a reload changes
// it for the next request.
func (s *Server) httpLimit(o HTTPOptions, next http.Handler) http.Handler {
	clientKey := o.ClientKey
	if clientKey == nil {
		clientKey = ClientAddress
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, retry, unavailable, limit := s.allowHTTP(r, clientKey)
		switch {
		case unavailable:
			s.metrics.HTTPRateLimited()
			w.Header().Set("Retry-After", "1")
			http.Error(w, "Service unavailable: the rate limiter cannot be reached; try again shortly", http.StatusServiceUnavailable)
		case !ok:
			s.metrics.HTTPRateLimited()
			secs := max(1, int(math.Ceil(retry.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			http.Error(w, fmt.Sprintf("Too many requests: this client may send %s; retry after %d s", describeLimit(limit), secs), http.StatusTooManyRequests)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// allowHTTP asks the current generation's http_rate_limit about r, holding
// the generation while its backend answers (not while the request runs:
// a stream would hold it for hours).
func (s *Server) allowHTTP(r *http.Request, clientKey func(*http.Request) string) (ok bool, retry time.Duration, unavailable bool, limit ratelimit.Limit) {
	gen, held := s.hold()
	if !held {
		return true, 0, false, limit // shutting down: the endpoint answers that
	}
	defer s.drop(gen)
	l := gen.limits
	if l == nil || l.http == nil {
		return true, 0, false, limit
	}
	ok, retry, unavailable = s.allow(r.Context(), l, l.http.prefix+clientKey(r), l.http.limit)
	return ok, retry, unavailable, l.http.limit
}
