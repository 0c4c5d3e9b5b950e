package ratelimit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRedisURLs(t *testing.T) {
	good := []struct {
		url                       string
		network, addr, user, pass string
		db                        int
		tlsName                   string // "": no TLS
	}{
		{url: "redis://127.0.0.1:6379", network: "tcp", addr: "127.0.0.1:6379"},
		{url: "redis://cache.internal/3", network: "tcp", addr: "cache.internal:6379", db: 3},
		{url: "redis://", network: "tcp", addr: "localhost:6379"},
		{url: "redis://:s3cret@cache:6380/0", network: "tcp", addr: "cache:6380", pass: "s3cret"},
		{url: "redis://alice:p%40ss@cache:6380/15", network: "tcp", addr: "cache:6380", user: "alice", pass: "p@ss", db: 15},
		{url: "redis://[::1]:7000/", network: "tcp", addr: "[::1]:7000"},
		{url: "rediss://alice:pw@redis.example.com:6380/2", network: "tcp", addr: "redis.example.com:6380", user: "alice", pass: "pw", db: 2, tlsName: "redis.example.com"},
		{url: "unix:///run/redis/redis.sock", network: "unix", addr: "/run/redis/redis.sock"},
		{url: "unix://:pw@/run/redis.sock?db=4", network: "unix", addr: "/run/redis.sock", pass: "pw", db: 4},
	}
	for _, tt := range good {
		c, err := newRespClient(tt.url)
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		tlsName := ""
		if c.tls != nil {
			tlsName = c.tls.ServerName
			if c.tls.InsecureSkipVerify || c.tls.RootCAs != nil {
				t.Errorf("%s: TLS does not verify against the system roots", tt.url)
			}
		}
		if c.network != tt.network || c.addr != tt.addr || c.user != tt.user || c.password != tt.pass || c.db != tt.db || tlsName != tt.tlsName {
			t.Errorf("%s: %s %s user %q password %q db %d TLS %q; want %s %s user %q password %q db %d TLS %q",
				tt.url, c.network, c.addr, c.user, c.password, c.db, tlsName,
				tt.network, tt.addr, tt.user, tt.pass, tt.db, tt.tlsName)
		}
		if cap(c.slots) != 10*runtime.GOMAXPROCS(0) {
			t.Errorf("%s: a pool of %d, want 10×GOMAXPROCS", tt.url, cap(c.slots))
		}
	}

	bad := []struct{ url, want string }{
		{"http://example.com", `scheme "http" is not redis, rediss or unix`},
		{"cache:6379", `scheme "cache" is not redis, rediss or unix`},
		{"127.0.0.1:6379", "not a URL"},
		{"//cache:6379", "no scheme"},
		{"redis:cache", "redis: must be followed by //"},
		{"redis://cache:0", `port "0" is not between 1 and 65535`},
		{"redis://cache:65536", `port "65536" is not between 1 and 65535`},
		{"redis://:hunter2@cache:63x79", "invalid port"},
		{"redis://cache/one", `database "one" is not a number of 0 or more`},
		{"redis://cache/-1", `database "-1" is not a number`},
		{"redis://cache/0/1", `database "0/1" is not a number`},
		{"redis://cache?db=2", `unknown query parameter "db"`},
		{"redis://:hunter2@cache/0?dial_timeout=5s&pool_size=3", `unknown query parameter "dial_timeout"`},
		{"unix:///run/redis.sock?db=x", `database "x" is not a number`},
		{"unix:///run/redis.sock?timeout=1", `unknown query parameter "timeout"`},
		{"unix://host/run/redis.sock", `not the host "host"`},
		{"unix://", "needs the socket's path"},
		{"redis://alice@cache", `user "alice" has no password`},
		{"redis://cache#frag", "fragment"},
		{"redis://:hunter2@ca che", "not a URL"},
	}
	for _, tt := range bad {
		_, err := NewRedis(tt.url)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tt.url)
		case !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: %q does not say %q", tt.url, err, tt.want)
		case strings.Contains(err.Error(), "hunter2"):
			t.Errorf("%s: the error %q repeats the password", tt.url, err)
		case !strings.HasPrefix(err.Error(), "ratelimit: redis_url: "):
			t.Errorf("%s: %q does not name redis_url", tt.url, err)
		}
	}
}

