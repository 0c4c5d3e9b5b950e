package transport_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// serveOps serves ServeOps on a loopback port of its own until the test
// ends; its base URL is returned.
func serveOps(t *testing.T, srv *runtime.Server) string {
	t.Helper()
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- transport.ServeOps(ctx, srv, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeOps: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// health is a /healthz or /readyz answer.
type health struct {
	Status      string `json:"status"`
	Sources     int    `json:"sources"`
	Unreachable int    `json:"unreachable"`
	Generation  uint64 `json:"generation"`
	ConfigHash  string `json:"config_hash"`
}

func getHealth(t *testing.T, url string) (int, health) {
	t.Helper()
	got := get(t, url)
	var h health
	if err := json.Unmarshal([]byte(got.body), &h); err != nil {
		t.Fatalf("%s: %d %q is not JSON: %v", url, got.status, got.body, err)
	}
	if ct, cc := got.header.Get("Content-Type"), got.header.Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
		t.Errorf("%s: Content-Type %q, Cache-Control %q; want application/json, no-store", url, ct, cc)
	}
	return got.status, h
}

// TestOpsEndpoints: /healthz, /readyz and /metrics, beside the MCP
// endpoint or on a listener of their own; with MetricsElsewhere the MCP
// listener leaves /metrics to the other.
func TestOpsEndpoints(t *testing.T) {
	srv, _ := newServer(t, serverBlock+sqlSource())
	mcpOnly := serveHTTP(t, srv, options(nil))
	elsewhere := serveHTTP(t, srv, options(func(o *transport.HTTPOptions) { o.MetricsElsewhere = true }))
	ops := serveOps(t, srv)

	cases := []struct {
		name        string
		base        string
		wantMetrics bool
	}{
		{"MCP listener", mcpOnly.base, true},
		{"MCP listener, MetricsElsewhere", elsewhere.base, false},
		{"ServeOps", ops, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code, h := getHealth(t, tc.base+"/healthz"); code != http.StatusOK || h.Status != "alive" {
				t.Errorf("/healthz: %d %+v, want 200 alive", code, h)
			}
			want := health{Status: "ready", Sources: 1, Generation: 1, ConfigHash: srv.Generation().Hash()}
			if code, h := getHealth(t, tc.base+"/readyz"); code != http.StatusOK || h != want || len(h.ConfigHash) != 64 {
				t.Errorf("/readyz: %d %+v, want 200 %+v", code, h, want)
			}
			m := get(t, tc.base+"/metrics")
			if got := m.status == http.StatusOK && strings.Contains(m.body, "mcpgen_config_generation 1\n"); got != tc.wantMetrics {
				t.Errorf("/metrics: status %d, serves mcpgen_config_generation: %v, want %v", m.status, got, tc.wantMetrics)
			}
			if !tc.wantMetrics && m.status != http.StatusNotFound {
				t.Errorf("/metrics: status %d, want 404", m.status)
			}
			req, err := http.NewRequest(http.MethodPost, tc.base+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := do(t, req); got.status != http.StatusMethodNotAllowed {
				t.Errorf("POST /healthz: status %d, want 405", got.status)
			}
		})
	}
}

// TestReadyzUnreachable: a required source that does not answer its ping
// makes the server not ready; an optional one (HTTP sources by default) is
// counted but leaves it ready. The body has counts only; which source, and
// why, is logged.
func TestReadyzUnreachable(t *testing.T) {
	up := newUpstream(t)
	for _, required := range []bool{false, true} {
		source := up.source()
		if required {
			source = strings.Replace(source, "ping_path", "required  = true\n  ping_path", 1)
		}
		srv, _ := newServer(t, serverBlock+sqlSource()+source)
		ops := serveOps(t, srv)
		hash := srv.Generation().Hash()
		down := health{Status: "ready", Sources: 2, Unreachable: 1, Generation: 1, ConfigHash: hash}
		downCode := http.StatusOK
		if required {
			down.Status, downCode = "not ready", http.StatusServiceUnavailable
		}
		cases := []struct {
			healthy  bool
			wantCode int
			want     health
		}{
			{true, http.StatusOK, health{Status: "ready", Sources: 2, Generation: 1, ConfigHash: hash}},
			{false, downCode, down},
			{true, http.StatusOK, health{Status: "ready", Sources: 2, Generation: 1, ConfigHash: hash}},
		}
		for _, tc := range cases {
			up.healthy.Store(tc.healthy)
			if code, h := getHealth(t, ops+"/readyz"); code != tc.wantCode || h != tc.want {
				t.Errorf("required %v, upstream healthy %v: /readyz %d %+v, want %d %+v", required, tc.healthy, code, h, tc.wantCode, tc.want)
			}
		}
	}
	srv, logs := newServer(t, serverBlock+sqlSource()+up.source())
	up.healthy.Store(false)
	getHealth(t, serveOps(t, srv)+"/readyz")
	line := logs.await(t, "readiness: source unreachable")
	if !strings.Contains(line, `"source":"http.up"`) || !strings.Contains(line, "503") {
		t.Errorf("log line %s does not name the source and its answer", line)
	}
}

// TestReadyzShuttingDown: once the server is closed, /readyz says so with
// 503, while /healthz still answers: the process is alive until it exits.
func TestReadyzShuttingDown(t *testing.T) {
	srv, _ := newServer(t, serverBlock+sqlSource())
	ops := serveOps(t, srv)
	srv.Close()
	if code, h := getHealth(t, ops+"/readyz"); code != http.StatusServiceUnavailable || h != (health{Status: "shutting down"}) {
		t.Errorf("/readyz after Close: %d %+v, want 503 shutting down", code, h)
	}
	if code, h := getHealth(t, ops+"/healthz"); code != http.StatusOK || h.Status != "alive" {
		t.Errorf("/healthz after Close: %d %+v, want 200 alive", code, h)
	}
}

// TestServeOpsListenerFails: a listener that fails is reported.
func TestServeOpsListenerFails(t *testing.T) {
	srv, _ := newServer(t, serverBlock+sqlSource())
	ln := listen(t)
	ln.Close()
	if err := transport.ServeOps(t.Context(), srv, ln); err == nil {
		t.Error("ServeOps on a closed listener returned nil")
	}
}
