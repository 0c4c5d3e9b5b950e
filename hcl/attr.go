package hcl

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// These helpers evaluate one attribute of a body an adapter decodes itself
// (with its own hcl.BodySchema), using the Ctx of its Source or Tool. They
// report a diagnostic at the attribute for a null value, a value of the
// wrong type, or an unusable one. attr must not be nil.

// StringAttr evaluates attr to a string. env() values are allowed and come
// back unmarked: use it for settings clients never see (a DSN, a path).
func StringAttr(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, hcl.Diagnostics) {
	return stringAttr(attr, ctx, false)
}

// PublicStringAttr evaluates attr to a string a client will see (an error
// message, a description), rejecting any value derived from env().
func PublicStringAttr(attr *hcl.Attribute, ctx *hcl.EvalContext) (string, hcl.Diagnostics) {
	return stringAttr(attr, ctx, true)
}

// IntAttr evaluates attr to a whole number that fits an int.
func IntAttr(attr *hcl.Attribute, ctx *hcl.EvalContext) (int, hcl.Diagnostics) {
	return intAttr(attr, ctx, false)
}

// BoolAttr evaluates attr to a bool.
func BoolAttr(attr *hcl.Attribute, ctx *hcl.EvalContext) (bool, hcl.Diagnostics) {
	return boolAttr(attr, ctx, false)
}

// DurationAttr evaluates attr to a duration written as a string such as
// "5s" or "1m30s" (time.ParseDuration). Negative durations are rejected.
func DurationAttr(attr *hcl.Attribute, ctx *hcl.EvalContext) (time.Duration, hcl.Diagnostics) {
	s, diags := stringAttr(attr, ctx, false)
	if diags.HasErrors() {
		return 0, diags
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, append(diags, AttrError(attr, "Invalid duration",
			"%s must be a duration such as \"5s\" or \"1m30s\", not %s.", attr.Name, QuoteUnlessSecret(attr, ctx, s)))
	}
	if d < 0 {
		return 0, append(diags, AttrError(attr, "Invalid duration", "%s must not be negative.", attr.Name))
	}
	return d, diags
}

var sizeRe = regexp.MustCompile(`^\s*([0-9]+)\s*(B|KB|MB|GB)?\s*$`)

// ParseSize reads a size such as "100MB" or "512KB" (powers of 1024, as
// operators size files and buffers; a bare number is bytes). Callers word
// their own diagnostic, since their ranges differ.
func ParseSize(s string) (int64, error) {
	m := sizeRe.FindStringSubmatch(strings.ToUpper(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a number of B, KB, MB or GB", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", s)
	}
	shift := map[string]uint{"": 0, "B": 0, "KB": 10, "MB": 20, "GB": 30}[m[2]]
	if n <= 0 || n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return n << shift, nil
}

// QuoteUnlessSecret quotes v, the value of attr, for a diagnostic, unless
// it came from env(): those are secrets even when they are only a typo.
func QuoteUnlessSecret(attr *hcl.Attribute, ctx *hcl.EvalContext, v string) string {
	if raw, _ := attr.Expr.Value(ctx); raw.ContainsMarked() {
		return "the value from env()"
	}
	return strconv.Quote(v)
}

func intAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, public bool) (int, hcl.Diagnostics) {
	val, diags := evalTyped(attr, ctx, public, cty.Number)
	if diags.HasErrors() {
		return 0, diags
	}
	if !val.AsBigFloat().IsInt() {
		return 0, append(diags, AttrError(attr, "Invalid value", "%s must be a whole number.", attr.Name))
	}
	i, ok := wholeInt64(val)
	if !ok || int64(int(i)) != i {
		return 0, append(diags, AttrError(attr, "Invalid value", "%s is out of range.", attr.Name))
	}
	return int(i), diags
}

func boolAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, public bool) (bool, hcl.Diagnostics) {
	val, diags := evalTyped(attr, ctx, public, cty.Bool)
	if diags.HasErrors() {
		return false, diags
	}
	return val.True(), diags
}

func stringAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, public bool) (string, hcl.Diagnostics) {
	val, diags := evalTyped(attr, ctx, public, cty.String)
	if diags.HasErrors() {
		return "", diags
	}
	return val.AsString(), diags
}

// evalTyped evaluates attr and requires exactly type ty: a reviewer reading
// read_only = "false" should not have to know HCL's conversion rules. The
// one exception is a value from env(), which is always a string: it may
// stand for a number or a bool.
func evalTyped(attr *hcl.Attribute, ctx *hcl.EvalContext, public bool, ty cty.Type) (cty.Value, hcl.Diagnostics) {
	val, diags := evalAttr(attr, ctx, public)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if raw, _ := attr.Expr.Value(ctx); raw.ContainsMarked() && val.Type().Equals(cty.String) {
		if conv, err := convert.Convert(val, ty); err == nil {
			return conv, diags
		}
	}
	if !val.Type().Equals(ty) {
		return cty.NilVal, append(diags, AttrError(attr, "Incorrect attribute value type",
			"%s must be %s, not %s.", attr.Name, withArticle(ty.FriendlyName()), withArticle(val.Type().FriendlyName())))
	}
	return val, diags
}

// evalAttr evaluates attr to a value that is known, not null and unmarked.
// When public is set, a value derived from env() is an error.
func evalAttr(attr *hcl.Attribute, ctx *hcl.EvalContext, public bool) (cty.Value, hcl.Diagnostics) {
	val, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if public && val.ContainsMarked() {
		return cty.NilVal, append(diags, AttrError(attr, "Secret in a client-visible attribute",
			"env() values are secrets and cannot appear in %s, which clients see.", attr.Name))
	}
	val, _ = val.UnmarkDeep()
	if val.IsNull() {
		return cty.NilVal, append(diags, AttrError(attr, "Invalid value", "%s must not be null.", attr.Name))
	}
	if !val.IsWhollyKnown() {
		return cty.NilVal, append(diags, AttrError(attr, "Invalid value", "%s must be known when the configuration is loaded.", attr.Name))
	}
	return val, diags
}

// wholeInt64 returns a number's value when it is whole and fits an int64.
func wholeInt64(val cty.Value) (int64, bool) {
	bf := val.AsBigFloat()
	if !bf.IsInt() {
		return 0, false
	}
	i, acc := bf.Int64()
	return i, acc == big.Exact
}

// AttrError is an error diagnostic about attr's value: it points at the
// expression, with the whole attribute as context. The detail is
// fmt.Sprintf(format, args...); pass a computed sentence as "%s".
func AttrError(attr *hcl.Attribute, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  attr.Expr.Range().Ptr(),
		Context:  attr.Range.Ptr(),
	}
}

func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// SizeAttr reads a byte count: a number, or a string such as "512KB" or
// "4MB" (powers of 1024, like the audit block's max_size).
func SizeAttr(attr *hcl.Attribute, ctx *hcl.EvalContext) (int64, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return 0, diags
	}
	v, _ = v.UnmarkDeep()
	bad := func() (int64, hcl.Diagnostics) {
		return 0, append(diags, AttrError(attr, "Invalid size",
			"%s must be a number of bytes or a size such as \"512KB\" or \"4MB\", from 1 byte to 1GB.", attr.Name))
	}
	if v.IsNull() || !v.IsKnown() {
		return bad()
	}
	var n int64
	switch v.Type() {
	case cty.Number:
		bf := v.AsBigFloat()
		i, acc := bf.Int64()
		if !bf.IsInt() || acc != 0 {
			return bad()
		}
		n = i
	case cty.String:
		i, err := ParseSize(v.AsString())
		if err != nil {
			return bad()
		}
		n = i
	default:
		return bad()
	}
	if n < 1 || n > 1<<30 {
		return bad()
	}
	return n, diags
}