// TestRedisAgreesWithMemory runs one sequence of calls over many keys and
// limits against Redis and against Memory with its clock stopped. The
// limits give a token back every quarter of an hour or slower, so the
// time the test takes does not change a decision: they must all agree.
// Redis' clock moves while Memory's stands still, so Redis' retryAfter
// may be shorter by the time that passed, never longer.
func TestRedisAgreesWithMemory(t *testing.T) {
	ctx := context.Background()
	r := newRedis(t)
	m := NewMemory(0, newClock().now)
	limits := []Limit{
		{Rate: 1, Period: time.Hour, Burst: 1},
		{Rate: 2, Period: time.Hour, Burst: 3},
		{Rate: 4, Period: time.Hour, Burst: 5},
		{Rate: 3, Period: 24 * time.Hour, Burst: 2},
		{Rate: 60, Period: 24 * time.Hour, Burst: 7},
	}
	rnd := rand.New(rand.NewPCG(16, 2026))
	run := uniqueKey(t, "")
	const slack = 50 * time.Microsecond // rounding up, and floating point
	start := time.Now()
	allowed, refused := 0, 0
	for i := range 400 {
		k := rnd.IntN(25)
		l := limits[k%len(limits)]
		okM, retryM, _ := m.Allow(ctx, strconv.Itoa(k), l)
		okR, retryR, err := r.Allow(ctx, run+strconv.Itoa(k), l)
		elapsed := time.Since(start)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if okR != okM {
			t.Fatalf("call %d, key %d, %+v: Redis allowed %v, Memory %v", i, k, l, okR, okM)
		}
		if okR {
			allowed++
			if retryR != 0 {
				t.Errorf("call %d: allowed with retryAfter %s", i, retryR)
			}
			continue
		}
		refused++
		if retryR <= 0 || retryR > l.interval()+slack {
			t.Errorf("call %d: retryAfter %s, not within one interval (%s)", i, retryR, l.interval())
		}
		if retryR > retryM+slack || retryR < retryM-elapsed-slack {
			t.Errorf("call %d: Redis says retry after %s, Memory %s, %s into the test", i, retryR, retryM, elapsed)
		}
	}
	if allowed == 0 || refused == 0 {
		t.Errorf("%d allowed and %d refused: the sequence does not test both", allowed, refused)
	}
}

// TestRedisBucketKey: a bucket is stored under the key and in the format
// the release before this client used, and expires when it is full again.
func TestRedisBucketKey(t *testing.T) {
	ctx := context.Background()
	r := newRedis(t)
	l := Limit{Rate: 2, Period: time.Hour, Burst: 3}
	key := uniqueKey(t, "k")
	start := time.Now()
	for range 3 {
		if ok, _, err := r.Allow(ctx, key, l); !ok || err != nil {
			t.Fatalf("refused within the burst (err %v)", err)
		}
	}
	elapsed := time.Since(start)
	// Three tokens of 30 minutes each come back 90 minutes after the first call.
	full := 90 * time.Minute
	ttl := time.Duration(command(t, r, "PTTL", "rate:mcpgen:"+key).n) * time.Millisecond
	if ttl > full+time.Millisecond || ttl < full-elapsed-time.Millisecond {
		t.Errorf("the bucket expires in %s, want when it is full again: %s after the first call, %s ago", ttl, full, elapsed)
	}
	tat, err := strconv.ParseFloat(command(t, r, "GET", "rate:mcpgen:"+key).str, 64)
	if err != nil {
		t.Fatal(err)
	}
	since2017 := time.Since(time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)).Seconds()
	if ahead := time.Duration((tat - since2017) * float64(time.Second)); ahead > full || ahead < full-time.Since(start)-time.Millisecond {
		t.Errorf("the bucket holds %v, %s ahead of now; want %s less the test's time", tat, ahead, full)
	}

	// A bucket an earlier release left, full for another hour, is honoured.
	old := uniqueKey(t, "old")
	command(t, r, "SET", "rate:mcpgen:"+old, strconv.FormatFloat(since2017+3600, 'f', 6, 64), "EX", "3600")
	ok, retry, err := r.Allow(ctx, old, Limit{Rate: 1, Period: time.Hour, Burst: 1})
	if ok || err != nil || retry > time.Hour || retry < 59*time.Minute {
		t.Errorf("a bucket of an earlier release: allowed %v, retry %s, err %v; want refused for about an hour", ok, retry, err)
	}
}

