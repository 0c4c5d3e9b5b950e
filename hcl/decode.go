package hcl

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

const (
	defaultServerName    = "mcpgen"
	defaultServerVersion = "0.0.0"
)

var (
	toolNameRe   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
	identifierRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

var serverSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "name", Required: true},
		{Name: "version"},
		{Name: "instructions"},
		{Name: "guard"},
		{Name: "page_size"},
	},
}

func decodeServerBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Server, hcl.Diagnostics) {
	server := &Server{Version: defaultServerVersion, DeclRange: block.DefRange}
	content, diags := block.Body.Content(serverSchema)
	if attr, ok := content.Attributes["name"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && v == "" {
			diags = append(diags, AttrError(attr, "Invalid server name", "The server name must not be empty."))
		}
		server.Name = v
	}
	if attr, ok := content.Attributes["version"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			server.Version = v
		}
	}
	if attr, ok := content.Attributes["instructions"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		server.Instructions = v
	}
	if attr, ok := content.Attributes["guard"]; ok {
		expr, d := decodeCELAttr(attr, ctx)
		diags = append(diags, d...)
		server.Guard = expr
	}
	if attr, ok := content.Attributes["page_size"]; ok {
		v, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && (v < 1 || v > 1000) {
			diags = append(diags, AttrError(attr, "Invalid value", "page_size must be between 1 and 1000."))
		}
		server.PageSize = v
	}
	return server, diags
}

func decodeSourceBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Source, hcl.Diagnostics) {
	source := &Source{
		Type:      block.Labels[0],
		Name:      block.Labels[1],
		Body:      restOf(block.Body),
		Ctx:       ctx,
		DeclRange: block.DefRange,
		TypeRange: block.LabelRanges[0],
	}
	var diags hcl.Diagnostics
	if d := checkIdentifier("source type", source.Type, block.LabelRanges[0]); d != nil {
		diags = append(diags, d)
	}
	if d := checkIdentifier("source name", source.Name, block.LabelRanges[1]); d != nil {
		diags = append(diags, d)
	}
	diags = append(diags, decodeSourceLimits(source, ctx)...)
	diags = append(diags, decodeSourceRequired(source, ctx)...)
	return source, diags
}

var sourceRequiredSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "required"}},
}

// decodeSourceRequired takes required, which every source has, out of the
// body before the adapter decodes the rest, as max_concurrency is.
func decodeSourceRequired(source *Source, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, remain, diags := source.Body.PartialContent(sourceRequiredSchema)
	source.Body = remain
	if attr, ok := content.Attributes["required"]; ok {
		v, d := BoolAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			source.Required = &v
		}
	}
	return diags
}

var toolSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title"},
		{Name: "description"},
		{Name: "source"},
		{Name: "guard"},
		{Name: "timeout"},
		{Name: "read_only"},
		{Name: "destructive"},
		{Name: "idempotent"},
		{Name: "open_world"},
		{Name: "is_error"},
		{Name: "deprecated"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "param", LabelNames: []string{"name"}},
		{Type: "bind", LabelNames: []string{"name"}},
		{Type: "content", LabelNames: []string{"kind"}},
	},
}

func decodeToolBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Tool, hcl.Diagnostics) {
	tool := &Tool{
		Name:      block.Labels[0],
		ReadOnly:  true,
		Ctx:       ctx,
		DeclRange: block.DefRange,
		NameRange: block.LabelRanges[0],
	}
	var diags hcl.Diagnostics
	if d := checkName("tool", tool.Name, tool.NameRange); d != nil {
		diags = append(diags, d)
	}

	// The rest of the body (sql, result, ...) belongs to the adapter.
	content, remain, cdiags := restOf(block.Body).PartialContent(toolSchema)
	diags = append(diags, cdiags...)
	tool.Body = remain

	attrs := content.Attributes
	if attr, ok := attrs["title"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		tool.Title = v
	}
	if attr, ok := attrs["description"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		tool.Description = v
	}
	if attr, ok := attrs["deprecated"]; ok {
		dep, d := decodeDeprecated(attr, ctx)
		diags = append(diags, d...)
		tool.Deprecated = dep
	}
	if attr, ok := attrs["source"]; ok {
		ref, d := decodeSourceRef(attr)
		diags = append(diags, d...)
		tool.Source = ref
	}
	if attr, ok := attrs["guard"]; ok {
		expr, d := decodeCELAttr(attr, ctx)
		diags = append(diags, d...)
		if expr != nil {
			tool.Guard = expr
		}
	}
	if attr, ok := attrs["timeout"]; ok {
		v, d := DurationAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && v <= 0 {
			diags = append(diags, AttrError(attr, "Invalid duration", "timeout must be greater than zero."))
		}
		tool.Timeout = v
	}

	boolAttr := func(name string, dst *bool) bool {
		attr, ok := attrs[name]
		if !ok {
			return false
		}
		v, d := BoolAttr(attr, ctx)
		diags = append(diags, d...)
		*dst = v
		return !d.HasErrors()
	}
	boolAttr("read_only", &tool.ReadOnly)
	if boolAttr("destructive", &tool.Destructive) {
		if tool.ReadOnly && tool.Destructive {
			diags = append(diags, AttrError(attrs["destructive"], "Read-only tool marked destructive",
				"A read-only tool runs in a read-only transaction and cannot be destructive; set read_only = false."))
		}
	} else {
		tool.Destructive = !tool.ReadOnly
	}
	boolAttr("idempotent", &tool.Idempotent)
	boolAttr("open_world", &tool.OpenWorld)

	params, binds, d := decodeParamsAndBinds(content.Blocks, ctx)
	diags = append(diags, d...)
	tool.Params, tool.Binds = params, binds
	diags = append(diags, decodeToolKind(tool, content, ctx)...)
	diags = append(diags, decodeToolLimits(tool, ctx)...)
	diags = append(diags, decodeToolConfirm(tool, ctx)...)
	diags = append(diags, decodeToolAsks(tool, ctx)...)
	return tool, diags
}

