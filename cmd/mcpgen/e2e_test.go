package main

// End-to-end tests: the real mcpgen process (this test binary re-executed as
// main), the TechNova example, and mcp-go's client over stdio and over
// Streamable HTTP, on SQLite and on PostgreSQL.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

func TestMain(m *testing.M) {
	if os.Getenv("MCPGEN_E2E_MAIN") == "1" {
		if path := os.Getenv("MCPGEN_E2E_BUILT"); path != "" {
			mainReportingBuilt(path) // e2e_start_test.go
		}
		main()
		return
	}
	if os.Getenv("MCPGEN_E2E_UPSTREAM") == "1" {
		serveCRMStdio() // gateway_upstream_test.go
		return
	}
	os.Exit(m.Run())
}

const technova = "../../examples/technova.hcl"

// backend is a database the TechNova example runs on, as environment
// variables for the server process.
type backend struct {
	name string
	env  func(t *testing.T) []string
}

func sqliteBackend() backend {
	return backend{name: "sqlite", env: func(t *testing.T) []string {
		return []string{"TECHNOVA_DRIVER=sqlite", "TECHNOVA_DB=file:" + filepath.Join(t.TempDir(), "technova.db")}
	}}
}

func postgresBackend() backend {
	return backend{name: "postgres", env: func(t *testing.T) []string {
		return []string{"TECHNOVA_DRIVER=postgres", "TECHNOVA_DB=" + freshPostgresDB(t)}
	}}
}

func backends(t *testing.T) []backend {
	bs := []backend{sqliteBackend()}
	if postgresDSN(t) != "" {
		bs = append(bs, postgresBackend())
	}
	return bs
}

// server is a running mcpgen process and a client connected to it.
type server struct {
	client *client.Client
	cmd    *exec.Cmd
	logs   *logLines
	url    string // HTTP only
}

func mainCommand(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "MCPGEN_E2E_MAIN=1"), env...)
	return cmd
}

// startStdio runs `mcpgen serve --stdio` as a subprocess speaking MCP on
// its stdin and stdout.
// Its client accepts every confirmation the server asks for.
func startStdio(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	return startStdioClient(t, mcp.LATEST_PROTOCOL_VERSION, []client.ClientOption{client.WithElicitationHandler(answer(mcp.ElicitationResponseActionAccept))}, env, args...)
}

// startStdioClient is startStdio with a client made with opts, which asks
// for version.
func startStdioClient(t *testing.T, version string, opts []client.ClientOption, env []string, args ...string) *server {
	t.Helper()
	logs := newLogLines()
	var cmd *exec.Cmd
	tr := transport.NewStdioWithOptions(os.Args[0], append(env, "MCPGEN_E2E_MAIN=1"),
		append([]string{"serve", "--stdio", "--log-level", "debug"}, args...),
		transport.WithCommandFunc(func(ctx context.Context, command string, env []string, args []string) (*exec.Cmd, error) {
			cmd = exec.CommandContext(ctx, command, args...)
			cmd.Env = env
			return cmd, nil
		}))
	if err := tr.Start(context.Background()); err != nil {
		t.Fatalf("starting stdio server: %v", err)
	}
	go logs.collect(tr.Stderr())
	c := client.NewClient(tr, opts...)
	// The transport has started; Start (idempotent) also routes the
	// server's notifications to the client's handlers.
	if err := c.Start(context.Background()); err != nil {
		t.Fatalf("starting stdio client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	initializeVersion(t, c, version)
	return &server{client: c, cmd: cmd, logs: logs}
}

// startHTTP runs `mcpgen serve` on a free loopback port and connects a
// Streamable HTTP client to the URL it logs.
// The client presents TechNova's demo API key (read-only, acme), which
// configurations without HTTP credentials ignore.
func startHTTP(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	return startHTTPVersion(t, mcp.LATEST_PROTOCOL_VERSION, env, args...)
}

// startHTTPVersion is startHTTP with a client that asks for version.
func startHTTPVersion(t *testing.T, version string, env []string, args ...string) *server {
	t.Helper()
	return startHTTPWith(t, version, bearer(technovaDemoKey), env, args...)
}

// technovaDemoKey is the key whose hash examples/technova.hcl declares by
// default for its read-only acme reporting job.
const technovaDemoKey = "mcpk_technova_demo_acme_reporting"

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// startHTTPWith is startHTTPVersion with a client that sends headers (its
// credentials) on every request, and accepts every confirmation the
// server asks for.
func startHTTPWith(t *testing.T, version string, headers map[string]string, env []string, args ...string) *server {
	t.Helper()
	return startHTTPClient(t, version, headers, []client.ClientOption{client.WithElicitationHandler(answer(mcp.ElicitationResponseActionAccept))}, env, args...)
}

// startHTTPClient is startHTTPWith with a client made with opts.
func startHTTPClient(t *testing.T, version string, headers map[string]string, opts []client.ClientOption, env []string, args ...string) *server {
	t.Helper()
	cmd, url, logs := serveProcess(t, env, append([]string{"--listen", "127.0.0.1:0", "--log-level", "debug"}, args...)...)
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPHeaders(headers))
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, opts...)
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initializeVersion(t, c, version)
	return &server{client: c, cmd: cmd, logs: logs, url: url}
}

