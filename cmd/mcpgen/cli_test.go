package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/auth/authtest"
)

func TestExitCodes(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	t.Setenv("TECHNOVA_DB", "file:"+filepath.Join(t.TempDir(), "technova.db"))

	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{}, exitUsage, "", "Usage:"},
		{[]string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{[]string{"--help"}, exitOK, "Usage:", ""},
		{[]string{"serve", "--help"}, exitOK, "-listen", ""},
		{[]string{"validate", "--help"}, exitOK, "-offline", ""},
		{[]string{"tools", "--help"}, exitOK, "Usage: mcpgen tools", ""},
		{[]string{"version"}, exitOK, "mcpgen ", ""},
		{[]string{"serve", "--no-such-flag", technova}, exitUsage, "", "flag provided but not defined: -no-such-flag"},
		{[]string{"serve", "--path", "mcp", technova}, exitUsage, "", `--path must be an absolute URL path such as /mcp, not "mcp"`},
		{[]string{"serve", "--session-idle-ttl", "0s", technova}, exitUsage, "", "--session-idle-ttl must be positive"},
		{[]string{"serve", "--watch", "--watch-debounce", "-1s", technova}, exitUsage, "", "--watch-debounce must not be negative"},
		{[]string{"version", "extra"}, exitUsage, "", "version takes no arguments"},
		{[]string{"serve", "--path", "/readyz", technova}, exitUsage, "", "--path /readyz is taken by the health checks and metrics"},
		{[]string{"validate", technova, "--offline"}, exitOK, "statements not prepared (--offline)", ""},
		{[]string{"validate"}, exitUsage, "", "name at least one .hcl file"},
		{[]string{"validate", "--offline", "no/such/file.hcl"}, exitConfig, "", "no/such/file.hcl"},
		{[]string{"validate", "--offline", "../../testdata/invalid/params.hcl"}, exitConfig, "", "params.hcl:11:"},
		{[]string{"serve", "--listen", taken.Addr().String(), technova}, exitRuntime, "", "address already in use"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code := ExitCode(err, &stderr); code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.stderr)
			}
		})
	}
}

// TestToolsMatchesToolsList: what `mcpgen tools` shows a reviewer is exactly
// what a client gets from tools/list.
func TestToolsMatchesToolsList(t *testing.T) {
	env := sqliteBackend().env(t)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	if err := Run(context.Background(), []string{"tools", technova}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("tools: %v\n%s", err, stderr.String())
	}
	var printed struct{ Tools []json.RawMessage }
	if err := json.Unmarshal(stdout.Bytes(), &printed); err != nil {
		t.Fatalf("tools output is not JSON: %v", err)
	}

	// A caller with every scope sees every tool.
	iss := authtest.NewIssuer(t)
	token := technovaToken(iss, "m@acme", "acme", "orders.read orders.write catalog.read")
	s := startHTTP(t, append(env, issuerEnv(iss)...), technova)
	var live struct{ Tools []json.RawMessage }
	rawRequest(t, s.url, token, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, &live)
	if len(live.Tools) != len(printed.Tools) {
		t.Fatalf("tools printed %d tools, tools/list has %d", len(printed.Tools), len(live.Tools))
	}
	for i := range live.Tools {
		var a, b any
		_ = json.Unmarshal(live.Tools[i], &a)
		_ = json.Unmarshal(printed.Tools[i], &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("tool %d differs:\n tools/list: %s\nmcpgen tools: %s", i, live.Tools[i], printed.Tools[i])
		}
	}
	if strings.Contains(stdout.String(), "technova.db") {
		t.Errorf("the DSN (an env() secret) appears in the tools output")
	}
}

