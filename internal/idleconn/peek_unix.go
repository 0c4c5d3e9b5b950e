//go:build unix

package idleconn

import (
	"errors"
	"syscall"
)

const canPeek = true

func (c *Check) peekFD(fd uintptr) {
	_, _, err := syscall.Recvfrom(int(fd), c.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	// Nothing waiting is the one good answer: a byte (n > 0), the end of
	// the stream (n == 0, no error) and any other error all mean the
	// connection cannot carry the next request.
	c.usable = errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EINTR)
}