// TestRedisNoScript: Redis forgets its scripts (SCRIPT FLUSH, a restart);
// Allow sends the script again and the bucket carries on.
func TestRedisNoScript(t *testing.T) {
	ctx := context.Background()
	r := newRedisURL(t, "redis://"+ownRedisTCP(t))
	l := Limit{Rate: 2, Period: time.Hour, Burst: 3}
	cached := func() int64 { return command(t, r, "SCRIPT", "EXISTS", gcraSHA).elems[0].n }
	if ok, _, err := r.Allow(ctx, "k", l); !ok || err != nil {
		t.Fatalf("first call refused (err %v)", err)
	}
	if cached() != 1 {
		t.Fatal("the script is not cached under its SHA1")
	}
	command(t, r, "SCRIPT", "FLUSH")
	if cached() != 0 {
		t.Fatal("SCRIPT FLUSH left the script")
	}
	for i := range 2 {
		if ok, _, err := r.Allow(ctx, "k", l); !ok || err != nil {
			t.Fatalf("call %d after SCRIPT FLUSH refused (err %v)", i+2, err)
		}
	}
	if ok, _, err := r.Allow(ctx, "k", l); ok || err != nil {
		t.Errorf("the fourth call: allowed %v, err %v; the burst of 3 was spent", ok, err)
	}
	if cached() != 1 {
		t.Error("EVAL did not cache the script again")
	}
}

// TestRedisAuth: a password, or an ACL user and password, from the URL.
func TestRedisAuth(t *testing.T) {
	addr := ownRedisTCP(t, "--requirepass", "s3cret", "--user", "alice", "on", ">alicepw", "~*", "+@all")
	ctx := context.Background()
	l := Limit{Rate: 1, Period: time.Hour, Burst: 5}
	for _, tt := range []struct{ userinfo, want string }{
		{":s3cret@", ""},
		{"alice:alicepw@", ""},
		{":hunter2@", "AUTH: WRONGPASS"},
		{"alice:hunter2@", "AUTH: WRONGPASS"},
		{"", "NOAUTH"},
	} {
		r := newRedisURL(t, "redis://"+tt.userinfo+addr+"/1")
		_, _, err := r.Allow(ctx, "k", l)
		pingErr := r.Ping(ctx)
		switch {
		case tt.want == "" && (err != nil || pingErr != nil):
			t.Errorf("%s: %v; ping %v", tt.userinfo, err, pingErr)
		case tt.want == "":
		case err == nil || pingErr == nil:
			t.Errorf("%s: allow %v, ping %v; want both refused", tt.userinfo, err, pingErr)
		case !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: %q does not say %q", tt.userinfo, err, tt.want)
		case strings.Contains(err.Error(), "hunter2"):
			t.Errorf("%s: %q repeats the password", tt.userinfo, err)
		}
	}
}

// TestRedisSelect: buckets and claims land in the database the URL names.
func TestRedisSelect(t *testing.T) {
	ctx := context.Background()
	addr := redisAddr(t)
	db0, db5 := newRedisURL(t, "redis://"+addr+"/0"), newRedisURL(t, "redis://"+addr+"/5")
	key := uniqueKey(t, "k")
	if ok, _, err := db5.Allow(ctx, key, Limit{Rate: 1, Period: time.Hour, Burst: 1}); !ok || err != nil {
		t.Fatalf("refused (err %v)", err)
	}
	if first, err := db5.Claim(ctx, key, time.Now().Add(time.Minute)); !first || err != nil {
		t.Fatalf("claim: first %v, err %v", first, err)
	}
	for _, k := range []string{"rate:mcpgen:" + key, "mcpgen:" + key} {
		if n := command(t, db5, "EXISTS", k).n; n != 1 {
			t.Errorf("%s is not in database 5", k)
		}
		if n := command(t, db0, "EXISTS", k).n; n != 0 {
			t.Errorf("%s is in database 0", k)
		}
	}
}

