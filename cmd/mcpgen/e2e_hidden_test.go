package main

// End-to-end tests of what a caller may not see: a tool, resource,
// template or prompt it could never use answers byte for byte as one that
// does not exist, over Streamable HTTP and stdio, and is audited as a
// denial; lists are filtered before they are paged, so pages are full and
// cursors name only what the caller was sent.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

const (
	hiddenTools      = "testdata/e2e/hidden_tools.hcl"
	hiddenPrimitives = "testdata/e2e/hidden_primitives.hcl"
	staffKey         = "mcpk_test_staff"
	guestKey         = "mcpk_test_guest"
)

// toolNotFound calls a tool the caller may not call and checks that the
// answer is mcp-go's for a tool that does not exist.
func toolNotFound(t *testing.T, c *client.Client, tool string, args map[string]any) {
	t.Helper()
	res, err := callTool(c, tool, args)
	if want := fmt.Sprintf("tool '%s' not found: tool not found", tool); !errors.Is(err, mcp.ErrInvalidParams) || !strings.Contains(err.Error(), want) {
		t.Fatalf("tools/call %s: %+v %v, want invalid params %q", tool, res, err, want)
	}
}

// rawClient sends JSON-RPC requests and returns each answer's bytes as
// the server wrote them: codes and wording a client library would turn
// into an error value are compared as they are.
type rawClient interface {
	send(t *testing.T, request string) []byte
	// stop ends the server and returns its whole log.
	stop(t *testing.T) *logLines
}

const rawInitialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

// rawHTTP is a session over plain HTTP.
type rawHTTP struct {
	url, token, session string
	srv                 *server
}

func newRawHTTP(t *testing.T, srv *server, token string) *rawHTTP {
	t.Helper()
	c := &rawHTTP{url: srv.url, token: token, srv: srv}
	resp := c.post(t, rawInitialize)
	c.session = resp.Header.Get("Mcp-Session-Id")
	resp.Body.Close()
	if c.session == "" {
		t.Fatal("initialize issued no session id")
	}
	c.post(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`).Body.Close()
	return c
}

func (c *rawHTTP) post(t *testing.T, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+c.token)
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (c *rawHTTP) send(t *testing.T, request string) []byte {
	t.Helper()
	resp := c.post(t, request)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d %s", request, resp.StatusCode, body)
	}
	// An answer may come as one server-sent event.
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		for line := range strings.Lines(string(body)) {
			if data, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "data: "); ok {
				return []byte(data)
			}
		}
		t.Fatalf("%s: no data in the event stream %q", request, body)
	}
	return bytes.TrimSpace(body)
}

func (c *rawHTTP) stop(t *testing.T) *logLines {
	t.Helper()
	if err := c.srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.srv.logs.ended()
	if err := c.srv.cmd.Wait(); err != nil {
		t.Fatalf("the server's exit: %v", err)
	}
	return c.srv.logs
}

// rawStdio is `mcpgen serve --stdio` spoken to line by line.
type rawStdio struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	log *logLines
}

func newRawStdio(t *testing.T, args ...string) *rawStdio {
	t.Helper()
	cmd := mainCommand(nil, append([]string{"serve", "--stdio", "--log-level", "debug"}, args...)...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting stdio server: %v", err)
	}
	t.Cleanup(func() {
		in.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	c := &rawStdio{cmd: cmd, in: in, out: bufio.NewScanner(out), log: newLogLines()}
	c.out.Buffer(make([]byte, 1<<20), 1<<20)
	go c.log.collect(stderr)
	c.send(t, rawInitialize)
	if _, err := io.WriteString(in, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	return c
}

// send writes one request and returns the next line that answers one.
func (c *rawStdio) send(t *testing.T, request string) []byte {
	t.Helper()
	if _, err := io.WriteString(c.in, request+"\n"); err != nil {
		t.Fatal(err)
	}
	for c.out.Scan() {
		var msg struct{ ID any }
		if err := json.Unmarshal(c.out.Bytes(), &msg); err == nil && msg.ID != nil {
			return slices.Clone(c.out.Bytes())
		}
	}
	t.Fatalf("%s: the server closed stdout (%v); log:\n%s", request, c.out.Err(), c.log)
	return nil
}

func (c *rawStdio) stop(t *testing.T) *logLines {
	t.Helper()
	c.in.Close() // the end of stdin ends the server
	c.log.ended()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("the server's exit: %v", err)
	}
	return c.log
}

// ended waits until the process has closed its log: Wait closes the pipe,
// so it must not be called before the log is read to its end.
func (l *logLines) ended() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.done {
		l.cond.Wait()
	}
}

// rpcRequest is a JSON-RPC request with id 7, so that answers compare
// byte for byte.
func rpcRequest(t *testing.T, method string, params map[string]any) string {
	t.Helper()
	p, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":%q,"params":%s}`, method, p)
}

