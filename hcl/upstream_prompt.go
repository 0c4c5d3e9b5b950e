package hcl

import (
	"github.com/hashicorp/hcl/v2"
)

// A prompt with a source has its messages from the source (an upstream
// MCP server's prompt, named by upstream_prompt in the adapter's part of
// the body). It runs as a query named "prompt:NAME", like a resource read
// from a source: its params are the prompt's arguments, so validation,
// guard, binds, timeout and audit are the tool path's.

// promptQuerySchema is promptSchema with what a query adds: source,
// timeout and binds (guard is the prompt's own).
var promptQuerySchema = &hcl.BodySchema{
	Attributes: append(append([]hcl.AttributeSchema{}, promptSchema.Attributes...), hcl.AttributeSchema{Name: "source"}, hcl.AttributeSchema{Name: "timeout"}),
	Blocks:     append(append([]hcl.BlockHeaderSchema{}, promptSchema.Blocks...), hcl.BlockHeaderSchema{Type: "bind", LabelNames: []string{"name"}}),
}

// decodePromptContent reads a prompt block: with a source, what is left
// (remain) is the adapter's; without one, nothing is left over.
func decodePromptContent(block *hcl.Block) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	has, _, _ := block.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "source"}}})
	if _, ok := has.Attributes["source"]; !ok {
		content, diags := block.Body.Content(promptSchema)
		return content, nil, diags
	}
	return restOf(block.Body).PartialContent(promptQuerySchema)
}

// decodeQuery builds the prompt's query when it has a source: its
// arguments are the query's string params.
func (p *Prompt) decodeQuery(content *hcl.BodyContent, remain hcl.Body, ctx *hcl.EvalContext) hcl.Diagnostics {
	if remain == nil {
		return nil
	}
	q, diags := decodeQuery(PromptPrefix+p.Name, content, remain, ctx, p.DeclRange, p.NameRange)
	if q == nil {
		return diags
	}
	for _, b := range content.Blocks {
		if b.Type == "message" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Message on a prompt from a source",
				Detail:  "A prompt with a source has its messages from the source; remove the message block, or the source.",
				Subject: b.DefRange.Ptr()})
		}
	}
	for _, a := range p.Arguments {
		param := &Param{Name: a.Name, Type: TypeString, Required: a.Required, Description: a.Description, DeclRange: a.DeclRange}
		for _, v := range a.Enum {
			param.Enum = append(param.Enum, v)
		}
		q.Params = append(q.Params, param)
	}
	p.Query = q
	return diags
}
