package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"
)

// HTTPOptions configure the Streamable HTTP transport.
type HTTPOptions struct {
	Path string // the MCP endpoint, "/mcp"
	// Stateless issues no session ids, so any replica can answer any
	// request. Otherwise session ids are issued but not pinned to this
	// process, so clients survive a restart.
	Stateless      bool
	SessionIdleTTL time.Duration // sessions idle this long are dropped
	MaxBodyBytes   int64         // request body cap
	// AllowedOrigins are browser origins (scheme://host[:port]) allowed
	// besides loopback origins talking to a loopback host.
	AllowedOrigins    []string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	// WriteTimeout bounds writing a POST's response; streams are exempt.
	// It is raised to the longest tool timeout plus a margin, so a slow but
	// allowed call is never cut off after it ran.
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	Grace        time.Duration // how long in-flight calls get at shutdown
	// ClientKey names the bucket of a request under http_rate_limit;
	// nil: ClientAddress.
	ClientKey func(*http.Request) string
	// MetricsElsewhere leaves /metrics off this listener: ServeOps serves
	// it on one of its own.
	MetricsElsewhere bool
}

// DefaultHTTPOptions are safe defaults for a local or proxied deployment.
func DefaultHTTPOptions() HTTPOptions {
	return HTTPOptions{
		Path:              "/mcp",
		SessionIdleTTL:    30 * time.Minute,
		MaxBodyBytes:      1 << 20,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      DefaultToolTimeout + writeMargin,
		IdleTimeout:       2 * time.Minute,
		Grace:             15 * time.Second,
	}
}

// writeMargin is the time a response gets to be written after its tool's
// timeout.
const writeMargin = 30 * time.Second

