package hcl

import (
	"encoding/base64"
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
)

// ContentKind is the type of one content item, as MCP names it.
type ContentKind string

const (
	ContentText     ContentKind = "text"
	ContentImage    ContentKind = "image"
	ContentAudio    ContentKind = "audio"
	ContentResource ContentKind = "resource"
)

var contentKinds = []string{string(ContentText), string(ContentImage), string(ContentAudio), string(ContentResource)}

// Content is one content item declared in HCL: a fixed-content tool's
// `content "KIND"` block, or a prompt's `message "ROLE" "KIND"` block.
//
// In a prompt, Text and URI may hold {{argument}} placeholders.
type Content struct {
	Kind     ContentKind
	Text     string // text; a resource's text
	Data     string // base64: image or audio data, a resource's blob
	MimeType string
	URI      string // resource
	// Inline is set for a resource given with text or blob. Without
	// either, the resource is read from the server's own resources when
	// the content is sent, guards and binds included.
	Inline bool

	DeclRange  hcl.Range
	AttrRanges map[string]hcl.Range
}

var contentSchemas = map[ContentKind]*hcl.BodySchema{
	ContentText: {Attributes: []hcl.AttributeSchema{{Name: "text", Required: true}}},
	ContentImage: {Attributes: []hcl.AttributeSchema{
		{Name: "data", Required: true},
		{Name: "mime_type", Required: true},
	}},
	ContentAudio: {Attributes: []hcl.AttributeSchema{
		{Name: "data", Required: true},
		{Name: "mime_type", Required: true},
	}},
	ContentResource: {Attributes: []hcl.AttributeSchema{
		{Name: "uri", Required: true},
		{Name: "mime_type"},
		{Name: "text"},
		{Name: "blob"},
	}},
}

// decodeContent decodes the body of a content item of the kind written in
// the block label at kindRange. Everything in it is shown to clients.
func decodeContent(kind string, kindRange hcl.Range, block *hcl.Block, ctx *hcl.EvalContext) (*Content, hcl.Diagnostics) {
	c := &Content{Kind: ContentKind(kind), DeclRange: block.DefRange, AttrRanges: map[string]hcl.Range{}}
	schema, ok := contentSchemas[c.Kind]
	if !ok {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid content kind",
			Detail:   fmt.Sprintf("%q is not a content kind: use %s.", kind, quoted(contentKinds)),
			Subject:  kindRange.Ptr(),
		}}
	}
	content, diags := block.Body.Content(schema)
	attrs := content.Attributes
	str := func(name string, dst *string) bool {
		attr, ok := attrs[name]
		if !ok {
			return false
		}
		c.AttrRanges[name] = attr.Expr.Range()
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		*dst = v
		return !d.HasErrors()
	}
	str("text", &c.Text)
	str("uri", &c.URI)
	str("mime_type", &c.MimeType)
	for _, name := range []string{"data", "blob"} {
		if str(name, &c.Data) {
			if err := checkBase64(c.Data); err != nil {
				diags = append(diags, AttrError(attrs[name], "Invalid base64",
					"%s must be base64 (standard alphabet, padded), as filebase64() returns: %v.", name, err))
			}
		}
	}
	if c.Kind == ContentResource {
		_, hasText := attrs["text"]
		_, hasBlob := attrs["blob"]
		if hasText && hasBlob {
			diags = append(diags, AttrError(attrs["blob"], "Conflicting content",
				"A resource has text or a blob, not both."))
		}
		c.Inline = hasText || hasBlob
		if !c.Inline && attrs["mime_type"] != nil {
			diags = append(diags, AttrError(attrs["mime_type"], "Mime type without content",
				"A resource without text or blob is read from the server's resources, which say their own mime type; remove mime_type."))
		}
	}
	if attr, ok := attrs["mime_type"]; ok && c.MimeType != "" && !mimeTypeRe.MatchString(c.MimeType) {
		diags = append(diags, AttrError(attr, "Invalid mime type",
			"%q is not a mime type such as \"image/png\" or \"text/plain\".", c.MimeType))
	}
	return c, diags
}

var mimeTypeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$`)

// placeholderRe finds {{name}} in prompt text; HCL leaves {{ alone.
var placeholderRe = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// Placeholders lists the argument names s refers to as {{name}}, in order,
// and the placeholders whose name is not an identifier.
func Placeholders(s string) (names, invalid []string) {
	for _, m := range placeholderRe.FindAllStringSubmatch(s, -1) {
		if identifierRe.MatchString(m[1]) {
			names = append(names, m[1])
		} else {
			invalid = append(invalid, m[0])
		}
	}
	return names, invalid
}

// Expand replaces every {{name}} in s with args[name]; an absent optional
// argument becomes the empty string.
func Expand(s string, args map[string]string) string {
	return placeholderRe.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholderRe.FindStringSubmatch(m)[1]
		return args[name]
	})
}

// decodeToolContent decodes the content blocks of a fixed-content tool.
func decodeToolContent(blocks hcl.Blocks, ctx *hcl.EvalContext) ([]*Content, hcl.Diagnostics) {
	var items []*Content
	var diags hcl.Diagnostics
	for _, b := range blocks {
		c, d := decodeContent(b.Labels[0], b.LabelRanges[0], b, ctx)
		diags = append(diags, d...)
		if c == nil {
			continue
		}
		if names, invalid := Placeholders(c.Text + c.URI); len(names)+len(invalid) > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Placeholder in tool content",
				Detail:   "A fixed-content tool takes no arguments, so {{...}} has nothing to stand for; placeholders are for prompts.",
				Subject:  c.DeclRange.Ptr(),
			})
		}
		items = append(items, c)
	}
	return items, diags
}

// decodeToolKind checks that a tool either runs a source or returns fixed
// content, and decodes the content.
func decodeToolKind(tool *Tool, content *hcl.BodyContent, ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var blocks hcl.Blocks
	for _, b := range content.Blocks {
		if b.Type == "content" {
			blocks = append(blocks, b)
		}
	}
	isError, hasIsError := content.Attributes["is_error"]
	if _, hasSource := content.Attributes["source"]; hasSource {
		if len(blocks) > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Source and content",
				Detail:   "A tool either runs a source or returns fixed content, not both: remove the source or the content blocks.",
				Subject:  blocks[0].DefRange.Ptr(),
			})
		}
		if hasIsError {
			diags = append(diags, AttrError(isError, "is_error without content",
				"is_error applies to a tool with fixed content; a tool with a source reports its own errors."))
		}
		return diags
	}
	if len(blocks) == 0 {
		if a := misspeltAttr(tool.Body, "source"); a != nil {
			// "sorce = ...": the tool has a source, misspelt.
			return append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported argument",
				Detail:   fmt.Sprintf("An argument named %q is not expected here. Did you mean \"source\"?", a.Name),
				Subject:  a.NameRange.Ptr(),
			})
		}
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing source or content",
			Detail:   "A tool needs a source (source = source.sql.NAME) or content blocks that it returns as they are.",
			Subject:  tool.DeclRange.Ptr(),
		})
	}
	items, d := decodeToolContent(blocks, ctx)
	diags = append(diags, d...)
	tool.Content = items
	if hasIsError {
		v, d := BoolAttr(isError, ctx)
		diags = append(diags, d...)
		tool.IsError = v
	}
	for _, b := range content.Blocks {
		if b.Type == "param" || b.Type == "bind" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Arguments for fixed content",
				Detail:   fmt.Sprintf("A tool with fixed content takes no arguments; remove the %s block.", b.Type),
				Subject:  b.DefRange.Ptr(),
			})
		}
	}
	if !tool.ReadOnly {
		diags = append(diags, AttrError(content.Attributes["read_only"], "Fixed content that writes",
			"A tool with fixed content changes nothing; remove read_only = false."))
	}
	// Nothing else reads the rest of the body: report what is left in it.
	_, d = tool.Body.Content(&hcl.BodySchema{})
	diags = append(diags, d...)
	tool.Body = hcl.EmptyBody()
	return diags
}

// checkBase64 accepts what filebase64() returns: standard, padded base64.
func checkBase64(s string) error {
	_, err := base64.StdEncoding.DecodeString(s)
	return err
}
