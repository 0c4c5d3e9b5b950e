package hcl

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Ask is an `ask "NAME"` block: a value the human at the client supplies
// when the tool is called (MCP elicitation), never the model. It is
// declared, validated and used in the statement like a param (:NAME), but
// it is not in the tool's input schema: the model cannot pass it.
type Ask struct {
	*Param
	Title string
	// Titles, when set, are the display titles of Enum's values, in order
	// (a titled single- or multi-select in the elicitation schema).
	Titles []string
	// LegacyTitles sends Titles as enumNames beside enum, the deprecated
	// form of a titled single select, for clients that predate oneOf.
	LegacyTitles bool
	// Format is "email", "uri", "date" or "date-time" for a string the
	// client may help the user enter; "" for none.
	Format string
}

var askFormats = []string{"email", "uri", "date", "date-time"}

var askSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "title"}, {Name: "enum_titles"}, {Name: "legacy_enum_names"}, {Name: "format"}},
}

var toolAskSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "ask", LabelNames: []string{"name"}}},
}

// decodeToolAsks takes the ask blocks out of a tool's body. Params and
// binds are decoded: an ask shares their namespace.
func decodeToolAsks(tool *Tool, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, remain, diags := tool.Body.PartialContent(toolAskSchema)
	tool.Body = remain
	taken := map[string]string{}
	for _, p := range tool.Params {
		taken[p.Name] = "param"
	}
	for _, b := range tool.Binds {
		taken[b.Name] = "bind"
	}
	for _, b := range content.Blocks {
		a, d := decodeAskBlock(b, ctx)
		diags = append(diags, d...)
		if kind, dup := taken[a.Name]; dup {
			diags = append(diags, duplicateDiag("Duplicate ask name",
				fmt.Sprintf("ask %q has the same name as a %s of this tool: they share the statement's names.", a.Name, kind), b.LabelRanges[0]))
			continue
		}
		taken[a.Name] = "ask"
		tool.Asks = append(tool.Asks, a)
	}
	if c := tool.Confirm; c != nil && c.OnNoElicitation == OnNoElicitationRun {
		for _, a := range tool.Asks {
			if a.Required {
				diags = append(diags, duplicateDiag("Ask without a value to run with",
					fmt.Sprintf("confirm says on_no_elicitation = \"run\", and ask %q has no default: a client that cannot ask its user would have no value for it. Give it a default or required = false.", a.Name),
					a.NameRange))
			}
		}
	}
	return diags
}

func decodeAskBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Ask, hcl.Diagnostics) {
	content, rest, diags := block.Body.PartialContent(askSchema)
	pb := *block
	pb.Body = rest
	p, d := decodeParamBlock(&pb, ctx)
	diags = append(diags, d...)
	a := &Ask{Param: p}
	attrs := content.Attributes
	// Elicitation forms are flat: strings, numbers, booleans, and arrays
	// only as a multi-select of string choices.
	if p.Type == TypeArray && p.Items != "" && (p.Items != TypeString || p.Enum == nil) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported ask type",
			Detail:  "An ask of type array is a multi-select: items = \"string\" and an enum of the choices. Elicitation forms have no other lists.",
			Subject: p.DeclRange.Ptr()})
	}
	if p.Enum != nil && p.Type != TypeString && p.Type != TypeArray {
		r := p.AttrRanges["enum"]
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported enum",
			Detail:  fmt.Sprintf("An elicitation form offers choices of strings only: enum applies to string and array asks, not to %s ones.", p.Type),
			Subject: &r})
	}
	if attr, ok := attrs["title"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		a.Title = v
	}
	if attr, ok := attrs["format"]; ok {
		if v, ok := oneOfAttr(attr, ctx, &diags, askFormats...); ok {
			if p.Type != TypeString {
				diags = append(diags, AttrError(attr, "Constraint does not apply", "format applies to string asks, not to %s ones.", p.Type))
			}
			a.Format = v
		}
	}
	if attr, ok := attrs["legacy_enum_names"]; ok {
		v, d := boolAttr(attr, ctx, true)
		diags = append(diags, d...)
		if v && (p.Type != TypeString || attrs["enum_titles"] == nil) {
			diags = append(diags, AttrError(attr, "Constraint does not apply", "legacy_enum_names sends the enum_titles of a string ask as enumNames; this ask has none."))
		}
		a.LegacyTitles = v
	}
	if attr, ok := attrs["enum_titles"]; ok {
		val, d := evalAttr(attr, ctx, true)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if !val.Type().IsTupleType() && !val.Type().IsListType() || val.IsNull() {
				diags = append(diags, AttrError(attr, "Invalid enum_titles", "enum_titles must be a list of strings, one for each enum value."))
				return a, diags
			}
			for it := val.ElementIterator(); it.Next(); {
				_, v := it.Element()
				if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
					diags = append(diags, AttrError(attr, "Invalid enum_titles", "enum_titles must be a list of strings, one for each enum value."))
					return a, diags
				}
				a.Titles = append(a.Titles, v.AsString())
			}
			switch {
			case p.Enum == nil || p.Type != TypeString && p.Type != TypeArray:
				diags = append(diags, AttrError(attr, "Constraint does not apply", "enum_titles names the values of a string enum; this ask has none."))
			case len(a.Titles) != len(p.Enum):
				diags = append(diags, AttrError(attr, "Invalid enum_titles", "enum_titles has %d titles for %d enum values: give one for each, in order.", len(a.Titles), len(p.Enum)))
			default:
				return a, diags
			}
			a.Titles = nil // reported: the form offers the values alone
		}
	}
	return a, diags
}

// Inputs are the values a statement may use besides binds: the params the
// model passes and the values the user is asked for.
func (t *Tool) Inputs() []*Param {
	if len(t.Asks) == 0 {
		return t.Params
	}
	in := slices.Clip(t.Params)
	for _, a := range t.Asks {
		in = append(in, a.Param)
	}
	return in
}
