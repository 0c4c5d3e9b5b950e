//go:build !unix

package idleconn

// canPeek is false: here a connection the peer closed while it was idle
// fails the one request sent on it.
const canPeek = false

func (c *Check) peekFD(uintptr) {}
