package access

// The matrix against the real server: for every cell of every row, what
// the matrix says is what a real client gets, over Streamable HTTP on a
// loopback listener (each principal by its API key) and over stdio (the
// stdio principal). An allowed entry is listed and its call succeeds; a
// denied one is not listed and its call is refused; a depends one is
// listed, and its call succeeds exactly when the condition holds.

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcptransport "github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/transport"
)

// waitLimit bounds each request, so that a hang fails the test.
const waitLimit = 30 * time.Second

// probes are the calls that exercise each column: arguments a validator
// accepts, so that only the guard and binds can refuse them. For a
// column whose guard depends on the arguments, pass satisfies the
// condition and fail does not.
var probes = map[string]struct{ pass, fail map[string]any }{
	"get_order":    {pass: map[string]any{"order_id": 7}},
	"refund":       {pass: map[string]any{"order_id": 7, "amount": 10}, fail: map[string]any{"order_id": 7, "amount": 5000}},
	"acme_report":  {},
	"local_only":   {},
	"office_hours": {},
	"unguarded":    {},
}

const (
	policyURI = "docs://policy"
	orderURI  = "orders://7"
)

// serve builds testdata/access.hcl for serving and serves it on a
// loopback port until the test ends.
func serve(t *testing.T) (*runtime.Server, string) {
	t.Helper()
	gen, _ := build(t, runtime.BuildServe)
	srv := runtime.NewServer(gen, runtime.ServerOptions{Log: zerolog.New(io.Discard)})
	t.Cleanup(srv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- transport.ServeStreamable(ctx, srv, ln, transport.DefaultHTTPOptions()) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeStreamable: %v", err)
		}
	})
	return srv, "http://" + ln.Addr().String() + "/mcp"
}

func connectHTTP(t *testing.T, url, key string) (*client.Client, error) {
	t.Helper()
	headers := map[string]string{}
	if key != "" {
		headers["Authorization"] = "Bearer " + key
	}
	c, err := client.NewStreamableHttpClient(url, mcptransport.WithHTTPHeaders(headers),
		mcptransport.WithHTTPLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c, initialize(c)
}

// connectStdio serves srv over stdio through pipes, as `mcpgen serve
// --stdio` does on the process's own.
func connectStdio(t *testing.T, srv *runtime.Server) *client.Client {
	t.Helper()
	toServer, fromClient := io.Pipe()
	toClient, fromServer := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- transport.ServeStdio(ctx, srv, toServer, fromServer, time.Second)
		fromServer.Close()
	}()
	c := client.NewClient(mcptransport.NewIO(toClient, fromClient, nil))
	t.Cleanup(func() {
		c.Close()
		cancel()
		fromClient.Close()
		<-done
	})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := initialize(c); err != nil {
		t.Fatal(err)
	}
	return c
}

func initialize(c *client.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "access-test", Version: "1"}
	_, err := c.Initialize(ctx, req)
	return err
}

// listed is what the caller's four lists name, by column label.
func listed(t *testing.T, c *client.Client) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	seen := map[string]bool{}
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tools.Tools {
		seen[x.Name] = true
	}
	res, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res.Resources {
		seen["resource:"+x.Name] = true
	}
	tmpls, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tmpls.ResourceTemplates {
		seen["template:"+x.Name] = true
	}
	prompts, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range prompts.Prompts {
		seen["prompt:"+x.Name] = true
	}
	return seen
}

// use calls, reads or gets the column's entry with args; nil when it
// succeeded.
func use(c *client.Client, col Column, args map[string]any) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	switch {
	case col.Kind == runtime.KindTool:
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = col.Name, args
		res, err := c.CallTool(ctx, req)
		if err == nil && res.IsError {
			err = errors.New(mcp.GetTextFromContent(res.Content[0]))
		}
		return err
	case col.Kind == runtime.KindResource:
		req := mcp.ReadResourceRequest{}
		req.Params.URI = policyURI
		if col.Template {
			req.Params.URI = orderURI
		}
		_, err := c.ReadResource(ctx, req)
		return err
	default:
		req := mcp.GetPromptRequest{}
		req.Params.Name = col.Name
		_, err := c.GetPrompt(ctx, req)
		return err
	}
}

func TestMatrixAgreesWithCalls(t *testing.T) {
	gen, principals := build(t, runtime.BuildOffline)
	m := Build(context.Background(), gen, principals)
	srv, url := serve(t)
	checked := 0
	for i, row := range m.Rows {
		t.Run(row.Name, func(t *testing.T) {
			var c *client.Client
			switch row.Name {
			case "anonymous":
				// Refused at the gate: nothing is reachable.
				if _, err := connectHTTP(t, url, ""); !errors.Is(err, mcptransport.ErrAuthorizationRequired) {
					t.Fatalf("anonymous initialize: %v, want the 401 of authorization required", err)
				}
				for _, d := range m.Cells[i] {
					if d.Verdict != runtime.Denied {
						t.Fatalf("anonymous has a cell %s", d.Verdict)
					}
				}
				checked += len(m.Columns)
				return
			case "stdio":
				c = connectStdio(t, srv)
			default:
				var err error
				if c, err = connectHTTP(t, url, "mcpk_access_"+row.Name); err != nil {
					t.Fatal(err)
				}
			}
			seen := listed(t, c)
			for j, col := range m.Columns {
				checked++
				d := m.Cells[i][j]
				p := probes[col.Name]
				err := use(c, col, p.pass)
				switch d.Verdict {
				case runtime.Allowed:
					if err != nil || !seen[col.Label()] {
						t.Errorf("%s is allowed, but listed %v and its use answered %v", col.Label(), seen[col.Label()], err)
					}
				case runtime.Denied:
					if err == nil || seen[col.Label()] {
						t.Errorf("%s is denied (%s), but listed %v and its use answered %v", col.Label(), d.Reason, seen[col.Label()], err)
					}
				case runtime.Depends:
					if strings.Contains(d.Condition, "request.time") {
						continue // the time of day: tools/list decides it now, the matrix leaves it open
					}
					if !seen[col.Label()] {
						t.Errorf("%s depends on %s, but is not listed", col.Label(), d.Condition)
					}
					if err != nil {
						t.Errorf("%s depends on %s; a call that satisfies it answered %v", col.Label(), d.Condition, err)
					}
					if err := use(c, col, p.fail); err == nil {
						t.Errorf("%s depends on %s; a call that does not satisfy it succeeded", col.Label(), d.Condition)
					}
				}
			}
		})
	}
	if want := len(m.Rows) * len(m.Columns); checked != want {
		t.Fatalf("checked %d cells of %d", checked, want)
	}
	if !slices.ContainsFunc(m.Cells, func(r []runtime.Decision) bool {
		return slices.ContainsFunc(r, func(d runtime.Decision) bool {
			return d.Verdict == runtime.Depends && d.Condition == "args.amount < 1000"
		})
	}) {
		t.Fatal("no cell depends on the arguments: the test would not show residuals agree")
	}
}
