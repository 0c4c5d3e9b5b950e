package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// opsURLOf is the base URL of the --metrics-listen listener a server logs.
func opsURLOf(t *testing.T, logs *logLines) string {
	t.Helper()
	line := logs.await(t, "serving metrics and health checks")
	m := regexp.MustCompile(`"url":"(http://[^"]+)/metrics"`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no url in %s", line)
	}
	return m[1]
}

// TestReadyzWhileDraining: once SIGTERM has begun the drain, /readyz on the
// ops listener answers 503 while a call in flight finishes, so a load
// balancer checking it sends no new work to a replica on its way out.
func TestReadyzWhileDraining(t *testing.T) {
	s := startHTTP(t, nil, "--grace", "10m", "--metrics-listen", "127.0.0.1:0", "testdata/deploy/drain.hcl")
	ops := opsURLOf(t, s.logs)
	if code, body := get(t, ops+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz before shutdown = %d %s", code, body)
	}
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
	s.logs.await(t, "shutting down")
	code, body := get(t, ops+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz while draining = %d %s, want 503 shutting down", code, body)
	}
	if got := ok(t, <-res); got["n"] == nil {
		t.Errorf("slow_count = %v", got)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("server exited with %v after SIGTERM; log:\n%s", err, s.logs)
	}
}

// TestDrainDelay: with --drain-delay the replica keeps serving new clients
// after SIGTERM while /readyz answers 503, so that a load balancer takes it
// out before its listener closes and no call is refused meanwhile.
func TestDrainDelay(t *testing.T) {
	// Long enough to outlast the test, which kills the process at the end.
	s := startHTTP(t, nil, "--drain-delay", "10m", "testdata/deploy/drain.hcl")
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.logs.await(t, "draining: /readyz answers 503")
	code, body := get(t, strings.TrimSuffix(s.url, "/mcp")+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz during the drain delay = %d %s, want 503 shutting down", code, body)
	}
	// A client that arrives now, on a connection of its own, is served.
	c, err := client.NewStreamableHttpClient(s.url, transport.WithHTTPBasicClient(&http.Client{Transport: &http.Transport{}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	initialize(t, c)
	if got := ok(t, call(t, c, "ping", nil)); got["answer"] != "pong" {
		t.Errorf("ping during the drain delay = %v", got)
	}
	if got := ok(t, call(t, s.client, "ping", nil)); got["answer"] != "pong" {
		t.Errorf("ping on an existing session during the drain delay = %v", got)
	}
}

// TestDrainDelayFlag: a negative delay is a usage error.
func TestDrainDelayFlag(t *testing.T) {
	var stdout, stderr strings.Builder
	err := Run(context.Background(), []string{"serve", "--drain-delay", "-1s", "testdata/deploy/drain.hcl"}, strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--drain-delay must not be negative") {
		t.Errorf("serve --drain-delay -1s = %v", err)
	}
}
