package ratelimit

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpgen/mcpgen/internal/idleconn"
)

// This file is a small Redis client speaking RESP2: what the limiter sends
// (EVALSHA, EVAL, SET, PING, and AUTH and SELECT on a new connection), over
// a bounded pool of connections. It replaces a general client whose command
// API, kept whole by its interfaces, was a sixth of the binary.

// respClient holds the pool. Its zero value is not usable: see newRespClient.
type respClient struct {
	network  string      // "tcp" or "unix"
	addr     string      // host:port, or the socket's path
	tls      *tls.Config // rediss://; nil otherwise
	user     string      // AUTH user password when set, AUTH password otherwise
	password string      // no AUTH when empty
	db       int         // SELECT db when not 0

	dialTimeout time.Duration
	ioTimeout   time.Duration // per command, writing and reading its reply

	// slots has a place for every connection in use or being dialled, so
	// that at most cap(slots) connections exist: an idle one was in use
	// before it was put back, and a new one is dialled only when there is
	// none idle.
	slots chan struct{}

	mu     sync.Mutex
	idle   []*respConn // the last one put back is the first taken
	closed bool
}

// respConn is one connection and its buffers. A connection that failed in
// any way is closed, never used again: after an error we cannot know where
// the next reply starts.
type respConn struct {
	nc    net.Conn
	r     *bufio.Reader
	w     []byte         // the command being sent
	check idleconn.Check // whether Redis closed it, or spoke unasked, while idle
}

var errClientClosed = errors.New("the client is closed")

// newRespClient checks rawURL and returns a client that dials on first use.
// The URL is redis://[[user]:password@]host[:port][/db], rediss:// the same
// over TLS, or unix://[[user]:password@]/path/to/socket[?db=N]. Errors
// never repeat the password.
func newRespClient(rawURL string) (*respClient, error) {
	if err := checkUserinfo(rawURL); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("not a URL: %v", err)
	}
	c := &respClient{
		dialTimeout: time.Second,
		ioTimeout:   500 * time.Millisecond,
		// As many as go-redis allowed by default, which served us well.
		slots: make(chan struct{}, 10*runtime.GOMAXPROCS(0)),
	}
	switch u.Scheme {
	case "redis", "rediss", "unix":
	case "":
		return nil, errors.New("no scheme: the URL must start with redis://, rediss:// or unix://")
	default:
		return nil, fmt.Errorf("scheme %q is not redis, rediss or unix", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("%s: must be followed by //", u.Scheme)
	}
	if u.Fragment != "" {
		return nil, errors.New("a URL fragment (#...) is not allowed")
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.password, _ = u.User.Password()
		if c.password == "" && c.user != "" {
			return nil, fmt.Errorf("user %q has no password: write redis://%s:password@host", c.user, c.user)
		}
	}
	query := u.Query()
	if u.Scheme == "unix" {
		if u.Host != "" {
			return nil, fmt.Errorf("a unix URL names a socket path, not the host %q: write unix:///path/to/redis.sock", u.Hostname())
		}
		if u.Path == "" {
			return nil, errors.New("a unix URL needs the socket's path: unix:///path/to/redis.sock")
		}
		c.network, c.addr = "unix", u.Path
		if db, ok := query["db"]; ok {
			if c.db, err = parseDB(db[len(db)-1]); err != nil {
				return nil, err
			}
			delete(query, "db")
		}
	} else {
		host := u.Hostname()
		if host == "" {
			host = "localhost"
		}
		port := u.Port()
		if port == "" {
			port = "6379"
		} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("port %q is not between 1 and 65535", port)
		}
		c.network, c.addr = "tcp", net.JoinHostPort(host, port)
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			if c.db, err = parseDB(db); err != nil {
				return nil, err
			}
		}
		if u.Scheme == "rediss" {
			// System roots, and the certificate must name the host.
			c.tls = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
	}
	if len(query) > 0 {
		names := slices.Sorted(func(yield func(string) bool) {
			for k := range query {
				if !yield(k) {
					return
				}
			}
		})
		return nil, fmt.Errorf("unknown query parameter %q: a redis:// URL takes the database in its path (redis://host:6379/2), and nothing else", names[0])
	}
	return c, nil
}

