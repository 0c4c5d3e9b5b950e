package diff

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// compareInputSchema compares two tools' inputSchemas param by param.
// Breaking: a param removed (unknown arguments are refused), added as
// required or made required, a type changed, a bound narrowed, a pattern
// added or changed, an enum value removed or an enum added. Descriptions
// are text (low); every other change is medium.
func compareInputSchema(o, n map[string]any) []Detail {
	op, np := mapOf(o["properties"]), mapOf(n["properties"])
	oReq, nReq := stringSet(o["required"]), stringSet(n["required"])
	var ds []Detail
	for _, name := range sortedKeys(op, np) {
		ov, inOld := op[name]
		nv, inNew := np[name]
		switch {
		case !inNew:
			ds = append(ds, Detail{Aspect: "schema", Risk: Medium, Breaking: true,
				Summary: fmt.Sprintf("param %q removed: clients that pass it are refused", name)})
		case !inOld && nReq[name]:
			ds = append(ds, Detail{Aspect: "schema", Risk: Medium, Breaking: true,
				Summary: fmt.Sprintf("required param %q added: clients that do not pass it are refused", name), New: valueText(nv)})
		case !inOld:
			ds = append(ds, Detail{Aspect: "schema", Risk: Medium, Summary: fmt.Sprintf("optional param %q added", name), New: valueText(nv)})
		default:
			if !oReq[name] && nReq[name] {
				ds = append(ds, Detail{Aspect: "schema", Risk: Medium, Breaking: true,
					Summary: fmt.Sprintf("param %q is now required", name)})
			} else if oReq[name] && !nReq[name] {
				ds = append(ds, Detail{Aspect: "schema", Risk: Medium, Summary: fmt.Sprintf("param %q is now optional", name)})
			}
			ds = append(ds, nested(fmt.Sprintf("param %q: ", name), compareParam(mapOf(ov), mapOf(nv)))...)
		}
	}
	for _, k := range sortedKeys(o, n) {
		switch k {
		case "properties", "required":
		default:
			ds = append(ds, nested("inputSchema ", compareGeneric("", pick(o, k), pick(n, k), Medium))...)
		}
	}
	for i := range ds {
		if ds[i].Aspect != "schema" && ds[i].Aspect != "description" {
			ds[i].Aspect = "schema"
		}
	}
	return ds
}

// bounds: the lower ones narrow when they grow, the upper ones when they
// shrink.
var lowerBounds = map[string]bool{"minimum": true, "minLength": true, "minItems": true, "exclusiveMinimum": true}
var upperBounds = map[string]bool{"maximum": true, "maxLength": true, "maxItems": true, "exclusiveMaximum": true}

// compareParam compares one param's schema (or an array's items schema).
func compareParam(o, n map[string]any) []Detail {
	var ds []Detail
	for _, k := range sortedKeys(o, n) {
		ov, nv := o[k], n[k]
		if equalJSON(ov, nv) {
			continue
		}
		oText, nText := valueText(ov), valueText(nv)
		d := Detail{Aspect: "schema", Risk: Medium, Old: oText, New: nText}
		switch {
		case k == "description":
			d.Aspect, d.Risk, d.Summary = "description", Low, "description changed"
		case k == "type":
			d.Breaking, d.Summary = true, "type changed"
		case k == "items":
			ds = append(ds, nested("items: ", compareParam(mapOf(ov), mapOf(nv)))...)
			continue
		case k == "enum":
			d.Summary, d.Breaking = enumChange(ov, nv)
		case k == "pattern":
			switch {
			case ov == nil:
				d.Breaking, d.Summary = true, "a pattern is added: values that do not match are refused"
			case nv == nil:
				d.Summary = "the pattern is removed: any value of the type is accepted"
			default:
				d.Breaking, d.Summary = true, "the pattern changed: values it accepted may be refused"
			}
		case lowerBounds[k] || upperBounds[k]:
			d.Summary, d.Breaking = boundChange(k, ov, nv)
		case k == "default":
			d.Summary = "the default changed: clients that omit it get other results"
		default:
			d.Summary = k + " changed"
		}
		ds = append(ds, d)
	}
	return ds
}

