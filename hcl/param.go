package hcl

import (
	"fmt"
	"math"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var paramSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type", Required: true},
		{Name: "items"},
		{Name: "description"},
		{Name: "required"},
		{Name: "default"},
		{Name: "enum"},
		{Name: "pattern"},
		{Name: "minimum"},
		{Name: "maximum"},
		{Name: "min_length"},
		{Name: "max_length"},
		{Name: "min_items"},
		{Name: "max_items"},
		{Name: "sensitive"},
	},
}

// constraintTypes lists the param types each type-specific attribute
// applies to; the others apply to every type.
var constraintTypes = map[string][]ParamType{
	"items":      {TypeArray},
	"pattern":    {TypeString},
	"min_length": {TypeString},
	"max_length": {TypeString},
	"minimum":    {TypeInteger, TypeNumber},
	"maximum":    {TypeInteger, TypeNumber},
	"min_items":  {TypeArray},
	"max_items":  {TypeArray},
}

// Every param attribute ends up in the tool's input schema, which clients
// see, so all of them are decoded as public.
func decodeParamBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Param, hcl.Diagnostics) {
	p := &Param{
		Name:       block.Labels[0],
		DeclRange:  block.DefRange,
		NameRange:  block.LabelRanges[0],
		AttrRanges: map[string]hcl.Range{},
	}
	var diags hcl.Diagnostics
	if d := checkIdentifier("param name", p.Name, p.NameRange); d != nil {
		diags = append(diags, d)
	}
	content, cdiags := block.Body.Content(paramSchema)
	diags = append(diags, cdiags...)
	attrs := content.Attributes
	for name, attr := range attrs {
		p.AttrRanges[name] = attr.Expr.Range()
	}

	typeAttr := attrs["type"]
	if typeAttr != nil {
		p.Type = decodeParamType(typeAttr, ctx, &diags, false)
	}
	if p.Type != "" {
		for _, s := range paramSchema.Attributes {
			attr, ok := attrs[s.Name]
			if types := constraintTypes[s.Name]; ok && types != nil && !slices.Contains(types, p.Type) {
				diags = append(diags, AttrError(attr, "Constraint does not apply",
					"%s applies to %s params, not to %s ones.", s.Name, typeList(types), p.Type))
				delete(attrs, s.Name) // decoding it would only add noise
			}
		}
		if p.Type == TypeArray {
			if attr, ok := attrs["items"]; ok {
				p.Items = decodeParamType(attr, ctx, &diags, true)
			} else {
				diags = append(diags, AttrError(typeAttr, "Missing element type",
					"An array param needs items: the type of its elements (string, integer, number or boolean)."))
			}
		}
	}

	if attr, ok := attrs["description"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		p.Description = v
	}
	if attr, ok := attrs["pattern"]; ok {
		v, d := PublicStringAttr(attr, ctx)
		diags = append(diags, d...)
		p.Pattern = v
	}
	if attr, ok := attrs["sensitive"]; ok {
		v, d := boolAttr(attr, ctx, true)
		diags = append(diags, d...)
		p.Sensitive = v
	}

	p.Minimum = floatBound(attrs["minimum"], ctx, &diags)
	p.Maximum = floatBound(attrs["maximum"], ctx, &diags)
	p.MinLength = countBound(attrs["min_length"], ctx, &diags)
	p.MaxLength = countBound(attrs["max_length"], ctx, &diags)
	p.MinItems = countBound(attrs["min_items"], ctx, &diags)
	p.MaxItems = countBound(attrs["max_items"], ctx, &diags)
	checkOrder(attrs, "minimum", "maximum", p.Minimum, p.Maximum, &diags)
	checkOrder(attrs, "min_length", "max_length", p.MinLength, p.MaxLength, &diags)
	checkOrder(attrs, "min_items", "max_items", p.MinItems, p.MaxItems, &diags)

	// Values can only be checked against a type that is fully known.
	typed := p.Type != "" && (p.Type != TypeArray || p.Items != "")
	if attr, ok := attrs["default"]; ok {
		val, d := evalAttr(attr, ctx, true)
		diags = append(diags, d...)
		if !d.HasErrors() && typed {
			v, err := paramValue(val, p.Type, p.Items)
			if err != nil {
				diags = append(diags, AttrError(attr, "Invalid default value",
					"default of %s param %q: %v.", p.Type, p.Name, err))
			} else {
				p.Default = v
			}
		}
	}
	if attr, ok := attrs["enum"]; ok {
		p.Enum = decodeEnum(attr, ctx, p, typed, &diags)
	}

	hasDefault := attrs["default"] != nil
	p.Required = !hasDefault
	if attr, ok := attrs["required"]; ok {
		v, d := boolAttr(attr, ctx, true)
		diags = append(diags, d...)
		if !d.HasErrors() {
			p.Required = v
			if v && hasDefault {
				diags = append(diags, AttrError(attr, "Required param with a default",
					"A param with a default is optional: remove required = true or the default."))
			}
		}
	}
	return p, diags
}

// decodeParamType reads type or items. items names an element type, so it
// cannot be array.
func decodeParamType(attr *hcl.Attribute, ctx *hcl.EvalContext, diags *hcl.Diagnostics, element bool) ParamType {
	v, d := PublicStringAttr(attr, ctx)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return ""
	}
	types := []ParamType{TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeArray}
	if element {
		types = types[:4]
	}
	if !slices.Contains(types, ParamType(v)) {
		*diags = append(*diags, AttrError(attr, "Invalid param type",
			"%s must be %s, not %q.", attr.Name, typeList(types), v))
		return ""
	}
	return ParamType(v)
}

