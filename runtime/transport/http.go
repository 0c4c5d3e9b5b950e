// Package transport serves a runtime.Server to clients: Streamable HTTP
// (with its gate: origin, credentials, body size, the HTTP rate limit),
// stdio, and the health and metrics endpoints. It reaches the server only
// through its exported surface (authentication, the HTTP rate limit,
// readiness, the request drain, the log), so what a request may do is
// decided in the runtime, and how it arrives here.
package transport

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth"
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
	// DrainDelay is how long the server keeps serving after shutdown
	// begins, with /readyz answering 503, so that a load balancer's
	// health checks take it out before its listener closes; 0: close at
	// once.
	DrainDelay time.Duration
	// ClientKey names the bucket of a request under http_rate_limit;
	// nil: ClientAddress.
	ClientKey func(*http.Request) string
	// MetricsElsewhere leaves /metrics off this listener: ServeOps serves
	// it on one of its own.
	MetricsElsewhere bool
	// TLS, when set, serves HTTPS (see Certificates.TLSConfig).
	TLS *tls.Config
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// (see forwarded); nil: the header is ignored.
	TrustedProxies []netip.Prefix
	// SessionKey signs session ids (sessionid.go); nil: a random key, so
	// sessions end with the process. Unused when Stateless.
	SessionKey []byte
	Limits     CallerLimits // what callers may hold open (callers.go)
}

// DefaultHTTPOptions are safe defaults for a local or proxied deployment.
func DefaultHTTPOptions() HTTPOptions {
	return HTTPOptions{
		Path:              "/mcp",
		SessionIdleTTL:    30 * time.Minute,
		MaxBodyBytes:      1 << 20,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      runtime.DefaultToolTimeout + writeMargin,
		IdleTimeout:       2 * time.Minute,
		Grace:             15 * time.Second,
		Limits:            DefaultCallerLimits(),
	}
}

// writeMargin is the time a response gets to be written after its tool's
// timeout.
const writeMargin = 30 * time.Second

