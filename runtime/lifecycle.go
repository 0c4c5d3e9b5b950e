package runtime

import (
	"context"
	"time"
)

// The life of a request and of a generation. Every request (a tool call,
// a resource read, a prompt, a completion) enters the generation current
// when it arrives and holds it to the end (enter, release); readers outside
// a request hold it the same way (hold, drop). A generation starts with one
// hold, the server's; retiring it drops that, and whoever drops the last
// closes its sources. Wait drains: no request enters after it begins.

// closeWait bounds how long Close waits for calls still running on
// retired generations: one that ignores cancellation must not keep the
// process from exiting.
const closeWait = 10 * time.Second

// Close retires the current generation and waits until every retired one
// has closed its sources, or closeWait has passed. Call it once the
// transports have stopped.
func (s *Server) Close() {
	s.reload.mu.Lock()
	if !s.reload.closed {
		s.reload.closed = true
		s.retire(s.gen.Load())
	}
	s.reload.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.reload.retiring.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
		s.log.Error().Dur("waited", closeWait).
			Msg("calls still running at exit; their generation's sources were not closed")
	}
}

// retire drops the server's hold on g: its sources close when no call
// holds it any more.
func (s *Server) retire(g *Generation) {
	s.reload.retiring.Add(1)
	if n := g.refs.Add(-1); n > 0 {
		s.log.Info().Uint64("generation", g.number).Int64("in_flight", n).
			Msg("generation retired: its sources close when its calls in flight return")
		return
	}
	go s.closeGeneration(g)
}

// enter holds the current generation for one request, which runs on it to
// the end even if a reload swaps another in meanwhile, and counts the
// request in flight (Server.Wait); release ends both. A stdio caller gets
// the generation's stdio principal in the returned context. It fails once
// the server is shutting down.
func (s *Server) enter(ctx context.Context) (context.Context, *Generation, error) {
	s.draining.RLock()
	defer s.draining.RUnlock()
	if s.drained {
		return ctx, nil, errServerClosed
	}
	gen, ok := s.hold()
	if !ok {
		return ctx, nil, errServerClosed
	}
	s.inflight.Add(1)
	return gen.caller(ctx), gen, nil
}

func (s *Server) release(g *Generation) {
	s.inflight.Done()
	s.drop(g)
}

// hold holds the current generation for a reader that must not find its
// sources closed under it (readiness, metrics, authentication); drop lets
// it go. It fails only once the server is closed.
func (s *Server) hold() (*Generation, bool) {
	for {
		cur := s.gen.Load()
		if cur.acquire() {
			return cur, true
		}
		// Drained: either swapped out a moment ago (take the new one) or
		// retired by Close.
		if s.gen.Load() == cur {
			return nil, false
		}
	}
}

func (s *Server) drop(g *Generation) {
	if g.refs.Add(-1) == 0 {
		// Not on the caller's goroutine: that is a request whose answer
		// should not wait for a pool to close.
		go s.closeGeneration(g)
	}
}

// acquire holds g for one request. It fails once g has drained, when its
// sources are closing or closed.
func (g *Generation) acquire() bool {
	for {
		n := g.refs.Load()
		if n <= 0 {
			return false
		}
		if g.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (s *Server) closeGeneration(g *Generation) {
	defer s.reload.retiring.Done()
	if err := g.Close(); err != nil {
		s.log.Error().Err(err).Uint64("generation", g.number).Msg("closing sources")
		return
	}
	s.log.Info().Uint64("generation", g.number).Str("config_hash", g.hash).
		Msg("generation drained: its sources are closed")
}

// Wait refuses every request from now on and blocks until those in flight
// (tool calls, resource reads, prompts, completions) have returned, or ctx
// ends. Shutdown calls it.
func (s *Server) Wait(ctx context.Context) error {
	s.draining.Lock()
	s.drained = true
	s.draining.Unlock()
	done := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
