package transport_test

// Shared fixtures: a server built from HCL by runtime.Build on a real
// SQLite (and, for slow calls, a real HTTP upstream), served on a loopback
// listener, and mcp-go's client talking to it.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	_ "github.com/mcpgen/mcpgen/adapters/http"
	_ "github.com/mcpgen/mcpgen/adapters/sql"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// waitLimit bounds every wait for a signal, so that a missing one fails
// the test instead of hanging it. It is never slept.
const waitLimit = 30 * time.Second

// longGrace is a grace period no test waits out: a call that finishes
// proves it was let finish, not that the period happened to be enough.
const longGrace = 10 * time.Minute

var dbSerial atomic.Int64

// sqlSource declares a SQLite source of its own (an in-memory database no
// other test shares) and the echo tool on it, which says back its word
// and the transport it was called over.
func sqlSource() string {
	return fmt.Sprintf(`
source "sql" "mem" {
  driver = "sqlite"
  dsn    = "file:transport%d?mode=memory&cache=shared"
}

tool "echo" {
  description = "Says the word back, with the transport it came over."
  source      = source.sql.mem
  guard       = "true"
  param "word" {
    type = "string"
  }
  bind "via" {
    from = "request.transport"
  }
  sql    = "SELECT :word AS word, :via AS via"
  result { one = true }
}
`, dbSerial.Add(1))
}

const serverBlock = `
server {
  name    = "transport-test"
  version = "1.2.3"
}
`

// newServer builds text (written to a file of its own) for serving, as
// `mcpgen serve` does, and serves it with metrics. Its log, which the
// audit trail shares as with no audit block, is returned.
func newServer(t *testing.T, text string) (*runtime.Server, *logBuffer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.hcl")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := newLogBuffer()
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	gen, diags := runtime.Build(context.Background(), []string{path}, runtime.BuildOptions{Mode: runtime.BuildServe, Log: log})
	if diags.HasErrors() {
		t.Fatalf("build: %s", diags.Error())
	}
	srv := runtime.NewServer(gen, runtime.ServerOptions{Log: log, Audit: audit.New(logs), Metrics: metrics.New()})
	t.Cleanup(srv.Close)
	return srv, logs
}

// options are DefaultHTTPOptions, which `mcpgen serve` starts from.
func options(change func(*transport.HTTPOptions)) transport.HTTPOptions {
	o := transport.DefaultHTTPOptions()
	if change != nil {
		change(&o)
	}
	return o
}

// endpoint is a server being served over Streamable HTTP.
type endpoint struct {
	base   string // http://127.0.0.1:port
	url    string // base + the MCP path
	cancel context.CancelFunc
	done   chan error // ServeStreamable's result
}