// probe is a request for something hidden from the caller beside the same
// request for something that does not exist: the answers must be the same
// bytes once the name (or URI) is swapped.
type probe struct {
	name            string
	method          string
	hidden, unknown map[string]any
	// hiddenName and unknownName are the strings the two requests differ
	// by, as they appear in an answer.
	hiddenName, unknownName string
}

func checkProbes(t *testing.T, c rawClient, probes []probe) {
	t.Helper()
	for _, p := range probes {
		hidden := c.send(t, rpcRequest(t, p.method, p.hidden))
		unknown := c.send(t, rpcRequest(t, p.method, p.unknown))
		if want := bytes.ReplaceAll(unknown, []byte(p.unknownName), []byte(p.hiddenName)); !bytes.Equal(hidden, want) {
			t.Errorf("%s: a hidden %s answers\n  %s\nbut an unknown one\n  %s", p.name, p.hiddenName, hidden, unknown)
		}
		var answer struct{ Error *struct{ Code int } }
		if err := json.Unmarshal(unknown, &answer); err != nil || answer.Error == nil {
			t.Errorf("%s: the unknown %s answers %s, want a JSON-RPC error", p.name, p.unknownName, unknown)
		}
	}
}

// rawTransports serve args and connect a raw client that runs as a caller
// who may use only what is open: the guest key over HTTP, the stdio
// principal (no scopes) over stdio.
func rawTransports() []struct {
	name    string
	connect func(t *testing.T, args ...string) rawClient
} {
	return []struct {
		name    string
		connect func(t *testing.T, args ...string) rawClient
	}{
		{"http", func(t *testing.T, args ...string) rawClient {
			return newRawHTTP(t, startHTTPWith(t, mcp.ProtocolVersion20250618, bearer(guestKey), nil, args...), guestKey)
		}},
		{"stdio", func(t *testing.T, args ...string) rawClient { return newRawStdio(t, args...) }},
	}
}

