package sql

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// notStarted marks an error from beginning a transaction: nothing of the
// call ran.
type notStarted struct{ err error }

func (e notStarted) Error() string { return e.err.Error() }
func (e notStarted) Unwrap() error { return e.err }

// unavailableMessage is the tool error a client gets when the source's
// database does not answer (down, restarting, unreachable), or "" when err
// is something else. It says whether a write may have happened, so a
// client knows whether trying again is safe, and never the driver's words
// (they can name hosts). Other errors stay internal, logged with the
// request id.
func (s *Source) unavailableMessage(err error, readOnly bool) string {
	if s.dialect != dialectPostgres || !pgUnavailable(err) {
		return ""
	}
	msg := "The database of source " + s.name + " is unavailable (it does not answer, or is restarting). "
	switch {
	case errors.As(err, new(notStarted)):
		return msg + "Nothing ran; try again in a few seconds."
	case readOnly:
		return msg + "Try again in a few seconds."
	}
	return msg + "The connection was lost during the call, so whether it was written is unknown; check before trying again."
}

// pgUnavailable tells a database that does not answer from an error in
// the call itself.
func pgUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P: the server is shutting down,
		// crashed, or not yet accepting connections.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P")
	}
	var ce *pgconn.ConnectError
	var ne *net.OpError
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}