// checkUserinfo refuses a user or password holding what a URL must
// escape there: '/', '?' or '#', which end the host part early, or a '%'
// not followed by two hex digits. url.Parse would split such a URL inside
// the password, and its error, or ours about the port or database it then
// found, would quote a piece of the password. The user and password are
// taken to be everything between "//" and the last '@', unless that starts
// with '/' (a unix socket's path with an '@' in it).
func checkUserinfo(rawURL string) error {
	_, rest, ok := strings.Cut(rawURL, "://")
	at := strings.LastIndexByte(rest, '@')
	if !ok || at < 0 || strings.HasPrefix(rest, "/") {
		return nil
	}
	userinfo := rest[:at]
	if strings.ContainsAny(userinfo, "/?#") {
		return errors.New("the user or password holds '/', '?' or '#', which a URL must escape there: " +
			"write them as %2F, %3F and %23 (and '%' itself as %25; an '@' in a socket's path as %40)")
	}
	if _, err := url.PathUnescape(userinfo); err != nil {
		return errors.New("the user or password holds a '%' not followed by two hex digits: write '%' itself as %25")
	}
	return nil
}

func parseDB(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("database %q is not a number of 0 or more", s)
	}
	return n, nil
}

// redisError is an error reply: Redis' own message, such as "NOSCRIPT No
// matching script". The connection that carried it is still good.
type redisError string

func (e redisError) Error() string { return string(e) }

// hasCode reports whether err is an error reply whose message starts with
// code ("NOSCRIPT", "WRONGPASS").
func hasCode(err error, code string) bool {
	if err == nil {
		return false
	}
	var re redisError
	return errors.As(err, &re) && strings.HasPrefix(string(re), code) &&
		(len(re) == len(code) || re[len(code)] == ' ')
}

// do sends the command build appends to an empty buffer and returns its
// reply; an error reply is returned as a redisError.
//
// A command is sent once. Once it may have reached Redis it is never
// retried, because the limiter's commands are not idempotent: the rate
// script run twice takes two tokens, and a claim made twice reads as
// already used. Only getting the connection retries (see get).
func (c *respClient) do(ctx context.Context, build func([]byte) []byte) (reply, error) {
	cn, err := c.get(ctx)
	if err != nil {
		return reply{}, err
	}
	if err := ctx.Err(); err != nil {
		// Ended while a connection was found (get's select may take a
		// free slot over a done context): nothing was sent on it.
		c.put(cn, false)
		return reply{}, err
	}
	cn.w = build(cn.w[:0])
	rep, err := cn.exchange(ctx, c.ioTimeout)
	c.put(cn, err != nil)
	if err != nil {
		return reply{}, err
	}
	if rep.kind == '-' {
		return reply{}, redisError(rep.str)
	}
	return rep, nil
}

// get returns an idle connection, or a new one. It waits for a free slot
// as long as ctx lets it.
func (c *respClient) get(ctx context.Context) (*respConn, error) {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free connection: %w", ctx.Err())
	}
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			<-c.slots
			return nil, errClientClosed
		}
		n := len(c.idle)
		if n == 0 {
			c.mu.Unlock()
			break
		}
		cn := c.idle[n-1]
		c.idle[n-1] = nil
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		// One that Redis closed while it was idle (a restart, its
		// timeout setting) is dropped here, before it could fail a call.
		if cn.r.Buffered() == 0 && cn.check.Usable() {
			return cn, nil
		}
		cn.nc.Close()
	}
	cn, err := c.dial(ctx)
	// Nothing of the caller's command was sent on a connection being set
	// up, so a network error there may be tried once more. An error reply
	// (a wrong password) or a certificate refused would only come again.
	var re redisError
	var ce *tls.CertificateVerificationError
	if err != nil && !errors.As(err, &re) && !errors.As(err, &ce) && ctx.Err() == nil {
		cn, err = c.dial(ctx)
	}
	if err != nil {
		<-c.slots
		return nil, err
	}
	return cn, nil
}

// put returns cn to the pool, or closes it when it is broken or the client
// is closed, and frees its slot.
func (c *respClient) put(cn *respConn, broken bool) {
	c.mu.Lock()
	if broken || c.closed {
		c.mu.Unlock()
		cn.nc.Close()
	} else {
		c.idle = append(c.idle, cn)
		c.mu.Unlock()
	}
	<-c.slots
}

// close closes the idle connections now and the others as they come back;
// commands after it fail.
func (c *respClient) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for i, cn := range c.idle {
		cn.nc.Close()
		c.idle[i] = nil
	}
	c.idle = nil
	return nil
}

