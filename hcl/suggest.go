package hcl

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// A tool's or a source's body is decoded in two steps: this package takes
// its own names out with PartialContent (description, param, rate_limit,
// max_concurrency...), and the adapter decodes the rest with its schema
// (sql, result...). hclsyntax's Content suggests a name for a misspelt one
// only among the schema it is given, so the adapter's would never offer
// "description" for "descripton". The rest is therefore a restBody: its
// Content reports what neither step knows and suggests among the names of
// both, the way hclsyntax words it.

// restBody is what is left of a body written in native syntax after
// PartialContent took some names out.
type restBody struct {
	hcl.Body                 // what PartialContent left
	syntax   *hclsyntax.Body // the body as written
	attrs    []string        // attribute names already taken out
	blocks   []string        // block types already taken out
}

// restOf wraps a block's body before this package takes its own names out
// of it with PartialContent, so that the rest, which an adapter decodes,
// suggests among every name when it reports an unknown one.
func restOf(body hcl.Body) hcl.Body {
	syntax, ok := body.(*hclsyntax.Body)
	if !ok {
		return body
	}
	return &restBody{Body: syntax, syntax: syntax}
}

func (b *restBody) add(schema *hcl.BodySchema) {
	for _, a := range schema.Attributes {
		b.attrs = append(b.attrs, a.Name)
	}
	for _, s := range schema.Blocks {
		b.blocks = append(b.blocks, s.Type)
	}
}

// PartialContent takes schema's names out too; what is left still
// suggests among every name taken out so far.
func (b *restBody) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	content, rest, diags := b.Body.PartialContent(schema)
	rb := &restBody{Body: rest, syntax: b.syntax, attrs: slices.Clone(b.attrs), blocks: slices.Clone(b.blocks)}
	rb.add(schema)
	return content, rb, diags
}

// Content decodes schema and reports every attribute and block that
// neither schema nor the names taken out before know.
func (b *restBody) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	content, rest, diags := b.PartialContent(schema)
	return content, append(diags, rest.(*restBody).unknown()...)
}

// unknown reports, in the order written, what no name taken out knows.
func (b *restBody) unknown() hcl.Diagnostics {
	var diags hcl.Diagnostics
	attrs := make([]*hclsyntax.Attribute, 0, len(b.syntax.Attributes))
	for _, a := range b.syntax.Attributes {
		attrs = append(attrs, a)
	}
	slices.SortFunc(attrs, func(x, y *hclsyntax.Attribute) int {
		return cmp.Compare(x.NameRange.Start.Byte, y.NameRange.Start.Byte)
	})
	for _, a := range attrs {
		if slices.Contains(b.attrs, a.Name) {
			continue
		}
		var hint string
		if s := b.suggestAttr(a.Name); s != "" {
			hint = fmt.Sprintf(" Did you mean %q?", s)
		} else if slices.Contains(b.blocks, a.Name) {
			hint = fmt.Sprintf(" Did you mean to define a block of type %q?", a.Name)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported argument",
			Detail:   fmt.Sprintf("An argument named %q is not expected here.%s", a.Name, hint),
			Subject:  a.NameRange.Ptr(),
		})
	}
	for _, blk := range b.syntax.Blocks {
		if slices.Contains(b.blocks, blk.Type) {
			continue
		}
		var hint string
		if s := nameSuggestion(blk.Type, b.blocks); s != "" {
			hint = fmt.Sprintf(" Did you mean %q?", s)
		} else if slices.Contains(b.attrs, blk.Type) {
			hint = fmt.Sprintf(" Did you mean to define argument %q? If so, use the equals sign to assign it a value.", blk.Type)
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported block type",
			Detail:   fmt.Sprintf("Blocks of type %q are not expected here.%s", blk.Type, hint),
			Subject:  blk.TypeRange.Ptr(),
		})
	}
	return diags
}

// suggestAttr suggests a known attribute for name, leaving out those the
// body already sets, as hclsyntax does.
func (b *restBody) suggestAttr(name string) string {
	var candidates []string
	for _, known := range b.attrs {
		if _, set := b.syntax.Attributes[known]; !set {
			candidates = append(candidates, known)
		}
	}
	return nameSuggestion(name, candidates)
}

// misspeltAttr returns the attribute of body that is not a known name and
// that is closest to want, or nil: "sorce" for "source".
func misspeltAttr(body hcl.Body, want string) *hclsyntax.Attribute {
	b, ok := body.(*restBody)
	if !ok {
		return nil
	}
	for _, a := range b.syntax.Attributes {
		if !slices.Contains(b.attrs, a.Name) && b.suggestAttr(a.Name) == want {
			return a
		}
	}
	return nil
}

// MeantToDeclare reports whether name is the label of a block in the
// tool's body whose type is a misspelt param or bind ("parm", "binds").
// That block is reported as unknown where it is written; an adapter that
// finds name used but not declared (":id" in SQL) says nothing more, since
// the one mistake would otherwise read as two.
func (t *Tool) MeantToDeclare(name string) bool {
	b, ok := t.Body.(*restBody)
	if !ok {
		return false
	}
	for _, blk := range b.syntax.Blocks {
		if len(blk.Labels) == 1 && blk.Labels[0] == name && !slices.Contains(b.blocks, blk.Type) &&
			nameSuggestion(blk.Type, []string{"param", "bind"}) != "" {
			return true
		}
	}
	return false
}

// nameSuggestion returns the candidate closest to given, when fewer than
// three edits away (hclsyntax's rule), or "".
func nameSuggestion(given string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(given, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
