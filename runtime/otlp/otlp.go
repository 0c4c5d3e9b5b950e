// Package otlp exports spans to an OpenTelemetry collector over OTLP,
// http/protobuf or gRPC, with net/http alone: the protobuf messages are
// the generated ones of go.opentelemetry.io/proto/otlp, the export
// request's envelope and the collector's answer are encoded by hand, and
// a gRPC call is one HTTP/2 POST. The binary so links no gRPC library.
//
// Its configuration is the OTLP exporter specification's: Config, read
// from the standard OTEL_EXPORTER_OTLP_* variables by ConfigFromEnv.
package otlp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The protocols, as OTEL_EXPORTER_OTLP_PROTOCOL names them.
const (
	HTTPProtobuf = "http/protobuf"
	GRPC         = "grpc"
)

// The specification's defaults.
const (
	defaultHTTPEndpoint = "http://localhost:4318/v1/traces"
	defaultGRPCEndpoint = "http://localhost:4317"
	defaultTimeout      = 10 * time.Second
	tracesPath          = "/v1/traces"
)

// Config is how an Exporter reaches its collector.
type Config struct {
	// Protocol is HTTPProtobuf ("", the default) or GRPC.
	Protocol string
	// Endpoint is, for http/protobuf, the URL spans are posted to
	// ("": http://localhost:4318/v1/traces); for gRPC, the collector's
	// http or https URL, or its host:port ("": http://localhost:4317).
	Endpoint string
	// Insecure makes a gRPC Endpoint without a scheme plaintext rather
	// than TLS.
	Insecure bool
	// Headers are sent with every export (gRPC: as metadata).
	Headers map[string]string
	// Timeout bounds one export, its retries included; 0 is 10s.
	Timeout time.Duration
	// Gzip compresses the requests.
	Gzip bool
	// TLS is the client's TLS configuration (trusted CAs, client
	// certificate); nil trusts the system's CAs.
	TLS *tls.Config

	// backoff and maxBackoff bound the delay before a retry when the
	// collector names none: 5s, doubling, up to 30s when zero.
	backoff, maxBackoff time.Duration
}

// Exporter sends spans to a collector over OTLP; it is an
// sdktrace.SpanExporter. Its methods are safe for concurrent use.
type Exporter struct {
	client *http.Client
	// encode makes an export request (after prefix spare bytes) the
	// body every attempt sends, once per export; send makes one attempt.
	encode  func(req []byte) []byte
	prefix  int
	send    func(ctx context.Context, body []byte) error
	timeout time.Duration
	backoff time.Duration
	maxWait time.Duration

	// done is cancelled by Shutdown, ending the exports in flight, which
	// inflight counts, so that Shutdown can close their connections once
	// they are idle; stopped, under mu, turns later exports away.
	done     context.Context
	shutDown context.CancelCauseFunc
	mu       sync.Mutex
	stopped  bool
	inflight sync.WaitGroup
	conns    conns
}