// rawRequest initializes a session over plain HTTP, sends one JSON-RPC
// request in it and decodes the result into out: the bytes on the wire,
// not a client library's view of them.
func rawRequest(t *testing.T, url, token, request string, out any) {
	t.Helper()
	post := func(body, session string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+token)
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	init := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`, "")
	init.Body.Close()
	session := init.Header.Get("Mcp-Session-Id")
	post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, session).Body.Close()
	resp := post(request, session)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// A response may come as one server-sent event.
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		for _, line := range strings.Split(string(body), "\n") {
			if data, found := strings.CutPrefix(line, "data: "); found {
				body = []byte(data)
			}
		}
	}
	var envelope struct {
		Result json.RawMessage
		Error  *struct{ Message string }
	}
	if err := json.Unmarshal(body, &envelope); err != nil || envelope.Error != nil {
		t.Fatalf("%s: %v %+v; body %s", request, err, envelope.Error, body)
	}
	if err := json.Unmarshal(envelope.Result, out); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPProtections: DNS rebinding (Host and Origin) and the body cap.
func TestHTTPProtections(t *testing.T) {
	s := startHTTP(t, sqliteBackend().env(t), "--max-body", "4096", technova)
	url := s.url
	// initialize needs no session, so each request stands alone.
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	tests := []struct {
		name   string
		mutate func(*http.Request)
		body   string
		want   int
	}{
		{"plain", func(*http.Request) {}, body, http.StatusOK},
		{"loopback origin", func(r *http.Request) { r.Header.Set("Origin", "http://localhost:6274") }, body, http.StatusOK},
		{"foreign origin", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, body, http.StatusForbidden},
		{"rebound host", func(r *http.Request) { r.Host = "evil.example" }, body, http.StatusForbidden},
		{"body over the cap", func(*http.Request) {}, strings.Replace(body, `"capabilities":{}`, `"capabilities":{"pad":"`+strings.Repeat("x", 5000)+`"}`, 1), http.StatusRequestEntityTooLarge},
		{"chunked body over the cap", func(r *http.Request) { r.ContentLength = -1 }, strings.Replace(body, `"capabilities":{}`, `"capabilities":{"pad":"`+strings.Repeat("x", 5000)+`"}`, 1), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A reader of unknown length makes the request chunked when
			// ContentLength is -1.
			req, _ := http.NewRequest(http.MethodPost, url, io.MultiReader(strings.NewReader(tt.body)))
			req.ContentLength = int64(len(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Authorization", "Bearer "+technovaDemoKey)
			tt.mutate(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// TestCORSPreflight: an origin allowed with --allow-origin can call from a
// browser: its preflight is answered and it may read the session id.
func TestCORSPreflight(t *testing.T) {
	const origin = "https://app.example.com"
	s := startHTTP(t, sqliteBackend().env(t), "--allow-origin", origin, technova)
	req, _ := http.NewRequest(http.MethodOptions, s.url, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type, mcp-session-id")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 || resp.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("preflight: status %d, Access-Control-Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestExposedRefused: listening beyond loopback without authentication is
// refused, unless the operator says so with a flag named for what it is;
// then it is announced loudly.
func TestExposedRefused(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"serve", "--listen", "0.0.0.0:0", "testdata/e2e/slow.hcl"}, strings.NewReader(""), &out, &errOut)
	if code := ExitCode(err, &errOut); code != exitConfig || !strings.Contains(errOut.String(), "Refusing to serve without authentication; The server listens on 0.0.0.0:0, beyond loopback") {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}

	cmd := mainCommand(nil, "serve", "--listen", "0.0.0.0:0", "--insecure-no-auth", "testdata/e2e/slow.hcl")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	logs := newLogLines()
	go logs.collect(stderr)
	line := logs.await(t, "WITHOUT AUTHENTICATION")
	if !strings.Contains(line, `"level":"warn"`) {
		t.Errorf("warning logged as %s", line)
	}
}

// TestHealth: /healthz says the process is alive; /readyz says whether
// every required dependency is reachable, and the state of each, and
// nothing more.
func TestHealth(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		// Ready needs the token issuer's keys too.
		s := startHTTP(t, append(sqliteBackend().env(t), issuerEnv(authtest.NewIssuer(t))...), technova)
		base := strings.TrimSuffix(s.url, "/mcp")
		if code, body := get(t, base+"/healthz"); code != http.StatusOK || body != `{"status":"alive"}` {
			t.Errorf("/healthz = %d %s", code, body)
		}
		code, body := get(t, base+"/readyz")
		want := fmt.Sprintf(`{"config_hash":"%s","dependencies":{"auth.jwks":{"required":true,"state":"up"},"http.inventory":{"breaker":"closed","required":false,"state":"up"},"sql.orders":{"required":true,"state":"up"}},"generation":1,"sources":2,"status":"ready","unreachable":0}`, technovaHash(t))
		if code != http.StatusOK || body != want {
			t.Errorf("/readyz = %d %s, want 200 %s", code, body, want)
		}
	})
	t.Run("postgres goes away", func(t *testing.T) {
		if postgresDSN(t) == "" {
			t.Skip("no PostgreSQL (set MCPGEN_TEST_POSTGRES_DSN, or run scripts/test.sh)")
		}
		env := postgresBackend().env(t)
		s := startHTTP(t, append(env, issuerEnv(authtest.NewIssuer(t))...), technova)
		base := strings.TrimSuffix(s.url, "/mcp")
		if code, body := get(t, base+"/readyz"); code != http.StatusOK {
			t.Fatalf("/readyz before = %d %s", code, body)
		}
		dsn := strings.TrimPrefix(env[1], "TECHNOVA_DB=")
		name := strings.TrimPrefix(strings.SplitN(dsn[strings.LastIndex(dsn, "/"):], "?", 2)[0], "/")
		admin, err := sql.Open("pgx", postgresDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Fatal(err)
		}
		code, body := get(t, base+"/readyz")
		want := fmt.Sprintf(`{"config_hash":"%s","dependencies":{"auth.jwks":{"required":true,"state":"up"},"http.inventory":{"breaker":"closed","required":false,"state":"up"},"sql.orders":{"required":true,"state":"down"}},"generation":1,"sources":2,"status":"not ready","unreachable":1}`, technovaHash(t))
		if code != http.StatusServiceUnavailable || body != want {
			t.Errorf("/readyz after = %d %s", code, body)
		}
		if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
			t.Errorf("/healthz after = %d", code)
		}
	})
}

// technovaHash is the configuration hash of the example as the tests load
// it: its file and the seed it reads.
func technovaHash(t *testing.T) string {
	t.Helper()
	gen, diags := runtime.Build(context.Background(), []string{technova}, runtime.BuildOptions{Mode: runtime.BuildOffline})
	if diags.HasErrors() {
		t.Fatalf("loading %s: %s", technova, diags.Error())
	}
	return gen.Hash()
}

// get fetches url and returns the status and the body, trimmed.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// TestMetricsListen: --metrics-listen serves metrics and health checks on
// a port of their own, for an HTTP server (which then has no /metrics on
// the MCP port) and for a stdio server (which has no other port).
func TestMetricsListen(t *testing.T) {
	opsURL := func(s *server) string {
		line := s.logs.await(t, "serving metrics and health checks")
		m := regexp.MustCompile(`"url":"(http://[^"]+)/metrics"`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no URL in %s", line)
		}
		return m[1]
	}
	// Ready needs the token issuer's keys too.
	env := func() []string { return append(sqliteBackend().env(t), issuerEnv(authtest.NewIssuer(t))...) }
	for _, tt := range []struct {
		name  string
		start func() *server
	}{
		{"http", func() *server {
			return startHTTP(t, env(), "--metrics-listen", "127.0.0.1:0", technova)
		}},
		{"stdio", func() *server {
			return startStdio(t, env(), "--metrics-listen", "127.0.0.1:0", technova)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start()
			ok(t, call(t, s.client, "search_products", map[string]any{"query": "laptop"}))
			ops := opsURL(s)
			f := scrape(t, ops+"/metrics")
			if got := sample(f, "mcpgen_tool_calls_total", map[string]string{"tool": "search_products", "outcome": "ok"}); got != 1 {
				t.Errorf("search_products ok = %v on the metrics port, want 1", got)
			}
			for _, path := range []string{"/healthz", "/readyz"} {
				if code, body := get(t, ops+path); code != http.StatusOK {
					t.Errorf("%s on the metrics port = %d %s", path, code, body)
				}
			}
			if s.url != "" {
				if code, _ := get(t, strings.TrimSuffix(s.url, "/mcp")+"/metrics"); code != http.StatusNotFound {
					t.Errorf("/metrics on the MCP port = %d, want 404 when it has a port of its own", code)
				}
			}
		})
	}
}

