package runtime

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/auth"
)

// authenticateHTTP authenticates a request to the MCP endpoint when the
// configuration declares HTTP credentials, and answers the refusals itself:
// 401 for a missing or invalid credential, 400 for a malformed request,
// 403 insufficient_scope for a valid caller without the scopes every
// request needs. Each refusal is audited. It returns the request carrying
// the caller, or false when it has answered.
func (s *Server) authenticateHTTP(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	gen, ok := s.hold() // its token validator must stay open while it checks
	if !ok {
		http.Error(w, "Service unavailable: the server is shutting down", http.StatusServiceUnavailable)
		return nil, false
	}
	defer s.drop(gen)
	n := gen.authn
	if n == nil || r.Method == http.MethodOptions { // CORS preflights carry no credentials
		return r, true
	}
	start := time.Now()
	refuse := func(status int, challenge, class, reason, subject string) (*http.Request, bool) {
		s.audit.Write(&audit.Record{
			RequestID:  newRequestID(),
			Transport:  "http",
			Subject:    subject,
			Remote:     r.RemoteAddr,
			Outcome:    audit.Denied,
			ErrorClass: class,
			Reason:     reason,
			Duration:   time.Since(start),
		})
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, http.StatusText(status)+": "+reason, status)
		return nil, false
	}

	p, err := n.authenticate(r.Context(), r.Header)
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
	return r.WithContext(WithPrincipal(r.Context(), p)), true
}

// protectedResourceMetadata serves RFC 9728 metadata: where clients get
// tokens for this server and which scopes it knows.
func (s *Server) protectedResourceMetadata(w http.ResponseWriter, r *http.Request) {
	n := s.Generation().authn
	if n == nil || n.metadata == nil {
		http.NotFound(w, r)
		return
	}
	found := false
	for _, p := range n.metadataPaths {
		found = found || r.URL.Path == p
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// Public metadata, read by browser-based clients from other origins.
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "max-age=300")
	_, _ = w.Write(n.metadata)
}
