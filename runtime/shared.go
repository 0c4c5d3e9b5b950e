package runtime

import "sync/atomic"

// shared is state a generation hands on to the next across a reload while
// its settings stay the same (rate limit buckets, the issuer's keys), so
// that a reload does not start it afresh. Every generation holding it has
// a reference; the last to let go closes it, so a generation still
// draining never finds it closed under its calls.
type shared[T any] struct {
	v     T
	refs  atomic.Int64
	close func(T) error // nil: nothing to close
}

func newShared[T any](v T, close func(T) error) *shared[T] {
	s := &shared[T]{v: v, close: close}
	s.refs.Store(1)
	return s
}

// hold takes one more reference.
func (s *shared[T]) hold() *shared[T] {
	s.refs.Add(1)
	return s
}

// release drops a reference, closing the state with the last one.
func (s *shared[T]) release() error {
	if s == nil || s.refs.Add(-1) != 0 || s.close == nil {
		return nil
	}
	return s.close(s.v)
}