// TestRedisClaim: the first claim of a key wins until it expires.
func TestRedisClaim(t *testing.T) {
	ctx := context.Background()
	r := newRedis(t)
	key := uniqueKey(t, "nonce")
	until := time.Now().Add(time.Hour)
	for i, want := range []bool{true, false, false} {
		if first, err := r.Claim(ctx, key, until); first != want || err != nil {
			t.Errorf("claim %d: first %v, err %v; want %v", i+1, first, err, want)
		}
	}
	if ttl := time.Duration(command(t, r, "PTTL", "mcpgen:"+key).n) * time.Millisecond; ttl > time.Hour || ttl < 59*time.Minute {
		t.Errorf("the claim expires in %s, want the hour it was made for", ttl)
	}
}

// TestRedisUnixSocket reaches Redis on a unix socket, and drops an idle
// connection Redis closed rather than fail the next call with it.
func TestRedisUnixSocket(t *testing.T) {
	ctx := context.Background()
	sock := filepath.Join(t.TempDir(), "redis.sock")
	ownRedis(t, "--port", "0", "--unixsocket", sock)
	r := newRedisURL(t, "unix://"+sock+"?db=2")
	killer := newRedisURL(t, "unix://"+sock)
	l := Limit{Rate: 1, Period: time.Hour, Burst: 3}
	if ok, _, err := r.Allow(ctx, "k", l); !ok || err != nil {
		t.Fatalf("refused (err %v)", err)
	}
	if n := command(t, killer, "EXISTS", "rate:mcpgen:k").n; n != 0 {
		t.Error("the bucket is in database 0, not 2")
	}
	// Every connection but the killer's goes, r's idle one with them.
	if n := command(t, killer, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").n; n != 1 {
		t.Fatalf("CLIENT KILL closed %d connections, want r's one", n)
	}
	if ok, _, err := r.Allow(ctx, "k", l); !ok || err != nil {
		t.Errorf("after Redis closed the idle connection: allowed %v, err %v", ok, err)
	}
}

// TestRedisTLS: rediss:// speaks TLS and verifies the certificate against
// the roots it is given, for the host the URL names.
func TestRedisTLS(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	caPEM, cert, key, ca := testCerts(t, dir)
	port := freePort(t)
	ownRedis(t, "--port", "0", "--tls-port", port, "--tls-cert-file", cert, "--tls-key-file", key,
		"--tls-ca-cert-file", ca, "--tls-auth-clients", "no")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	l := Limit{Rate: 1, Period: time.Hour, Burst: 3}

	r := newRedisURL(t, "rediss://localhost:"+port+"/0")
	r.c.tls.RootCAs = roots
	for range 2 { // the second call reuses the connection
		if ok, _, err := r.Allow(ctx, "k", l); !ok || err != nil {
			t.Fatalf("over TLS: allowed %v, err %v", ok, err)
		}
	}

	for _, tt := range []struct{ url, want string }{
		{"rediss://localhost:" + port, "certificate signed by unknown authority"},         // the system's roots
		{"rediss://127.0.0.1:" + port, "x509: cannot validate certificate for 127.0.0.1"}, // not the name in the certificate
		{"redis://localhost:" + port, ""},                                                 // no TLS at all
	} {
		r := newRedisURL(t, tt.url)
		if r.c.tls != nil && strings.HasPrefix(tt.url, "rediss://127") {
			r.c.tls.RootCAs = roots
		}
		_, _, err := r.Allow(ctx, "k", l)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error saying %q", tt.url, err, tt.want)
		}
	}
}

// TestRedisSilentServer: a server that accepts and never answers costs a
// call its timeout, and the connection is dropped.
func TestRedisSilentServer(t *testing.T) {
	s := newFakeServer(t, func(net.Conn) {})
	r := newRedisURL(t, s.url())
	_, _, err := r.Allow(context.Background(), "k", Limit{Rate: 1, Period: time.Second, Burst: 1})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Allow against a silent server: %v, want the deadline exceeded", err)
	}
	s.awaitHangUp(t)

	// The caller's deadline applies too: without it this call would wait
	// an hour.
	r.c.ioTimeout = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := r.Ping(ctx); !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Ping against a silent server: %v, want the deadline exceeded", err)
	}
}