var errShutDown = errors.New("OTLP exporter: shut down")

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// New is an exporter as c says. It connects to nothing until it exports.
func New(c Config) (*Exporter, error) {
	e := &Exporter{
		timeout: c.Timeout,
		backoff: c.backoff,
		maxWait: c.maxBackoff,
	}
	e.done, e.shutDown = context.WithCancelCause(context.Background())
	e.conns.dialer = net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second} // http.DefaultTransport's
	if e.timeout <= 0 {
		e.timeout = defaultTimeout
	}
	if e.backoff <= 0 {
		e.backoff = 5 * time.Second
	}
	if e.maxWait <= 0 {
		e.maxWait = 30 * time.Second
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	e.conns.open = map[net.Conn]struct{}{}
	transport.DialContext = e.conns.dial
	if c.TLS != nil {
		transport.TLSClientConfig = c.TLS.Clone()
	}
	e.client = &http.Client{
		Transport: transport,
		// A redirect is the collector's answer, not followed: following it
		// would send the headers, API keys among them, to the host it
		// names, and gRPC has no redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	switch c.Protocol {
	case "", HTTPProtobuf:
		u, err := httpEndpoint(c.Endpoint, defaultHTTPEndpoint)
		if err != nil {
			return nil, fmt.Errorf("OTLP endpoint: %w", err)
		}
		h := &httpSender{client: e.client, url: u.String(), where: u.Redacted(), headers: c.Headers, gzip: c.Gzip}
		e.encode, e.send = h.encode, h.send
	case GRPC:
		u, plaintext, err := grpcEndpoint(c.Endpoint, c.Insecure)
		if err != nil {
			return nil, fmt.Errorf("OTLP endpoint: %w", err)
		}
		// gRPC is HTTP/2 only: over TLS, negotiated by ALPN; in plaintext,
		// spoken from the first byte (h2c with prior knowledge), which a
		// proxy in between would not understand.
		var p http.Protocols
		if plaintext {
			p.SetUnencryptedHTTP2(true)
			transport.Proxy = nil
		} else {
			p.SetHTTP2(true)
		}
		transport.Protocols = &p
		g := newGRPCSender(e.client, u, c.Headers, c.Gzip)
		e.encode, e.prefix, e.send = g.frame, frameHeader, g.send
	default:
		return nil, fmt.Errorf("OTLP protocol %q: use %s or %s", c.Protocol, HTTPProtobuf, GRPC)
	}
	return e, nil
}

// httpEndpoint is the URL an http/protobuf exporter posts to: raw ("" is
// def) must be an absolute http or https URL.
func httpEndpoint(raw, def string) (*url.URL, error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", redact(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%q must be an http or https URL with a host", redact(raw))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// grpcEndpoint is the base URL of a gRPC collector, and whether it is
// plaintext: raw ("" is http://localhost:4317) is an http or https URL
// whose scheme decides, or a host:port, plaintext when insecure is true.
func grpcEndpoint(raw string, insecure bool) (u *url.URL, plaintext bool, err error) {
	if raw == "" {
		raw = defaultGRPCEndpoint
	}
	if !strings.Contains(raw, "://") {
		host, port, err := net.SplitHostPort(raw)
		if err != nil || host == "" || port == "" {
			return nil, false, fmt.Errorf("%q must be an http or https URL, or a host:port", redact(raw))
		}
		scheme := "https"
		if insecure {
			scheme = "http"
		}
		return &url.URL{Scheme: scheme, Host: raw}, insecure, nil
	}
	u, err = url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, false, fmt.Errorf("%q must be an http or https URL, or a host:port", redact(raw))
	}
	// The path is the method's: anything the URL had after its host is
	// not part of the target.
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, u.Scheme == "http", nil
}

// redact is an endpoint as an error may show it: its password, if it
// has one, replaced as url.URL.Redacted does, also when it is not a URL
// (user:password@host:port would parse as one with the scheme "user").
func redact(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		rest = raw
	}
	authority, _, _ := strings.Cut(rest, "/")
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(authority[:at], ":")
	if !hasPassword {
		return raw
	}
	start := len(raw) - len(rest)
	return raw[:start] + user + ":xxxxx" + raw[start+at:]
}

// ExportSpans sends spans in one export request, retrying while the
// collector says it is busy or unavailable, within the exporter's timeout
// and ctx. Spans the collector reports it rejected are an error.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return errShutDown
	}
	e.inflight.Add(1)
	e.mu.Unlock()
	defer e.inflight.Done()
	if len(spans) == 0 {
		return nil
	}
	req, err := exportRequest(spans, e.prefix)
	if err != nil {
		return err
	}
	// Made once: an attempt that gave up may still be reading it.
	body := e.encode(req)
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	defer context.AfterFunc(e.done, func() { stop(errShutDown) })()
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	var prev error // the previous attempt's, when it was retried
	for attempt := 0; ; attempt++ {
		err := e.send(ctx, body)
		var r *retryableError
		if errors.Is(context.Cause(ctx), errShutDown) && err != nil {
			return giveUp(fmt.Errorf("%w (%w)", err, errShutDown), prev)
		}
		if !errors.As(err, &r) {
			if err != nil {
				return giveUp(err, prev)
			}
			return nil
		}
		wait := r.after
		if !r.asked {
			wait = e.delay(attempt)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return giveUp(fmt.Errorf("%w (the export's time ran out before it could be retried)", r.err), prev)
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return giveUp(fmt.Errorf("%w (%w before it could be retried)", r.err, context.Cause(ctx)), prev)
		}
		prev = r.err
	}
}

