package runtime_test

// The harness of the runtime's own tests: configurations written to a temp
// dir, built with the one Build, served by the real server with the real
// adapters, and driven through mcp-go's HandleMessage as a transport drives
// it. Callers are put in the context as authentication puts them.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	_ "github.com/mcpgen/mcpgen/adapters/http"
	_ "github.com/mcpgen/mcpgen/adapters/sql"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/audit"
	"github.com/mcpgen/mcpgen/runtime/metrics"
)

// writeFiles writes each name's text into dir and returns the paths of
// the .hcl files, in the order given.
func writeFiles(t *testing.T, dir string, files ...string) []string {
	t.Helper()
	if len(files)%2 != 0 {
		t.Fatalf("writeFiles wants name, text pairs; got %d strings", len(files))
	}
	var paths []string
	for i := 0; i < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.WriteFile(p, []byte(files[i+1]), 0o600); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".hcl") {
			paths = append(paths, p)
		}
	}
	return paths
}

// build builds paths for serving and fails the test on any error
// diagnostic. The generation is the caller's to serve or close.
func build(t *testing.T, paths ...string) *runtime.Generation {
	t.Helper()
	gen, diags := runtime.Build(context.Background(), paths, runtime.BuildOptions{Mode: runtime.BuildServe, Log: zerolog.Nop()})
	if diags.HasErrors() {
		t.Fatalf("build %v: %s", paths, diags.Error())
	}
	return gen
}

// lockedBuffer is written by the server's goroutines and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// record is one audit line.
type record struct {
	Tool       string         `json:"tool"`
	Subject    string         `json:"subject"`
	Transport  string         `json:"transport"`
	Outcome    string         `json:"outcome"`
	ErrorClass string         `json:"error_class"`
	Reason     string         `json:"reason"`
	Remote     string         `json:"remote"`
	Cached     bool           `json:"cached"`
	Args       map[string]any `json:"args"`
	Binds      map[string]any `json:"binds"`
	Rows       int            `json:"rows"`
	Attempts   int            `json:"attempts"`
	Upstream   int            `json:"upstream_status"`
}

type harness struct {
	srv   *runtime.Server
	trail *lockedBuffer
	logs  *lockedBuffer
	ids   atomic.Int64
}

// serve serves gen in process with an audit trail, metrics and a debug
// log, and initializes a session as a client would. The server (and so
// every generation it served) is closed when the test ends.
func serve(t *testing.T, gen *runtime.Generation) *harness {
	t.Helper()
	h := &harness{trail: &lockedBuffer{}, logs: &lockedBuffer{}}
	h.srv = runtime.NewServer(gen, runtime.ServerOptions{
		Log:     zerolog.New(h.logs).Level(zerolog.DebugLevel),
		Audit:   audit.New(h.trail),
		Metrics: metrics.New(),
	})
	t.Cleanup(h.srv.Close)
	h.rpc(t, context.Background(), "initialize", map[string]any{
		"protocolVersion": "2025-06-18",
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "runtime-test", "version": "1"},
	})
	return h
}

// as is a request from who over HTTP (nil: an anonymous caller).
func as(who *runtime.Principal) context.Context {
	ctx := runtime.WithTransport(context.Background(), "http")
	if who != nil {
		ctx = runtime.WithPrincipal(ctx, who)
	}
	return ctx
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

// send sends one JSON-RPC request and returns the answer. It does not
// touch t, so a goroutine may call it.
func (h *harness) send(ctx context.Context, method string, params any) (rpcResponse, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return rpcResponse{}, err
	}
	msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, h.ids.Add(1), method, p)
	out, err := json.Marshal(h.srv.MCP().HandleMessage(ctx, json.RawMessage(msg)))
	if err != nil {
		return rpcResponse{}, err
	}
	var resp rpcResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return rpcResponse{}, fmt.Errorf("%s: the answer is not JSON-RPC: %s", method, out)
	}
	if resp.Result == nil && resp.Error == nil {
		return rpcResponse{}, fmt.Errorf("%s: neither result nor error: %s", method, out)
	}
	return resp, nil
}

// rpc sends one JSON-RPC request and returns the answer.
func (h *harness) rpc(t *testing.T, ctx context.Context, method string, params any) rpcResponse {
	t.Helper()
	resp, err := h.send(ctx, method, params)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// result decodes a successful answer into v.
func (r rpcResponse) decode(t *testing.T, v any) {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("JSON-RPC error %d: %s", r.Error.Code, r.Error.Message)
	}
	if err := json.Unmarshal(r.Result, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Result, err)
	}
}

type toolResult struct {
	IsError bool `json:"isError"`
	Content []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Data     string `json:"data"`
		MimeType string `json:"mimeType"`
		Resource *struct {
			URI  string `json:"uri"`
			Text string `json:"text"`
			Blob string `json:"blob"`
		} `json:"resource"`
	} `json:"content"`
	StructuredContent map[string]any `json:"structuredContent"`
}

func (r toolResult) text() string {
	var parts []string
	for _, c := range r.Content {
		parts = append(parts, c.Text)
	}
	return strings.Join(parts, "\n")
}

// call sends tools/call; a JSON-RPC error fails the test.
func (h *harness) call(t *testing.T, ctx context.Context, tool string, args any) toolResult {
	t.Helper()
	var res toolResult
	h.rpc(t, ctx, "tools/call", map[string]any{"name": tool, "arguments": args}).decode(t, &res)
	return res
}

// listTools names the tools tools/list shows the caller in ctx.
func (h *harness) listTools(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var res struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	h.rpc(t, ctx, "tools/list", map[string]any{}).decode(t, &res)
	names := []string{}
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// records parses the audit lines written so far.
func (h *harness) records(t *testing.T) []record {
	t.Helper()
	var recs []record
	for line := range strings.Lines(h.trail.String()) {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line is not JSON: %q", line)
		}
		recs = append(recs, r)
	}
	return recs
}

// last is the latest audit record; none fails the test.
func (h *harness) last(t *testing.T) record {
	t.Helper()
	recs := h.records(t)
	if len(recs) == 0 {
		t.Fatal("no audit record was written")
	}
	return recs[len(recs)-1]
}
