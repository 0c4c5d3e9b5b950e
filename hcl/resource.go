package hcl

import (
	"net/url"

	"github.com/hashicorp/hcl/v2"
)

// Resource is a `resource "NAME"` block: a static resource at a fixed URI
// (text or a blob declared in HCL), or one read from a source, at a fixed
// URI or at every URI an RFC 6570 template matches.
type Resource struct {
	Name        string
	Title       string
	Description string
	MimeType    string

	// Exactly one of URI and URITemplate is set. The runtime checks the
	// template's syntax and that its variables are exactly the params.
	URI         string
	URITemplate string

	// Static content: Text, or Blob (base64) when IsBlob.
	Text   string
	Blob   string
	IsBlob bool

	// Query is set when the resource is read from a source: its params are
	// the template's variables, its result (compact JSON) the content.
	Query *Tool
	// Guard is who may read a resource with fixed content (CEL, per
	// request); nil when absent. One read from a source has its guard on
	// Query, with its binds.
	Guard *Expr

	DeclRange hcl.Range
	NameRange hcl.Range
	URIRange  hcl.Range // of uri or uri_template
}

// IsTemplate reports whether the resource is a template.
func (r *Resource) IsTemplate() bool { return r.URITemplate != "" }

var resourceSchema = &hcl.BodySchema{
	Attributes: append([]hcl.AttributeSchema{
		{Name: "uri"},
		{Name: "uri_template"},
		{Name: "title"},
		{Name: "description"},
		{Name: "mime_type"},
		{Name: "text"},
		{Name: "blob"},
	}, queryAttrs...),
	Blocks: queryBlocks,
}

func decodeResourceBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Resource, hcl.Diagnostics) {
	r := &Resource{
		Name:      block.Labels[0],
		DeclRange: block.DefRange,
		NameRange: block.LabelRanges[0],
	}
	var diags hcl.Diagnostics
	if d := checkName("resource", r.Name, r.NameRange); d != nil {
		diags = append(diags, d)
	}
	content, remain, cdiags := restOf(block.Body).PartialContent(resourceSchema)
	diags = append(diags, cdiags...)
	attrs := content.Attributes
	str := func(name string, dst *string) {
		if attr, ok := attrs[name]; ok {
			v, d := PublicStringAttr(attr, ctx)
			diags = append(diags, d...)
			*dst = v
		}
	}
	str("uri", &r.URI)
	str("uri_template", &r.URITemplate)
	str("title", &r.Title)
	str("description", &r.Description)
	str("mime_type", &r.MimeType)
	str("text", &r.Text)
	str("blob", &r.Blob)

	uriAttr, hasURI := attrs["uri"]
	tmplAttr, hasTmpl := attrs["uri_template"]
	switch {
	case hasURI && hasTmpl:
		diags = append(diags, AttrError(tmplAttr, "Conflicting URIs",
			"A resource has a uri or a uri_template, not both."))
	case !hasURI && !hasTmpl:
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing URI",
			Detail:   "A resource needs a uri, or a uri_template such as \"technova://orders/{order_id}\".",
			Subject:  r.DeclRange.Ptr(),
		})
	case hasURI:
		r.URIRange = uriAttr.Expr.Range()
		if u, err := url.Parse(r.URI); r.URI != "" && (err != nil || u.Scheme == "") {
			diags = append(diags, AttrError(uriAttr, "Invalid URI",
				"%q is not an absolute URI: it needs a scheme, as in \"docs://handbook\" or \"file:///srv/readme.md\".", r.URI))
		}
	default:
		r.URIRange = tmplAttr.Expr.Range()
	}
	if attr, ok := attrs["mime_type"]; ok && r.MimeType != "" && !mimeTypeRe.MatchString(r.MimeType) {
		diags = append(diags, AttrError(attr, "Invalid mime type",
			"%q is not a mime type such as \"image/png\" or \"text/plain\".", r.MimeType))
	}
	if attr, ok := attrs["blob"]; ok {
		r.IsBlob = true
		if err := checkBase64(r.Blob); err != nil {
			diags = append(diags, AttrError(attr, "Invalid base64",
				"blob must be base64 (standard alphabet, padded), as filebase64() returns: %v.", err))
		}
		if r.MimeType == "" {
			diags = append(diags, AttrError(attr, "Blob without a mime type",
				"A blob needs mime_type, such as \"image/png\", so clients know what the bytes are."))
		}
	}

	query, d := decodeQuery(ResourceQueryPrefix+r.Name, content, remain, ctx, r.DeclRange, r.NameRange)
	diags = append(diags, d...)
	r.Query = query
	_, hasText := attrs["text"]
	switch {
	case query != nil && (hasText || r.IsBlob):
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Source and content",
			Detail:   "A resource is read from a source or has fixed text or blob, not both.",
			Subject:  r.DeclRange.Ptr(),
		})
	case query == nil:
		if attr, ok := attrs["guard"]; ok {
			expr, d := decodeCELAttr(attr, ctx)
			diags = append(diags, d...)
			r.Guard = expr
		}
		diags = append(diags, noQueryAttrs(withoutAttr(content, "guard"), "to a resource read from a source")...)
		if hasText && r.IsBlob {
			diags = append(diags, AttrError(attrs["blob"], "Conflicting content", "A resource has text or a blob, not both."))
		}
		if hasTmpl && !hasURI {
			diags = append(diags, AttrError(tmplAttr, "Template without a source",
				"A uri_template resource is read from a source: add source = source.sql.NAME and its sql."))
		} else if !hasText && !r.IsBlob {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing content",
				Detail:   "A resource needs text (inline or file()), a blob (filebase64()), or a source to read it from.",
				Subject:  r.DeclRange.Ptr(),
			})
		}
		// Nothing else reads the rest of the body: report what is left.
		_, d := remain.Content(&hcl.BodySchema{})
		diags = append(diags, d...)
	}
	if query != nil && r.MimeType == "" {
		r.MimeType = "application/json" // a query's result is its JSON
	}
	if !hasTmpl && query != nil && len(query.Params) > 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Params without a template",
			Detail:   "A resource's params come from its URI: use uri_template with a {variable} for each param.",
			Subject:  query.Params[0].DeclRange.Ptr(),
		})
	}
	if r.MimeType == "" && hasText {
		r.MimeType = "text/plain"
	}
	return r, diags
}

// withoutAttr is content without the attribute name.
func withoutAttr(content *hcl.BodyContent, name string) *hcl.BodyContent {
	c := *content
	c.Attributes = make(hcl.Attributes, len(content.Attributes))
	for k, v := range content.Attributes {
		if k != name {
			c.Attributes[k] = v
		}
	}
	return &c
}