// TestHiddenToolAnswersAsUnknown: a call to a tool the caller may never
// call gets mcp-go's answer for a tool that does not exist, byte for byte,
// whatever its arguments (they are not validated, so its schema does not
// leak), and is audited as a denial; a call to an unknown tool is audited
// too.
func TestHiddenToolAnswersAsUnknown(t *testing.T) {
	args := map[string]any{"order_id": 1, "reason": "x"}
	callParams := func(name string, args map[string]any) map[string]any {
		p := map[string]any{"name": name}
		if args != nil {
			p["arguments"] = args
		}
		return p
	}
	probes := []probe{
		{"valid arguments", "tools/call", callParams("b_staff", args), callParams("zz_nope", args), "b_staff", "zz_nope"},
		{"invalid arguments", "tools/call", callParams("b_staff", map[string]any{"order_id": "x"}), callParams("zz_nope", args), "b_staff", "zz_nope"},
		{"no arguments", "tools/call", callParams("b_staff", nil), callParams("zz_nope", args), "b_staff", "zz_nope"},
		{"a tool that only guards itself", "tools/call", callParams("d_staff", nil), callParams("zz_nope", nil), "d_staff", "zz_nope"},
	}
	for _, tr := range rawTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			c := tr.connect(t, hiddenTools)
			checkProbes(t, c, probes)

			// A tool the caller can see whose guard refuses these
			// arguments still says so.
			var denied struct {
				Result struct {
					IsError bool
					Content []struct{ Text string }
				}
			}
			if err := json.Unmarshal(c.send(t, rpcRequest(t, "tools/call", callParams("e_public", map[string]any{"n": 50}))), &denied); err != nil ||
				!denied.Result.IsError || len(denied.Result.Content) != 1 || !strings.HasPrefix(denied.Result.Content[0].Text, "Permission denied") {
				t.Errorf("e_public with n = 50: %+v %v, want Permission denied", denied, err)
			}

			logs := c.stop(t)
			last := logs.awaitAll(t, `"log":"audit"`, `"tool":"zz_nope"`, `"outcome":"invalid"`, `"error_class":"unknown"`, `"args":null`)
			var hidden []string
			for line := range strings.Lines(logs.String()) {
				if strings.Contains(line, `"log":"audit"`) && strings.Contains(line, `"tool":"b_staff"`) {
					hidden = append(hidden, line)
				}
			}
			if len(hidden) != 3 {
				t.Fatalf("%d audit records of the calls to b_staff, want 3:\n%s", len(hidden), logs)
			}
			for _, line := range hidden {
				if !strings.Contains(line, `"outcome":"denied"`) || !strings.Contains(line, `"error_class":"policy"`) || !strings.Contains(line, `"reason":"not visible to the caller"`) {
					t.Errorf("audit record of a hidden tool: %s", line)
				}
			}
			if !strings.Contains(hidden[0], `"args":{"order_id":1,"reason":"x"}`) || !strings.Contains(hidden[0], `"subject":"`) {
				t.Errorf("the audit record of a hidden call lacks what was sent: %s", hidden[0])
			}
			if strings.Contains(last, `"subject":""`) {
				t.Errorf("the audit record of an unknown tool lacks the caller: %s", last)
			}
		})
	}

	// Who may call it calls it.
	s := startHTTPWith(t, mcp.ProtocolVersion20250618, bearer(staffKey), nil, hiddenTools)
	if got := ok(t, call(t, s.client, "b_staff", args)); got["order_id"] != 1.0 {
		t.Errorf("b_staff for staff: %v", got)
	}
}

// listAll follows a list's cursors to the end, checking that every page
// but the last is full and that each cursor names the last item sent.
func listAll(t *testing.T, what string, list func(cursor mcp.Cursor) ([]string, mcp.Cursor, error)) []string {
	t.Helper()
	const pageSize = 2 // hidden_tools.hcl
	var all []string
	var cursor mcp.Cursor
	for pages := 0; ; pages++ {
		names, next, err := list(cursor)
		if err != nil {
			t.Fatalf("%s page %d: %v", what, pages, err)
		}
		all = append(all, names...)
		if next == "" {
			if len(names) > pageSize {
				t.Errorf("%s: last page %v, want at most %d", what, names, pageSize)
			}
			return all
		}
		if len(names) != pageSize {
			t.Errorf("%s page %d: %v, want a full page of %d", what, pages, names, pageSize)
		}
		decoded, err := base64.StdEncoding.DecodeString(string(next))
		if err != nil || len(names) == 0 || string(decoded) != names[len(names)-1] {
			t.Errorf("%s page %d: the cursor holds %q, want the last name sent of %v", what, pages, decoded, names)
		}
		if pages > 10 {
			t.Fatalf("%s: more than 10 pages", what)
		}
		cursor = next
	}
}

func toolPages(t *testing.T, c *client.Client) []string {
	return listAll(t, "tools/list", func(cursor mcp.Cursor) ([]string, mcp.Cursor, error) {
		var req mcp.ListToolsRequest
		req.Params.Cursor = cursor
		res, err := c.ListToolsByPage(context.Background(), req)
		if err != nil {
			return nil, "", err
		}
		var names []string
		for _, x := range res.Tools {
			names = append(names, x.Name)
		}
		return names, res.NextCursor, nil
	})
}

