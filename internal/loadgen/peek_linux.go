package loadgen

import "syscall"

const canPeek = true

// peekFD looks, without waiting and without taking it, for a byte or the
// end of the stream on the socket: either means the server has spoken
// though no request was pending.
func (k *idleCheck) peekFD(fd uintptr) {
	n, _, err := syscall.Recvfrom(int(fd), k.b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	k.spoke = n > 0 || err == nil || (err != syscall.EAGAIN && err != syscall.EINTR)
}
