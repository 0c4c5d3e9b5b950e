package mcp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// A prompt block with an MCP source re-exposes one upstream prompt:
//
//	prompt "triage" {
//	  source          = source.mcp.crm
//	  upstream_prompt = "triage_ticket"
//	  guard           = "'crm.read' in principal.scopes"
//	  argument "ticket" {}
//	  bind "tenant" { from = "principal.claims.org" }
//	}
//
// The runtime gets it as a query named "prompt:NAME" (a Tool here, with
// prompt set) whose params are the declared arguments; a bind fills an
// upstream argument from the caller's claims. Its definition in the
// upstream's prompts/list is pinned under the key "prompt:NAME".

var promptSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "upstream_prompt", Required: true}},
}

func (s *Source) decodePrompt(t *Tool, tool *cfg.Tool) (adapter.Tool, hcl.Diagnostics) {
	t.prompt = true
	content, diags := tool.Body.Content(promptSchema)
	if attr, ok := content.Attributes["upstream_prompt"]; ok {
		v, ds := cfg.PublicStringAttr(attr, tool.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if v == "" || len(v) > 128 {
				diags = append(diags, cfg.AttrError(attr, "Invalid upstream_prompt",
					"upstream_prompt must name a prompt the upstream lists (1 to 128 characters)."))
			}
			t.upstream = v
		}
	}
	if !diags.HasErrors() {
		s.tools = append(s.tools, t)
	}
	return t, diags
}

// promptDefinitionKeys are what a prompt definition's hash covers: what
// the upstream tells a model about it and the arguments it takes.
var promptDefinitionKeys = []string{"name", "title", "description", "arguments"}

// promptDefinitions adds the definitions of the wanted upstream prompts
// to defs, by key ("prompt:NAME"). Their arguments are what compatible
// checks our arguments and binds against.
func (s *Source) promptDefinitions(defs map[string]*definition, prompts []mcpgo.Prompt, wanted map[string]bool) {
	for _, p := range prompts {
		key := cfg.PromptPrefix + p.Name
		if !wanted[key] {
			continue
		}
		canonical, _, err := canonicalJSON(p, promptDefinitionKeys)
		if err != nil {
			s.log.Warn().Err(err).Str("upstream_prompt", p.Name).Msg("cannot read the upstream prompt's definition")
			continue
		}
		d := newPinned(canonical)
		for _, a := range p.Arguments {
			d.properties[a.Name] = map[string]any{"type": "string"}
			if a.Required {
				d.required = append(d.required, a.Name)
			}
		}
		defs[key] = d
	}
}

// get is prompts/get upstream with the caller's validated arguments and
// the bound ones (as strings: prompt arguments are). The upstream's
// result passes through as structuredContent, within max_result_bytes.
func (t *Tool) get(ctx context.Context, sess *session, args map[string]any) (answer, error) {
	req := mcpgo.GetPromptRequest{}
	req.Params.Name = t.upstream
	req.Params.Arguments = make(map[string]string, len(args))
	for k, v := range args {
		if s, ok := v.(string); ok {
			req.Params.Arguments[k] = s
		} else {
			req.Params.Arguments[k] = fmt.Sprint(v)
		}
	}
	res, err := sess.client.GetPrompt(ctx, req)
	if err != nil {
		return answer{}, err
	}
	raw, err := json.Marshal(struct {
		Description string                `json:"description,omitempty"`
		Messages    []mcpgo.PromptMessage `json:"messages"`
	}{res.Description, res.Messages})
	if err != nil {
		return answer{err: fmt.Errorf("encoding the upstream's prompt: %w", err)}, nil
	}
	if size := int64(len(raw)); size > t.src.maxBytes {
		return answer{err: &adapter.ToolError{Msg: fmt.Sprintf(
			"The upstream prompt (%d bytes) is larger than the %d bytes this server passes on.", size, t.src.maxBytes)}}, nil
	}
	return answer{out: &adapter.Result{Content: json.RawMessage("[]"), Structured: json.RawMessage(raw), Rows: len(res.Messages)}}, nil
}