// serveHTTP serves srv on a loopback port until the test ends or stop.
func serveHTTP(t *testing.T, srv *runtime.Server, o transport.HTTPOptions) *endpoint {
	t.Helper()
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	e := &endpoint{base: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	e.url = e.base + o.Path
	go func() { e.done <- transport.ServeStreamable(ctx, srv, ln, o) }()
	t.Cleanup(func() {
		cancel()
		<-e.done
	})
	return e
}

// stop begins shutdown, as SIGTERM does in `mcpgen serve`.
func (e *endpoint) stop() { e.cancel() }

// returned waits for ServeStreamable to return and gives its error.
func (e *endpoint) returned(t *testing.T) error {
	t.Helper()
	select {
	case err := <-e.done:
		e.done <- err // for the cleanup
		return err
	case <-time.After(waitLimit):
		t.Fatalf("ServeStreamable did not return within %s of shutdown", waitLimit)
		return nil
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// connect starts an mcp-go Streamable HTTP client that asks for version
// and sends headers with every request, and initializes it.
func connect(t *testing.T, url, version string, headers map[string]string, opts ...mcptransport.StreamableHTTPCOption) (*client.Client, *mcp.InitializeResult) {
	t.Helper()
	// The client logs to slog's default; its complaint that a stopped
	// server did not take its DELETE is noise here.
	quietClient := mcptransport.WithHTTPLogger(slog.New(slog.DiscardHandler))
	c, err := client.NewStreamableHttpClient(url, append(opts, mcptransport.WithHTTPHeaders(headers), quietClient)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, initialize(t, c, version)
}

func initialize(t *testing.T, c *client.Client, version string) *mcp.InitializeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = version
	req.Params.ClientInfo = mcp.Implementation{Name: "transport-test", Version: "1"}
	res, err := c.Initialize(ctx, req)
	if err != nil {
		t.Fatalf("initialize %s: %v", version, err)
	}
	return res
}

// callTool runs a tools/call and returns its result.
func callTool(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	res, err := c.CallTool(ctx, callRequest(name, args))
	if err != nil {
		t.Fatalf("tools/call %s: %v", name, err)
	}
	return res
}

func callRequest(name string, args map[string]any) mcp.CallToolRequest {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return req
}

// structured asserts a successful call and returns its structuredContent
// rendered as JSON, for comparison with a literal.
func structured(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if res.IsError {
		t.Fatalf("call failed: %v", res.Content)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func toolNames(t *testing.T, c *client.Client) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	res, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// answer is an HTTP response with its body read.
type answer struct {
	status int
	header http.Header
	body   string
}

// initializeBody is a 2025-06-18 initialize, the simplest request a gate
// check can let through to a 200.
const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// mcpRequest is a POST of body to the MCP endpoint as a client sends it.
func mcpRequest(t *testing.T, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	return req
}

// do sends req on a connection of its own and reads the whole answer.
func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	c := &http.Client{Timeout: waitLimit, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func get(t *testing.T, url string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// logBuffer collects a server's log lines and lets a test await one.
type logBuffer struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{} // closed and replaced at every write
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// await returns the first line holding every want, waiting for it.
func (l *logBuffer) await(t *testing.T, wants ...string) string {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		l.mu.Lock()
		text, changed := l.b.String(), l.changed
		l.mu.Unlock()
		if line, ok := lineWith(text, wants); ok {
			return line
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no log line with %q; log:\n%s", wants, text)
		}
	}
}

func lineWith(text string, wants []string) (string, bool) {
	for line := range strings.SplitSeq(text, "\n") {
		all := true
		for _, w := range wants {
			all = all && strings.Contains(line, w)
		}
		if all && line != "" {
			return line, true
		}
	}
	return "", false
}

// upstream is an HTTP API whose every call blocks until the test releases
// it, or until the caller gives up: a tool that is slow for exactly as
// long as a test needs.
type upstream struct {
	url       string
	arrived   chan struct{} // a call reached the upstream
	cancelled chan struct{} // a call was abandoned by its caller
	release   func()        // lets every call, present and future, answer
	healthy   atomic.Bool   // what /healthz answers
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	released := make(chan struct{})
	var once sync.Once
	u := &upstream{
		arrived:   make(chan struct{}, 16),
		cancelled: make(chan struct{}, 16),
		release:   func() { once.Do(func() { close(released) }) },
	}
	u.healthy.Store(true)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !u.healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /v1/slow", func(w http.ResponseWriter, r *http.Request) {
		u.arrived <- struct{}{}
		select {
		case <-released:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"done":true}`))
		case <-r.Context().Done():
			u.cancelled <- struct{}{}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(u.release) // before Close, which waits for the handlers
	u.url = srv.URL
	return u
}

// source declares the upstream as source.http.up with the slow tool
// "wait" on it; timeouts are far beyond any test.
func (u *upstream) source() string {
	return fmt.Sprintf(`
source "http" "up" {
  base_url  = %q
  timeout   = "10m"
  ping_path = "/healthz"
}

tool "wait" {
  description = "Waits until the upstream answers."
  source      = source.http.up
  guard       = "true"
  timeout     = "10m"
  method      = "GET"
  path        = "/v1/slow"
}
`, u.url)
}

// awaitSignal waits for a signal on c, naming it if it never comes.
func awaitSignal(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(waitLimit):
		t.Fatalf("%s did not happen within %s", what, waitLimit)
	}
}
