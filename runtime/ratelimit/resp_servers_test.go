package ratelimit

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The servers the client tests talk to: redis-servers of their own, and
// listeners that misbehave on purpose.

// ownRedis starts a redis-server of the test's own, listening where args
// says, with its data in a temporary directory, and stops it when the test
// ends. Like the tests on the shared Redis, it skips when
// MCPGEN_TEST_REDIS_ADDR is unset, and fails under CI when it cannot start.
func ownRedis(t *testing.T, args ...string) {
	t.Helper()
	redisAddr(t)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is required under CI")
		}
		t.Skip("no redis-server on PATH")
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, append([]string{"--dir", dir, "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan error, 1)
	go func() {
		var last []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(strings.ToLower(sc.Text()), "ready to accept connections") {
				ready <- nil
				_, _ = io.Copy(io.Discard, out)
				return
			}
			last = append(last, sc.Text())
		}
		ready <- errors.New(strings.Join(last, "\n"))
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("redis-server %v did not start:\n%v", args, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("redis-server %v did not say it was ready", args)
	}
}

// freePort is a port of 127.0.0.1 nothing listened on a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// ownRedisTCP starts a redis-server of the test's own on a free port and
// returns its address.
func ownRedisTCP(t *testing.T, args ...string) string {
	t.Helper()
	port := freePort(t)
	ownRedis(t, append([]string{"--port", port}, args...)...)
	return "127.0.0.1:" + port
}

func newRedisURL(t *testing.T, url string) *Redis {
	t.Helper()
	r, err := NewRedis(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// command sends one command through r's own client, for a test to look at
// or change what Redis holds.
func command(t *testing.T, r *Redis, args ...string) reply {
	t.Helper()
	rep, err := r.c.do(context.Background(), func(b []byte) []byte {
		return appendBulks(appendArray(b, len(args)), args...)
	})
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return rep
}

// fakeServer is a TCP listener whose connections a test handles itself. It
// counts them and records when each is closed by the client.
type fakeServer struct {
	ln       net.Listener
	mu       sync.Mutex
	accepted int
	closed   chan struct{} // a value each time a client hangs up
}

// newFakeServer answers each connection with serve, which reads and
// writes as it likes and returns; the server then waits for the client to
// close the connection.
func newFakeServer(t *testing.T, serve func(net.Conn)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln, closed: make(chan struct{}, 100)}
	var conns sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		conns.Wait()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.accepted++
			s.mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				serve(c)
				// Whatever the client still sends is read until it hangs
				// up (closing, or resetting when it left bytes unread).
				_, _ = io.Copy(io.Discard, c)
				s.closed <- struct{}{}
			}()
		}
	}()
	return s
}

func (s *fakeServer) url() string { return "redis://" + s.ln.Addr().String() }

func (s *fakeServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// awaitHangUp waits for the client to close one connection.
func (s *fakeServer) awaitHangUp(t *testing.T) {
	t.Helper()
	select {
	case <-s.closed:
	case <-time.After(30 * time.Second):
		t.Fatal("the client never closed the connection")
	}
}

// countingProxy forwards connections to a real Redis and counts those
// open at once.
type countingProxy struct {
	ln                   net.Listener
	mu                   sync.Mutex
	open, most, accepted int
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln}
	var conns sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		conns.Wait()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.accepted++
			p.open++
			p.most = max(p.most, p.open)
			p.mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				done := make(chan struct{})
				go func() {
					_, _ = io.Copy(c, up)
					c.Close()
					close(done)
				}()
				_, _ = io.Copy(up, c)
				up.Close()
				<-done
				p.mu.Lock()
				p.open--
				p.mu.Unlock()
			}()
		}
	}()
	return p
}

func (p *countingProxy) counts() (open, most, accepted int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open, p.most, p.accepted
}

// testCerts writes a certificate authority and a server certificate for
// the name localhost (and no IP address) into dir.
func testCerts(t *testing.T, dir string) (caPEM []byte, certFile, keyFile, caFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mcpgen test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	certFile = write("server.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyFile = write("server.key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	caFile = write("ca.pem", caPEM)
	return caPEM, certFile, keyFile, caFile
}
