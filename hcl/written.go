package hcl

import (
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// WrittenString is a string attribute as a reviewer should read it: its
// value, unless env() contributed to it; then the template that makes it,
// with each part that is not literal text shown as ${...}, so that the
// variable is named and its value (a secret) is not shown. A base_url of
// env("API_URL", "http://127.0.0.1:8081") reads
// ${env("API_URL", "http://127.0.0.1:8081")}. The text depends on the
// configuration only, never on the environment. Use it for attributes that
// decoded cleanly with StringAttr.
func WrittenString(attr *hcl.Attribute, ctx *hcl.EvalContext) string {
	val, diags := attr.Expr.Value(ctx)
	if !diags.HasErrors() && !val.ContainsMarked() && val.IsKnown() && !val.IsNull() && val.Type() == cty.String {
		return val.AsString()
	}
	return templateText(attr.Expr, false)
}

// quotedLiteral escapes literal text inside a quoted template.
var quotedLiteral = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

// templateText writes expr as the body of an HCL string template; quoted
// escapes its literal text for use between double quotes.
func templateText(expr hcl.Expression, quoted bool) string {
	switch e := expr.(type) {
	case *hclsyntax.TemplateExpr:
		var b strings.Builder
		for _, p := range e.Parts {
			if lit, ok := p.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String {
				if quoted {
					b.WriteString(quotedLiteral.Replace(lit.Val.AsString()))
				} else {
					b.WriteString(lit.Val.AsString())
				}
			} else {
				b.WriteString("${" + exprText(p) + "}")
			}
		}
		return b.String()
	case *hclsyntax.TemplateWrapExpr:
		return "${" + exprText(e.Wrapped) + "}"
	default:
		return "${" + exprText(expr) + "}"
	}
}

// exprText writes the expressions a configuration uses for its values
// (literals, templates, function calls such as env() and file()); any
// other is "...".
func exprText(expr hcl.Expression) string {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		switch v := e.Val; {
		case v.IsNull():
			return "null"
		case v.Type() == cty.String:
			return `"` + quotedLiteral.Replace(v.AsString()) + `"`
		case v.Type() == cty.Number:
			return v.AsBigFloat().Text('g', -1)
		case v.Type() == cty.Bool:
			return strconv.FormatBool(v.True())
		}
	case *hclsyntax.TemplateExpr:
		return `"` + templateText(e, true) + `"`
	case *hclsyntax.TemplateWrapExpr:
		return exprText(e.Wrapped)
	case *hclsyntax.FunctionCallExpr:
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			args[i] = exprText(a)
		}
		return e.Name + "(" + strings.Join(args, ", ") + ")"
	}
	return "..."
}
