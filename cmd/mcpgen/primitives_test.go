package main

// End-to-end tests of resources, prompts, completions and fixed-content
// tools: the real mcpgen process and mcp-go's client over stdio and
// Streamable HTTP.

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

const primitives = "testdata/e2e/primitives.hcl"

type primitiveTransport struct {
	name  string
	start func(*testing.T, []string, ...string) *server
}

func primitiveTransports() []primitiveTransport {
	return []primitiveTransport{
		{"stdio", startStdio},
		{"http", startHTTP},
		{"http-2025-06-18", func(t *testing.T, env []string, args ...string) *server {
			return startHTTPVersion(t, mcp.ProtocolVersion20250618, env, args...)
		}},
	}
}

func readResource(c *client.Client, uri string) (*mcp.ReadResourceResult, error) {
	var req mcp.ReadResourceRequest
	req.Params.URI = uri
	return c.ReadResource(context.Background(), req)
}

func getPrompt(c *client.Client, name string, args map[string]string) (*mcp.GetPromptResult, error) {
	var req mcp.GetPromptRequest
	req.Params.Name = name
	req.Params.Arguments = args
	return c.GetPrompt(context.Background(), req)
}

func complete(c *client.Client, ref any, arg, value string) (*mcp.CompleteResult, error) {
	var req mcp.CompleteRequest
	req.Params.Ref = ref
	req.Params.Argument.Name = arg
	req.Params.Argument.Value = value
	return c.Complete(context.Background(), req)
}

// TestTechNovaPrimitives reads an order as a resource, gets the support
// prompt that embeds it, and completes its argument from the database.
func TestTechNovaPrimitives(t *testing.T) {
	for _, tr := range primitiveTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			s := tr.start(t, sqliteBackend().env(t), technova)
			c := s.client
			ctx := context.Background()

			tmpls, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
			if err != nil {
				t.Fatalf("resources/templates/list: %v", err)
			}
			if len(tmpls.ResourceTemplates) != 1 || tmpls.ResourceTemplates[0].URITemplate.Raw() != "technova://orders/{order_id}" ||
				tmpls.ResourceTemplates[0].MIMEType != "application/json" {
				t.Fatalf("resources/templates/list: got %+v, want the order template", tmpls.ResourceTemplates)
			}

			res, err := readResource(c, "technova://orders/1002")
			if err != nil {
				t.Fatalf("resources/read: %v", err)
			}
			text, ok := res.Contents[0].(mcp.TextResourceContents)
			if !ok || text.URI != "technova://orders/1002" || text.MIMEType != "application/json" {
				t.Fatalf("resources/read: got %#v, want JSON text at the URI read", res.Contents[0])
			}
			var order map[string]any
			if err := json.Unmarshal([]byte(text.Text), &order); err != nil {
				t.Fatalf("resource text %q: %v", text.Text, err)
			}
			if order["id"] != 1002.0 || order["org"] != "acme" || order["status"] != "delivered" {
				t.Errorf("order 1002: got %v", order)
			}

			for _, c2 := range []struct{ uri, want string }{
				{"technova://orders/99999", "No order with that order number."},
				{"technova://orders/abc", `"order_id"`},
				{"technova://orders/0", `"order_id"`},
			} {
				if _, err := readResource(c, c2.uri); err == nil || !strings.Contains(err.Error(), c2.want) {
					t.Errorf("resources/read %s: got %v, want an error containing %q", c2.uri, err, c2.want)
				}
			}
			// The order resource has a guard, so an unknown URI is
			// answered as one the caller may not read, in every revision.
			if _, err := readResource(c, "technova://customers/1"); !errors.Is(err, mcp.ErrInternalError) ||
				!strings.Contains(err.Error(), `resource not found: no resource has the uri "technova://customers/1"`) {
				t.Errorf("resources/read of an unknown URI: got %v, want an internal error saying resource not found", err)
			}

			p, err := getPrompt(c, "summarize_order_issue", map[string]string{"order_id": "1002"})
			if err != nil {
				t.Fatalf("prompts/get: %v", err)
			}
			if len(p.Messages) != 2 {
				t.Fatalf("prompts/get: got %d messages, want 2", len(p.Messages))
			}
			emb, ok := p.Messages[0].Content.(mcp.EmbeddedResource)
			if !ok {
				t.Fatalf("first message: got %#v, want an embedded resource", p.Messages[0].Content)
			}
			if r, ok := emb.Resource.(mcp.TextResourceContents); !ok || r.URI != "technova://orders/1002" || !strings.Contains(r.Text, `"id":1002`) {
				t.Errorf("embedded order: got %#v", emb.Resource)
			}
			if txt, ok := p.Messages[1].Content.(mcp.TextContent); !ok || !strings.Contains(txt.Text, "TechNova order 1002.") {
				t.Errorf("second message: got %#v", p.Messages[1].Content)
			}

			if _, err := getPrompt(c, "summarize_order_issue", nil); err == nil || !strings.Contains(err.Error(), `missing required argument "order_id"`) {
				t.Errorf("prompts/get without order_id: got %v, want it named as missing", err)
			}
			if _, err := getPrompt(c, "summarize_order_issue", map[string]string{"order_id": "99999"}); err == nil || !strings.Contains(err.Error(), "No order with that order number.") {
				t.Errorf("prompts/get of an unknown order: got %v, want the resource's not-found text", err)
			}

			comp, err := complete(c, mcp.PromptReference{Type: "ref/prompt", Name: "summarize_order_issue"}, "order_id", "104")
			if err != nil {
				t.Fatalf("completion/complete: %v", err)
			}
			// Only the caller's organization's orders (acme, over every
			// transport here) are offered.
			want := []string{"104", "1040", "1044", "1045", "1047", "1048", "1049"}
			got := slices.DeleteFunc(slices.Clone(comp.Completion.Values), func(v string) bool { return v == "104" }) // ids start at 1001
			if !slices.Equal(got, want[1:]) {
				t.Errorf("completion of 104: got %v, want %v", comp.Completion.Values, want[1:])
			}
		})
	}
}

