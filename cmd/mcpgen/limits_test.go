package main

// In-process tests of rate limits, concurrency caps and caches: the real
// server and SQLite, called as a transport calls it, with principals put in
// the context as authentication will (there is none yet).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

type inProcess struct {
	srv     *runtime.Server
	trail   *lockedBuffer
	logs    *logLines
	metrics string // the /metrics URL
	ids     atomic.Int64
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// records parses the audit lines written so far.
func (l *lockedBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line is not JSON: %q", line)
		}
		recs = append(recs, r)
	}
	return recs
}

// startInProcess loads, opens and serves path in this process.
func startInProcess(t *testing.T, path string) *inProcess {
	t.Helper()
	t.Setenv("LIMITS_DB", "file:"+filepath.Join(t.TempDir(), "limits.db"))
	gen := buildServe(t, path)

	pr, pw := io.Pipe()
	logs := newLogLines()
	go logs.collect(pr)
	t.Cleanup(func() { pw.Close() })
	p := &inProcess{trail: &lockedBuffer{}, logs: logs}
	m := metrics.New()
	p.srv = runtime.NewServer(gen, runtime.ServerOptions{
		Log:     zerolog.New(pw).Level(zerolog.DebugLevel),
		Audit:   audit.New(p.trail),
		Metrics: m,
	})
	t.Cleanup(p.srv.Close) // closes the sources of every generation
	ms := httptest.NewServer(m.Handler())
	t.Cleanup(ms.Close)
	p.metrics = ms.URL
	init := `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	p.srv.MCP().HandleMessage(context.Background(), json.RawMessage(init))
	return p
}

type toolResult struct {
	IsError           bool
	Content           []struct{ Text string }
	StructuredContent map[string]any
}

func (r toolResult) text() string {
	var parts []string
	for _, c := range r.Content {
		parts = append(parts, c.Text)
	}
	return strings.Join(parts, "\n")
}

// call sends one tools/call as who (nil: anonymous).
func (p *inProcess) call(t *testing.T, ctx context.Context, who *runtime.Principal, tool string, args map[string]any) toolResult {
	t.Helper()
	if who != nil {
		ctx = runtime.WithPrincipal(ctx, who)
	}
	rawArgs, _ := json.Marshal(args)
	msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, p.ids.Add(1), tool, rawArgs)
	out, err := json.Marshal(p.srv.MCP().HandleMessage(ctx, json.RawMessage(msg)))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Result *toolResult
		Error  *struct{ Message string }
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.Result == nil {
		t.Fatalf("tools/call %s: %s", tool, out)
	}
	return *resp.Result
}

func user(sub, org string) *runtime.Principal {
	return &runtime.Principal{Subject: sub, Claims: map[string]any{"org": org}}
}

// scrape reads a /metrics page and returns the value of the sample of
// name with the given labels (0 when absent).
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	families, err := new(expfmt.TextParser).TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	return families
}

func sample(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	for _, m := range families[name].GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range labels {
			match = match && got[k] == v
		}
		if match {
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return 0
}

// TestRateLimits: each key shares its bucket as declared, a refusal says
// when to retry, and it is audited and counted.
func TestRateLimits(t *testing.T) {
	p := startInProcess(t, "testdata/limits/limits.hcl")
	ctx := context.Background()
	alice, bob, carol := user("alice", "acme"), user("bob", "acme"), user("carol", "globex")
	type step struct {
		who     *runtime.Principal
		tool    string
		allowed bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"per principal: burst, refusal, others unaffected", []step{
			{alice, "per_principal", true}, {alice, "per_principal", true}, {alice, "per_principal", true},
			{alice, "per_principal", false},
			{bob, "per_principal", true},
			{nil, "per_principal", true}, {nil, "per_principal", true}, {nil, "per_principal", true},
			{nil, "per_principal", false}, // anonymous callers share one bucket
			{alice, "per_principal", false},
		}},
		{"per tool: every caller shares", []step{
			{alice, "per_tool", true}, {bob, "per_tool", true}, {carol, "per_tool", false},
		}},
		{"per CEL key: per organization", []step{
			{alice, "per_org", true}, {bob, "per_org", true}, {alice, "per_org", false},
			{carol, "per_org", true}, {carol, "per_org", true}, {carol, "per_org", false},
		}},
		{"server default, global: tools share it", []step{
			{alice, "default_one", true}, {bob, "default_two", true},
			{carol, "default_one", false}, {carol, "default_two", false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, s := range tt.steps {
				res := p.call(t, ctx, s.who, s.tool, nil)
				if res.IsError == s.allowed {
					t.Fatalf("step %d (%s as %v): allowed %v, want %v: %s", i, s.tool, s.who, !res.IsError, s.allowed, res.text())
				}
				if !s.allowed && (!strings.Contains(res.text(), "Rate limit exceeded") || !strings.Contains(res.text(), "allows 1 call per hour") || !strings.Contains(res.text(), "Try again in 1h0m0s")) {
					t.Errorf("step %d: refusal %q does not say it is a rate limit, what it is and when to retry (1h)", i, res.text())
				}
			}
		})
	}

	// A CEL key that cannot be computed (no org claim) denies.
	res := p.call(t, ctx, &runtime.Principal{Subject: "dave"}, "per_org", nil)
	if !res.IsError || !strings.Contains(res.text(), "Permission denied") {
		t.Errorf("per_org without an org claim: %q, want denied", res.text())
	}

	limited := 0
	for _, r := range p.trail.records(t) {
		if r["outcome"] == audit.RateLimited {
			limited++
			if r["error_class"] != "rate" {
				t.Errorf("rate_limited record with class %v", r["error_class"])
			}
		}
	}
	if limited != 8 {
		t.Errorf("%d rate_limited audit records, want 8", limited)
	}
	f := scrape(t, p.metrics)
	for tool, want := range map[string]float64{"per_principal": 3, "per_tool": 1, "per_org": 2, "default_one": 1, "default_two": 1} {
		if got := sample(f, "mcpgen_rate_limited_total", map[string]string{"tool": tool, "reason": "rate"}); got != want {
			t.Errorf("mcpgen_rate_limited_total{tool=%s,reason=rate} = %v, want %v", tool, got, want)
		}
		if got := sample(f, "mcpgen_tool_calls_total", map[string]string{"tool": tool, "outcome": "rate_limited"}); got != want {
			t.Errorf("mcpgen_tool_calls_total{tool=%s,outcome=rate_limited} = %v, want %v", tool, got, want)
		}
	}
	if got := sample(f, "mcpgen_tool_calls_total", map[string]string{"tool": "per_org", "outcome": "denied"}); got != 1 {
		t.Errorf("denied per_org = %v, want 1", got)
	}
}

// TestConcurrencyCaps holds the only slot of a tool, and of its source,
// with a call that runs until cancelled.
func TestConcurrencyCaps(t *testing.T) {
	p := startInProcess(t, "testdata/limits/limits.hcl")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan toolResult, 1)
	go func() { done <- p.call(t, ctx, nil, "spin", map[string]any{"n": int64(1) << 50}) }()
	p.logs.await(t, `"tool":"spin","message":"call started"`)

	res := p.call(t, context.Background(), nil, "spin", map[string]any{"n": 1})
	if !res.IsError || !strings.Contains(res.text(), "runs at most 1 at a time") {
		t.Errorf("second spin: %q, want refused by the tool's cap", res.text())
	}
	res = p.call(t, context.Background(), nil, "beside_spin", nil)
	if !res.IsError || !strings.Contains(res.text(), "backend of tool beside_spin takes at most 1 calls at a time") {
		t.Errorf("beside_spin: %q, want refused by the source's cap", res.text())
	}
	cancel()
	<-done
	// The slots are back.
	if res := p.call(t, context.Background(), nil, "spin", map[string]any{"n": 1}); res.IsError {
		t.Errorf("spin after the first returned: %s", res.text())
	}
	if res := p.call(t, context.Background(), nil, "beside_spin", nil); res.IsError {
		t.Errorf("beside_spin after spin returned: %s", res.text())
	}
	f := scrape(t, p.metrics)
	for _, tool := range []string{"spin", "beside_spin"} {
		if got := sample(f, "mcpgen_rate_limited_total", map[string]string{"tool": tool, "reason": "concurrency"}); got != 1 {
			t.Errorf("concurrency refusals of %s = %v, want 1", tool, got)
		}
	}
}

// TestCache: a cached result is served until it expires or is cleared, to
// the same caller only, or to every caller with the same bound values when
// shared.
func TestCache(t *testing.T) {
	p := startInProcess(t, "testdata/limits/limits.hcl")
	ctx := context.Background()
	alice, bob, carol := user("alice", "acme"), user("bob", "acme"), user("carol", "globex")
	value := func(who *runtime.Principal, tool, k string) string {
		t.Helper()
		res := p.call(t, ctx, who, tool, map[string]any{"k": k})
		if res.IsError {
			return "error: " + res.text()
		}
		return fmt.Sprint(res.StructuredContent["v"])
	}
	set := func(k, v string) {
		t.Helper()
		if res := p.call(t, ctx, alice, "set_value", map[string]any{"k": k, "v": v}); res.IsError {
			t.Fatal(res.text())
		}
	}
	reload := func() {
		t.Helper()
		if _, err := p.srv.Reload(ctx, []string{"testdata/limits/limits.hcl"}); err != nil {
			t.Fatal(err)
		}
	}

	steps := []struct {
		do   func() string
		want string
	}{
		{func() string { return value(alice, "get_value", "a") }, "v1"},
		{func() string { set("a", "v2"); return value(alice, "get_value", "a") }, "v1"}, // cached
		{func() string { return value(bob, "get_value", "a") }, "v2"},                   // not alice's
		{func() string { return value(nil, "get_value", "a") }, "v2"},
		{func() string { return value(alice, "get_value_shared", "a") }, "v2"},
		{func() string { set("a", "v3"); return value(bob, "get_value_shared", "a") }, "v2"}, // same org: shared
		{func() string { return value(carol, "get_value_shared", "a") }, "error: no row"},    // another org: its own
		{func() string { reload(); return value(alice, "get_value", "a") }, "v3"},            // a reload clears caches
	}
	for i, s := range steps {
		got := s.do()
		if !strings.HasPrefix(got, s.want) && !(strings.HasPrefix(s.want, "error") && strings.HasPrefix(got, "error")) {
			t.Errorf("step %d: %q, want %q", i, got, s.want)
		}
	}

	f := scrape(t, p.metrics)
	want := map[string][2]float64{"get_value": {1, 4}, "get_value_shared": {1, 2}}
	for tool, w := range want {
		hits := sample(f, "mcpgen_cache_hits_total", map[string]string{"tool": tool})
		misses := sample(f, "mcpgen_cache_misses_total", map[string]string{"tool": tool})
		if hits != w[0] || misses != w[1] {
			t.Errorf("%s: %v hits, %v misses; want %v, %v", tool, hits, misses, w[0], w[1])
		}
	}
	cached := 0
	for _, r := range p.trail.records(t) {
		if r["cached"] == true {
			cached++
			if r["outcome"] != audit.OK || r["rows"] != 1.0 {
				t.Errorf("cached record = %v", r)
			}
		}
	}
	if cached != 2 {
		t.Errorf("%d audit records marked cached, want 2", cached)
	}
}

// TestReloadKeepsLimits: a reload keeps the rate limit buckets, so it
// hands nobody a fresh burst, with a limits block or without one.
func TestReloadKeepsLimits(t *testing.T) {
	for _, config := range []string{"testdata/limits/limits.hcl", "testdata/limits/no_block.hcl"} {
		t.Run(filepath.Base(config), func(t *testing.T) { testReloadKeepsLimits(t, config) })
	}
}

func testReloadKeepsLimits(t *testing.T, config string) {
	p := startInProcess(t, config)
	ctx := context.Background()
	alice := user("alice", "acme")
	for range 3 {
		p.call(t, ctx, alice, "per_principal", nil)
	}
	if _, err := p.srv.Reload(ctx, []string{config}); err != nil {
		t.Fatal(err)
	}
	if n := p.srv.Generation().Number(); n != 2 {
		t.Fatalf("serving generation %d after a reload, want 2", n)
	}
	if res := p.call(t, ctx, alice, "per_principal", nil); !res.IsError {
		t.Errorf("alice got a fresh burst from the new generation")
	}
	if res := p.call(t, ctx, user("bob", "acme"), "per_principal", nil); res.IsError {
		t.Errorf("bob refused in the new generation: %s", res.text())
	}
}
