package hcl

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// The names of query tools say what they serve, in audit records and
// metrics as in diagnostics: "resource:order", "complete:PROMPT.ARGUMENT";
// a prompt is audited as "prompt:NAME".
const (
	ResourceQueryPrefix = "resource:"
	CompleteQueryPrefix = "complete:"
	PromptPrefix        = "prompt:"
)

// addPrimitive decodes a resource or prompt block and checks it against
// those already declared.
func (l *loader) addPrimitive(block *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	if block.Type == "prompt" {
		p, diags := decodePromptBlock(block, ctx)
		for _, prev := range l.cfg.Prompts {
			if prev.Name == p.Name {
				return append(diags, duplicateDiag("Duplicate prompt",
					fmt.Sprintf("prompt %q is already declared at %s.", p.Name, pos(prev.DeclRange)), p.DeclRange))
			}
		}
		l.cfg.Prompts = append(l.cfg.Prompts, p)
		return diags
	}
	r, diags := decodeResourceBlock(block, ctx)
	for _, prev := range l.cfg.Resources {
		var detail string
		switch {
		case prev.Name == r.Name:
			detail = fmt.Sprintf("resource %q is already declared at %s.", r.Name, pos(prev.DeclRange))
		case r.URI != "" && prev.URI == r.URI:
			detail = fmt.Sprintf("resource %q at %s already has the uri %q.", prev.Name, pos(prev.DeclRange), r.URI)
		case r.URITemplate != "" && prev.URITemplate == r.URITemplate:
			detail = fmt.Sprintf("resource %q at %s already has the uri_template %q.", prev.Name, pos(prev.DeclRange), r.URITemplate)
		default:
			continue
		}
		return append(diags, duplicateDiag("Duplicate resource", detail, r.DeclRange))
	}
	l.cfg.Resources = append(l.cfg.Resources, r)
	return diags
}

// Queries lists the tools, then the queries of resources and of argument
// completions.
func (c *Config) Queries() []*Tool {
	out := append([]*Tool(nil), c.Tools...)
	for _, r := range c.Resources {
		if r.Query != nil {
			out = append(out, r.Query)
		}
	}
	for _, p := range c.Prompts {
		for _, a := range p.Arguments {
			if a.Complete != nil {
				out = append(out, a.Complete)
			}
		}
	}
	return out
}

func describeQuery(t *Tool) string {
	switch {
	case strings.HasPrefix(t.Name, ResourceQueryPrefix):
		return fmt.Sprintf("resource %q", strings.TrimPrefix(t.Name, ResourceQueryPrefix))
	case strings.HasPrefix(t.Name, CompleteQueryPrefix):
		return fmt.Sprintf("the completion of %s", strings.TrimPrefix(t.Name, CompleteQueryPrefix))
	}
	return fmt.Sprintf("tool %q", t.Name)
}
