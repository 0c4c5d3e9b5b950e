package hcl

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Prompt is a `prompt "NAME"` block: a message template a client fills in
// with arguments (prompts/get).
type Prompt struct {
	Name        string
	Title       string
	Description string
	Arguments   []*PromptArgument
	Messages    []*Message
	// Guard is who may see and get the prompt (CEL, per request); nil
	// when absent.
	Guard *Expr
	// Query is set when the prompt's messages come from a source (an
	// upstream MCP server's prompt): named "prompt:NAME", its params are
	// the arguments (strings), with its binds and guard (upstream_prompt.go).
	Query *Tool

	DeclRange hcl.Range
	NameRange hcl.Range
}

// PromptArgument is an `argument "NAME"` block of a prompt. Values are
// strings, as MCP passes them.
type PromptArgument struct {
	Name        string
	Description string
	Required    bool     // default true, as for params
	Enum        []string // the allowed values, also offered as completions
	// Complete, when set, is a read-only query whose first column lists
	// completions; it sees the typed prefix as the param :value.
	Complete *Tool

	DeclRange hcl.Range
	NameRange hcl.Range
}

// Message is a `message "ROLE" "KIND"` block: one message of a prompt.
type Message struct {
	Role    string // user or assistant
	Content *Content
}

// CompletionParam is the param a completion query receives: what the
// client has typed so far.
const CompletionParam = "value"

var promptSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title"},
		{Name: "description"},
		{Name: "guard"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "argument", LabelNames: []string{"name"}},
		{Type: "message", LabelNames: []string{"role", "kind"}},
	},
}

var argumentSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"},
		{Name: "required"},
		{Name: "enum"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "complete"}},
}

var completeSchema = &hcl.BodySchema{
	Attributes: queryAttrs,
	Blocks:     []hcl.BlockHeaderSchema{{Type: "bind", LabelNames: []string{"name"}}},
}

func decodePromptBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Prompt, hcl.Diagnostics) {
	p := &Prompt{Name: block.Labels[0], DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	var diags hcl.Diagnostics
	if d := checkName("prompt", p.Name, p.NameRange); d != nil {
		diags = append(diags, d)
	}
	content, remain, d := decodePromptContent(block)
	diags = append(diags, d...)
	if attr, ok := content.Attributes["title"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		p.Title = v
	}
	if attr, ok := content.Attributes["description"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		p.Description = v
	}
	if attr, ok := content.Attributes["guard"]; ok {
		expr, d := decodeCELAttr(attr, ctx)
		diags = append(diags, d...)
		p.Guard = expr
	}

	args := map[string]*PromptArgument{}
	for _, b := range content.Blocks {
		if b.Type != "argument" {
			continue
		}
		arg, d := decodeArgumentBlock(p.Name, b, ctx)
		diags = append(diags, d...)
		if prev, dup := args[arg.Name]; dup {
			diags = append(diags, duplicateDiag("Duplicate argument",
				fmt.Sprintf("argument %q is already declared at %s.", arg.Name, pos(prev.DeclRange)), arg.DeclRange))
			continue
		}
		args[arg.Name] = arg
		p.Arguments = append(p.Arguments, arg)
	}

	for _, b := range content.Blocks {
		if b.Type != "message" {
			continue
		}
		role := b.Labels[0]
		if role != "user" && role != "assistant" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid message role",
				Detail:   fmt.Sprintf("%q is not a message role: use \"user\" or \"assistant\".", role),
				Subject:  b.LabelRanges[0].Ptr(),
			})
		}
		c, d := decodeContent(b.Labels[1], b.LabelRanges[1], b, ctx)
		diags = append(diags, d...)
		if c == nil {
			continue
		}
		for _, attr := range []string{"text", "uri"} {
			v := c.Text
			if attr == "uri" {
				v = c.URI
			}
			names, invalid := Placeholders(v)
			for _, bad := range invalid {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid placeholder",
					Detail:   fmt.Sprintf("%s is not a placeholder: write {{name}} with the name of an argument.", bad),
					Subject:  c.AttrRanges[attr].Ptr(),
				})
			}
			for _, name := range names {
				if args[name] == nil {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Unknown argument in placeholder",
						Detail:   fmt.Sprintf("{{%s}} names no argument of prompt %q; declare argument %q or fix the name.", name, p.Name, name),
						Subject:  c.AttrRanges[attr].Ptr(),
					})
				}
			}
		}
		p.Messages = append(p.Messages, &Message{Role: role, Content: c})
	}
	diags = append(diags, p.decodeQuery(content, remain, ctx)...)
	if len(p.Messages) == 0 && p.Query == nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Prompt without messages",
			Detail:   "A prompt needs at least one message block, such as message \"user\" \"text\" { text = \"...\" }.",
			Subject:  p.DeclRange.Ptr(),
		})
	}
	return p, diags
}

