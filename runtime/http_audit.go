package runtime

import (
	"context"
	"net/http"

	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// AuditHTTP records a request to the MCP endpoint that the transport
// refused or ignored after authentication, for a reason of its own (a
// session id not issued to the caller, a cancellation of someone else's
// request, an answer no call waits for): who sent it, on which session,
// from where, and why. class names the check ("session", "cancellation",
// "stale_answer"); reason is one sentence. ctx is the request's, which
// carries its caller.
func (s *Server) AuditHTTP(ctx context.Context, r *http.Request, class, reason string) {
	s.audit.Write(&audit.Record{
		RequestID:  newRequestID(),
		SessionID:  clip(r.Header.Get(server.HeaderKeySessionID)),
		Transport:  "http",
		Subject:    PrincipalFrom(ctx).Subject,
		Remote:     r.RemoteAddr,
		Outcome:    audit.Denied,
		ErrorClass: class,
		Reason:     reason,
	})
}

// AuditStdio records a message over stdio that the transport ignored for
// a reason of its own (an answer no call waits for), as AuditHTTP does,
// under the configuration's stdio principal.
func (s *Server) AuditStdio(class, reason string) {
	var subject string
	if gen, ok := s.hold(); ok {
		if gen.stdio != nil {
			subject = gen.stdio.Subject
		}
		s.drop(gen)
	}
	s.audit.Write(&audit.Record{
		RequestID:  newRequestID(),
		Transport:  "stdio",
		Subject:    subject,
		Outcome:    audit.Denied,
		ErrorClass: class,
		Reason:     reason,
	})
}

// Metrics is the server's metrics, for transports to record theirs (nil:
// none, which records nothing).
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// clip keeps a value the client chose, such as a session id it sent, to a
// length an audit line can hold.
func clip(v string) string {
	const most = 128
	if len(v) > most {
		return v[:most] + "..."
	}
	return v
}