// serveProcess runs `mcpgen serve ARGS...` with env added until the test
// ends, and returns the process, the URL it logs once it serves, and its
// log.
func serveProcess(t *testing.T, env []string, args ...string) (*exec.Cmd, string, *logLines) {
	t.Helper()
	cmd := mainCommand(env, append([]string{"serve"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	logs := newLogLines()
	go logs.collect(stderr)
	line := logs.await(t, "serving Streamable HTTP")
	var rec struct{ URL string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.URL == "" {
		t.Fatalf("no url in %q", line)
	}
	return cmd, rec.URL, logs
}

func initialize(t *testing.T, c *client.Client) {
	t.Helper()
	initializeVersion(t, c, mcp.LATEST_PROTOCOL_VERSION)
}

func initializeVersion(t *testing.T, c *client.Client, version string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = version
	req.Params.ClientInfo = mcp.Implementation{Name: "mcpgen-e2e", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		t.Fatalf("initialize: %v", err)
	}
}

// logLines collects a process's log lines and lets a test wait for one.
type logLines struct {
	mu    sync.Mutex
	lines []string
	cond  *sync.Cond
	done  bool
}

func newLogLines() *logLines {
	l := &logLines{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *logLines) collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l.mu.Lock()
		l.lines = append(l.lines, sc.Text())
		l.cond.Broadcast()
		l.mu.Unlock()
	}
	l.mu.Lock()
	l.done = true
	l.cond.Broadcast()
	l.mu.Unlock()
}

// await blocks until a line containing want is logged, failing if the
// process stops logging first.
func (l *logLines) await(t *testing.T, want string) string {
	t.Helper()
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if strings.Contains(line, want) {
				l.mu.Unlock()
				return line
			}
		}
		if l.done {
			all := strings.Join(l.lines, "\n")
			l.mu.Unlock()
			t.Fatalf("process stopped logging before %q; log:\n%s", want, all)
		}
		l.cond.Wait()
		l.mu.Unlock()
	}
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// call runs a tools/call and returns its result.
func call(t *testing.T, c *client.Client, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("tools/call %s %v: %v", tool, args, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// ok asserts a successful call and returns its structuredContent.
func ok(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	if res.IsError {
		t.Fatalf("call failed: %s", text(res))
	}
	structured, isMap := res.StructuredContent.(map[string]any)
	if !isMap {
		t.Fatalf("structuredContent = %#v, want an object", res.StructuredContent)
	}
	var fromText map[string]any
	if err := json.Unmarshal([]byte(text(res)), &fromText); err != nil {
		t.Fatalf("text content is not the JSON rendering: %v", err)
	}
	if fmt.Sprint(fromText) != fmt.Sprint(structured) {
		t.Errorf("text content %s differs from structuredContent %v", text(res), structured)
	}
	return structured
}

// toolError asserts a tool error (isError) whose text contains every want.
func toolError(t *testing.T, res *mcp.CallToolResult, wants ...string) {
	t.Helper()
	if !res.IsError {
		t.Fatalf("call succeeded with %s, want a tool error", text(res))
	}
	for _, w := range wants {
		if !strings.Contains(text(res), w) {
			t.Errorf("error %q does not contain %q", text(res), w)
		}
	}
}

func rows(t *testing.T, structured map[string]any) []map[string]any {
	t.Helper()
	raw, isList := structured["rows"].([]any)
	if !isList {
		t.Fatalf("structuredContent %v has no rows", structured)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

// TestTechNova runs the example's contract over both transports and on
// every available database.
func TestTechNova(t *testing.T) {
	// stdio runs as the configured local principal (acme, every scope);
	// HTTP clients present an acme manager's token from a local issuer.
	iss := authtest.NewIssuer(t)
	manager := bearer(technovaToken(iss, "maria@acme", "acme", "orders.read orders.write catalog.read"))
	transports := []struct {
		name  string
		start func(*testing.T, []string, ...string) *server
	}{
		{"stdio", startStdio},
		{"http", func(t *testing.T, env []string, args ...string) *server {
			return startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, manager, env, args...)
		}},
		{"http-stateless", func(t *testing.T, env []string, args ...string) *server {
			return startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, manager, env, append([]string{"--stateless"}, args...)...)
		}},
		// The last revision with sessions and initialize-negotiated state.
		{"http-2025-11-25", func(t *testing.T, env []string, args ...string) *server {
			return startHTTPWith(t, mcp.ProtocolVersion20251125, manager, env, args...)
		}},
	}
	for _, b := range backends(t) {
		for _, tr := range transports {
			t.Run(b.name+"/"+tr.name, func(t *testing.T) {
				t.Parallel()
				s := tr.start(t, append(b.env(t), issuerEnv(iss)...), technova)
				technovaContract(t, s.client)
			})
		}
	}
}

func technovaContract(t *testing.T, c *client.Client) {
	ctx := context.Background()
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	byName := map[string]mcp.Tool{}
	for _, tool := range list.Tools {
		byName[tool.Name] = tool
	}
	for _, name := range []string{"get_order", "list_orders", "cancel_order", "search_products"} {
		tool, found := byName[name]
		if !found {
			t.Fatalf("tools/list lacks %s", name)
		}
		if tool.Description == "" || tool.Title == "" {
			t.Errorf("%s has no title or description", name)
		}
		if tool.OutputSchema.Type != "object" {
			t.Errorf("%s outputSchema type = %q, want object", name, tool.OutputSchema.Type)
		}
		if tool.Annotations.ReadOnlyHint == nil {
			t.Errorf("%s has no readOnlyHint", name)
		}
	}
	cancel := byName["cancel_order"]
	if *cancel.Annotations.ReadOnlyHint || !*cancel.Annotations.DestructiveHint {
		t.Errorf("cancel_order annotations = %+v, want a destructive writer", cancel.Annotations)
	}
	if *byName["get_order"].Annotations.ReadOnlyHint != true {
		t.Errorf("get_order is not read-only")
	}

	t.Run("list and get", func(t *testing.T) {
		got := rows(t, ok(t, call(t, c, "list_orders", map[string]any{"status": "shipped", "limit": 5})))
		if len(got) == 0 || len(got) > 5 {
			t.Fatalf("list_orders returned %d rows, want 1..5", len(got))
		}
		for _, r := range got {
			if r["status"] != "shipped" {
				t.Errorf("list_orders status filter let through %v", r)
			}
		}
		id := got[0]["id"]
		order := ok(t, call(t, c, "get_order", map[string]any{"order_id": id}))
		if order["id"] != id || order["status"] != "shipped" {
			t.Errorf("get_order(%v) = %v", id, order)
		}
		if _, isTime := order["placed_at"].(string); !isTime {
			t.Errorf("placed_at = %#v, want an RFC 3339 string", order["placed_at"])
		} else if _, err := time.Parse(time.RFC3339, order["placed_at"].(string)); err != nil {
			t.Errorf("placed_at: %v", err)
		}
	})

	t.Run("unknown order", func(t *testing.T) {
		toolError(t, call(t, c, "get_order", map[string]any{"order_id": 99999999}), "No order")
	})

	t.Run("arguments are validated", func(t *testing.T) {
		for _, tt := range []struct {
			args map[string]any
			want string
		}{
			{map[string]any{"order_id": 1.5}, `argument "order_id" must be an integer`},
			{map[string]any{"order_id": "12"}, `argument "order_id" must be an integer, got the string "12"`},
			{map[string]any{"order_id": 0}, `argument "order_id" must be at least 1`},
			{map[string]any{}, `argument "order_id" is required`},
			{map[string]any{"order_id": 1, "org": "globex"}, `argument "org" is not accepted`},
			{map[string]any{"order_id": 1, "note": "x"}, `argument "note" is unknown`},
		} {
			toolError(t, call(t, c, "get_order", tt.args), tt.want)
		}
		toolError(t, call(t, c, "list_orders", map[string]any{"status": "lost"}), `argument "status" must be one of`)
		toolError(t, call(t, c, "list_orders", map[string]any{"limit": 500}), `argument "limit" must be at most`)
	})

	t.Run("injection attempts are data", func(t *testing.T) {
		for _, q := range []string{"'; DROP TABLE orders; --", "x' OR '1'='1", `"); DELETE FROM orders; --`, "%' UNION SELECT * FROM customers --"} {
			got := rows(t, ok(t, call(t, c, "search_products", map[string]any{"query": q})))
			if len(got) != 0 {
				t.Errorf("search_products(%q) matched %d products", q, len(got))
			}
		}
		got := rows(t, ok(t, call(t, c, "list_orders", map[string]any{"customer_email": "x'OR'1'='1@example.com"})))
		if len(got) != 0 {
			t.Errorf("list_orders by a crafted email matched %d orders", len(got))
		}
		ok(t, call(t, c, "list_orders", map[string]any{"limit": 1}))
	})

	t.Run("cancel", func(t *testing.T) {
		pending := rows(t, ok(t, call(t, c, "list_orders", map[string]any{"status": "pending", "limit": 1})))
		if len(pending) != 1 {
			t.Fatalf("no pending order to cancel")
		}
		id := pending[0]["id"]
		got := ok(t, call(t, c, "cancel_order", map[string]any{"order_id": id, "reason": "customer changed their mind"}))
		if got["status"] != "cancelled" {
			t.Errorf("cancel_order = %v, want status cancelled", got)
		}
		toolError(t, call(t, c, "cancel_order", map[string]any{"order_id": id, "reason": "again"}), "pending")
		after := ok(t, call(t, c, "get_order", map[string]any{"order_id": id}))
		if after["status"] != "cancelled" {
			t.Errorf("after cancelling, get_order = %v", after)
		}
	})
}

// TestGracefulShutdown sends SIGTERM while a call runs: the call finishes
// and the process exits cleanly.
func TestGracefulShutdown(t *testing.T) {
	// The grace period is long so that a slow machine (or -race) cannot
	// turn this into a test of the grace period expiring.
	s := startHTTP(t, nil, "--grace", "10m", "testdata/e2e/slow.hcl")
	res := make(chan *mcp.CallToolResult, 1)
	go func() {
		req := mcp.CallToolRequest{}
		req.Params.Name = "slow_count"
		r, err := s.client.CallTool(context.Background(), req)
		if err != nil {
			r = errorText(err.Error())
		}
		res <- r
	}()
	s.logs.await(t, `"message":"call started"`)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	got := ok(t, <-res)
	if got["n"] == nil {
		t.Errorf("slow_count = %v", got)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("server exited with %v after SIGTERM; log:\n%s", err, s.logs)
	}
	// The call was still running when shutdown began: it finished after.
	logs := s.logs.String()
	shutdown := strings.Index(logs, "shutting down")
	finished := strings.Index(logs, `"message":"tool call"`)
	if shutdown < 0 || finished < shutdown {
		t.Errorf("the call did not finish during shutdown; log:\n%s", logs)
	}
}

func errorText(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{mcp.NewTextContent(msg)}}
}

// TestReadOnlyToolCannotWrite: a tool that does not say read_only = false
// cannot write. SQLite refuses to prepare such a statement on a read-only
// connection, so the server does not start; PostgreSQL prepares it, and the
// READ ONLY transaction fails the call with the data unchanged.
func TestReadOnlyToolCannotWrite(t *testing.T) {
	const sneaky = "testdata/e2e/sneaky.hcl"
	t.Run("sqlite", func(t *testing.T) {
		for _, kv := range sqliteBackend().env(t) {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), []string{"serve", "--stdio", technova, sneaky}, strings.NewReader(""), &stdout, &stderr)
		if code := ExitCode(err, &stderr); code != exitConfig {
			t.Errorf("exit code %d, want %d", code, exitConfig)
		}
		if want := sneaky + ":7:17: Read-only tool writes"; !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr.String(), want)
		}
		if stdout.Len() > 0 {
			t.Errorf("stdio wrote %q to stdout", stdout.String())
		}
	})
	t.Run("postgres", func(t *testing.T) {
		if postgresDSN(t) == "" {
			t.Skip("no PostgreSQL (set MCPGEN_TEST_POSTGRES_DSN, or run scripts/test.sh)")
		}
		s := startStdio(t, postgresBackend().env(t), technova, sneaky)
		pending := map[string]any{"status": "pending", "limit": 50}
		before := rows(t, ok(t, call(t, s.client, "list_orders", pending)))
		toolError(t, call(t, s.client, "sneaky_cancel_all", nil), "request id")
		after := rows(t, ok(t, call(t, s.client, "list_orders", pending)))
		if len(before) == 0 || len(after) != len(before) {
			t.Errorf("pending orders before %d, after %d", len(before), len(after))
		}
		logs := s.logs.String()
		if !strings.Contains(logs, "read-only transaction") {
			t.Errorf("the log does not say why the call failed:\n%s", logs)
		}
		if strings.Contains(logs, "mcpgen_e2e_") {
			t.Errorf("the DSN (an env() secret) leaked into the log:\n%s", logs)
		}
	})
}

