package hcl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// A resource backed by a source, and an argument completed by a query, run
// through the same machinery as a tool: they are decoded into a Tool that
// no client sees as one (read-only, with params, binds, guard and an
// adapter body), so validation, guards, binds, timeouts and audit apply to
// them exactly as to tools.

// queryAttrs and queryBlocks are what such a block shares with a tool.
var (
	queryAttrs = []hcl.AttributeSchema{
		{Name: "source"},
		{Name: "guard"},
		{Name: "timeout"},
	}
	queryBlocks = []hcl.BlockHeaderSchema{
		{Type: "param", LabelNames: []string{"name"}},
		{Type: "bind", LabelNames: []string{"name"}},
	}
)

// decodeQuery builds the query tool named name from a block's content and
// the remaining body (for the adapter). It returns nil when content has no
// source attribute; the caller decides whether that is an error.
func decodeQuery(name string, content *hcl.BodyContent, remain hcl.Body, ctx *hcl.EvalContext, declRange, nameRange hcl.Range) (*Tool, hcl.Diagnostics) {
	attrs := content.Attributes
	srcAttr, ok := attrs["source"]
	if !ok {
		return nil, nil
	}
	tool := &Tool{
		Name:      name,
		ReadOnly:  true,
		Body:      remain,
		Ctx:       ctx,
		DeclRange: declRange,
		NameRange: nameRange,
	}
	ref, diags := decodeSourceRef(srcAttr)
	tool.Source = ref
	if attr, ok := attrs["guard"]; ok {
		expr, d := decodeCELAttr(attr, ctx)
		diags = append(diags, d...)
		tool.Guard = expr
	}
	if attr, ok := attrs["timeout"]; ok {
		v, d := DurationAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && v <= 0 {
			diags = append(diags, AttrError(attr, "Invalid duration", "timeout must be greater than zero."))
		}
		tool.Timeout = v
	}
	params, binds, d := decodeParamsAndBinds(content.Blocks, ctx)
	diags = append(diags, d...)
	tool.Params, tool.Binds = params, binds
	return tool, diags
}

// noQueryAttrs reports query attributes given to a block that has no
// source, where they would silently do nothing.
func noQueryAttrs(content *hcl.BodyContent, why string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range queryAttrs {
		if attr, ok := content.Attributes[s.Name]; ok && s.Name != "source" {
			diags = append(diags, AttrError(attr, "Attribute needs a source", "%s applies only %s.", s.Name, why))
		}
	}
	for _, b := range content.Blocks {
		if b.Type == "param" || b.Type == "bind" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Block needs a source",
				Detail:   fmt.Sprintf("A %s block applies only %s.", b.Type, why),
				Subject:  b.DefRange.Ptr(),
			})
		}
	}
	return diags
}

// decodeParamsAndBinds decodes the param and bind blocks among blocks.
// Params and binds share one namespace: both are :name in the SQL.
func decodeParamsAndBinds(blocks hcl.Blocks, ctx *hcl.EvalContext) ([]*Param, []*Bind, hcl.Diagnostics) {
	var params []*Param
	var binds []*Bind
	var diags hcl.Diagnostics
	declared := map[string]hcl.Range{}
	kinds := map[string]string{}
	for _, b := range blocks {
		if b.Type != "param" && b.Type != "bind" {
			continue
		}
		name, rng := b.Labels[0], b.DefRange
		if prev, dup := declared[name]; dup {
			summary, detail := "Duplicate "+b.Type, fmt.Sprintf("%s %q is already declared at %s.", b.Type, name, pos(prev))
			if kinds[name] != b.Type {
				summary = "Duplicate param or bind name"
				detail = fmt.Sprintf("%s %q has the same name as %s %q, declared at %s.", b.Type, name, kinds[name], name, pos(prev))
			}
			diags = append(diags, duplicateDiag(summary, detail, rng))
			continue
		}
		declared[name], kinds[name] = rng, b.Type

		switch b.Type {
		case "param":
			p, d := decodeParamBlock(b, ctx)
			diags = append(diags, d...)
			params = append(params, p)
		case "bind":
			bind, d := decodeBindBlock(b, ctx)
			diags = append(diags, d...)
			binds = append(binds, bind)
		}
	}
	return params, binds, diags
}
