package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestForwardedClient: X-Forwarded-For is read from the right, past the
// trusted proxies, to the first address they vouch for; from a peer that
// is not trusted it is not read at all.
func TestForwardedClient(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name   string
		remote string
		xff    []string
		want   string // "": RemoteAddr stays
	}{
		{"untrusted peer", "192.0.2.5:1234", []string{"203.0.113.7"}, ""},
		{"trusted peer, no header", "127.0.0.1:1234", nil, ""},
		{"trusted peer", "127.0.0.1:1234", []string{"203.0.113.7"}, "203.0.113.7"},
		{"the client's own entry is not believed", "127.0.0.1:1234", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{"past a second trusted proxy", "127.0.0.1:1234", []string{"203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"over two header lines", "127.0.0.1:1234", []string{"198.51.100.1, 203.0.113.7", "10.1.2.3"}, "203.0.113.7"},
		{"every hop trusted", "127.0.0.1:1234", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"garbage stops the walk", "127.0.0.1:1234", []string{"203.0.113.7, unknown, 10.1.2.3"}, "10.1.2.3"},
		{"only garbage", "127.0.0.1:1234", []string{"unknown"}, ""},
		{"an entry with a port", "127.0.0.1:1234", []string{"203.0.113.7:4711"}, "203.0.113.7"},
		{"IPv6 with a port", "127.0.0.1:1234", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"IPv4-mapped entry", "127.0.0.1:1234", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"IPv4-mapped peer", "[::ffff:127.0.0.1]:1234", []string{"203.0.113.7"}, "203.0.113.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{"X-Forwarded-For": tc.xff}}
			var got string
			forwarded(trusted, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.RemoteAddr })).ServeHTTP(nil, r)
			want := tc.want
			if want == "" {
				want = tc.remote
			}
			if got != want {
				t.Errorf("RemoteAddr %q, want %q", got, want)
			}
			if r.RemoteAddr != tc.remote {
				t.Errorf("the original request was changed to %q", r.RemoteAddr)
			}
		})
	}
}

// TestParseTrustedProxy: an address or a CIDR range, nothing else.
func TestParseTrustedProxy(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{in: "10.0.0.0/8", want: "10.0.0.0/8"},
		{in: "10.1.2.3/8", want: "10.0.0.0/8"},
		{in: "2001:db8::/32", want: "2001:db8::/32"},
		{in: "127.0.0.1", want: "127.0.0.1/32"},
		{in: "::ffff:127.0.0.1", want: "127.0.0.1/32"},
		{in: "::1", want: "::1/128"},
		{in: "proxy.internal", err: `"proxy.internal" is not an IP address or CIDR range such as 10.0.0.0/8`},
		{in: "10.0.0.0/33", err: `"10.0.0.0/33" is not an IP address or CIDR range such as 10.0.0.0/8`},
		{in: "fe80::1%eth0", err: `"fe80::1%eth0" is not an IP address or CIDR range such as 10.0.0.0/8`},
	}
	for _, tc := range cases {
		got, err := ParseTrustedProxy(tc.in)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("ParseTrustedProxy(%q) = %v, %v; want error %q", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || got.String() != tc.want):
			t.Errorf("ParseTrustedProxy(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// writeSelfSigned writes a self-signed certificate for 127.0.0.1 and its
// key to dir.
func writeSelfSigned(tb testing.TB, dir string) (certFile, keyFile string) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return certFile, keyFile
}

// BenchmarkGetCertificate is what checking the files costs each
// handshake; BenchmarkHandshake is a whole handshake, with that check
// (reloading) and with a fixed certificate (static), for scale.
func BenchmarkGetCertificate(b *testing.B) {
	certFile, keyFile := writeSelfSigned(b, b.TempDir())
	certs, err := LoadCertificates(certFile, keyFile, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := certs.GetCertificate(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandshake(b *testing.B) {
	certFile, keyFile := writeSelfSigned(b, b.TempDir())
	certs, err := LoadCertificates(certFile, keyFile, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	static := certs.cert
	configs := map[string]*tls.Config{
		"reloading": certs.TLSConfig(),
		"static":    {MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*static}},
	}
	client := &tls.Config{InsecureSkipVerify: true} // the certificate is not what is measured
	for name, conf := range configs {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				c, s := net.Pipe()
				errc := make(chan error, 1)
				go func() { errc <- tls.Server(s, conf).Handshake() }()
				if err := tls.Client(c, client).Handshake(); err != nil {
					b.Fatal(err)
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
				c.Close()
				s.Close()
			}
		})
	}
}