func decodeEnum(attr *hcl.Attribute, ctx *hcl.EvalContext, p *Param, typed bool, diags *hcl.Diagnostics) []any {
	val, d := evalAttr(attr, ctx, true)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return nil
	}
	ty := val.Type()
	if !ty.IsTupleType() && !ty.IsListType() && !ty.IsSetType() {
		*diags = append(*diags, AttrError(attr, "Incorrect attribute value type",
			"enum must be a list of values, not %s.", withArticle(ty.FriendlyName())))
		return nil
	}
	if val.LengthInt() == 0 {
		*diags = append(*diags, AttrError(attr, "Empty enum", "enum must list at least one value."))
		return nil
	}
	if !typed {
		return nil
	}
	// For an array, enum lists the allowed elements.
	elemType := p.Type
	if p.Type == TypeArray {
		elemType = p.Items
	}
	var enum []any
	i := 0
	for it := val.ElementIterator(); it.Next(); i++ {
		_, elem := it.Element()
		v, err := paramValue(elem, elemType, "")
		if err != nil {
			*diags = append(*diags, AttrError(attr, "Invalid enum value",
				"enum of %s param %q, element %d: %v.", p.Type, p.Name, i, err))
			return nil
		}
		enum = append(enum, v)
	}
	return enum
}

// paramValue converts a value written in HCL to the runtime's
// representation for a param of type typ. Unlike attribute conversion,
// it is exact: "5" is not an integer.
func paramValue(val cty.Value, typ, items ParamType) (any, error) {
	if val.IsNull() {
		return nil, fmt.Errorf("want %s, got null", wantDesc(typ))
	}
	ty := val.Type()
	switch typ {
	case TypeString:
		if ty.Equals(cty.String) {
			return val.AsString(), nil
		}
	case TypeBoolean:
		if ty.Equals(cty.Bool) {
			return val.True(), nil
		}
	case TypeInteger:
		if ty.Equals(cty.Number) {
			i, ok := wholeInt64(val)
			if !ok {
				return nil, fmt.Errorf("want %s, got %s", wantDesc(typ), gotDesc(val))
			}
			return i, nil
		}
	case TypeNumber:
		if ty.Equals(cty.Number) {
			f, _ := val.AsBigFloat().Float64()
			if math.IsInf(f, 0) {
				return nil, fmt.Errorf("%s is out of range", gotDesc(val))
			}
			return f, nil
		}
	case TypeArray:
		if ty.IsTupleType() || ty.IsListType() || ty.IsSetType() {
			list := []any{}
			i := 0
			for it := val.ElementIterator(); it.Next(); i++ {
				_, elem := it.Element()
				v, err := paramValue(elem, items, "")
				if err != nil {
					return nil, fmt.Errorf("element %d: %w", i, err)
				}
				list = append(list, v)
			}
			return list, nil
		}
	}
	return nil, fmt.Errorf("want %s, got %s", wantDesc(typ), gotDesc(val))
}

func wantDesc(typ ParamType) string {
	switch typ {
	case TypeInteger:
		return "a whole number within 64 bits"
	case TypeNumber:
		return "a number"
	case TypeBoolean:
		return "true or false"
	case TypeArray:
		return "a list"
	}
	return "a string"
}

func gotDesc(val cty.Value) string {
	if val.Type().Equals(cty.Number) {
		return val.AsBigFloat().Text('g', 10)
	}
	return withArticle(val.Type().FriendlyName())
}

func floatBound(attr *hcl.Attribute, ctx *hcl.EvalContext, diags *hcl.Diagnostics) *float64 {
	if attr == nil {
		return nil
	}
	val, d := evalTyped(attr, ctx, true, cty.Number)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return nil
	}
	f, _ := val.AsBigFloat().Float64()
	if math.IsInf(f, 0) {
		*diags = append(*diags, AttrError(attr, "Invalid value", "%s is out of range.", attr.Name))
		return nil
	}
	return &f
}

func countBound(attr *hcl.Attribute, ctx *hcl.EvalContext, diags *hcl.Diagnostics) *int {
	if attr == nil {
		return nil
	}
	n, d := intAttr(attr, ctx, true)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return nil
	}
	if n < 0 {
		*diags = append(*diags, AttrError(attr, "Invalid value", "%s must not be negative.", attr.Name))
		return nil
	}
	return &n
}

// checkOrder reports a lower bound above its upper bound, at the upper one.
func checkOrder[T int | float64](attrs hcl.Attributes, lowName, highName string, low, high *T, diags *hcl.Diagnostics) {
	if low == nil || high == nil || *low <= *high {
		return
	}
	*diags = append(*diags, AttrError(attrs[highName], "Contradictory constraints",
		"%s (%v) is greater than %s (%v): no value can satisfy both.", lowName, *low, highName, *high))
}

func typeList(types []ParamType) string {
	s := ""
	for i, t := range types {
		switch {
		case i == 0:
		case i == len(types)-1:
			s += " or "
		default:
			s += ", "
		}
		s += string(t)
	}
	return s
}