// TestRedisGarbage: a reply that is not RESP2, or is too big, fails the
// call with an error saying so, and the connection is dropped: the next
// call dials a new one.
func TestRedisGarbage(t *testing.T) {
	for _, tt := range []struct{ name, answer, want string }{
		{"huge bulk", "$99999999999\r\n", "a bulk string of 99999999999 bytes, past the 1048576"},
		{"huge array", "*100000\r\n", "an array of 100000 elements, past the 4096"},
		{"HTTP", "HTTP/1.1 400 Bad Request\r\n\r\n", `malformed reply: type 'H' in line "HTTP/1.1 400 Bad Request"`},
		{"bad integer", ":12x\r\n", `"12x" is not an integer`},
		{"no CRLF", "+OK\n", "a line not ended by CRLF"},
		{"long bulk", "$2\r\nabc\r\n", "a bulk string of 2 bytes not followed by CRLF"},
		{"endless line", "+" + strings.Repeat("a", 70000), "a line longer than 65536 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newFakeServer(t, func(c net.Conn) { _, _ = c.Write([]byte(tt.answer)) })
			r := newRedisURL(t, s.url())
			for i := 1; i <= 2; i++ {
				_, _, err := r.Allow(context.Background(), "k", Limit{Rate: 1, Period: time.Second, Burst: 1})
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("call %d: %v, want an error saying %q", i, err, tt.want)
				}
				s.awaitHangUp(t)
				if n := s.connections(); n != i {
					t.Fatalf("after %d calls %d connections, want a new one per call", i, n)
				}
			}
		})
	}
}

// TestRedisUnexpectedReply: a well-formed reply of the wrong kind is an
// error, and the connection stays.
func TestRedisUnexpectedReply(t *testing.T) {
	s := newFakeServer(t, func(c net.Conn) {
		rd := bufio.NewReader(c)
		for _, answer := range []string{"+OK\r\n", ":-5\r\n", "-ERR nope\r\n", "$-1\r\n", "+PING\r\n"} {
			b := replyBudget{bytes: maxReplyBytes, elems: maxReplyElems}
			if _, err := b.read(rd, 0); err != nil {
				return
			}
			if _, err := c.Write([]byte(answer)); err != nil {
				return
			}
		}
	})
	r := newRedisURL(t, s.url())
	ctx := context.Background()
	l := Limit{Rate: 1, Period: time.Second, Burst: 1}
	_, _, err1 := r.Allow(ctx, "k", l)
	_, _, err2 := r.Allow(ctx, "k", l)
	_, _, err3 := r.Allow(ctx, "k", l)
	_, err4 := r.Claim(ctx, "k", time.Now())
	err5 := r.Ping(ctx)
	for i, tt := range []struct {
		err  error
		want string
	}{
		{err1, `the rate limit script replied "OK", not a number of microseconds`},
		{err2, "the rate limit script replied the integer -5"},
		{err3, "ratelimit: redis: ERR nope"},
		{err4, ""},
		{err5, `PING replied "PING", not PONG`},
	} {
		if tt.want == "" && tt.err != nil || tt.want != "" && (tt.err == nil || !strings.Contains(tt.err.Error(), tt.want)) {
			t.Errorf("reply %d: %v, want %q", i+1, tt.err, tt.want)
		}
	}
	if n := s.connections(); n != 1 {
		t.Errorf("%d connections for five replies on one, want 1", n)
	}
}

