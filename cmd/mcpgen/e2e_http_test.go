package main

// End-to-end tests of HTTP tools: the TechNova inventory service (built and
// run as its own process), the example with that service down, and the
// caller's credentials never reaching an upstream.

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
)

// startInventory builds and runs examples/technova/inventory on a free
// port and returns its URL.
func startInventory(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "inventory")
	if out, err := exec.Command("go", "build", "-o", bin, "../../examples/technova/inventory").CombinedOutput(); err != nil {
		t.Fatalf("building the inventory service: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-listen", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
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
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := regexp.MustCompile(`on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
				}
			}()
			return m[1]
		}
	}
	t.Fatal("the inventory service exited without saying where it listens")
	return ""
}

func TestTechNovaInventory(t *testing.T) {
	url := startInventory(t)
	s := startHTTP(t, append(sqliteBackend().env(t), "TECHNOVA_INVENTORY_URL="+url), technova)

	got := ok(t, call(t, s.client, "check_inventory", map[string]any{"sku": "TN-LAP-101"}))
	if got["sku"] != "TN-LAP-101" || got["available"] == nil {
		t.Errorf("check_inventory = %v", got)
	}
	warehouses, _ := got["warehouses"].([]any)
	if len(warehouses) != 3 {
		t.Fatalf("warehouses = %v, want three", got["warehouses"])
	}
	code := warehouses[2].(map[string]any)["warehouse"].(string)
	wh := ok(t, call(t, s.client, "get_warehouse", map[string]any{"code": code}))
	if wh["warehouse"].(map[string]any)["code"] != code {
		t.Errorf("get_warehouse(%s) = %v", code, wh)
	}
	// The service's 404, summarised for the model.
	toolError(t, call(t, s.client, "check_inventory", map[string]any{"sku": "TN-XXX-999"}),
		`rejected the request: 404 Not Found: unknown sku "TN-XXX-999"`)
	toolError(t, call(t, s.client, "check_inventory", map[string]any{"sku": "../admin"}), "must match")

	// The audit record carries the upstream's status and the attempts.
	line := s.logs.await(t, `"upstream_status":200`)
	if !strings.Contains(line, `"tool":"check_inventory"`) || !strings.Contains(line, `"outcome":"ok"`) || !strings.Contains(line, `"attempts":1`) {
		t.Errorf("audit record %s: want check_inventory, ok, after 1 attempt", line)
	}
	line = s.logs.await(t, `"upstream_status":404`)
	if !strings.Contains(line, `"outcome":"error"`) || !strings.Contains(line, `"error_class":"tool"`) {
		t.Errorf("audit record %s: want a tool error", line)
	}

	// Metrics count the upstream's answers by class; the invalid sku
	// never reached it. The breaker is closed.
	f := scrape(t, metricsURL(s))
	inventory := map[string]string{"source": "http.inventory"}
	for class, want := range map[string]float64{"2xx": 2, "4xx": 1, "5xx": 0, "none": 0} {
		if got := sample(f, "mcpgen_upstream_responses_total", map[string]string{"source": "http.inventory", "class": class}); got != want {
			t.Errorf("mcpgen_upstream_responses_total{class=%q} = %v, want %v", class, got, want)
		}
	}
	if got := sample(f, "mcpgen_upstream_retries_total", inventory); got != 0 {
		t.Errorf("mcpgen_upstream_retries_total = %v, want 0", got)
	}
	for state, want := range map[string]float64{"closed": 1, "half_open": 0, "open": 0} {
		if got := sample(f, "mcpgen_upstream_breaker_state", map[string]string{"source": "http.inventory", "state": state}); got != want {
			t.Errorf("mcpgen_upstream_breaker_state{state=%q} = %v, want %v", state, got, want)
		}
	}
}

// TestTechNovaInventoryDown: with nothing listening, the HTTP tools fail
// at once with a clear error and the SQL tools keep working.
func TestTechNovaInventoryDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	s := startHTTP(t, append(sqliteBackend().env(t), "TECHNOVA_INVENTORY_URL="+down), technova)
	toolError(t, call(t, s.client, "check_inventory", map[string]any{"sku": "TN-LAP-101"}),
		"The upstream inventory service is unreachable: the connection was refused")
	f := scrape(t, metricsURL(s))
	if got := sample(f, "mcpgen_upstream_responses_total", map[string]string{"source": "http.inventory", "class": "none"}); got != 1 {
		t.Errorf("mcpgen_upstream_responses_total{class=\"none\"} = %v, want the one call that got no answer", got)
	}
	if got := ok(t, call(t, s.client, "get_order", map[string]any{"order_id": 1002})); got["id"] == nil {
		t.Errorf("get_order = %v", got)
	}
	if strings.Contains(s.logs.String(), down) {
		t.Log("the upstream URL is in the operator's log, which is fine; it must not be in a tool result")
	}
}

// TestCallerCredentialsStayHome: the MCP client sends its own
// Authorization and Cookie headers; the upstream records every header it
// receives and finds only the server's credential.
func TestCallerCredentialsStayHome(t *testing.T) {
	var mu sync.Mutex
	var seen []http.Header
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "upstream_session=upstream-cookie-value")
		w.Write([]byte(`{"ok": true}`))
	}))
	defer up.Close()

	const serverToken, callerToken, callerCookie = "server-token-123456", "caller-token-abcdef", "caller-cookie-abcdef"
	s := startHTTP(t, []string{"E2E_UPSTREAM_URL=" + up.URL, "E2E_SERVER_TOKEN=" + serverToken}, "testdata/e2e/upstream.hcl")

	c, err := client.NewStreamableHttpClient(s.url, transport.WithHTTPHeaders(map[string]string{
		"Authorization":   "Bearer " + callerToken,
		"Cookie":          "session=" + callerCookie,
		"X-Forwarded-For": "10.0.0.1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	initialize(t, c)
	res := call(t, c, "whoami", map[string]any{"name": "alice"})
	got := ok(t, res)
	if got["ok"] != true {
		t.Errorf("whoami = %v", got)
	}
	if strings.Contains(text(res), "upstream-cookie-value") {
		t.Errorf("the upstream's Set-Cookie reached the client: %s", text(res))
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 {
		t.Fatalf("the upstream got %d requests, want 1", len(seen))
	}
	h := seen[0]
	if got := h.Get("Authorization"); got != "Bearer "+serverToken {
		t.Errorf("upstream Authorization = %q, want the server's own token", got)
	}
	for name, values := range h {
		for _, v := range values {
			if strings.Contains(v, callerToken) || strings.Contains(v, callerCookie) || strings.Contains(v, "10.0.0.1") {
				t.Errorf("the caller's %s reached the upstream: %q", name, v)
			}
		}
		if strings.EqualFold(name, "Mcp-Session-Id") || strings.EqualFold(name, "Cookie") {
			t.Errorf("the upstream got %s: %q", name, values)
		}
	}
}
