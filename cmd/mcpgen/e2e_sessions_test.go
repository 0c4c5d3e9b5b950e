package main

// End to end: session keys and the limits on what callers hold, as
// `mcpgen serve` takes them from its flags.

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

// writeSessionKey writes a session key to a file of its own.
func writeSessionKey(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "session.key")
	if err := os.WriteFile(path, []byte("a-session-key-for-tests-only-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSessionKeyFlags: --session-key-file and the limits refuse what
// cannot work, naming the flag; the key itself is never printed.
func TestSessionKeyFlags(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("too-short-a-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := writeSessionKey(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a short key", []string{"--session-key-file", short}, "serve: --session-key-file: " + short + " holds 15 bytes; a session key needs at least 32"},
		{"no such file", []string{"--session-key-file", filepath.Join(dir, "missing")}, "serve: --session-key-file: open " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{"with --stateless", []string{"--stateless", "--session-key-file", good}, "serve: --session-key-file signs session ids; a --stateless server issues none"},
		{"with --stdio", []string{"--stdio", "--session-key-file", good}, "serve: --session-key-file signs HTTP session ids; a --stdio server has none"},
		{"no sessions", []string{"--max-sessions-per-caller", "0"}, "serve: --max-sessions-per-caller must be positive"},
		{"no streams", []string{"--max-streams", "-1"}, "serve: --max-streams must be positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), append(append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...), technova), strings.NewReader(""), &stdout, &stderr)
			if code := ExitCode(err, &stderr); code != exitUsage {
				t.Errorf("exit code %d, want %d (usage); stderr:\n%s", code, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr:\n%s\nwant %q", stderr.String(), tc.want)
			}
			if out := stdout.String() + stderr.String(); strings.Contains(out, "a-session-key-for-tests-only") || strings.Contains(out, "too-short-a-key") {
				t.Errorf("the key was printed:\n%s", out)
			}
		})
	}
}

// freeAddr is a loopback address nothing listens on, for a server that a
// test restarts on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer free.Close()
	return free.Addr().String()
}

// TestRestartWithoutSessionKey: without --session-key-file the server says
// that its sessions end with it, and after a restart a client holding one
// is told (404) to initialize again, which then works.
func TestRestartWithoutSessionKey(t *testing.T) {
	addr := freeAddr(t)
	env := sqliteBackend().env(t)
	first := startHTTPVersion(t, mcp.ProtocolVersion20251125, env, "--listen", addr, technova)
	ok(t, call(t, first.client, "get_order", map[string]any{"order_id": 1002}))
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.cmd.Wait(); err != nil {
		t.Fatalf("first server: %v", err)
	}
	first.logs.await(t, "no session key configured")
	startHTTP(t, env, "--listen", addr, technova)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = "get_order", map[string]any{"order_id": 1002}
	_, err := first.client.CallTool(ctx, req)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("a session of the first process: %v, want 404", err)
	}
	initializeVersion(t, first.client, mcp.ProtocolVersion20251125)
	ok(t, call(t, first.client, "get_order", map[string]any{"order_id": 1002}))
}

// TestSessionOfAnotherCaller: a caller that presents another caller's
// session id is told the session does not exist (404), and the refusal
// is audited; the session goes on working for its owner.
func TestSessionOfAnotherCaller(t *testing.T) {
	iss := authtest.NewIssuer(t)
	env := append(sqliteBackend().env(t), issuerEnv(iss)...)
	acme := startHTTPWith(t, mcp.ProtocolVersion20251125,
		bearer(technovaToken(iss, "agent@acme", "acme", "orders.read")), env, technova)
	session := acme.client.GetSessionId()
	if session == "" {
		t.Fatal("no session id issued")
	}

	globexToken := technovaToken(iss, "agent@globex", "globex", "orders.read")
	thief, err := client.NewStreamableHttpClient(acme.url,
		transport.WithHTTPHeaders(bearer(globexToken)), transport.WithSession(session))
	if err != nil {
		t.Fatal(err)
	}
	if err := thief.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { thief.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = "list_orders", map[string]any{"limit": 1}
	if _, err := thief.CallTool(ctx, req); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("globex on acme's session: %v, want 404", err)
	}
	ok(t, call(t, acme.client, "list_orders", map[string]any{"limit": 1}))

	// The audit trail (stderr here) holds the refusal.
	if err := acme.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := acme.cmd.Wait(); err != nil {
		t.Fatalf("server: %v", err)
	}
	line := acme.logs.await(t, `"error_class":"session"`)
	for _, want := range []string{`"log":"audit"`, `"subject":"agent@globex"`, `"outcome":"denied"`, `"session_id":"` + session + `"`} {
		if !strings.Contains(line, want) {
			t.Errorf("audit record %s lacks %s", line, want)
		}
	}
}
