package main

// End-to-end tests of TLS where credentials travel: HTTPS with a
// certificate made here, its reload when the files change, the refusal of
// plain HTTP beyond loopback, and X-Forwarded-For from a trusted proxy.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
)

// testCA issues server certificates for 127.0.0.1 and localhost.
type testCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pool   *x509.CertPool
	serial int64
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1000),
		Subject:               pkix.Name{CommonName: "mcpgen test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issued is a server certificate and its key, PEM-encoded.
type issued struct {
	serial    int64
	cert, key []byte
}

func (ca *testCA) issue(t *testing.T) issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.serial),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return issued{
		serial: ca.serial,
		cert:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

// replaceFile writes data beside name and renames it over name, as
// certificate tools and editors do.
func replaceFile(t *testing.T, name string, data []byte) {
	t.Helper()
	tmp := name + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

// tlsFiles writes c to cert.pem and key.pem in a new directory.
func tlsFiles(t *testing.T, c issued) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	replaceFile(t, certFile, c.cert)
	replaceFile(t, keyFile, c.key)
	return certFile, keyFile
}

// startServing runs `mcpgen serve` and returns the URL it logs, with no
// client connected (startHTTP's would take from the rate limits).
func startServing(t *testing.T, args ...string) (string, *logLines) {
	t.Helper()
	_, url, logs := serveProcess(t, nil, append([]string{"--log-level", "debug"}, args...)...)
	return url, logs
}

// serveOutcome runs `mcpgen serve` until it exits, or until it serves,
// which is reported as exit code -1: how serve answers args.
func serveOutcome(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := mainCommand(nil, append([]string{"serve"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting server: %v", err)
	}
	logs := newLogLines()
	go logs.collect(stderr)
	logs.mu.Lock()
	for !logs.done && !strings.Contains(strings.Join(logs.lines, "\n"), "serving Streamable HTTP") {
		logs.cond.Wait()
	}
	serving := !logs.done
	logs.mu.Unlock()
	if serving {
		_ = cmd.Process.Kill()
	}
	err = cmd.Wait()
	if serving {
		return -1, logs.String()
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), logs.String()
}

// TestTLS: with --tls-cert and --tls-key the server speaks HTTPS to a real
// MCP client that trusts the certificate's CA; a plain HTTP request and a
// TLS 1.1 client are turned away before any credential is read.
func TestTLS(t *testing.T) {
	ca := newTestCA(t)
	certFile, keyFile := tlsFiles(t, ca.issue(t))
	mcpURL, _ := startServing(t, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile, "testdata/e2e/tls.hcl")
	if !strings.HasPrefix(mcpURL, "https://127.0.0.1:") {
		t.Fatalf("serving at %s, want https", mcpURL)
	}

	// HTTP/2, as most clients over HTTPS speak it.
	httpsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool}, ForceAttemptHTTP2: true}}
	health, err := httpsClient.Get(strings.TrimSuffix(mcpURL, "/mcp") + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	health.Body.Close()
	if health.StatusCode != http.StatusOK || health.ProtoMajor != 2 {
		t.Fatalf("/healthz over HTTPS: %s %s", health.Proto, health.Status)
	}
	c, err := client.NewStreamableHttpClient(mcpURL, transport.WithHTTPBasicClient(httpsClient),
		transport.WithHTTPHeaders(bearer("mcpk_test_full")))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	if got := ok(t, call(t, c, "whoami", nil)); got["sub"] != "svc-full" {
		t.Fatalf("whoami over HTTPS: %v", got)
	}

	plain := strings.Replace(mcpURL, "https://", "http://", 1)
	req, err := http.NewRequest(http.MethodPost, plain, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer mcpk_test_full")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTPS") {
		t.Errorf("plain HTTP to the HTTPS port: %d %s", resp.StatusCode, body)
	}

	host := strings.TrimPrefix(strings.TrimSuffix(mcpURL, "/mcp"), "https://")
	if conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: ca.pool, MaxVersion: tls.VersionTLS11}); err == nil {
		conn.Close()
		t.Errorf("a TLS 1.1 client was served")
	}
}

