package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mcpgen/mcpgen/adapters/internal/resilience"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// errRedirect is a redirect the policy does not follow.
var errRedirect = errors.New("redirect not followed")

// Open builds the source's client: TLS settings (reading the CA bundle and
// client certificate), connection pool, redirect policy, and its breaker.
// It sends nothing: an upstream that is down at start is a call-time
// error, so that SQL tools beside it keep working.
func (s *Source) Open(ctx context.Context, opts adapter.OpenOptions) hcl.Diagnostics {
	if s.client != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Source opened twice", Detail: "This is a bug in mcpgen.", Subject: s.declRange.Ptr()}}
	}
	tlsConf, diags := s.tlsConfig()
	if diags.HasErrors() {
		return diags
	}
	transport := &http.Transport{
		// No proxy from the environment: the HCL says where requests go.
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: min(s.timeout, 10*time.Second), KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          defaultIdleConnsHost,
		MaxIdleConnsPerHost:   defaultIdleConnsHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(s.timeout, 10*time.Second),
		ExpectContinueTimeout: time.Second,
	}
	s.client = &http.Client{Transport: transport, CheckRedirect: s.checkRedirect}
	s.breaker = resilience.NewBreaker(s.breakerAt)
	if s.random == nil {
		s.random = rand.Float64
	}
	return diags
}

func (s *Source) tlsConfig() (*tls.Config, hcl.Diagnostics) {
	if s.base.Scheme != "https" {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: s.tls.minVersion}
	if conf.MinVersion == 0 {
		conf.MinVersion = tls.VersionTLS12
	}
	var diags hcl.Diagnostics
	fail := func(attr, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid TLS settings", Detail: detail, Subject: s.tls.ranges[attr].Ptr()})
	}
	if s.tls.caFile != "" {
		pem, err := os.ReadFile(s.tls.caFile)
		if err != nil {
			fail("ca_file", fmt.Sprintf("ca_file cannot be read: %s.", unwrapPath(err)))
		} else {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				fail("ca_file", "ca_file holds no PEM certificate.")
			}
			conf.RootCAs = pool
		}
	}
	if s.tls.certFile != "" {
		cert, err := tls.LoadX509KeyPair(s.tls.certFile, s.tls.keyFile)
		if err != nil {
			// The key's contents never appear: tls errors name the files only.
			fail("cert_file", fmt.Sprintf("The client certificate and key cannot be loaded: %s.", unwrapPath(err)))
		} else {
			conf.Certificates = []tls.Certificate{cert}
		}
	}
	return conf, diags
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// checkRedirect applies the redirect policy: none (the 3xx is the answer,
// and a tool error) or same_host (same scheme and host, under base_url,
// at most maxRedirects hops).
func (s *Source) checkRedirect(req *http.Request, via []*http.Request) error {
	if s.redirects == redirectNone {
		return http.ErrUseLastResponse
	}
	if len(via) > maxRedirects {
		return errRedirect
	}
	if !s.under(req.URL) {
		return errRedirect
	}
	return nil
}

// Ping reports whether the upstream can be called: with ping_path, a GET
// to it must answer 2xx; without, the breaker must not be open.
func (s *Source) Ping(ctx context.Context) error {
	if s.client == nil {
		return errors.New("http source " + s.name + " is not open")
	}
	if st, _, _ := s.breaker.Snapshot(s.now()); st == resilience.Open {
		return fmt.Errorf("http source %s: circuit breaker open", s.name)
	}
	if s.pingPath == "" {
		return nil
	}
	u, err := s.resolve(s.pingPath, "")
	if err != nil {
		return fmt.Errorf("http source %s: ping_path: %w", s.name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("http source %s: %w", s.name, err)
	}
	req.Header = s.headers.Clone()
	resp, err := s.client.Do(req)
	if err != nil {
		// Go's errors name the URL; that is for the operator's log.
		return fmt.Errorf("http source %s: %s", s.name, s.scrub.text(err.Error()))
	}
	drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("http source %s: ping_path answered %s", s.name, statusText(resp.StatusCode))
	}
	return nil
}

// Close releases idle connections. Calls in flight have finished.
func (s *Source) Close() error {
	if s.client != nil {
		s.client.CloseIdleConnections()
		s.client = nil
	}
	return nil
}

// RequiredByDefault is false: one API that is down fails its own tools
// (fast, behind the breaker), and the replica still serves the rest.
func (s *Source) RequiredByDefault() bool { return false }

// BreakerStats reports the circuit breaker for metrics: its state
// ("closed", "open" or "half_open") and how many times it has opened.
func (s *Source) BreakerStats() (state string, opens uint64) {
	return s.breaker.Stats(s.now())
}
