package runtime

import (
	"context"
	"io"
	"log"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves one local client over in and out until in closes or
// ctx ends. When ctx ends, calls in flight get up to grace to finish before
// they are cancelled. Nothing but protocol messages is written to out.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer, grace time.Duration) error {
	stdio := server.NewStdioServer(s.mcp)
	stdio.SetErrorLogger(log.New(zerologWriter{s.log}, "", 0))
	stdio.SetContextFunc(func(ctx context.Context) context.Context { return withTransport(ctx, "stdio") })

	// The listener gets its own context so that a shutdown signal stops it
	// only after the calls in flight have drained.
	listenCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	go func() {
		select {
		case <-ctx.Done():
		case <-listenCtx.Done():
			return
		}
		drainCtx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := s.Wait(drainCtx); err != nil {
			s.log.Warn().Dur("grace", grace).Msg("calls still running after the grace period; cancelling them")
		}
		stop()
	}()
	err := stdio.Listen(listenCtx, in, out)
	if ctx.Err() != nil && listenCtx.Err() != nil {
		return nil
	}
	return err
}
