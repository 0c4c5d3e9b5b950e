//go:build unix

package ratelimit

import (
	"errors"
	"net"
	"syscall"
)

// connCheck tells whether an idle connection can still carry a command:
// Redis has not closed it and sent nothing unasked. It peeks at the
// socket without blocking and without consuming anything. Over TLS,
// waiting bytes may be a record such as a session ticket, which the next
// read handles, so only a closed or failed socket counts there. It is made
// once per connection, so that checking allocates nothing.
//
// The peek runs under RawConn.Control, not Read: Read first checks the
// read deadline, which the last command left set and which has passed on
// a connection idle for longer than ioTimeout, and would fail every such
// connection as if Redis had closed it.
type connCheck struct {
	raw     syscall.RawConn // nil: cannot peek
	peek    func(fd uintptr)
	overTLS bool
	ok      bool
	buf     [1]byte
}

func newConnCheck(nc net.Conn, overTLS bool) *connCheck {
	c := &connCheck{overTLS: overTLS}
	if tc, ok := nc.(interface{ NetConn() net.Conn }); ok {
		nc = tc.NetConn()
	}
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	c.peek = func(fd uintptr) {
		n, _, err := syscall.Recvfrom(int(fd), c.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK):
			c.ok = true // nothing to read: the usual case
		case err != nil || n == 0: // failed, or closed by Redis
			c.ok = false
		default:
			c.ok = c.overTLS
		}
	}
	return c
}

func (c *connCheck) alive() bool {
	if c.raw == nil {
		return true
	}
	return c.raw.Control(c.peek) == nil && c.ok
}
