//go:build !linux

package loadgen

// canPeek is false: elsewhere a connection the server closed while idle
// shows as a failed call.
const canPeek = false

func (k *idleCheck) peekFD(uintptr) {}
