package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/auth"
)

// A Refusal is the HTTP answer given instead of serving a request: its
// status, the headers that explain it (WWW-Authenticate, Retry-After) and
// a one-line message. The transport writes it.
type Refusal struct {
	Status  int
	Header  http.Header
	Message string
}

func refusal(status int, header, value, message string) *Refusal {
	r := &Refusal{Status: status, Header: http.Header{}, Message: message}
	if header != "" {
		r.Header.Set(header, value)
	}
	return r
}

// AuthenticateHTTP authenticates a request to the MCP endpoint when the
// configuration declares HTTP credentials, in ctx, the request's context.
// It returns the request's caller (Anonymous when the configuration
// declares no HTTP credentials), for the transport to attach to the
// request's context (WithRequest), or a refusal: 401 for a missing or
// invalid credential, 400 for a malformed request, 403 insufficient_scope
// for a valid caller without the scopes every request needs, 429 for a
// client address past DefaultRefusedLimit, 503 when the server is shutting
// down. Each refusal is audited, with repeated ones from one address
// summed up (audit.Logger.Refused).
func (s *Server) AuthenticateHTTP(ctx context.Context, r *http.Request) (*Principal, *Refusal) {
	gen, ok := s.hold() // its token validator must stay open while it checks
	if !ok {
		return nil, refusal(http.StatusServiceUnavailable, "", "", "Service unavailable: the server is shutting down")
	}
	defer s.drop(gen)
	n := gen.authn
	if n == nil || r.Method == http.MethodOptions { // CORS preflights carry no credentials
		return Anonymous, nil
	}
	start := time.Now()
	audited := func(outcome, class, reason, subject string) {
		s.audit.Refused(&audit.Record{
			RequestID:  newRequestID(),
			Transport:  "http",
			Subject:    subject,
			Remote:     r.RemoteAddr,
			Outcome:    outcome,
			ErrorClass: class,
			Reason:     reason,
			Duration:   time.Since(start),
		})
	}
	limit, addr := s.refusedLimit(gen), clientHost(r.RemoteAddr)
	if limit != nil {
		if blocked, retry := limit.Blocked(addr, DefaultRefusedLimit); blocked {
			s.metrics.HTTPRateLimited()
			audited(audit.RateLimited, "refused_requests", "too many refused requests from this address", "")
			secs := max(1, int(math.Ceil(retry.Seconds())))
			return nil, refusal(http.StatusTooManyRequests, "Retry-After", strconv.Itoa(secs), fmt.Sprintf(
				"Too many requests: this address sent too many requests without valid credentials; retry after %d s", secs))
		}
	}
	refuse := func(status int, challenge, class, reason, subject string) (*Principal, *Refusal) {
		if limit != nil {
			_, _, _ = limit.Allow(ctx, addr, DefaultRefusedLimit) // memory: never fails
		}
		audited(audit.Denied, class, reason, subject)
		return nil, refusal(status, "WWW-Authenticate", challenge, http.StatusText(status)+": "+reason)
	}

	p, err := n.authenticate(ctx, r.Header)
	if err != nil {
		var ae *auth.Error
		if !errors.As(err, &ae) {
			ae = &auth.Error{Status: http.StatusUnauthorized, Code: auth.CodeInvalidToken, Reason: "credentials cannot be checked"}
			s.log.Error().Err(err).Msg("authentication failed")
		}
		description := ae.Reason
		if ae.Code == "" {
			description = "" // no credential (RFC 6750 §3.1): nothing to describe
		}
		return refuse(ae.Status, n.challenge(ae.Code, description, ""), "authentication", ae.Reason, "")
	}
	if missing := n.missingScopes(p); len(missing) > 0 {
		scope := strings.Join(n.decl.RequiredScopes, " ")
		return refuse(http.StatusForbidden, n.challenge("insufficient_scope", "the token lacks a required scope", scope),
			"scope", "missing scopes: "+strings.Join(missing, " "), p.Subject)
	}
	return p, nil
}

// ProtectedResourceMetadataPath is where RFC 9728 puts protected resource
// metadata; a resource with a path has it appended.
const ProtectedResourceMetadataPath = prmPath

// ProtectedResourceMetadata is the RFC 9728 document served at path (where
// clients get tokens for this server and which scopes it knows), or false
// when the configuration has none there.
func (s *Server) ProtectedResourceMetadata(path string) ([]byte, bool) {
	n := s.Generation().authn
	if n == nil || n.metadata == nil {
		return nil, false
	}
	for _, p := range n.metadataPaths {
		if path == p {
			return n.metadata, true
		}
	}
	return nil, false
}
