package hcl

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Confirm is a tool's confirm block: before the tool runs, the server asks
// the human at the client (MCP elicitation) and runs it only on accept.
// The server asks, not the model, so the model cannot answer for the user.
type Confirm struct {
	// Message is the question as written; Parts is it parsed, literal text
	// and {{param}} placeholders in order.
	Message string
	Parts   []MessagePart
	// OnNoElicitation is what happens when the client cannot ask its user
	// (it did not declare the elicitation capability): "deny" (the
	// default) refuses the call, "run" runs it unconfirmed.
	OnNoElicitation string
	// Timeout bounds the wait for the user's answer.
	Timeout time.Duration

	DeclRange    hcl.Range
	MessageRange hcl.Range
}

// MessagePart is literal text, or (Param set) the value of a param.
type MessagePart struct {
	Text  string
	Param string
}

// Elicitation policies: what a tool that must ask does for a client that
// cannot be asked.
const (
	OnNoElicitationDeny = "deny"
	OnNoElicitationRun  = "run"
)

// DefaultConfirmTimeout is how long the server waits for a user's answer
// when the confirm block does not say.
const DefaultConfirmTimeout = 5 * time.Minute

var toolConfirmSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "confirm"}},
}

var confirmSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "message", Required: true},
		{Name: "on_no_elicitation"},
		{Name: "timeout"},
	},
}

// decodeToolConfirm takes the confirm block out of a tool's body before
// the adapter decodes the rest. The tool's params are already decoded: the
// message may name them.
func decodeToolConfirm(tool *Tool, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, remain, diags := tool.Body.PartialContent(toolConfirmSchema)
	tool.Body = remain
	for _, b := range content.Blocks {
		c, d := decodeConfirmBlock(b, ctx, tool.Params)
		diags = append(diags, d...)
		diags = append(diags, setOnce(&tool.Confirm, c, "A confirm", b.DefRange, func(c *Confirm) hcl.Range { return c.DeclRange })...)
	}
	return diags
}

func decodeConfirmBlock(block *hcl.Block, ctx *hcl.EvalContext, params []*Param) (*Confirm, hcl.Diagnostics) {
	c := &Confirm{OnNoElicitation: OnNoElicitationDeny, Timeout: DefaultConfirmTimeout, DeclRange: block.DefRange}
	content, diags := block.Body.Content(confirmSchema)
	if attr, ok := content.Attributes["message"]; ok {
		c.MessageRange = attr.Expr.Range()
		// The message is shown to the user: a secret has no place in it.
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			c.Message = v
			parts, d := parseMessage(attr, v, params)
			diags = append(diags, d...)
			c.Parts = parts
		}
	}
	if attr, ok := content.Attributes["on_no_elicitation"]; ok {
		if v, ok := oneOfAttr(attr, ctx, &diags, OnNoElicitationDeny, OnNoElicitationRun); ok {
			c.OnNoElicitation = v
		}
	}
	if attr, ok := content.Attributes["timeout"]; ok {
		v, d := DurationAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && v <= 0 {
			diags = append(diags, AttrError(attr, "Invalid duration", "timeout must be greater than zero."))
		}
		c.Timeout = v
	}
	return c, diags
}

// parseMessage splits a confirmation message into text and {{param}}
// placeholders (the syntax of prompt text, content.go), each naming a declared param that is not sensitive.
func parseMessage(attr *hcl.Attribute, msg string, params []*Param) ([]MessagePart, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	if strings.TrimSpace(msg) == "" {
		return nil, append(diags, AttrError(attr, "Empty confirmation message", "message must say what the user is asked to confirm."))
	}
	byName := make(map[string]*Param, len(params))
	names := make([]string, 0, len(params))
	for _, p := range params {
		byName[p.Name] = p
		names = append(names, p.Name)
	}
	var parts []MessagePart
	text := func(s string) {
		if s != "" {
			parts = append(parts, MessagePart{Text: s})
		}
	}
	last := 0
	for _, m := range placeholderRe.FindAllStringSubmatchIndex(msg, -1) {
		before := msg[last:m[0]]
		if strings.Contains(before, "{{") || strings.Contains(before, "}}") {
			diags = append(diags, AttrError(attr, "Invalid placeholder", "message has an unbalanced {{ or }}: write a param as {{name}}."))
		}
		text(before)
		last = m[1]
		name := msg[m[2]:m[3]]
		p, ok := byName[name]
		switch {
		case !ok:
			hint := ""
			if s := nameSuggestion(name, names); s != "" {
				hint = fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, AttrError(attr, "Unknown param in message", "{{%s}} names no param of this tool.%s", name, hint))
		case p.Sensitive:
			diags = append(diags, AttrError(attr, "Sensitive param in message",
				"param %q is sensitive: a confirmation message is shown to the user and may be kept by the client, so it cannot name it.", name))
		default:
			parts = append(parts, MessagePart{Param: name})
		}
	}
	rest := msg[last:]
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		diags = append(diags, AttrError(attr, "Invalid placeholder", "message has an unbalanced {{ or }}: write a param as {{name}}."))
	}
	text(rest)
	return parts, diags
}