func decodeArgumentBlock(prompt string, block *hcl.Block, ctx *hcl.EvalContext) (*PromptArgument, hcl.Diagnostics) {
	a := &PromptArgument{Name: block.Labels[0], Required: true, DeclRange: block.DefRange, NameRange: block.LabelRanges[0]}
	var diags hcl.Diagnostics
	if d := checkIdentifier("argument name", a.Name, a.NameRange); d != nil {
		diags = append(diags, d)
	}
	content, d := block.Body.Content(argumentSchema)
	diags = append(diags, d...)
	attrs := content.Attributes
	if attr, ok := attrs["description"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		a.Description = v
	}
	if attr, ok := attrs["required"]; ok {
		v, d := boolAttr(attr, ctx, true)
		diags = append(diags, d...)
		a.Required = v
	}
	if attr, ok := attrs["enum"]; ok {
		a.Enum = decodeStringList(attr, ctx, &diags)
	}
	for i, b := range content.Blocks {
		if i > 0 {
			diags = append(diags, duplicateDiag("Duplicate complete block",
				fmt.Sprintf("A complete block is already declared at %s.", pos(content.Blocks[0].DefRange)), b.DefRange))
			continue
		}
		if a.Enum != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Enum and complete",
				Detail:   "An argument with an enum is completed from it; remove the enum or the complete block.",
				Subject:  b.DefRange.Ptr(),
			})
		}
		q, d := decodeCompleteBlock(prompt+"."+a.Name, b, ctx)
		diags = append(diags, d...)
		a.Complete = q
	}
	return a, diags
}

// decodeCompleteBlock builds the query that completes an argument. Its one
// param is :value, the prefix typed so far.
func decodeCompleteBlock(name string, block *hcl.Block, ctx *hcl.EvalContext) (*Tool, hcl.Diagnostics) {
	content, remain, diags := restOf(block.Body).PartialContent(completeSchema)
	q, d := decodeQuery(CompleteQueryPrefix+name, content, remain, ctx, block.DefRange, block.DefRange)
	diags = append(diags, d...)
	if q == nil {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing source",
			Detail:   "A complete block runs a query: give it source = source.sql.NAME and sql using :value, the text typed so far.",
			Subject:  block.DefRange.Ptr(),
		})
	}
	q.Params = append(q.Params, &Param{
		Name:        CompletionParam,
		Type:        TypeString,
		Description: "The text typed so far.",
		Default:     "",
		DeclRange:   block.DefRange,
		NameRange:   block.DefRange,
		AttrRanges:  map[string]hcl.Range{},
	})
	return q, diags
}

func decodeStringList(attr *hcl.Attribute, ctx *hcl.EvalContext, diags *hcl.Diagnostics) []string {
	val, d := evalAttr(attr, ctx, true)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return nil
	}
	ty := val.Type()
	if !ty.IsTupleType() && !ty.IsListType() && !ty.IsSetType() || val.LengthInt() == 0 {
		*diags = append(*diags, AttrError(attr, "Invalid value", "%s must be a non-empty list of strings.", attr.Name))
		return nil
	}
	var out []string
	for it := val.ElementIterator(); it.Next(); {
		_, elem := it.Element()
		if !elem.Type().Equals(cty.String) || elem.IsNull() {
			*diags = append(*diags, AttrError(attr, "Invalid value", "%s must be a list of strings.", attr.Name))
			return nil
		}
		if s := elem.AsString(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