// decodeSourceRef reads a reference such as source.sql.orders without
// evaluating it: sources are not values.
func decodeSourceRef(attr *hcl.Attribute) (SourceRef, hcl.Diagnostics) {
	bad := hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid source reference",
		Detail:   "source must be a reference such as source.sql.orders: source, the source type and its name.",
		Subject:  attr.Expr.Range().Ptr(),
	}}
	traversal, diags := hcl.AbsTraversalForExpr(attr.Expr)
	if diags.HasErrors() || len(traversal) != 3 || traversal.RootName() != "source" {
		return SourceRef{}, bad
	}
	typ, ok1 := traversal[1].(hcl.TraverseAttr)
	name, ok2 := traversal[2].(hcl.TraverseAttr)
	if !ok1 || !ok2 {
		return SourceRef{}, bad
	}
	return SourceRef{Type: typ.Name, Name: name.Name, Range: traversal.SourceRange()}, nil
}

// decodeCELAttr keeps a CEL expression as text. It is evaluated per request,
// not here; only the HCL string around it is evaluated.
func decodeCELAttr(attr *hcl.Attribute, ctx *hcl.EvalContext) (*Expr, hcl.Diagnostics) {
	v, diags := PublicStringAttr(attr, ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	if v == "" {
		return nil, append(diags, AttrError(attr, "Empty expression", "%s must be a CEL expression, not an empty string.", attr.Name))
	}
	return &Expr{Source: v, Range: attr.Expr.Range()}, diags
}

var bindSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "from", Required: true}, {Name: "type"}},
}

// bindTypes are the types a bind may declare; without one, its value must
// be a string, a number or a boolean.
var bindTypes = []ParamType{TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeArray}

func decodeBindBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Bind, hcl.Diagnostics) {
	bind := &Bind{
		Name:      block.Labels[0],
		DeclRange: block.DefRange,
		NameRange: block.LabelRanges[0],
	}
	var diags hcl.Diagnostics
	if d := checkIdentifier("bind name", bind.Name, bind.NameRange); d != nil {
		diags = append(diags, d)
	}
	content, cdiags := block.Body.Content(bindSchema)
	diags = append(diags, cdiags...)
	if attr, ok := content.Attributes["from"]; ok {
		expr, d := decodeCELAttr(attr, ctx)
		diags = append(diags, d...)
		if expr != nil {
			bind.From = *expr
		}
	}
	if attr, ok := content.Attributes["type"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if !slices.Contains(bindTypes, ParamType(v)) {
				diags = append(diags, AttrError(attr, "Invalid bind type", "type must be %s, not %s.", typeList(bindTypes), QuoteUnlessSecret(attr, ctx, v)))
			} else {
				bind.Type = ParamType(v)
			}
		}
	}
	return bind, diags
}

// checkName checks the name of a tool, resource or prompt: what clients
// see and call it by.
func checkName(what, name string, rng hcl.Range) *hcl.Diagnostic {
	if toolNameRe.MatchString(name) {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + what + " name",
		Detail:   fmt.Sprintf("%q is not a valid %s name: use 1 to 128 characters from A-Z a-z 0-9 _ - and .", name, what),
		Subject:  rng.Ptr(),
	}
}

func checkIdentifier(what, name string, rng hcl.Range) *hcl.Diagnostic {
	if identifierRe.MatchString(name) {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + what,
		Detail:   fmt.Sprintf("%q is not a valid %s: use a letter or _ followed by letters, digits or _.", name, what),
		Subject:  rng.Ptr(),
	}
}