// servedSerial is the serial number of the certificate a new handshake
// with addr gets.
func servedSerial(t *testing.T, addr string, pool *x509.CertPool) int64 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// TestTLSCertificateReload: a certificate replaced on disk is served from
// the next handshake on; a new pair that does not load (a certificate
// whose key has not been written yet) is logged and the previous pair
// kept until the files make sense again.
func TestTLSCertificateReload(t *testing.T) {
	ca := newTestCA(t)
	first := ca.issue(t)
	certFile, keyFile := tlsFiles(t, first)
	mcpURL, logs := startServing(t, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile, "testdata/e2e/tls.hcl")
	u, err := url.Parse(mcpURL)
	if err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, u.Host, ca.pool); got != first.serial {
		t.Fatalf("serial %d served, want %d", got, first.serial)
	}

	second := ca.issue(t)
	replaceFile(t, certFile, second.cert)
	replaceFile(t, keyFile, second.key)
	if got := servedSerial(t, u.Host, ca.pool); got != second.serial {
		t.Fatalf("after replacing the files: serial %d served, want %d", got, second.serial)
	}
	logs.await(t, "TLS certificate reloaded")

	third := ca.issue(t)
	replaceFile(t, certFile, third.cert) // its key is not there yet
	if got := servedSerial(t, u.Host, ca.pool); got != second.serial {
		t.Fatalf("with a mismatched pair: serial %d served, want the previous %d", got, second.serial)
	}
	line := logs.await(t, "keeping the previous TLS certificate")
	if !strings.Contains(line, `"level":"error"`) || !strings.Contains(line, certFile) {
		t.Errorf("the bad pair is logged as %s", line)
	}
	replaceFile(t, keyFile, third.key)
	if got := servedSerial(t, u.Host, ca.pool); got != third.serial {
		t.Fatalf("once the key is written: serial %d served, want %d", got, third.serial)
	}
}

// TestPlainHTTPRefused: beyond loopback, a configuration with credentials
// is not served over plain HTTP unless TLS is on or a TLS-terminating
// proxy is named; over HTTPS, an http resource is refused. The refusals
// never listen.
func TestPlainHTTPRefused(t *testing.T) {
	certFile, keyFile := tlsFiles(t, newTestCA(t).issue(t))
	refused := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"plain beyond loopback", []string{"--listen", "0.0.0.0:0", "testdata/e2e/proxy.hcl"}, exitConfig,
			"testdata/e2e/proxy.hcl:3:1: Refusing to take credentials over plain HTTP; The server listens on 0.0.0.0:0, beyond loopback"},
		{"an http resource over TLS", []string{"--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile, "testdata/e2e/auth.hcl"}, exitConfig,
			`testdata/e2e/auth.hcl:3:21: Resource must use https; The server serves HTTPS (--tls-cert), but resource is http://127.0.0.1:8080/mcp`},
		{"an http resource behind the proxy", []string{"--listen", "0.0.0.0:0", "--trusted-proxy", "127.0.0.1", "testdata/e2e/auth.hcl"}, exitConfig,
			"Resource must use https"},
		{"a certificate without its key", []string{"--tls-cert", certFile, "testdata/e2e/tls.hcl"}, exitUsage,
			"--tls-cert and --tls-key go together"},
		{"TLS on stdio", []string{"--stdio", "--tls-cert", certFile, "--tls-key", keyFile, "testdata/e2e/tls.hcl"}, exitUsage,
			"not --stdio"},
		{"a proxy that is no address", []string{"--trusted-proxy", "proxy.internal", "testdata/e2e/tls.hcl"}, exitUsage,
			`--trusted-proxy: "proxy.internal" is not an IP address or CIDR range`},
		{"a key that is no key", []string{"--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", certFile, "testdata/e2e/tls.hcl"}, exitRuntime,
			"serve: TLS certificate " + certFile + " with key " + certFile},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr := serveOutcome(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, want %d with %q; stderr %s", code, tt.code, tt.want, stderr)
			}
		})
	}

	served := []struct {
		name string
		args []string
	}{
		{"HTTPS beyond loopback", []string{"--listen", "0.0.0.0:0", "--tls-cert", certFile, "--tls-key", keyFile, "testdata/e2e/tls.hcl"}},
		{"plain behind a trusted proxy", []string{"--listen", "0.0.0.0:0", "--trusted-proxy", "10.0.0.0/8", "testdata/e2e/proxy.hcl"}},
		{"plain on loopback", []string{"--listen", "127.0.0.1:0", "testdata/e2e/proxy.hcl"}},
	}
	for _, tt := range served {
		t.Run(tt.name, func(t *testing.T) {
			startServing(t, tt.args...)
		})
	}
}