// TestMetrics scrapes /metrics after a few calls and parses it: calls are
// counted by tool and outcome, latency is observed by tool, and no label
// carries a session, a principal or an argument.
func TestMetrics(t *testing.T) {
	s := startHTTP(t, sqliteBackend().env(t), technova)
	ok(t, call(t, s.client, "get_order", map[string]any{"order_id": 1003}))
	ok(t, call(t, s.client, "get_order", map[string]any{"order_id": 1002}))
	toolError(t, call(t, s.client, "get_order", map[string]any{"order_id": "1003"}), "must be an integer")

	resp, err := http.Get(strings.TrimSuffix(s.url, "/mcp") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	families, err := new(expfmt.TextParser).TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	count := func(tool, outcome string) float64 {
		for _, m := range families["mcpgen_tool_calls_total"].GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["tool"] == tool && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
		return 0
	}
	if got := count("get_order", "ok"); got != 2 {
		t.Errorf("get_order ok = %v, want 2", got)
	}
	if got := count("get_order", "invalid"); got != 1 {
		t.Errorf("get_order invalid = %v, want 1", got)
	}
	h := families["mcpgen_tool_call_duration_seconds"].GetMetric()
	if len(h) != 1 || h[0].GetHistogram().GetSampleCount() != 3 {
		t.Errorf("duration histogram = %v, want 3 observations of get_order", h)
	}
	if g := families["mcpgen_tools"].GetMetric(); len(g) != 1 || g[0].GetGauge().GetValue() != 7 {
		t.Errorf("mcpgen_tools = %v, want 7 (the TechNova tools)", g)
	}
	// The SQLite file has a read pool and a write pool.
	pools := map[string]float64{}
	for _, m := range families["mcpgen_db_connections_max"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["source"] == "sql.orders" {
			pools[labels["pool"]] = m.GetGauge().GetValue()
		}
	}
	if pools["main"] != 1 || pools["read"] < 1 {
		t.Errorf("pool maxima = %v, want main (writes) 1 and a read pool", pools)
	}
	if g := families["mcpgen_config_generation"].GetMetric(); len(g) != 1 || g[0].GetGauge().GetValue() != 1 {
		t.Errorf("mcpgen_config_generation = %v, want 1", g)
	}
	info := families["mcpgen_config_info"].GetMetric()
	if len(info) != 1 || len(info[0].GetLabel()) != 1 || info[0].GetLabel()[0].GetValue() != technovaHash(t) {
		t.Errorf("mcpgen_config_info = %v, want one series labelled with the hash", info)
	}
	for _, m := range families["mcpgen_reloads_total"].GetMetric() {
		if m.GetCounter().GetValue() != 0 {
			t.Errorf("reloads before any: %v", m)
		}
	}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				// hash has one value at a time: the configuration served;
				// mcpgen_build_info one series for the process's life.
				if !slices.Contains([]string{"tool", "outcome", "source", "pool", "result", "hash", "reason", "backend", "policy", "class", "state", "limit"}, l.GetName()) &&
					strings.HasPrefix(name, "mcpgen_") && name != "mcpgen_build_info" {
					t.Errorf("%s has an unbounded label %s", name, l.GetName())
				}
			}
		}
	}
}