// TestToolPagesPerCaller: tools/list is filtered for the caller before it
// is cut into pages, so every page is full and no cursor holds the name of
// a tool the caller may not call.
func TestToolPagesPerCaller(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(t *testing.T) *server
		want  []string
	}{
		{"guest over HTTP", func(t *testing.T) *server {
			return startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, bearer(guestKey), nil, hiddenTools)
		}, []string{"a_public", "c_public", "e_public"}},
		{"stdio", func(t *testing.T) *server { return startStdio(t, nil, hiddenTools) }, []string{"a_public", "c_public", "e_public"}},
		{"staff over HTTP", func(t *testing.T) *server {
			return startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, bearer(staffKey), nil, hiddenTools)
		}, []string{"a_public", "b_staff", "c_public", "d_staff", "e_public", "f_staff"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := toolPages(t, tt.start(t).client); !slices.Equal(got, tt.want) {
				t.Errorf("tools/list = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPrimitivePagesPerCaller: resources, templates and prompts are
// filtered per caller like tools, before they are paged.
func TestPrimitivePagesPerCaller(t *testing.T) {
	type lists struct{ resources, templates, prompts []string }
	open := lists{
		[]string{"a_open", "c_open", "e_open"},
		[]string{"t_a_open", "t_c_open", "t_e_open"},
		[]string{"a_open", "c_open", "e_open", "f_open_embeds_staff"},
	}
	for _, tt := range []struct {
		name  string
		start func(t *testing.T) *server
		want  lists
	}{
		{"guest over HTTP", func(t *testing.T) *server {
			return startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, bearer(guestKey), nil, hiddenTools, hiddenPrimitives)
		}, open},
		{"stdio", func(t *testing.T) *server { return startStdio(t, nil, hiddenTools, hiddenPrimitives) }, open},
		{"staff over HTTP", func(t *testing.T) *server {
			return startHTTPWith(t, mcp.LATEST_PROTOCOL_VERSION, bearer(staffKey), nil, hiddenTools, hiddenPrimitives)
		}, lists{
			[]string{"a_open", "b_staff", "c_open", "d_staff", "e_open"},
			[]string{"t_a_open", "t_b_staff", "t_c_open", "t_d_staff", "t_e_open"},
			[]string{"a_open", "b_staff", "c_open", "d_staff", "e_open", "f_open_embeds_staff"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.start(t).client
			ctx := context.Background()
			var got lists
			got.resources = listAll(t, "resources/list", func(cursor mcp.Cursor) ([]string, mcp.Cursor, error) {
				var req mcp.ListResourcesRequest
				req.Params.Cursor = cursor
				res, err := c.ListResourcesByPage(ctx, req)
				if err != nil {
					return nil, "", err
				}
				var names []string
				for _, x := range res.Resources {
					names = append(names, x.Name)
				}
				return names, res.NextCursor, nil
			})
			got.templates = listAll(t, "resources/templates/list", func(cursor mcp.Cursor) ([]string, mcp.Cursor, error) {
				var req mcp.ListResourceTemplatesRequest
				req.Params.Cursor = cursor
				res, err := c.ListResourceTemplatesByPage(ctx, req)
				if err != nil {
					return nil, "", err
				}
				var names []string
				for _, x := range res.ResourceTemplates {
					names = append(names, x.Name)
				}
				return names, res.NextCursor, nil
			})
			got.prompts = listAll(t, "prompts/list", func(cursor mcp.Cursor) ([]string, mcp.Cursor, error) {
				var req mcp.ListPromptsRequest
				req.Params.Cursor = cursor
				res, err := c.ListPromptsByPage(ctx, req)
				if err != nil {
					return nil, "", err
				}
				var names []string
				for _, x := range res.Prompts {
					names = append(names, x.Name)
				}
				return names, res.NextCursor, nil
			})
			if !slices.Equal(got.resources, tt.want.resources) || !slices.Equal(got.templates, tt.want.templates) || !slices.Equal(got.prompts, tt.want.prompts) {
				t.Errorf("lists\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestHiddenPrimitivesAnswerAsUnknown: reading a resource, getting a
// prompt or completing an argument of either that the caller may never
// use answers byte for byte as for one that does not exist; every read and
// get is audited, a hidden one as a denial.
func TestHiddenPrimitivesAnswerAsUnknown(t *testing.T) {
	read := func(uri string) map[string]any { return map[string]any{"uri": uri} }
	get := func(name string, args map[string]any) map[string]any {
		p := map[string]any{"name": name}
		if args != nil {
			p["arguments"] = args
		}
		return p
	}
	complete := func(ref map[string]any, arg string) map[string]any {
		return map[string]any{"ref": ref, "argument": map[string]any{"name": arg, "value": "1"}}
	}
	prompt := func(name string) map[string]any { return map[string]any{"type": "ref/prompt", "name": name} }
	template := func(uri string) map[string]any { return map[string]any{"type": "ref/resource", "uri": uri} }
	probes := []probe{
		{"static resource", "resources/read", read("docs://staff"), read("docs://nothing"), "docs://staff", "docs://nothing"},
		{"template", "resources/read", read("staff://orders/1"), read("nothing://orders/1"), "staff://orders/1", "nothing://orders/1"},
		{"template, invalid variable", "resources/read", read("staff://orders/x"), read("nothing://orders/x"), "staff://orders/x", "nothing://orders/x"},
		{"prompt", "prompts/get", get("b_staff", map[string]any{"order_id": "1"}), get("zz_nope", map[string]any{"order_id": "1"}), "b_staff", "zz_nope"},
		{"prompt, missing argument", "prompts/get", get("b_staff", nil), get("zz_nope", nil), "b_staff", "zz_nope"},
		{"prompt completion", "completion/complete", complete(prompt("b_staff"), "order_id"), complete(prompt("zz_nope"), "order_id"), "b_staff", "zz_nope"},
		{"template completion", "completion/complete", complete(template("staff://orders/{id}"), "id"), complete(template("nothing://orders/{id}"), "id"),
			"staff://orders/{id}", "nothing://orders/{id}"},
	}
	for _, tr := range rawTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			c := tr.connect(t, hiddenTools, hiddenPrimitives)
			checkProbes(t, c, probes)

			// An open prompt that embeds a hidden resource: the caller
			// is told no more than that the resource does not exist.
			answer := string(c.send(t, rpcRequest(t, "prompts/get", get("f_open_embeds_staff", nil))))
			if !strings.Contains(answer, `resource not found: no resource has the uri \"docs://staff\"`) {
				t.Errorf("f_open_embeds_staff: %s", answer)
			}
			if answer := string(c.send(t, rpcRequest(t, "resources/read", read("docs://open")))); !strings.Contains(answer, "Open to all.") {
				t.Errorf("docs://open: %s", answer)
			}
			if answer := string(c.send(t, rpcRequest(t, "prompts/get", get("a_open", map[string]any{"topic": "returns"})))); !strings.Contains(answer, "Tell me about returns.") {
				t.Errorf("a_open: %s", answer)
			}

			logs := c.stop(t)
			for _, want := range [][]string{
				{`"tool":"resource:b_staff"`, `"outcome":"denied"`, `"error_class":"policy"`},
				{`"tool":"resource:t_b_staff"`, `"outcome":"denied"`, `"error_class":"policy"`},
				{`"tool":""`, `"args":{"uri":"docs://nothing"}`, `"outcome":"invalid"`, `"error_class":"unknown"`},
				{`"tool":"prompt:b_staff"`, `"args":{"order_id":"1"}`, `"outcome":"denied"`, `"error_class":"policy"`},
				{`"tool":"prompt:zz_nope"`, `"outcome":"invalid"`, `"error_class":"unknown"`},
				{`"tool":"prompt:f_open_embeds_staff"`, `"outcome":"error"`},
				{`"tool":"resource:a_open"`, `"outcome":"ok"`},
				{`"tool":"prompt:a_open"`, `"outcome":"ok"`},
			} {
				logs.awaitAll(t, append([]string{`"log":"audit"`}, want...)...)
			}
		})
	}

	// Who may use them uses them.
	s := startHTTPWith(t, mcp.ProtocolVersion20250618, bearer(staffKey), nil, hiddenTools, hiddenPrimitives)
	res, err := readResource(s.client, "docs://staff")
	if err != nil || res.Contents[0].(mcp.TextResourceContents).Text != "Staff only." {
		t.Errorf("docs://staff for staff: %v %v", res, err)
	}
	p, err := getPrompt(s.client, "d_staff", nil)
	if err != nil || p.Messages[0].Content.(mcp.EmbeddedResource).Resource.(mcp.TextResourceContents).Text != "Staff only." {
		t.Errorf("d_staff for staff: %v %v", p, err)
	}
}
