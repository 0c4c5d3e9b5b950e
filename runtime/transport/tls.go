package transport

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"

	"github.com/rs/zerolog"
)

// Certificates is a TLS certificate and key read from files and read again
// when either file changes on disk, so that a renewed certificate is served
// without a restart.
//
// Each handshake stats both files and compares them with the ones the
// served pair came from (inode, size, modification time). That costs two
// stat calls, small beside the handshake's own signature, needs no
// watcher goroutine, sees every way a file is replaced (written in place,
// renamed over, a Kubernetes secret's symlink swap, which directory
// watches see only as events on other names), and is observed by the
// very next handshake, with nothing to wait for. A new pair that does
// not load (a key that does not match, a half-written file) is logged once
// and the previous pair kept; it is tried again when the files change.
type Certificates struct {
	certFile, keyFile string
	log               zerolog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamps  [2]os.FileInfo // of the files last read, served or not
	lastErr string         // the last problem logged, so it is logged once
}

// LoadCertificates reads a PEM certificate (chain) and its private key.
func LoadCertificates(certFile, keyFile string, log zerolog.Logger) (*Certificates, error) {
	c := &Certificates{certFile: certFile, keyFile: keyFile, log: log}
	stamps, err := c.stat()
	if err != nil {
		return nil, err
	}
	cert, err := c.load()
	if err != nil {
		return nil, err
	}
	c.cert, c.stamps = cert, stamps
	log.Info().Str("cert_file", certFile).Str("subject", cert.Leaf.Subject.String()).
		Time("not_after", cert.Leaf.NotAfter).Msg("TLS certificate loaded")
	return c, nil
}

// TLSConfig serves the certificates with TLS 1.2 at least and Go's
// defaults otherwise (AEAD cipher suites with forward secrecy, modern
// curves); HTTP/2 is offered as over any Go HTTPS server.
func (c *Certificates) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate}
}

// GetCertificate is tls.Config.GetCertificate: the current pair, read
// again first if its files changed.
func (c *Certificates) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh()
	return c.cert, nil
}

func (c *Certificates) refresh() {
	stamps, err := c.stat()
	if err != nil {
		c.complain(err)
		return
	}
	if sameFile(stamps[0], c.stamps[0]) && sameFile(stamps[1], c.stamps[1]) {
		return
	}
	c.stamps = stamps
	cert, err := c.load()
	if err != nil {
		c.complain(err)
		return
	}
	c.cert, c.lastErr = cert, ""
	c.log.Info().Str("cert_file", c.certFile).Str("subject", cert.Leaf.Subject.String()).
		Time("not_after", cert.Leaf.NotAfter).Msg("TLS certificate reloaded")
}

// complain logs a problem with the files once, not at every handshake.
func (c *Certificates) complain(err error) {
	if err.Error() == c.lastErr {
		return
	}
	c.lastErr = err.Error()
	c.log.Error().Err(err).Msg("keeping the previous TLS certificate")
}

func (c *Certificates) stat() ([2]os.FileInfo, error) {
	var stamps [2]os.FileInfo
	for i, name := range []string{c.certFile, c.keyFile} {
		info, err := os.Stat(name)
		if err != nil {
			return stamps, fmt.Errorf("TLS certificate: %w", err)
		}
		stamps[i] = info
	}
	return stamps, nil
}

func (c *Certificates) load() (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err == nil && cert.Leaf == nil { // GODEBUG=x509keypairleaf=0
		cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0])
	}
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s with key %s: %w", c.certFile, c.keyFile, err)
	}
	return &cert, nil
}

func sameFile(a, b os.FileInfo) bool {
	return b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// serve serves httpSrv on ln, over TLS when tlsConf is set.
func serve(httpSrv *http.Server, ln net.Listener, tlsConf *tls.Config) error {
	if tlsConf == nil {
		return httpSrv.Serve(ln)
	}
	httpSrv.TLSConfig = tlsConf
	return httpSrv.ServeTLS(ln, "", "") // the certificates come from tlsConf
}

// ParseTrustedProxy reads a --trusted-proxy value: an IP address or a CIDR
// range.
func ParseTrustedProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range such as 10.0.0.0/8", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range such as 10.0.0.0/8", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// forwarded makes a request relayed by a trusted proxy carry the address
// of the client the proxy names in X-Forwarded-For, as its RemoteAddr:
// the audit's remote, the HTTP rate limit's key and the loopback origin
// rule then see the client, not the proxy. From any other peer the header
// is ignored, since anyone can write it.
func forwarded(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if client, ok := forwardedClient(trusted, r); ok {
			r = r.WithContext(r.Context()) // a copy: handlers must not change their request
			r.RemoteAddr = client.String()
		}
		next.ServeHTTP(w, r)
	})
}

// forwardedClient walks X-Forwarded-For from the right, past every
// trusted proxy, to the first address a trusted proxy vouches for that is
// not one itself: the client. Entries left of it were written by the
// client, or by proxies nobody vouches for, and are not believed.
func forwardedClient(trusted []netip.Prefix, r *http.Request) (netip.Addr, bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	client := peer.Addr().Unmap()
	if !isTrusted(trusted, client) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	moved := false
	for i := len(hops) - 1; i >= 0 && isTrusted(trusted, client); i-- {
		hop, ok := parseHop(strings.TrimSpace(hops[i]))
		if !ok {
			break // garbage: the last proxy that wrote sense is all we know
		}
		client, moved = hop, true
	}
	return client, moved
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, with a port or not.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}