// TestPrimitives covers what TechNova does not: pages, static text and
// blobs, a guarded resource, enums, and fixed-content tools.
func TestPrimitives(t *testing.T) {
	for _, tr := range primitiveTransports() {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			c := tr.start(t, nil, primitives).client
			ctx := context.Background()

			// Pages of two: follow the cursor to the end.
			var names []string
			var req mcp.ListResourcesRequest
			for pages := 0; ; pages++ {
				page, err := c.ListResourcesByPage(ctx, req)
				if err != nil {
					t.Fatalf("resources/list page %d: %v", pages, err)
				}
				if len(page.Resources) > 2 {
					t.Fatalf("resources/list page %d: got %d resources, want at most 2", pages, len(page.Resources))
				}
				for _, r := range page.Resources {
					names = append(names, r.Name)
				}
				if page.NextCursor == "" {
					break
				}
				req.Params.Cursor = page.NextCursor
			}
			// d_secret is for holders of docs.secret only.
			if want := []string{"a_handbook", "b_policy", "c_logo"}; !slices.Equal(names, want) {
				t.Errorf("resources/list: got %v, want %v", names, want)
			}

			cases := []struct {
				uri            string
				text, mimeType string
				blob           bool
				err            string
			}{
				{uri: "docs://handbook", text: "Be kind to customers.", mimeType: "text/plain"},
				{uri: "docs://policy", text: "# Refunds\nWithin 30 days.", mimeType: "text/markdown"},
				{uri: "docs://logo", blob: true, mimeType: "image/png"},
				{uri: "calc://square/12", text: `{"square":144}`, mimeType: "application/json"},
				{uri: "docs://secret", err: `resource not found: no resource has the uri "docs://secret"`},
				{uri: "calc://square/5", err: "must be one of"},
			}
			for _, tc := range cases {
				res, err := readResource(c, tc.uri)
				if tc.err != "" {
					if err == nil || !strings.Contains(err.Error(), tc.err) {
						t.Errorf("read %s: got %v, want an error containing %q", tc.uri, err, tc.err)
					}
					continue
				}
				if err != nil {
					t.Errorf("read %s: %v", tc.uri, err)
					continue
				}
				switch got := res.Contents[0].(type) {
				case mcp.TextResourceContents:
					if tc.blob || got.Text != tc.text || got.MIMEType != tc.mimeType {
						t.Errorf("read %s: got %#v, want text %q of type %s", tc.uri, got, tc.text, tc.mimeType)
					}
				case mcp.BlobResourceContents:
					if !tc.blob || got.Blob == "" || got.MIMEType != tc.mimeType {
						t.Errorf("read %s: got %#v, want a %s blob", tc.uri, got, tc.mimeType)
					}
				}
			}

			comp, err := complete(c, mcp.PromptReference{Type: "ref/prompt", Name: "greet"}, "tone", "FR")
			if err != nil || !slices.Equal(comp.Completion.Values, []string{"friendly", "frosty"}) {
				t.Errorf("complete tone FR: got %v %v, want friendly and frosty", comp, err)
			}
			comp, err = complete(c, mcp.ResourceReference{Type: "ref/resource", URI: "calc://square/{n}"}, "n", "1")
			if err != nil || !slices.Equal(comp.Completion.Values, []string{"1", "12"}) {
				t.Errorf("complete n 1: got %v %v, want 1 and 12", comp, err)
			}

			p, err := getPrompt(c, "greet", map[string]string{"name": "Ada"})
			if err != nil {
				t.Fatalf("prompts/get greet: %v", err)
			}
			if txt, ok := p.Messages[0].Content.(mcp.TextContent); !ok || txt.Text != "Greet Ada in a  tone." {
				t.Errorf("greet without a tone: got %#v", p.Messages[0].Content)
			}
			if p.Messages[1].Role != mcp.RoleAssistant {
				t.Errorf("second message role: got %q, want assistant", p.Messages[1].Role)
			}
			for _, tc := range []struct {
				args map[string]string
				want string
			}{
				{map[string]string{"name": "Ada", "tone": "rude"}, `argument "tone" must be one of "formal", "friendly", "frosty", got "rude"`},
				{map[string]string{"name": "Ada", "mood": "x"}, `argument "mood" is not an argument of this prompt`},
				{map[string]string{}, `missing required argument "name"`},
			} {
				if _, err := getPrompt(c, "greet", tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("greet %v: got %v, want an error containing %q", tc.args, err, tc.want)
				}
			}

			var call mcp.CallToolRequest
			call.Params.Name = "about"
			about, err := c.CallTool(ctx, call)
			if err != nil || about.IsError || len(about.Content) != 2 {
				t.Fatalf("about: got %+v %v, want two content items", about, err)
			}
			if emb, ok := about.Content[1].(mcp.EmbeddedResource); !ok || emb.Resource.(mcp.TextResourceContents).Text != "Be kind to customers." {
				t.Errorf("about's embedded handbook: got %#v", about.Content[1])
			}
			call.Params.Name = "broken"
			broken, err := c.CallTool(ctx, call)
			if err != nil || !broken.IsError || broken.Content[0].(mcp.TextContent).Text != "Not today." {
				t.Errorf("broken: got %+v %v, want the declared error", broken, err)
			}
		})
	}
}