// ServeHTTP serves Streamable HTTP on ln until ctx ends, then stops taking
// requests and gives calls in flight up to o.Grace to finish.
func (s *Server) ServeHTTP(ctx context.Context, ln net.Listener, o HTTPOptions) error {
	httpSrv := &http.Server{
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          log.New(zerologWriter{s.log}, "", 0),
	}
	opts := []server.StreamableHTTPOption{
		server.WithEndpointPath(o.Path),
		server.WithStreamableHTTPServer(httpSrv),
		server.WithSessionIdleTTL(o.SessionIdleTTL),
		server.WithStreamableHTTPLogger(slog.New(slogHandler{s.log})),
		server.WithHTTPContextFunc(func(ctx context.Context, _ *http.Request) context.Context {
			return withTransport(ctx, "http")
		}),
	}
	if o.Stateless {
		opts = append(opts, server.WithStateLess(true))
	}
	if len(o.AllowedOrigins) > 0 {
		// Browsers preflight cross-origin MCP requests; allowed origins
		// must get an answer, and must be able to read the session id.
		opts = append(opts, server.WithStreamableHTTPCORS(
			server.WithCORSAllowedOrigins(o.AllowedOrigins...),
			server.WithCORSAllowedMethods(http.MethodGet, http.MethodPost, http.MethodDelete),
			server.WithCORSAllowedHeaders("Content-Type", "Accept", "Authorization", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID"),
			server.WithCORSExposedHeaders("Mcp-Session-Id"),
		))
	}
	streamable := server.NewStreamableHTTPServer(s.mcp, opts...)
	mux := http.NewServeMux()
	mux.Handle(o.Path, s.httpLimit(o, s.guard(ctx, o, streamable)))
	mux.HandleFunc("GET "+prmPath, s.protectedResourceMetadata)
	mux.HandleFunc("GET "+prmPath+"/", s.protectedResourceMetadata)
	s.opsRoutes(mux, !o.MetricsElsewhere)
	httpSrv.Handler = mux

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	s.log.Info().Dur("grace", o.Grace).Msg("shutting down: letting calls in flight finish")
	graceCtx, cancel := context.WithTimeout(context.Background(), o.Grace)
	defer cancel()
	if err := streamable.Shutdown(graceCtx); err != nil {
		s.log.Warn().Err(err).Msg("calls still running after the grace period; cancelling them")
		_ = httpSrv.Close()
		// Closing cancels the calls' contexts; wait for them to return
		// before the caller closes the sources under them.
		cancelled, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Wait(cancelled); err != nil {
			s.log.Error().Msg("calls did not return after being cancelled")
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// guard applies the checks every request passes before mcp-go sees it.
// serving ends when shutdown begins.
func (s *Server) guard(serving context.Context, o HTTPOptions, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, r, o.AllowedOrigins) {
			http.Error(w, fmt.Sprintf("Forbidden: origin %q is not allowed", origin), http.StatusForbidden)
			return
		}
		r, ok := s.authenticateHTTP(w, r)
		if !ok {
			return
		}
		if r.Method == http.MethodPost {
			if !s.capBody(w, r, o.MaxBodyBytes) {
				return
			}
			if r.Header.Get(mcp.HeaderMethod) == string(mcp.MethodSubscriptionsListen) {
				// A listen stream (2026-07-28) runs until its request
				// ends; shutdown ends it at once rather than waiting for
				// it as for a call, then cutting it off after --grace.
				ctx, cancel := context.WithCancel(r.Context())
				defer cancel()
				defer context.AfterFunc(serving, cancel)()
				r = r.WithContext(ctx)
			} else {
				timeout := max(o.WriteTimeout, s.Generation().maxTimeout+writeMargin)
				_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// capBody enforces the body cap, answering 413 above it. A body of known
// length is checked by its header; a chunked one is read here, capped, so
// that it gets the same answer (mcp-go reads the whole body first anyway).
func (s *Server) capBody(w http.ResponseWriter, r *http.Request, limit int64) bool {
	tooLarge := func() {
		http.Error(w, fmt.Sprintf("Request body too large: the limit is %d bytes", limit), http.StatusRequestEntityTooLarge)
	}
	if r.ContentLength > limit {
		tooLarge()
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if r.ContentLength >= 0 {
		return true // net/http stops reading at Content-Length
	}
	body, err := io.ReadAll(r.Body)
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		tooLarge()
		return false
	case err != nil:
		http.Error(w, "Cannot read the request body", http.StatusBadRequest)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// originAllowed protects against DNS rebinding and cross-site requests from
// browsers: a page may talk to the server only from an allowed origin, or
// from a loopback origin when the server is addressed on loopback too.
func originAllowed(origin string, r *http.Request, allowed []string) bool {
	if slices.Contains(allowed, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return isLoopback(u.Hostname()) && isLoopback(hostOnly(r.Host))
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address only accepts local
// connections.
func IsLoopbackAddr(addr string) bool {
	return isLoopback(hostOnly(addr))
}

// slogHandler sends mcp-go's slog records to the operational log.
type slogHandler struct{ log zerolog.Logger }

func (h slogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.log.GetLevel() <= zerologLevel(l)
}

func (h slogHandler) Handle(_ context.Context, r slog.Record) error {
	ev := h.log.WithLevel(zerologLevel(r.Level))
	r.Attrs(func(a slog.Attr) bool {
		ev = ev.Interface(a.Key, a.Value.Any())
		return true
	})
	ev.Msg(r.Message)
	return nil
}

func (h slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	ctx := h.log.With()
	for _, a := range attrs {
		ctx = ctx.Interface(a.Key, a.Value.Any())
	}
	return slogHandler{ctx.Logger()}
}

func (h slogHandler) WithGroup(string) slog.Handler { return h }

func zerologLevel(l slog.Level) zerolog.Level {
	switch {
	case l >= slog.LevelError:
		return zerolog.ErrorLevel
	case l >= slog.LevelWarn:
		return zerolog.WarnLevel
	case l >= slog.LevelInfo:
		return zerolog.InfoLevel
	}
	return zerolog.DebugLevel
}