// dial connects and authenticates, and selects the database.
func (c *respClient) dial(ctx context.Context) (*respConn, error) {
	d := &net.Dialer{Timeout: c.dialTimeout}
	var nc net.Conn
	var err error
	if c.tls != nil {
		nc, err = (&tls.Dialer{NetDialer: d, Config: c.tls}).DialContext(ctx, c.network, c.addr)
	} else {
		nc, err = d.DialContext(ctx, c.network, c.addr)
	}
	if err != nil {
		return nil, err
	}
	cn := &respConn{nc: nc, r: bufio.NewReaderSize(nc, 4096), w: make([]byte, 0, 256)}
	cn.check.Reset(nc)
	// AUTH and SELECT go in one write; their replies come in order.
	var names []string
	if c.password != "" {
		names = append(names, "AUTH")
		if c.user != "" {
			cn.w = appendBulks(appendArray(cn.w, 3), "AUTH", c.user, c.password)
		} else {
			cn.w = appendBulks(appendArray(cn.w, 2), "AUTH", c.password)
		}
	}
	if c.db != 0 {
		names = append(names, "SELECT")
		cn.w = appendInt(appendBulks(appendArray(cn.w, 2), "SELECT"), int64(c.db))
	}
	if len(names) == 0 {
		return cn, nil
	}
	var first error
	for i, name := range names {
		var rep reply
		if i == 0 {
			rep, err = cn.exchange(ctx, c.ioTimeout)
		} else {
			rep, err = cn.receive()
		}
		switch {
		case err != nil:
			nc.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		case rep.kind == '-' && first == nil:
			first = fmt.Errorf("%s: %w", name, redisError(rep.str))
		}
	}
	if first != nil {
		nc.Close()
		return nil, first
	}
	return cn, nil
}

// exchange writes cn.w and reads the first reply; when cn.w holds more
// than one command, receive reads the others. The deadline is the earlier
// of ctx's and timeout from now. An error means cn is broken.
func (cn *respConn) exchange(ctx context.Context, timeout time.Duration) (reply, error) {
	if err := ctx.Err(); err != nil {
		return reply{}, err
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := cn.nc.SetDeadline(deadline); err != nil {
		return reply{}, err
	}
	if _, err := cn.nc.Write(cn.w); err != nil {
		return reply{}, err
	}
	if cap(cn.w) > 64<<10 { // a long key once need not stay allocated
		cn.w = nil
	}
	return cn.receive()
}

// receive reads one reply under the deadline exchange set.
func (cn *respConn) receive() (reply, error) {
	b := replyBudget{bytes: maxReplyBytes, elems: maxReplyElems}
	return b.read(cn.r, 0)
}

// Appending commands: an array of bulk strings.

func appendArray(b []byte, n int) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulks(b []byte, args ...string) []byte {
	for _, s := range args {
		b = appendBulk2(b, s, "")
	}
	return b
}

// appendBulk2 appends one bulk string, the concatenation of s and t, so
// that a prefixed key costs no allocation.
func appendBulk2(b []byte, s, t string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)+len(t)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	b = append(b, t...)
	return append(b, '\r', '\n')
}

func appendBulkBytes(b, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

func appendInt(b []byte, n int64) []byte {
	var tmp [20]byte
	return appendBulkBytes(b, strconv.AppendInt(tmp[:0], n, 10))
}

func appendFloat(b []byte, f float64) []byte {
	var tmp [32]byte
	return appendBulkBytes(b, strconv.AppendFloat(tmp[:0], f, 'g', -1, 64))
}

// Reading replies.

// A reply is one RESP2 value. kind is its type byte: '+' simple string,
// '-' error, ':' integer, '$' bulk string, '*' array.
type reply struct {
	kind  byte
	null  bool // a null bulk string or array
	n     int64
	str   string // '+', '-', '$'
	elems []reply
}

// What one reply may take: the limiter's replies are a number or a word,
// so these bounds only keep a broken or hostile server from making us
// allocate without end. Each line (a simple string, an error, a length)
// counts against the bytes too.
const (
	maxReplyBytes = 1 << 20 // bulk strings and lines, in all
	maxReplyElems = 1 << 12 // array elements, nested ones included
	maxReplyDepth = 8       // arrays within arrays
)

type replyBudget struct{ bytes, elems int }

// errProtocol marks a reply that is not RESP2, or is over a bound.
var errProtocol = errors.New("malformed reply")

func protocolErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errProtocol}, args...)...)
}