// TestRedisPoolBounded: many goroutines share a few connections, never
// more than the pool's bound, and every decision is right; Close closes
// them all.
func TestRedisPoolBounded(t *testing.T) {
	ctx := context.Background()
	p := newCountingProxy(t, redisAddr(t))
	r, err := NewRedis("redis://" + p.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const bound = 4
	r.c.slots = make(chan struct{}, bound)
	l := Limit{Rate: 1, Period: time.Hour, Burst: 100}
	key := uniqueKey(t, "k")
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed, failed := 0, []error(nil)
	for range 64 {
		wg.Go(func() {
			for range 25 {
				ok, _, err := r.Allow(ctx, key, l)
				mu.Lock()
				if ok {
					allowed++
				}
				if err != nil {
					failed = append(failed, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d calls failed, the first with %v", len(failed), failed[0])
	}
	if allowed != 100 {
		t.Errorf("%d of 1600 calls allowed, want exactly the burst of 100", allowed)
	}
	open, most, accepted := p.counts()
	if most > bound || accepted > bound {
		t.Errorf("%d connections at once, %d in all; want at most the pool's %d", most, accepted, bound)
	}
	if open == 0 {
		t.Error("no connection kept for the next call")
	}
	r.Close()
	for give := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if open, _, _ = p.counts(); open == 0 {
			break
		}
		if time.Now().After(give) {
			t.Fatalf("%d connections still open after Close", open)
		}
	}
	if _, _, err := r.Allow(ctx, key, l); !errors.Is(err, errClientClosed) {
		t.Errorf("Allow after Close: %v, want %v", err, errClientClosed)
	}
}

// TestRedisWaitsForAConnection: with every connection busy, a call waits
// for one as long as its context lets it, and dials no more.
func TestRedisWaitsForAConnection(t *testing.T) {
	hold := make(chan net.Conn, 1)
	s := newFakeServer(t, func(c net.Conn) { hold <- c })
	r := newRedisURL(t, s.url())
	r.c.slots = make(chan struct{}, 1)
	r.c.ioTimeout = time.Hour // the first call waits until the server hangs up
	first := make(chan error, 1)
	go func() { first <- r.Ping(context.Background()) }()
	held := <-hold

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := r.Ping(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "waiting for a free connection") {
		t.Errorf("a call with the only connection busy: %v, want it to wait until cancelled", err)
	}
	held.Close()
	if err := <-first; err == nil {
		t.Error("the first call got no error from a server that hung up")
	}
	if n := s.connections(); n != 1 {
		t.Errorf("%d connections, want the pool's one", n)
	}
}

func TestReadReply(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want reply
	}{
		{"+OK\r\n", reply{kind: '+', str: "OK"}},
		{"+\r\n", reply{kind: '+', str: ""}},
		{"-ERR wrong number of arguments\r\n", reply{kind: '-', str: "ERR wrong number of arguments"}},
		{":0\r\n", reply{kind: ':', n: 0}},
		{":-9223372036854775807\r\n", reply{kind: ':', n: -9223372036854775807}},
		{":9223372036854775807\r\n", reply{kind: ':', n: 9223372036854775807}},
		{"$0\r\n\r\n", reply{kind: '$', str: ""}},
		{"$4\r\na\r\nb\r\n", reply{kind: '$', str: "a\r\nb"}},
		{"$-1\r\n", reply{kind: '$', null: true}},
		{"*-1\r\n", reply{kind: '*', null: true}},
		{"*0\r\n", reply{kind: '*', elems: []reply{}}},
		{"*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$-1\r\n+OK\r\n", reply{kind: '*', elems: []reply{
			{kind: ':', n: 1},
			{kind: '*', elems: []reply{{kind: '$', str: "x"}, {kind: '$', null: true}}},
			{kind: '+', str: "OK"},
		}}},
	} {
		b := replyBudget{bytes: maxReplyBytes, elems: maxReplyElems}
		got, err := b.read(bufio.NewReader(strings.NewReader(tt.in)), 0)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"", "EOF"},
		{"\r\n", "an empty line"},
		{":\r\n", "is not an integer"},
		{":-\r\n", "is not an integer"},
		{":+1\r\n", "is not an integer"},
		{":9223372036854775808\r\n", "is not an int64"},
		{":12345678901234567890\r\n", "is not an integer"},
		{"$-2\r\n", "bulk string length -2"},
		{"*-2\r\n", "array length -2"},
		{"$5\r\nab", "unexpected EOF"},
		{"*2\r\n:1\r\n", "EOF"},
		{strings.Repeat("*1\r\n", 9) + ":1\r\n", "arrays nested more than 8 deep"},
		{"*4000\r\n" + strings.Repeat("*1\r\n:1\r\n", 100), "an array of 1 elements, past the 4096"},
		{"?\r\n", "type '?'"},
	} {
		b := replyBudget{bytes: maxReplyBytes, elems: maxReplyElems}
		_, err := b.read(bufio.NewReader(strings.NewReader(tt.in)), 0)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want an error saying %q", tt.in, err, tt.want)
		}
	}
}

// hostileReplies claim more than a reply may hold, or nearly as much.
var hostileReplies = []string{
	"$1048576\r\n",
	"$1048000\r\nshort",
	"*4096\r\n" + strings.Repeat("$255\r\n"+strings.Repeat("x", 255)+"\r\n", 4096),
	"*4096\r\n" + strings.Repeat("*4096\r\n", 8),
	"*8\r\n" + strings.Repeat("*4095\r\n", 8),
	strings.Repeat("-", 70000) + "\r\n",
}

// TestReadReplyBounded: what one reply allocates stays within a few
// megabytes whatever the server claims.
func TestReadReplyBounded(t *testing.T) {
	for _, in := range hostileReplies {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b := replyBudget{bytes: maxReplyBytes, elems: maxReplyElems}
		_, _ = b.read(bufio.NewReader(strings.NewReader(in)), 0)
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
			t.Errorf("%.40q...: %d bytes allocated, more than 4 MiB", in, n)
		}
	}
}

// FuzzReadReply: any bytes make replies or an error, never a panic, and
// never a reply over the bounds.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "-ERR x\r\n", ":42\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n",
		"*2\r\n*1\r\n:1\r\n$0\r\n\r\n", ":1\r\n:2\r\n", "$99999999999\r\n", "*2147483648\r\n"} {
		f.Add([]byte(s))
	}
	for _, s := range hostileReplies {
		if len(s) < 4096 { // the fuzzer mutates big inputs slowly
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := bufio.NewReaderSize(bytes.NewReader(data), 4096)
		for range 64 {
			b := replyBudget{bytes: maxReplyBytes, elems: maxReplyElems}
			rep, err := b.read(rd, 0)
			if err != nil {
				return
			}
			var size, elems int
			depth := measure(rep, &size, &elems)
			if size > maxReplyBytes || elems > maxReplyElems || depth > maxReplyDepth+1 {
				t.Fatalf("a reply of %d bytes, %d elements, %d deep", size, elems, depth)
			}
		}
	})
}

