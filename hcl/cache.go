package hcl

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Cache is a tool's cache block: successful results are kept for TTL, by
// arguments and caller. Only read-only tools may have one.
type Cache struct {
	TTL        time.Duration
	MaxEntries int
	// Shared lets every caller with the same bound values see one cached
	// result; otherwise each caller (subject) has its own.
	Shared bool

	DeclRange hcl.Range
}

const defaultCacheEntries = 1000

var cacheSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "ttl", Required: true},
		{Name: "max_entries"},
		{Name: "shared"},
	},
}

func decodeCacheBlock(block *hcl.Block, ctx *hcl.EvalContext, readOnly bool) (*Cache, hcl.Diagnostics) {
	c := &Cache{MaxEntries: defaultCacheEntries, DeclRange: block.DefRange}
	var diags hcl.Diagnostics
	if !readOnly {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cache on a tool that writes",
			Detail: "Only read-only tools can cache their results: a cached call to a tool with read_only = false would not run.", Subject: c.DeclRange.Ptr()})
	}
	content, d := block.Body.Content(cacheSchema)
	diags = append(diags, d...)
	if attr, ok := content.Attributes["ttl"]; ok {
		v, d := DurationAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && v <= 0 {
			diags = append(diags, AttrError(attr, "Invalid duration", "ttl must be greater than zero."))
		}
		c.TTL = v
	}
	if attr, ok := content.Attributes["max_entries"]; ok {
		n, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && n < 1 {
			diags = append(diags, AttrError(attr, "Invalid value", "max_entries must be at least 1."))
		}
		c.MaxEntries = n
	}
	if attr, ok := content.Attributes["shared"]; ok {
		v, d := BoolAttr(attr, ctx)
		diags = append(diags, d...)
		c.Shared = v
	}
	return c, diags
}