// TestAPIKey: `mcpgen apikey` makes a key whose printed hash is what the
// key hashes to, and --hash reads a key from stdin, never from arguments.
func TestAPIKey(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := Run(context.Background(), []string{"apikey"}, nil, &out, &errOut); err != nil {
		t.Fatalf("apikey: %v %s", err, errOut.String())
	}
	var key, hash string
	for _, line := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "key:  "); ok {
			key = v
		}
		if v, ok := strings.CutPrefix(line, "hash: "); ok {
			hash = v
		}
	}
	if !strings.HasPrefix(key, "mcpk_") || !strings.HasPrefix(hash, "sha256:") {
		t.Fatalf("apikey printed %q", out.String())
	}
	out.Reset()
	if err := Run(context.Background(), []string{"apikey", "--hash"}, strings.NewReader(key+"\n"), &out, &errOut); err != nil {
		t.Fatalf("apikey --hash: %v", err)
	}
	if got := strings.TrimSpace(out.String()); got != hash {
		t.Errorf("apikey --hash = %q, want %q", got, hash)
	}
	err := Run(context.Background(), []string{"apikey", "--hash"}, strings.NewReader(""), &out, &errOut)
	if code := ExitCode(err, &errOut); code != exitUsage {
		t.Errorf("empty stdin: exit %d, want %d", code, exitUsage)
	}
	err = Run(context.Background(), []string{"apikey", key}, nil, &out, &errOut)
	if code := ExitCode(err, &errOut); code != exitUsage {
		t.Errorf("a key on the command line: exit %d, want %d", code, exitUsage)
	}
}