// measure adds up a reply's strings and elements and returns its depth.
func measure(r reply, size, elems *int) int {
	*size += len(r.str)
	*elems += len(r.elems)
	depth := 0
	for _, e := range r.elems {
		depth = max(depth, measure(e, size, elems))
	}
	return depth + 1
}

// TestHasCode: an error reply's code is its first word.
func TestHasCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{redisError("NOSCRIPT No matching script. Please use EVAL."), true},
		{fmt.Errorf("wrapped: %w", redisError("NOSCRIPT")), true},
		{redisError("NOSCRIPTS are fine"), false},
		{redisError("ERR NOSCRIPT"), false},
		{errors.New("NOSCRIPT"), false},
		{nil, false},
	} {
		if got := hasCode(tt.err, "NOSCRIPT"); got != tt.want {
			t.Errorf("hasCode(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestRedisRetriesOnlySetup: a connection lost while it is set up (AUTH
// here) is dialled once more, since nothing of the call was sent; one lost
// after the command was sent is not, since the command may have run.
func TestRedisRetriesOnlySetup(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	// Each connection reads commands and answers them as the test says:
	// the first hangs up at AUTH, the second answers everything, the
	// third hangs up at the script.
	s := newFakeServer(t, func(c net.Conn) {
		mu.Lock()
		conns++
		n := conns
		mu.Unlock()
		rd := bufio.NewReader(c)
		for {
			b := replyBudget{bytes: maxReplyBytes, elems: maxReplyElems}
			cmd, err := b.read(rd, 0)
			if err != nil || len(cmd.elems) == 0 {
				return
			}
			verb := cmd.elems[0].str
			answer := map[string]string{"AUTH": "+OK\r\n", "EVALSHA": ":0\r\n"}[verb]
			if n == 1 && verb == "AUTH" || n == 3 && verb == "EVALSHA" {
				c.Close()
				return
			}
			if _, err := c.Write([]byte(answer)); err != nil {
				return
			}
		}
	})
	r := newRedisURL(t, strings.Replace(s.url(), "redis://", "redis://:pw@", 1))
	l := Limit{Rate: 1, Period: time.Second, Burst: 1}
	if ok, _, err := r.Allow(context.Background(), "k", l); !ok || err != nil {
		t.Fatalf("a connection lost during AUTH: allowed %v, err %v; want it dialled again", ok, err)
	}
	if n := s.connections(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	// Another client dials the third.
	other := newRedisURL(t, strings.Replace(s.url(), "redis://", "redis://:pw@", 1))
	if _, _, err := other.Allow(context.Background(), "k", l); err == nil {
		t.Error("a connection lost after the script was sent: no error; the call was sent again")
	}
	if n := s.connections(); n != 3 {
		t.Errorf("%d connections, want 3: the script must not be sent twice", n)
	}
}

// TestRedisURLPasswordNeedsEscape: a password holding a character a URL
// must escape (/ ? # or a stray %) is refused without any of it in the
// error: url.Parse would otherwise split the URL inside the password and
// quote a piece of it as a port, a database or an escape.
func TestRedisURLPasswordNeedsEscape(t *testing.T) {
	for _, tt := range []struct{ url, secret string }{
		{"redis://:hun%ter2@cache", "%te"},
		{"redis://alice:hun%ter2@cache:6379/1", "%te"},
		{"redis://alice:zebra/quux@cache", "zebra"},
		{"redis://alice:1234/5678@cache", "5678"},
		{"redis://alice:zq#ssword@cache", "zq"},
		{"rediss://alice:zq?ss=word@cache", "zq"},
		{"unix://alice:zq/cret@/run/redis.sock", "zq"},
	} {
		_, err := NewRedis(tt.url)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tt.url)
		case strings.Contains(err.Error(), tt.secret):
			t.Errorf("%s: the error %q repeats part of the password", tt.url, err)
		case !strings.Contains(err.Error(), "%25"):
			t.Errorf("%s: %q does not say how to escape", tt.url, err)
		}
	}
	// An @ in a socket's path is no password.
	if _, err := NewRedis("unix:///run/redis@6379.sock"); err != nil {
		t.Errorf("unix:///run/redis@6379.sock: %v", err)
	}
	if _, err := NewRedis("redis://alice:hun%25ter%2F2@cache"); err != nil {
		t.Errorf("an escaped password: %v", err)
	}
}

// TestRedisKeepsIdleConnection: a connection idle past the deadline of
// its last command is still good, and the next command uses it rather
// than dialling (and authenticating) anew. The deadline is moved into the
// past here, as ioTimeout of idleness would.
func TestRedisKeepsIdleConnection(t *testing.T) {
	ctx := context.Background()
	p := newCountingProxy(t, redisAddr(t))
	r := newRedisURL(t, "redis://"+p.ln.Addr().String())
	for i := range 3 {
		if err := r.Ping(ctx); err != nil {
			t.Fatalf("ping %d: %v", i+1, err)
		}
		r.c.mu.Lock()
		for _, cn := range r.c.idle {
			_ = cn.nc.SetDeadline(time.Unix(1, 0))
		}
		r.c.mu.Unlock()
	}
	if _, _, accepted := p.counts(); accepted != 1 {
		t.Errorf("%d connections for 3 commands one after another, want 1", accepted)
	}
}

// TestRedisCancelledKeepsConnection: a command whose context has ended
// before it was sent fails, and the connection it would have used, on
// which nothing was sent, stays for the next.
func TestRedisCancelledKeepsConnection(t *testing.T) {
	p := newCountingProxy(t, redisAddr(t))
	r := newRedisURL(t, "redis://"+p.ln.Addr().String())
	if err := r.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 20 {
		if err := r.Ping(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("ping %d with its context cancelled: %v", i+1, err)
		}
	}
	if err := r.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, accepted := p.counts(); accepted != 1 {
		t.Errorf("%d connections, want 1: no command was sent but on the first", accepted)
	}
}

// TestRedisFastestRate: the fastest rate a configuration may name, one
// call per nanosecond, is below what the script's clock (seconds since
// 2017 as a double) can tell apart from no time at all. Memory allows
// such calls; Redis must too, rather than fail them all on an expiry of
// zero milliseconds.
func TestRedisFastestRate(t *testing.T) {
	ctx := context.Background()
	r := newRedis(t)
	m := NewMemory(0, nil)
	key := uniqueKey(t, "k")
	for _, l := range []Limit{
		{Rate: 1_000_000_000, Period: time.Second, Burst: 1},
		{Rate: 50_000_000, Period: time.Second, Burst: 1},
	} {
		for i := range 3 {
			okM, _, _ := m.Allow(ctx, key, l)
			okR, _, err := r.Allow(ctx, key, l)
			if err != nil || !okR || !okM {
				t.Errorf("%+v, call %d: Redis allowed %v (%v), Memory %v", l, i+1, okR, err, okM)
			}
		}
	}
}
