// Package idleconn tells whether a connection that sat idle can still
// carry a request: the peer has not closed it and has sent nothing
// unasked. Without the check, a request sent on a connection the peer
// has just closed fails, and one that may have been sent cannot be sent
// again (a Redis script, a tool call: neither is idempotent). The Redis
// client of runtime/ratelimit and the bench's HTTP client use it.
//
// It peeks at the socket without blocking and without consuming anything,
// under RawConn.Control rather than Read: Read fails at once when the read
// deadline the last exchange left has passed, and every connection idle
// for longer would be taken for one the peer had closed. Over TLS any
// waiting byte also counts against the connection: it may be a close
// alert, and a session ticket costs no more than a new connection.
package idleconn

import (
	"net"
	"syscall"
)

// Check looks at one connection; the zero Check looks at none and finds
// every connection usable. A Check must not be copied after Reset.
type Check struct {
	raw    syscall.RawConn // nil: nothing to look at, or cannot look here
	peek   func(fd uintptr)
	usable bool
	buf    [1]byte
}

// Reset points c at nc (nil: at nothing). A *tls.Conn, or anything else
// with a NetConn method, is looked through to its socket.
func (c *Check) Reset(nc net.Conn) {
	c.raw = nil
	if tc, ok := nc.(interface{ NetConn() net.Conn }); ok {
		nc = tc.NetConn()
	}
	if sc, ok := nc.(syscall.Conn); ok && canPeek {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
		}
	}
	if c.peek == nil {
		c.peek = c.peekFD // bound once, so that Usable allocates nothing
	}
}

// Usable is false when the peer has closed the connection, the socket
// failed, or bytes are waiting that nobody asked for; true when nothing
// is waiting, or when c cannot look (the zero Check, or a system where
// this package cannot peek).
func (c *Check) Usable() bool {
	if c.raw == nil {
		return true
	}
	return c.raw.Control(c.peek) == nil && c.usable
}