// ServeStreamable serves s over Streamable HTTP on ln until ctx ends, then
// stops taking requests and gives calls in flight up to o.Grace to finish.
func ServeStreamable(ctx context.Context, s *runtime.Server, ln net.Listener, o HTTPOptions) error {
	logger := s.Log()
	httpSrv := &http.Server{
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          log.New(zerologWriter{logger}, "", 0),
	}
	callers := newCallers(s, o.withSessionKey(logger))
	go callers.sweepEvery(ctx, max(o.SessionIdleTTL/2, time.Second))
	streamable := newStreamable(s, callers, o.AllowedOrigins)
	mux := http.NewServeMux()
	mux.Handle(o.Path, gate(ctx, s, o, callers, streamable))
	prm := protectedResourceMetadata(s)
	mux.HandleFunc("GET "+runtime.ProtectedResourceMetadataPath, prm)
	mux.HandleFunc("GET "+runtime.ProtectedResourceMetadataPath+"/", prm)
	opsRoutes(mux, s, !o.MetricsElsewhere)
	httpSrv.Handler = forwarded(o.TrustedProxies, mux)

	errc := make(chan error, 1)
	go func() { errc <- serve(httpSrv, ln, o.TLS) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.BeginShutdown()
	if o.DrainDelay > 0 {
		logger.Info().Dur("drain_delay", o.DrainDelay).Msg("draining: /readyz answers 503, still serving until the load balancer has noticed")
		select {
		case <-time.After(o.DrainDelay):
		case err := <-errc:
			return err
		}
	}

	logger.Info().Dur("grace", o.Grace).Msg("shutting down: letting calls in flight finish")
	graceCtx, cancel := context.WithTimeout(context.Background(), o.Grace)
	defer cancel()
	streamable.closeStreams() // GET streams end at once
	if err := httpSrv.Shutdown(graceCtx); err != nil {
		logger.Warn().Err(err).Msg("calls still running after the grace period; cancelling them")
		_ = httpSrv.Close()
		// Closing cancels the calls' contexts; wait for them to return
		// before the caller closes the sources under them.
		cancelled, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Wait(cancelled); err != nil {
			logger.Error().Msg("calls did not return after being cancelled")
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// gate applies the checks every request passes before it is served, in
// this order: the HTTP rate limit (before anything reads the request), the
// origin, the caller's credentials, the body cap, the response's write
// deadline, and the caller's sessions, streams and cancellations
// (callers.admit). serving ends when shutdown begins.
func gate(serving context.Context, s *runtime.Server, o HTTPOptions, callers *callers, h *streamable) http.Handler {
	clientKey := o.ClientKey
	if clientKey == nil {
		clientKey = ClientAddress
	}
	// The request's span is named for the HTTP method until mcp-go has
	// parsed the MCP method: built here, not per request.
	spanNames := map[string]string{}
	for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
		spanNames[m] = m + " " + o.Path
	}
	otherName := "HTTP " + o.Path
	tracing := s.Tracing()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request's context travels beside r from here on: each
		// r.WithContext would copy the whole request.
		ctx := r.Context()
		var span *runtime.Request
		if tracing != nil { // runtime/trace.go: the request's span, from where it enters
			ctx, span = tracing.StartRequest(ctx, r.Header, cmp.Or(spanNames[r.Method], otherName))
		}
		refused := "" // why the gate refused the request, for its span
		defer func() { span.End(refused) }()
		if no := s.AllowHTTP(ctx, clientKey(r)); no != nil {
			refused = "http_rate_limit"
			refuse(w, no)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, r, o.AllowedOrigins) {
			refused = "origin"
			http.Error(w, fmt.Sprintf("Forbidden: origin %q is not allowed", origin), http.StatusForbidden)
			return
		}
		authn := span.Step(ctx, "authenticate")
		p, no := s.AuthenticateHTTP(ctx, r)
		authn.End(no != nil)
		if no != nil {
			refused = "authentication"
			refuse(w, no)
			return
		}
		var x *exchange
		if r.Method != http.MethodPost {
			ctx = runtime.WithRequest(ctx, "http", p, nil)
		} else {
			if !capBody(w, r, o.MaxBodyBytes) {
				refused = "body"
				return
			}
			x = &exchange{h: h, w: w}
			s.InitAnswers(&x.answers, "http", r.RemoteAddr)
			// The request's one state: its caller, transport and answers.
			ctx = x.reqCtx.Init(ctx, "http", p, &x.answers)
			if r.Header.Get(mcp.HeaderMethod) == string(mcp.MethodSubscriptionsListen) {
				// A listen stream (2026-07-28) runs until its request
				// ends; shutdown ends it at once rather than waiting for
				// it as for a call, then cutting it off after --grace.
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
				defer context.AfterFunc(serving, cancel)()
			} else {
				timeout := max(o.WriteTimeout, s.Generation().MaxTimeout()+writeMargin)
				setWriteDeadline(w, time.Now().Add(timeout))
			}
		}
		ctx, done, ok := callers.admit(ctx, w, r, p, x)
		if !ok {
			refused = "callers"
			return
		}
		if x != nil {
			defer callers.finish(x)
			h.serve(ctx, x, r)
			return
		}
		defer done()
		h.serveBodyless(ctx, w, r)
	})
}

// setWriteDeadline sets the deadline of writing w's response, as
// http.ResponseController does, without allocating one when w can do it
// itself (net/http's own response writer can).
func setWriteDeadline(w http.ResponseWriter, deadline time.Time) {
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		_ = d.SetWriteDeadline(deadline)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(deadline)
}

// refuse writes the server's refusal of a request.
func refuse(w http.ResponseWriter, no *runtime.Refusal) {
	for k, v := range no.Header {
		w.Header()[k] = v
	}
	http.Error(w, no.Message, no.Status)
}

// protectedResourceMetadata serves RFC 9728 metadata: where clients get
// tokens for this server and which scopes it knows.
func protectedResourceMetadata(s *runtime.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		doc, ok := s.ProtectedResourceMetadata(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		// Public metadata, read by browser-based clients from other origins.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "max-age=300")
		_, _ = w.Write(doc)
	}
}

// ClientAddress keys HTTP rate limits by the client's IP address, the only
// identity a request has before authentication. Behind a proxy every
// client shares the proxy's address unless HTTPOptions.TrustedProxies
// names it.
func ClientAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// capBody enforces the body cap, answering 413 above it. A body of known
// length is checked by its header; a chunked one is read here, capped, so
// that it gets the same answer (mcp-go reads the whole body first anyway).
func capBody(w http.ResponseWriter, r *http.Request, limit int64) bool {
	tooLarge := func() {
		http.Error(w, fmt.Sprintf("Request body too large: the limit is %d bytes", limit), http.StatusRequestEntityTooLarge)
	}
	if r.ContentLength > limit {
		tooLarge()
		return false
	}
	if r.ContentLength >= 0 {
		return true // net/http stops reading at Content-Length, within the cap
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
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
// from a loopback origin when the server is addressed on loopback too, by
// a client on loopback (not one a proxy relays from elsewhere).
func originAllowed(origin string, r *http.Request, allowed []string) bool {
	if slices.Contains(allowed, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return auth.IsLoopbackHost(u.Hostname()) && auth.IsLoopbackHost(hostOnly(r.Host)) && auth.IsLoopbackHost(hostOnly(r.RemoteAddr))
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}