// TestStdioDrains: over stdio, the end of input (how a client says it is
// done) and SIGTERM both let the requests already sent be answered.
func TestStdioDrains(t *testing.T) {
	for _, how := range []string{"end of input", "SIGTERM"} {
		t.Run(how, func(t *testing.T) {
			cmd := mainCommand(nil, "serve", "--stdio", "--log-level", "debug", "--grace", "10m", "testdata/e2e/slow.hcl")
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			stderr, _ := cmd.StderrPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			logs := newLogLines()
			go logs.collect(stderr)

			fmt.Fprintln(stdin, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
			fmt.Fprintln(stdin, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			fmt.Fprintln(stdin, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow_count","arguments":{}}}`)
			logs.await(t, `"message":"call started"`)
			if how == "SIGTERM" {
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			} else {
				stdin.Close()
			}

			answers := map[string]string{}
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var m struct{ ID json.RawMessage }
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					t.Errorf("stdout carried a non-JSON line: %q", sc.Text())
				}
				answers[string(m.ID)] = sc.Text()
			}
			call := answers["2"]
			if !strings.Contains(call, `"structuredContent":{"n":1000000}`) || strings.Contains(call, `"isError":true`) {
				t.Errorf("tools/call answer %q, want the count", call)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit: %v; log:\n%s", err, logs)
			}
		})
	}
}

// TestRestartKeepsClients: a server restarted mid-session (a deploy, a
// crash) keeps serving the clients that were connected to it, whether they
// hold a session (2025-11-25; its id is signed with the key both processes
// read) or speak the sessionless revision.
func TestRestartKeepsClients(t *testing.T) {
	keyFile := writeSessionKey(t)
	for _, version := range []string{mcp.ProtocolVersion20251125, mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(version, func(t *testing.T) {
			free, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := free.Addr().String()
			free.Close()
			env := sqliteBackend().env(t)
			first := startHTTPVersion(t, version, env, "--listen", addr, "--session-key-file", keyFile, technova)
			if version == mcp.ProtocolVersion20251125 && first.client.GetSessionId() == "" {
				t.Fatal("no session id issued")
			}
			ok(t, call(t, first.client, "get_order", map[string]any{"order_id": 1002}))

			if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := first.cmd.Wait(); err != nil {
				t.Fatalf("first server: %v", err)
			}
			startHTTP(t, env, "--listen", addr, "--session-key-file", keyFile, technova)

			// The same client, with what the first process gave it.
			got := ok(t, call(t, first.client, "get_order", map[string]any{"order_id": 1002}))
			if got["id"] != float64(1002) {
				t.Errorf("after the restart, get_order = %v", got)
			}
		})
	}
}

// TestAuditTrail: every call, whatever came of it, leaves one line in the
// audit file, and a sensitive argument never appears there.
func TestAuditTrail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	env := append(sqliteBackend().env(t), "AUDIT_PATH="+path)
	s := startHTTPVersion(t, mcp.ProtocolVersion20251125, env, technova, "testdata/e2e/audit.hcl")
	c := s.client

	ok(t, call(t, c, "get_order", map[string]any{"order_id": 1002}))
	toolError(t, call(t, c, "get_order", map[string]any{"order_id": 99999999}), "No order")
	toolError(t, call(t, c, "get_order", map[string]any{"order_id": "x"}), "must be an integer")
	toolError(t, call(t, c, "find_customer", map[string]any{"email": "nobody-secret@example.com"}), "No customer")
	toolError(t, call(t, c, "find_customer", map[string]any{"email": 5, "other": "y"}), "unknown")
	// The demo key may read, not cancel: to it, cancel_order does not exist.
	toolNotFound(t, c, "cancel_order", map[string]any{"order_id": 1002, "reason": "not allowed"})

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "nobody-secret") {
		t.Errorf("a sensitive argument reached the audit file:\n%s", data)
	}
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line is not JSON: %q", line)
		}
		recs = append(recs, r)
	}
	want := []struct{ tool, outcome, class, args string }{
		{"get_order", "ok", "", `{"order_id":1002}`},
		{"get_order", "error", "tool", `{"order_id":99999999}`},
		{"get_order", "invalid", "arguments", `{"order_id":"x"}`},
		{"find_customer", "error", "tool", `{"email":"[redacted]"}`},
		{"find_customer", "invalid", "arguments", `{"email":"[redacted]","other":"y"}`},
		{"cancel_order", "denied", "policy", `{"order_id":1002,"reason":"not allowed"}`},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d audit records, want %d:\n%s", len(recs), len(want), data)
	}
	for i, w := range want {
		r := recs[i]
		args, _ := json.Marshal(r["args"])
		if r["tool"] != w.tool || r["outcome"] != w.outcome || (r["error_class"] != nil && r["error_class"] != w.class) || string(args) != w.args {
			t.Errorf("record %d = %v, want tool %s outcome %s class %q args %s", i, r, w.tool, w.outcome, w.class, w.args)
		}
		if r["transport"] != "http" || r["session_id"] != s.client.GetSessionId() || r["request_id"] == "" || r["subject"] != "acme-reporting" {
			t.Errorf("record %d lacks who and where: %v", i, r)
		}
	}
	if binds, _ := json.Marshal(recs[0]["binds"]); string(binds) != `{"org":"acme"}` {
		t.Errorf("ok record binds = %s, want the caller's org", binds)
	}
	if recs[0]["rows"] != 1.0 || recs[0]["bytes"].(float64) < 10 {
		t.Errorf("ok record = %v, want rows and bytes", recs[0])
	}
}