func (b *replyBudget) read(r *bufio.Reader, depth int) (reply, error) {
	line, err := b.line(r)
	if err != nil {
		return reply{}, err
	}
	if len(line) == 0 {
		return reply{}, protocolErr("an empty line")
	}
	kind, rest := line[0], line[1:]
	switch kind {
	case '+', '-':
		return reply{kind: kind, str: internWord(rest)}, nil
	case ':':
		n, err := parseReplyInt(rest)
		return reply{kind: kind, n: n}, err
	case '$':
		n, err := parseReplyInt(rest)
		switch {
		case err != nil:
			return reply{}, err
		case n == -1:
			return reply{kind: kind, null: true}, nil
		case n < 0:
			return reply{}, protocolErr("bulk string length %d", n)
		case n > int64(b.bytes):
			return reply{}, protocolErr("a bulk string of %d bytes, past the %d bytes a reply may have in all", n, maxReplyBytes)
		}
		b.bytes -= int(n)
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return reply{}, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return reply{}, protocolErr("a bulk string of %d bytes not followed by CRLF", n)
		}
		return reply{kind: kind, str: string(buf[:n])}, nil
	case '*':
		n, err := parseReplyInt(rest)
		switch {
		case err != nil:
			return reply{}, err
		case n == -1:
			return reply{kind: kind, null: true}, nil
		case n < 0:
			return reply{}, protocolErr("array length %d", n)
		case n > int64(b.elems):
			return reply{}, protocolErr("an array of %d elements, past the %d elements a reply may have in all", n, maxReplyElems)
		case depth >= maxReplyDepth:
			return reply{}, protocolErr("arrays nested more than %d deep", maxReplyDepth)
		}
		b.elems -= int(n)
		// Grown as elements arrive rather than sized by the length the
		// server claims.
		elems := make([]reply, 0, min(n, 16))
		for range n {
			e, err := b.read(r, depth+1)
			if err != nil {
				return reply{}, err
			}
			elems = append(elems, e)
		}
		return reply{kind: kind, elems: elems}, nil
	}
	return reply{}, protocolErr("type %q in line %.40q", kind, line)
}

// maxLine bounds one line: an error message, in practice.
const maxLine = 64 << 10

// line reads a line and returns it without its CRLF. The slice is valid
// until the next read.
func (b *replyBudget) line(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull { // longer than the reader's buffer
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull && len(long) <= maxLine {
			line, err = r.ReadSlice('\n')
			long = append(long, line...)
		}
		if len(long) > maxLine {
			return nil, protocolErr("a line longer than %d bytes", maxLine)
		}
		line = long
	}
	if err != nil {
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, protocolErr("a line not ended by CRLF: %.40q", line)
	}
	if len(line) > b.bytes {
		return nil, protocolErr("past the %d bytes a reply may have in all", maxReplyBytes)
	}
	b.bytes -= len(line)
	return line[:len(line)-2], nil
}

// parseReplyInt parses a RESP integer: an optional minus and decimal
// digits, nothing else.
func parseReplyInt(s []byte) (int64, error) {
	neg := len(s) > 0 && s[0] == '-'
	digits := s
	if neg {
		digits = s[1:]
	}
	if len(digits) == 0 || len(digits) > 19 {
		return 0, protocolErr("%.40q is not an integer", s)
	}
	var n int64
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, protocolErr("%.40q is not an integer", s)
		}
		n = n*10 + int64(d-'0')
		if n < 0 { // past the largest int64
			return 0, protocolErr("%.40q is not an int64", s)
		}
	}
	if neg {
		n = -n
	}
	return n, nil
}

// internWord returns the replies the limiter expects without allocating.
func internWord(s []byte) string {
	switch string(s) {
	case "OK":
		return "OK"
	case "PONG":
		return "PONG"
	}
	return string(s)
}

// describe names a reply in an error, briefly.
func (r reply) describe() string {
	switch {
	case r.null:
		return "null"
	case r.kind == ':':
		return "the integer " + strconv.FormatInt(r.n, 10)
	case r.kind == '*':
		return fmt.Sprintf("an array of %d", len(r.elems))
	}
	return fmt.Sprintf("%.40q", r.str)
}