// giveUp is the error an export ends with, err; when it was retried
// because of another (the collector was unavailable, then the time ran
// out during the next attempt), that one is named too.
func giveUp(err, prev error) error {
	if prev == nil || strings.HasPrefix(err.Error(), prev.Error()) {
		return err
	}
	return fmt.Errorf("%w (retrying after: %w)", err, prev)
}

// delay is how long to wait before retry number attempt+1 when the
// collector did not say: exponential backoff with jitter, so exporters
// that failed together do not come back together.
func (e *Exporter) delay(attempt int) time.Duration {
	d := e.backoff << min(attempt, 16)
	if d <= 0 || d > e.maxWait {
		d = e.maxWait
	}
	return d/2 + rand.N(d-d/2) // within [d/2, d): never past maxWait
}

// Shutdown makes later exports fail, ends those in flight, and closes
// the connections once they are done with them, or when ctx ends first,
// those already idle. The batcher exports what it holds before it calls
// Shutdown.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	e.shutDown(errShutDown)
	ended := make(chan struct{})
	go func() {
		e.inflight.Wait()
		close(ended)
	}()
	var err error
	select {
	case <-ended:
	case <-ctx.Done():
		err = fmt.Errorf("OTLP exporter: shutting down: %w", ctx.Err())
	}
	e.client.CloseIdleConnections()
	// Those the transport still holds too: an HTTP/2 connection whose
	// stream was cancelled is not idle until the server acknowledges it.
	e.conns.closeAll()
	return err
}

// conns are the connections an exporter dialed and has not closed.
type conns struct {
	dialer net.Dialer
	mu     sync.Mutex
	open   map[net.Conn]struct{}
	closed bool
}

func (cs *conns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := cs.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		c.Close()
		return nil, errShutDown
	}
	tc := &trackedConn{Conn: c, conns: cs}
	cs.open[tc] = struct{}{}
	return tc, nil
}

func (cs *conns) closeAll() {
	cs.mu.Lock()
	cs.closed = true
	open := cs.open
	cs.open = nil
	cs.mu.Unlock()
	for c := range open {
		c.Close()
	}
}

// trackedConn leaves its conns when it is closed.
type trackedConn struct {
	net.Conn
	conns *conns
}

func (c *trackedConn) Close() error {
	c.conns.mu.Lock()
	delete(c.conns.open, c)
	c.conns.mu.Unlock()
	return c.Conn.Close()
}

// unsent is the error of an attempt whose request got no answer (err,
// from http.Client.Do, names the URL): worth retrying while time is left,
// as the collector may be back, unless TLS failed in a way the next
// attempt would meet again: the exporter refused the collector's
// certificate, or the collector refused the exporter's TLS (its client
// certificate, its protocols) with an alert other than an internal error.
func unsent(prefix string, err error) error {
	err = fmt.Errorf("%s: %w", prefix, err)
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return err
	}
	// crypto/tls reports the peer's alert as this, its type unexported.
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "remote error" && op.Err.Error() != "tls: internal error" {
		return err
	}
	return &retryableError{err: err}
}

// retryableError is a failed attempt worth repeating: the collector was
// unavailable or asked for less load. When asked is true, it named the
// delay before the next attempt: after.
type retryableError struct {
	err   error
	after time.Duration
	asked bool
}

func (r *retryableError) Error() string { return r.err.Error() }
func (r *retryableError) Unwrap() error { return r.err }