// buildServe builds paths as serve does, failing tb on any error. The
// server that serves the generation closes it.
func buildServe(tb testing.TB, paths ...string) *runtime.Generation {
	tb.Helper()
	gen, diags := runtime.Build(context.Background(), paths, runtime.BuildOptions{Mode: runtime.BuildServe, Log: zerolog.Nop()})
	if diags.HasErrors() {
		tb.Fatal(diags.Error())
	}
	return gen
}

// TestToolsSurface: --surface prints the tools exactly as tools/list has
// them, each with what runs and where it is declared, and the same bytes
// for the same files.
func TestToolsSurface(t *testing.T) {
	run := func(args ...string) []byte {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := Run(context.Background(), args, nil, &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		return out.Bytes()
	}
	surface := run("tools", "--offline", "--surface", technova)
	if again := run("tools", "--surface", technova, "--offline"); !bytes.Equal(surface, again) {
		t.Errorf("two runs on the same file print different surfaces")
	}
	var s runtime.Surface
	if err := json.Unmarshal(surface, &s); err != nil {
		t.Fatalf("surface is not JSON: %v", err)
	}
	// Compared as JSON values: mcp.Tool does not survive a round trip.
	var raw struct{ Tools []struct{ Tool any } }
	var list struct{ Tools []any }
	if err := json.Unmarshal(surface, &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(run("tools", "--offline", technova), &list); err != nil {
		t.Fatal(err)
	}
	if len(s.Tools) == 0 || len(raw.Tools) != len(list.Tools) {
		t.Fatalf("surface has %d tools, tools/list %d", len(raw.Tools), len(list.Tools))
	}
	for i, ts := range s.Tools {
		if !reflect.DeepEqual(raw.Tools[i].Tool, list.Tools[i]) {
			t.Errorf("tool %d: the surface's definition differs from tools/list:\n%v\n%v", i, raw.Tools[i].Tool, list.Tools[i])
		}
		if !strings.HasPrefix(ts.Declared, technova+":") || ts.Access.Rule == "" || ts.Limits.Timeout == "" {
			t.Errorf("tool %s: declared %q, access %+v, limits %+v", ts.Tool.Name, ts.Declared, ts.Access, ts.Limits)
		}
	}
	get := s.Tools[slices.IndexFunc(s.Tools, func(ts runtime.ToolSurface) bool { return ts.Tool.Name == "get_order" })]
	if get.Source != "sql.orders" || get.Access.Rule != "guard" || len(get.Access.Binds) != 1 || get.Access.Binds[0].From != "principal.claims.org" {
		t.Errorf("get_order: %+v", get.Execution)
	}
}
