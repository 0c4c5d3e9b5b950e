package runtime

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/ratelimit"
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
	var buf [96]byte
	ok, retry, unavailable := s.calls.allow(ctx, l, append(append(buf[:0], l.http.prefix...), key...), l.http.limit)
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

// DefaultRefusedLimit applies to a server listening beyond loopback whose
// configuration declares HTTP credentials but no http_rate_limit: each
// request refused authentication (401, 400, 403) takes a token from its
// client address's bucket, and while the bucket is empty every request
// from that address is refused with 429 before its credentials are even
// read. Callers that authenticate never take a token, so they are never
// limited by it; an address that keeps sending bad or no credentials gets
// one answer a second. Declaring an http_rate_limit replaces it.
var DefaultRefusedLimit = ratelimit.Limit{Rate: 60, Period: time.Minute, Burst: 60}

// refusedBuckets bounds the client addresses the default limit on refused
// requests remembers; a flood of new addresses evicts the idle ones first.
const refusedBuckets = 10_000

// refusedLimit is the default limit on refused requests, when it applies
// to gen (see DefaultRefusedLimit): the server listens beyond loopback and
// gen declares no http_rate_limit of its own.
func (s *Server) refusedLimit(gen *Generation) *ratelimit.Memory {
	if gen.limits != nil && gen.limits.http != nil {
		return nil
	}
	return s.refusedHTTP // nil on loopback, stdio and in commands that do not serve
}

// noteRefusedLimit tells the operator that the default limit applies.
func (s *Server) noteRefusedLimit(gen *Generation) {
	if s.refusedLimit(gen) != nil && gen.Config.Auth.HTTPCredentials() {
		s.log.Info().Str("limit", describeLimit(DefaultRefusedLimit)).
			Msg("no http_rate_limit declared: requests refused authentication are limited per client address " +
				"(declare limits { http_rate_limit } to set a limit of your own)")
	}
}

// clientHost is a client's IP address without its port, which changes
// with every connection.
func clientHost(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// httpRateSurface is the HTTP request limit as the Surface shows it.
func httpRateSurface(conf *cfg.Config) *RateSurface {
	if l := conf.Limits; l != nil && l.HTTPRateLimit != nil {
		rl := l.HTTPRateLimit
		return &RateSurface{Rate: rl.Rate, Per: rl.Per.String(), Burst: rl.Burst, Key: cfg.KeyClient, From: "limits"}
	}
	if conf.Auth.HTTPCredentials() {
		d := DefaultRefusedLimit
		return &RateSurface{Rate: d.Rate, Per: d.Period.String(), Burst: d.Burst, Key: cfg.KeyClient, From: "default_refused"}
	}
	return nil
}
