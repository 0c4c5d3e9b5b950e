package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/lockfile"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// A resource block with an MCP source re-exposes one upstream resource:
//
//	resource "handbook" {
//	  uri               = "docs://handbook"
//	  source            = source.mcp.wiki
//	  upstream_resource = "wiki://pages/handbook"
//	}
//
// The runtime reads it as a query named "resource:NAME" (a Tool here,
// with resource set): guard, timeout, audit and the breaker apply as to a
// tool call, and its definition in the upstream's resources/list is
// pinned like a tool's, under the key "resource:URI".

var resourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "upstream_resource", Required: true}},
}

// decodeResource decodes upstream_resource. The resource's URI is fixed,
// so it has nothing for a param or a bind to fill.
func (s *Source) decodeResource(t *Tool, tool *cfg.Tool) (adapter.Tool, hcl.Diagnostics) {
	t.resource = true
	content, diags := tool.Body.Content(resourceSchema)
	if attr, ok := content.Attributes["upstream_resource"]; ok {
		v, ds := cfg.PublicStringAttr(attr, tool.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if u, err := url.Parse(v); err != nil || u.Scheme == "" {
				diags = append(diags, cfg.AttrError(attr, "Invalid upstream_resource",
					"upstream_resource must be the absolute URI of a resource the upstream lists, such as \"wiki://pages/handbook\", not %q.", v))
			}
			t.upstream = v
		}
	}
	for _, p := range tool.Params {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Param on an upstream resource",
			Detail:  "A resource re-exposed from an MCP server has a fixed uri, so it takes no params; remove the param block.",
			Subject: p.DeclRange.Ptr()})
	}
	for _, b := range tool.Binds {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Bind on an upstream resource",
			Detail:  "resources/read sends only the resource's URI upstream: there is no argument for a bind to fill; remove the bind block.",
			Subject: b.DeclRange.Ptr()})
	}
	if !diags.HasErrors() {
		s.tools = append(s.tools, t)
	}
	return t, diags
}

// noun is what t re-exposes, in messages.
func (t *Tool) noun() string {
	switch {
	case t.resource:
		return "resource"
	case t.prompt:
		return "prompt"
	}
	return "tool"
}

// label names t to a client: `The tool "NAME"` or `The resource "NAME"`.
func (t *Tool) label() string {
	if t.resource {
		return fmt.Sprintf("The resource %q", t.name[len(cfg.ResourceQueryPrefix):])
	}
	if t.prompt {
		return fmt.Sprintf("The prompt %q", t.name[len(cfg.PromptPrefix):])
	}
	return fmt.Sprintf("The tool %q", t.name)
}

// listing is what the upstream offers that declarations can be built on.
type listing struct {
	tools     []mcpgo.Tool
	resources []mcpgo.Resource
	prompts   []mcpgo.Prompt
}

// list reads the upstream's tools, and its resources when a resource is
// declared on the source (an upstream without resources is not asked).
func (s *Source) list(ctx context.Context, c *client.Client) (*listing, error) {
	tools, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
	if err != nil {
		return nil, fmt.Errorf("tools/list: %w", err)
	}
	l := &listing{tools: tools.Tools}
	for _, t := range s.tools {
		if !t.resource {
			continue
		}
		res, err := c.ListResources(ctx, mcpgo.ListResourcesRequest{})
		if err != nil {
			return nil, fmt.Errorf("resources/list: %w", err)
		}
		l.resources = res.Resources
		break
	}
	for _, t := range s.tools {
		if !t.prompt {
			continue
		}
		res, err := c.ListPrompts(ctx, mcpgo.ListPromptsRequest{})
		if err != nil {
			return nil, fmt.Errorf("prompts/list: %w", err)
		}
		l.prompts = res.Prompts
		break
	}
	return l, nil
}

// resourceDefinitionKeys are what a resource definition's hash covers:
// what the upstream tells a model about it. Its size is left out: it
// follows the content, which may change.
var resourceDefinitionKeys = []string{"uri", "name", "title", "description", "mimeType", "annotations"}

// resourceDefinitions are the definitions of the wanted upstream
// resources, by key ("resource:URI").
func (s *Source) resourceDefinitions(resources []mcpgo.Resource, wanted map[string]bool) map[string]*definition {
	defs := map[string]*definition{}
	for _, r := range resources {
		key := cfg.ResourceQueryPrefix + r.URI
		if !wanted[key] {
			continue
		}
		canonical, _, err := canonicalJSON(r, resourceDefinitionKeys)
		if err != nil {
			s.log.Warn().Err(err).Str("upstream_resource", r.URI).Msg("cannot read the upstream resource's definition")
			continue
		}
		defs[key] = newPinned(canonical)
	}
	return defs
}

// read is resources/read upstream. The contents pass through as
// embedded resources (the runtime answers with them under our URI),
// within max_result_bytes.
func (t *Tool) read(ctx context.Context, sess *session) (answer, error) {
	req := mcpgo.ReadResourceRequest{}
	req.Params.URI = t.upstream
	res, err := sess.client.ReadResource(ctx, req)
	if err != nil {
		return answer{}, err
	}
	blocks := make([]mcpgo.Content, 0, len(res.Contents))
	for _, c := range res.Contents {
		blocks = append(blocks, mcpgo.NewEmbeddedResource(c))
	}
	content, err := json.Marshal(blocks)
	if err != nil {
		return answer{err: fmt.Errorf("encoding the upstream's contents: %w", err)}, nil
	}
	if size := int64(len(content)); size > t.src.maxBytes {
		return answer{err: &adapter.ToolError{Msg: fmt.Sprintf(
			"The upstream resource (%d bytes) is larger than the %d bytes this server passes on.", size, t.src.maxBytes)}}, nil
	}
	return answer{out: &adapter.Result{Content: content, Rows: len(blocks)}}, nil
}

// newPinned is a definition of canonical JSON with no arguments.
func newPinned(canonical json.RawMessage) *definition {
	return &definition{hash: lockfile.Hash(canonical), canonical: canonical, properties: map[string]any{}}
}
