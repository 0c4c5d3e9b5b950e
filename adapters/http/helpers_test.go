package http

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// decodeConfig loads text with the real loader and runs DecodeSource and
// DecodeTool on its one source, as the runtime does.
func decodeConfig(t testing.TB, text string) (*Source, map[string]*Tool, hcl.Diagnostics) {
	t.Helper()
	conf, diags := cfg.LoadSource("test.hcl", []byte(text))
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags)
	}
	if len(conf.Sources) != 1 {
		t.Fatalf("%d sources, want 1", len(conf.Sources))
	}
	rs, diags := (&Adapter{}).DecodeSource(conf.Sources[0])
	s := rs.(*Source)
	tools := map[string]*Tool{}
	for _, ct := range conf.Tools {
		rt, d := s.DecodeTool(ct)
		diags = append(diags, d...)
		tools[ct.Name] = rt.(*Tool)
	}
	return s, tools, diags
}

// openConfig decodes and opens a config whose source settings are given,
// with %s standing for the upstream's URL.
func openConfig(t testing.TB, text, upstream string) (*Source, map[string]*Tool) {
	t.Helper()
	s, tools, diags := decodeConfig(t, strings.ReplaceAll(text, "%s", upstream))
	if diags.HasErrors() {
		t.Fatalf("decode: %s", diags)
	}
	if diags := s.Open(context.Background(), adapter.OpenOptions{Log: zerolog.Nop()}); diags.HasErrors() {
		t.Fatalf("open: %s", diags)
	}
	t.Cleanup(func() { s.Close() })
	return s, tools
}

// callTool runs one call as the runtime would, with a generous deadline.
func callTool(t testing.TB, tool *Tool, args map[string]any) (*adapter.Result, *adapter.Call, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := &adapter.Call{RequestID: "test", Tool: tool.name, Args: args}
	res, err := tool.Call(ctx, c)
	return res, c, err
}

// toolError expects a *adapter.ToolError containing every want.
func toolError(t testing.TB, err error, wants ...string) string {
	t.Helper()
	te, ok := err.(*adapter.ToolError)
	if !ok {
		t.Fatalf("error = %v (%T), want a tool error", err, err)
	}
	for _, w := range wants {
		if !strings.Contains(te.Msg, w) {
			t.Errorf("tool error %q does not contain %q", te.Msg, w)
		}
	}
	return te.Msg
}

// upstream is a real HTTP server on 127.0.0.1 that records what it gets.
type upstream struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	handler  http.HandlerFunc
}

func newUpstream(t testing.TB, h http.HandlerFunc) *upstream {
	u := &upstream{handler: h}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests = append(u.requests, r.Clone(context.Background()))
		h := u.handler
		u.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.requests)
}

func (u *upstream) last(t testing.TB) *http.Request {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.requests) == 0 {
		t.Fatal("the upstream received no request")
	}
	return u.requests[len(u.requests)-1]
}

func (u *upstream) set(h http.HandlerFunc) {
	u.mu.Lock()
	u.handler = h
	u.mu.Unlock()
}

func jsonHandler(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// fakeClock is the breaker's clock in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
