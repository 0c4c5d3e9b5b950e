package main

// A small upstream MCP server for the gateway tests (source "mcp"): a CRM
// whose search_contacts takes a tenant and a query, written with mcp-go.
// It serves over Streamable HTTP in the test process (startCRM), where it
// records the headers every request brought, and over stdio as this test
// binary run with MCPGEN_E2E_UPSTREAM=1 (serveCRMStdio), which `mcpgen
// serve` starts as a subprocess.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

const crmDescription = "Search the CRM's contacts of one tenant by name or e-mail."

// crm is one upstream server instance and what it saw.
type crm struct {
	srv *mcpserver.MCPServer

	mu          sync.Mutex
	calls       []map[string]any // arguments of every search_contacts call
	initializes int
}

func newCRM() *crm { return newCRMWith(true) }

// newCRMWith is newCRM, telling its clients when its tools change only
// when listChanged says so.
func newCRMWith(listChanged bool) *crm {
	c := &crm{}
	hooks := &mcpserver.Hooks{}
	hooks.AddAfterInitialize(func(context.Context, any, *mcp.InitializeRequest, *mcp.InitializeResult) {
		c.mu.Lock()
		c.initializes++
		c.mu.Unlock()
	})
	c.srv = mcpserver.NewMCPServer("crm", "1.0.0", mcpserver.WithToolCapabilities(listChanged), mcpserver.WithHooks(hooks))
	c.srv.AddTool(searchContacts(crmDescription), c.search)
	c.srv.AddTool(mcp.NewTool("slow_report", mcp.WithDescription("A report that takes a long time.")),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			<-ctx.Done() // until the caller gives up
			return nil, ctx.Err()
		})
	c.srv.AddTool(mcp.NewTool("env_probe", mcp.WithDescription("Which variables the server process has.")),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultStructuredOnly(map[string]any{
				"gateway_secret": os.Getenv("GATEWAY_SECRET"), "upstream_role": os.Getenv("MCPGEN_E2E_UPSTREAM"),
			}), nil
		})
	c.srv.AddTool(mcp.NewTool("explode", mcp.WithDescription("Fails inside.")),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return nil, errors.New("pq: password authentication failed for user crm_admin at 10.1.2.3:5432")
		})
	c.srv.AddTool(mcp.NewTool("crash", mcp.WithDescription("Stops the server process.")),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			os.Exit(3)
			return nil, nil
		})
	return c
}

func searchContacts(description string) mcp.Tool {
	return mcp.NewTool("search_contacts", mcp.WithDescription(description),
		mcp.WithString("tenant", mcp.Required(), mcp.Description("The tenant whose contacts to search.")),
		mcp.WithString("query", mcp.Required(), mcp.Description("A name or e-mail.")),
		mcp.WithNumber("limit", mcp.Description("At most this many contacts.")),
		mcp.WithReadOnlyHintAnnotation(true))
}

// search answers with text, an image and structuredContent, so that the
// gateway's pass-through of each can be seen.
func (c *crm) search(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	args := req.GetArguments()
	c.mu.Lock()
	c.calls = append(c.calls, args)
	c.mu.Unlock()
	found := map[string]any{
		"tenant":   args["tenant"],
		"contacts": []any{map[string]any{"name": "Ada " + fmt.Sprint(args["query"]), "tenant": args["tenant"]}},
	}
	return &mcp.CallToolResult{
		Content: []mcp.Content{
			mcp.NewTextContent(fmt.Sprintf("1 contact of %v", args["tenant"])),
			mcp.NewImageContent("iVBORw0KGgo=", "image/png"),
		},
		StructuredContent: found,
	}, nil
}

func (c *crm) searchCalls() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]any(nil), c.calls...)
}

func (c *crm) initialized() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.initializes
}

// crmHTTP is the CRM over Streamable HTTP on a loopback port. restart
// replaces the server behind the port with a new one, which knows none of
// the old one's sessions.
type crmHTTP struct {
	url     string
	current atomic.Pointer[crm]
	handler atomic.Pointer[mcpserver.StreamableHTTPServer]

	mu            sync.Mutex
	authorization []string // the Authorization header of every request
	headers       []http.Header
}

func startCRM(t *testing.T) *crmHTTP {
	t.Helper()
	u := &crmHTTP{}
	u.restart()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.authorization = append(u.authorization, r.Header.Get("Authorization"))
		u.headers = append(u.headers, r.Header.Clone())
		u.mu.Unlock()
		u.handler.Load().ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	u.url = ts.URL + "/mcp"
	return u
}

func (u *crmHTTP) restart() *crm {
	return u.serve(newCRM())
}

// serve puts c behind the port, as a restart would.
func (u *crmHTTP) serve(c *crm) *crm {
	u.current.Store(c)
	u.handler.Store(mcpserver.NewStreamableHTTPServer(c.srv, mcpserver.WithStateful(true))) // a restart forgets sessions
	return c
}

func (u *crmHTTP) seen() ([]string, []http.Header) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.authorization...), append([]http.Header(nil), u.headers...)
}

// serveCRMStdio is the CRM over stdio, for `source "mcp"` with command.
// It says on stderr that it started, which the gateway logs.
func serveCRMStdio() {
	fmt.Fprintf(os.Stderr, "crm upstream %d starting\n", os.Getpid())
	if err := mcpserver.ServeStdio(newCRM().srv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
