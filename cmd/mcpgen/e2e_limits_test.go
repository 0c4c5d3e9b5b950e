package main

// End-to-end tests of limits across processes: an HTTP request limit, one
// Redis shared by two mcpgen servers, and a Redis that goes away.

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func metricsURL(s *server) string { return strings.TrimSuffix(s.url, "/mcp") + "/metrics" }

// TestHTTPRateLimit: past its burst a client gets 429 with Retry-After,
// before the request reaches MCP; health checks and metrics are not
// limited.
func TestHTTPRateLimit(t *testing.T) {
	s := startHTTP(t, nil, "testdata/limits/http.hcl") // its client took some of the burst
	post := func() *http.Response {
		init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
		req, _ := http.NewRequest(http.MethodPost, s.url, strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	// The burst is 4: the client's initialize took at least one, so a few
	// answers, then only 429s.
	var codes []int
	var limited *http.Response
	refused := 0
	for range 6 {
		resp := post()
		codes = append(codes, resp.StatusCode)
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			refused++
			if limited == nil {
				limited = resp
			}
		case resp.StatusCode != http.StatusOK || limited != nil:
			t.Fatalf("status codes %v, want some 200s, then only 429s", codes)
		}
	}
	if refused < 3 || limited == nil {
		t.Fatalf("status codes %v: at most 3 of 6 may pass a burst of 4", codes)
	}
	secs, err := strconv.Atoi(limited.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 3600 {
		t.Errorf("Retry-After = %q, want whole seconds within the hour", limited.Header.Get("Retry-After"))
	}
	if resp, err := http.Get(strings.TrimSuffix(s.url, "/mcp") + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("/healthz under the limit: %v %v", resp, err)
	}
	f := scrape(t, metricsURL(s))
	if got := sample(f, "mcpgen_http_rate_limited_total", nil); got != float64(refused) {
		t.Errorf("mcpgen_http_rate_limited_total = %v, want %d", got, refused)
	}
}

// redisAddr is the redis-server scripts/test.sh starts.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("MCPGEN_TEST_REDIS_ADDR")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MCPGEN_TEST_REDIS_ADDR is not set: Redis is required under CI")
		}
		t.Skip("MCPGEN_TEST_REDIS_ADDR is not set (scripts/test.sh starts a redis-server)")
	}
	return addr
}

// TestRedisSharedAcrossServers: two mcpgen processes on one Redis share one
// bucket, whichever of them a call reaches.
func TestRedisSharedAcrossServers(t *testing.T) {
	env := []string{"REDIS_URL=redis://" + redisAddr(t)}
	a := startHTTP(t, env, "testdata/limits/redis.hcl")
	b := startHTTP(t, env, "testdata/limits/redis.hcl")
	run := map[string]any{"run": fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())}
	steps := []struct {
		on      *server
		allowed bool
	}{{a, true}, {b, true}, {a, true}, {b, false}, {a, false}}
	for i, st := range steps {
		res := call(t, st.on.client, "ping", run)
		if res.IsError == st.allowed {
			t.Fatalf("call %d: allowed %v, want %v: %s", i+1, !res.IsError, st.allowed, text(res))
		}
		if !st.allowed && !strings.Contains(text(res), "Rate limit exceeded") {
			t.Errorf("call %d: %q does not say it is a rate limit", i+1, text(res))
		}
	}
	// Another run has its own bucket on both.
	if res := call(t, b.client, "ping", map[string]any{"run": run["run"].(string) + "-other"}); res.IsError {
		t.Errorf("another key refused: %s", text(res))
	}
}

// startRedis runs a redis-server of this test's own on a unix socket, so
// that the test can kill it without taking Redis from the others.
func startRedis(t *testing.T) (url string, kill func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is required under CI")
		}
		t.Skip("no redis-server on PATH")
	}
	dir, err := os.MkdirTemp("", "mcpgen-redis")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--dir", dir, "--save", "", "--appendonly", "no")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	kill = func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(kill)
	logs := newLogLines()
	go logs.collect(out)
	logs.await(t, "ready to accept connections")
	return "unix://" + sock, kill
}

// TestRedisDown kills Redis under two servers: the one with the default
// policy refuses rate-limited calls, the one with on_redis_error = "allow"
// lets them through; both log it and count it.
func TestRedisDown(t *testing.T) {
	url, kill := startRedis(t)
	deny := startHTTP(t, []string{"REDIS_URL=" + url}, "testdata/limits/redis.hcl")
	allow := startHTTP(t, []string{"REDIS_URL=" + url}, "testdata/limits/redis_allow.hcl")
	readyz := func(s *server) int {
		code, _ := get(t, strings.TrimSuffix(s.url, "/mcp")+"/readyz")
		return code
	}
	for _, s := range []*server{deny, allow} {
		if res := call(t, s.client, "ping", map[string]any{"run": "up"}); res.IsError {
			t.Fatalf("with Redis up: %s", text(res))
		}
		if code := readyz(s); code != http.StatusOK {
			t.Errorf("/readyz with Redis up = %d", code)
		}
	}
	kill()

	// Failing closed, rate-limited calls are refused: not ready. Failing
	// open, they go on: still ready.
	if code := readyz(deny); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz, deny policy, Redis down = %d, want 503", code)
	}
	if code := readyz(allow); code != http.StatusOK {
		t.Errorf("/readyz, allow policy, Redis down = %d, want 200", code)
	}

	res := call(t, deny.client, "ping", map[string]any{"run": "down"})
	if !res.IsError || !strings.Contains(text(res), "Rate limit unavailable") {
		t.Errorf("deny policy with Redis down: %q, want refused", text(res))
	}
	if res := call(t, allow.client, "ping", map[string]any{"run": "down"}); res.IsError {
		t.Errorf("allow policy with Redis down: %s", text(res))
	}
	for _, c := range []struct {
		s           *server
		policy      string
		unavailable float64
	}{{deny, "deny", 1}, {allow, "allow", 0}} {
		if line := c.s.logs.await(t, `rate limiter unavailable`); !strings.Contains(line, `"policy":"`+c.policy+`"`) {
			t.Errorf("log line %s does not name the policy %s", line, c.policy)
		}
		f := scrape(t, metricsURL(c.s))
		if got := sample(f, "mcpgen_limiter_errors_total", map[string]string{"backend": "redis", "policy": c.policy}); got != 1 {
			t.Errorf("%s: mcpgen_limiter_errors_total = %v, want 1", c.policy, got)
		}
		if got := sample(f, "mcpgen_rate_limited_total", map[string]string{"tool": "ping", "reason": "limiter_unavailable"}); got != c.unavailable {
			t.Errorf("%s: refusals for an unavailable limiter = %v, want %v", c.policy, got, c.unavailable)
		}
	}
}