func enumChange(ov, nv any) (string, bool) {
	switch {
	case ov == nil:
		return "an enum is added: only its values are accepted", true
	case nv == nil:
		return "the enum is removed: any value of the type is accepted", false
	}
	have := map[string]bool{}
	for _, v := range listOf(nv) {
		have[valueText(v)] = true
	}
	var gone []string
	for _, v := range listOf(ov) {
		if !have[valueText(v)] {
			gone = append(gone, valueText(v))
		}
	}
	if len(gone) > 0 {
		return "enum values removed: " + strings.Join(gone, ", "), true
	}
	return "enum values added", false
}

// boundChange says whether a bound moved in (narrowed: breaking) or out.
func boundChange(k string, ov, nv any) (string, bool) {
	switch {
	case ov == nil:
		return k + " added: values beyond it are refused", true
	case nv == nil:
		return k + " removed: values it refused are accepted", false
	}
	o, ok1 := number(ov)
	n, ok2 := number(nv)
	if !ok1 || !ok2 {
		return k + " changed", true
	}
	cmp := n.Cmp(o)
	if lowerBounds[k] && cmp > 0 || upperBounds[k] && cmp < 0 {
		return fmt.Sprintf("%s narrowed from %s to %s", k, valueText(ov), valueText(nv)), true
	}
	return fmt.Sprintf("%s widened from %s to %s", k, valueText(ov), valueText(nv)), false
}

func number(v any) (*big.Float, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case float64:
		return big.NewFloat(x), true
	default:
		return nil, false
	}
	f, _, err := big.ParseFloat(s, 10, 128, big.ToNearestEven)
	return f, err == nil
}

// compareOutputSchema compares structuredContent's schemas. Breaking: a
// field removed, or no longer required (clients may rely on it), or its
// type changed. Descriptions are text; the rest is medium.
func compareOutputSchema(o, n any) []Detail {
	if equalJSON(o, n) {
		return nil
	}
	var ds []Detail
	walkOutput("", mapOf(o), mapOf(n), &ds)
	if len(ds) == 0 { // a change the walk does not name
		ds = append(ds, Detail{Aspect: "output_schema", Risk: Medium, Summary: "the output schema changed", Old: valueText(o), New: valueText(n)})
	}
	return ds
}

func walkOutput(path string, o, n map[string]any, ds *[]Detail) {
	at := func(s string) string {
		if path == "" {
			return s
		}
		return path + ": " + s
	}
	if ot, nt := o["type"], n["type"]; !equalJSON(ot, nt) {
		*ds = append(*ds, Detail{Aspect: "output_schema", Risk: Medium, Breaking: ot != nil,
			Summary: at("type changed"), Old: valueText(ot), New: valueText(nt)})
	}
	op, np := mapOf(o["properties"]), mapOf(n["properties"])
	oReq, nReq := stringSet(o["required"]), stringSet(n["required"])
	for _, f := range sortedKeys(op, np) {
		fieldPath := strings.TrimPrefix(path+"."+f, ".")
		switch {
		case np[f] == nil:
			*ds = append(*ds, Detail{Aspect: "output_schema", Risk: Medium, Breaking: true,
				Summary: fmt.Sprintf("output field %s removed", fieldPath)})
		case op[f] == nil:
			*ds = append(*ds, Detail{Aspect: "output_schema", Risk: Low, Summary: fmt.Sprintf("output field %s added", fieldPath)})
		default:
			walkOutput(fieldPath, mapOf(op[f]), mapOf(np[f]), ds)
		}
	}
	for _, f := range sortedSet(oReq) {
		if !nReq[f] && np[f] != nil {
			*ds = append(*ds, Detail{Aspect: "output_schema", Risk: Medium, Breaking: true,
				Summary: at(fmt.Sprintf("output field %s is no longer always present", f))})
		}
	}
	if oi, ni := mapOf(o["items"]), mapOf(n["items"]); oi != nil || ni != nil {
		walkOutput(path+"[]", oi, ni, ds)
	}
	for _, k := range sortedKeys(o, n) {
		switch k {
		case "type", "properties", "required", "items":
		case "description":
			if !equalJSON(o[k], n[k]) {
				*ds = append(*ds, Detail{Aspect: "description", Risk: Low, Summary: at("output description changed"), Old: valueText(o[k]), New: valueText(n[k])})
			}
		default:
			if !equalJSON(o[k], n[k]) {
				*ds = append(*ds, Detail{Aspect: "output_schema", Risk: Medium, Summary: at(k + " changed"), Old: valueText(o[k]), New: valueText(n[k])})
			}
		}
	}
}