// TestTrustedProxy: X-Forwarded-For names the client only when a trusted
// proxy sends it: then the audit's remote address, the HTTP rate limit's
// bucket and the loopback origin rule are the client's. From anyone else
// the header is ignored, since anyone can write it.
func TestTrustedProxy(t *testing.T) {
	post := func(t *testing.T, mcpURL, forwardedFor, origin string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, mcpURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer mcpk_not_a_key")
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// audited is the remote address of the latest denial in the audit trail.
	audited := func(t *testing.T, logs *logLines, n int) string {
		t.Helper()
		var remotes []string
		for _, line := range strings.Split(logs.String(), "\n") {
			var rec struct{ Log, Outcome, Remote string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Log == "audit" && rec.Outcome == "denied" {
				remotes = append(remotes, rec.Remote)
			}
		}
		if len(remotes) != n {
			t.Fatalf("%d denials audited, want %d:\n%s", len(remotes), n, logs)
		}
		return remotes[n-1]
	}

	t.Run("trusted", func(t *testing.T) {
		mcpURL, logs := startServing(t, "--listen", "127.0.0.1:0", "--trusted-proxy", "127.0.0.1", "testdata/e2e/proxy.hcl")
		// The client wrote the first address; the proxy appended the
		// address it saw. Only the proxy is believed.
		if code := post(t, mcpURL, "198.51.100.1, 203.0.113.7", ""); code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", code)
		}
		logs.await(t, `"outcome":"denied"`)
		if got := audited(t, logs, 1); got != "203.0.113.7" {
			t.Errorf("audited remote %q, want the client the proxy names", got)
		}
		// Each client has a bucket of 2: the third request of one client
		// is refused, another client still has its own.
		if code := post(t, mcpURL, "203.0.113.7", ""); code != http.StatusUnauthorized {
			t.Fatalf("second request: status %d, want 401", code)
		}
		if code := post(t, mcpURL, "203.0.113.7", ""); code != http.StatusTooManyRequests {
			t.Fatalf("third request of one client: status %d, want 429", code)
		}
		if code := post(t, mcpURL, "203.0.113.8", ""); code != http.StatusUnauthorized {
			t.Fatalf("another client: status %d, want 401 from its own bucket", code)
		}
		// A page on the remote client's own loopback is not this
		// server's loopback.
		if code := post(t, mcpURL, "203.0.113.9", "http://localhost:3000"); code != http.StatusForbidden {
			t.Errorf("a loopback origin relayed from elsewhere: status %d, want 403", code)
		}
		if code := post(t, mcpURL, "127.0.0.1", "http://localhost:3000"); code != http.StatusUnauthorized {
			t.Errorf("a loopback origin from loopback: status %d, want 401 (past the origin check)", code)
		}
	})

	t.Run("untrusted", func(t *testing.T) {
		mcpURL, logs := startServing(t, "--listen", "127.0.0.1:0", "--trusted-proxy", "192.0.2.1", "testdata/e2e/proxy.hcl")
		if code := post(t, mcpURL, "203.0.113.7", ""); code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", code)
		}
		logs.await(t, `"outcome":"denied"`)
		if got := audited(t, logs, 1); !strings.HasPrefix(got, "127.0.0.1:") {
			t.Errorf("audited remote %q, want the peer's own address", got)
		}
		// Every request is the peer's, whatever it writes.
		if code := post(t, mcpURL, "203.0.113.8", ""); code != http.StatusUnauthorized {
			t.Fatalf("second request: status %d, want 401", code)
		}
		if code := post(t, mcpURL, "203.0.113.9", ""); code != http.StatusTooManyRequests {
			t.Fatalf("third request under another forwarded address: status %d, want 429", code)
		}
	})
}
