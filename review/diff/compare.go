package diff

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

// compareText reports changed text fields (descriptions, titles,
// instructions): low risk, never breaking. Text is compared exactly.
func compareText(o, n map[string]any, keys ...string) []Detail {
	var ds []Detail
	for _, k := range keys {
		ov, nv := str(o[k]), str(n[k])
		if ov != nv {
			ds = append(ds, Detail{Aspect: textAspect(k), Risk: Low, Summary: k + " changed", Old: ov, New: nv})
		}
	}
	return ds
}

func textAspect(key string) string {
	switch key {
	case "description", "title", "instructions":
		return "description"
	}
	return key
}

// compareToolClient compares two tools/list entries.
func compareToolClient(o, n map[string]any) []Detail {
	var ds []Detail
	oDep, _ := deprecation(o)
	nDep, _ := deprecation(n)
	// The description carries the deprecation notice first: compare what
	// the configuration wrote, and the notice on its own.
	od, nd := undeprecated(str(o["description"]), oDep), undeprecated(str(n["description"]), nDep)
	if od != nd {
		ds = append(ds, Detail{Aspect: "description", Risk: Low, Summary: "description changed", Old: od, New: nd})
	}
	ds = append(ds, compareText(o, n, "title")...)
	switch {
	case oDep == nDep:
	case oDep == "":
		ds = append(ds, Detail{Aspect: "deprecation", Risk: Low, Summary: "deprecated: clients are told to move off it", New: nDep})
	case nDep == "":
		ds = append(ds, Detail{Aspect: "deprecation", Risk: Low, Summary: "no longer deprecated", Old: oDep})
	default:
		ds = append(ds, Detail{Aspect: "deprecation", Risk: Low, Summary: "deprecation notice changed", Old: oDep, New: nDep})
	}
	ds = append(ds, compareAnnotations(mapOf(o["annotations"]), mapOf(n["annotations"]))...)
	ds = append(ds, compareInputSchema(mapOf(o["inputSchema"]), mapOf(n["inputSchema"]))...)
	ds = append(ds, compareOutputSchema(o["outputSchema"], n["outputSchema"])...)
	for _, k := range sortedKeys(o, n) {
		switch k {
		case "name", "title", "description", "annotations", "inputSchema", "outputSchema":
			continue
		case "_meta":
			om, nm := mapOf(deepCopy(o[k])), mapOf(deepCopy(n[k]))
			delete(om, runtime.MetaDeprecated)
			delete(nm, runtime.MetaDeprecated)
			ds = append(ds, compareGeneric("_meta.", om, nm, Low)...)
		default:
			ds = append(ds, compareGeneric("", pick(o, k), pick(n, k), Medium)...)
		}
	}
	return ds
}

// compareAnnotations: hints are what clients are told; what the server
// enforces (read_only) is compared with the execution.
func compareAnnotations(o, n map[string]any) []Detail {
	var ds []Detail
	for _, k := range sortedKeys(o, n) {
		if !equalJSON(o[k], n[k]) {
			aspect := "annotations"
			if k == "title" {
				aspect = "description"
			}
			ds = append(ds, Detail{Aspect: aspect, Risk: Low, Summary: "annotation " + k + " changed", Old: valueText(o[k]), New: valueText(n[k])})
		}
	}
	return ds
}

// compareResourceClient compares two resources (or templates) as
// resources/list shows them. Clients read them by URI: a new URI breaks
// them.
func compareResourceClient(o, n map[string]any) []Detail {
	var ds []Detail
	for _, k := range sortedKeys(o, n) {
		ov, nv := o[k], n[k]
		if equalJSON(ov, nv) {
			continue
		}
		switch k {
		case "uri", "uriTemplate":
			ds = append(ds, Detail{Aspect: "uri", Risk: Medium, Breaking: true,
				Summary: k + " changed: clients that read the old one get not-found", Old: valueText(ov), New: valueText(nv)})
		case "description", "title":
			ds = append(ds, compareText(o, n, k)...)
		case "mimeType", "annotations", "_meta", "size":
			ds = append(ds, Detail{Aspect: k, Risk: Low, Summary: k + " changed", Old: valueText(ov), New: valueText(nv)})
		default:
			ds = append(ds, compareGeneric("", pick(o, k), pick(n, k), Medium)...)
		}
	}
	return ds
}

// comparePromptClient compares two prompts as prompts/list shows them.
func comparePromptClient(o, n map[string]any) []Detail {
	var ds []Detail
	for _, k := range sortedKeys(o, n) {
		ov, nv := o[k], n[k]
		if equalJSON(ov, nv) {
			continue
		}
		switch k {
		case "description", "title":
			ds = append(ds, compareText(o, n, k)...)
		case "arguments":
			ds = append(ds, comparePromptArguments(ov, nv)...)
		default:
			ds = append(ds, compareGeneric("", pick(o, k), pick(n, k), Medium)...)
		}
	}
	return ds
}

func comparePromptArguments(o, n any) []Detail {
	byName := func(v any) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, a := range listOf(v) {
			if am := mapOf(a); am != nil {
				m[str(am["name"])] = am
			}
		}
		return m
	}
	om, nm := byName(o), byName(n)
	var names []string
	for k := range om {
		names = append(names, k)
	}
	for k := range nm {
		if _, ok := om[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var ds []Detail
	for _, name := range names {
		oa, inOld := om[name]
		na, inNew := nm[name]
		req := func(a map[string]any) bool { b, _ := a["required"].(bool); return b }
		switch {
		case !inNew:
			ds = append(ds, Detail{Aspect: "arguments", Risk: Medium, Breaking: true, Summary: fmt.Sprintf("argument %q removed: clients that pass it fail", name)})
		case !inOld && req(na):
			ds = append(ds, Detail{Aspect: "arguments", Risk: Medium, Breaking: true, Summary: fmt.Sprintf("required argument %q added: clients that do not pass it fail", name)})
		case !inOld:
			ds = append(ds, Detail{Aspect: "arguments", Risk: Medium, Summary: fmt.Sprintf("optional argument %q added", name)})
		default:
			if !req(oa) && req(na) {
				ds = append(ds, Detail{Aspect: "arguments", Risk: Medium, Breaking: true, Summary: fmt.Sprintf("argument %q is now required", name)})
			} else if req(oa) && !req(na) {
				ds = append(ds, Detail{Aspect: "arguments", Risk: Low, Summary: fmt.Sprintf("argument %q is now optional", name)})
			}
			for _, d := range compareText(oa, na, "description", "title") {
				d.Summary = fmt.Sprintf("argument %q: %s", name, d.Summary)
				ds = append(ds, d)
			}
		}
	}
	return ds
}

// compareExecution compares what the server runs: the source and what it
// executes there, the access rule and binds, limits, sensitive params, and,
// nested, a resource's query and a prompt's completions. params are the
// new tool's parameter names (nil: unknown).
func compareExecution(o, n map[string]any, params map[string]bool) []Detail {
	var ds []Detail
	readOnlyChanged := !equalJSON(o["read_only"], n["read_only"])
	for _, k := range sortedKeys(o, n) {
		ov, nv := o[k], n[k]
		switch k {
		case "query":
			// A resource's query: its own execution.
			ds = append(ds, nested("query: ", compareExecution(mapOf(ov), mapOf(nv), nil))...)
			continue
		case "completions":
			om, nm := mapOf(ov), mapOf(nv)
			for _, arg := range sortedKeys(om, nm) {
				prefix := fmt.Sprintf("completion of %q: ", arg)
				switch {
				case om[arg] == nil:
					ds = append(ds, Detail{Aspect: "completions", Risk: Medium, Summary: prefix + "added (a query runs as the client types)"})
				case nm[arg] == nil:
					ds = append(ds, Detail{Aspect: "completions", Risk: Low, Summary: prefix + "removed"})
				default:
					ds = append(ds, nested(prefix, compareExecution(mapOf(om[arg]), mapOf(nm[arg]), nil))...)
				}
			}
			continue
		}
		if equalJSON(normalizedValue(k, ov), normalizedValue(k, nv)) {
			continue
		}
		switch k {
		case "source":
			ds = append(ds, Detail{Aspect: "source", Risk: Medium, Summary: "runs on another source", Old: valueText(ov), New: valueText(nv)})
		case "executes":
			ds = append(ds, compareExecutes(mapOf(ov), mapOf(nv), readOnlyChanged)...)
		case "content":
			_, oList := ov.([]any)
			_, nList := nv.([]any)
			if oList || nList {
				continue // a fixed tool's kinds: returns says more
			}
			ds = append(ds, Detail{Aspect: "content", Risk: Medium, Summary: "the content it returns changed", Old: contentText(ov), New: contentText(nv)})
		case "returns":
			ds = append(ds, Detail{Aspect: "content", Risk: Medium, Summary: "the content it returns changed", Old: contentText(ov), New: contentText(nv)})
		case "messages":
			ds = append(ds, Detail{Aspect: "content", Risk: Medium, Summary: "the messages it returns changed", Old: contentText(ov), New: contentText(nv)})
		case "argument_enums":
			om, nm := mapOf(ov), mapOf(nv)
			for _, arg := range sortedKeys(om, nm) {
				if equalJSON(om[arg], nm[arg]) {
					continue
				}
				summary, breaking := enumChange(om[arg], nm[arg])
				ds = append(ds, Detail{Aspect: "arguments", Risk: Medium, Breaking: breaking,
					Summary: fmt.Sprintf("argument %q: %s", arg, summary), Old: valueText(om[arg]), New: valueText(nm[arg])})
			}
		case "read_only":
			if ov == true && nv == false {
				ds = append(ds, Detail{Aspect: "read_only", Risk: High, Summary: "a read-only tool now writes (read_only = false)"})
			} else {
				ds = append(ds, Detail{Aspect: "read_only", Risk: Low, Summary: "now read-only", Old: valueText(ov), New: valueText(nv)})
			}
		case "access":
			ds = append(ds, compareAccess(mapOf(ov), mapOf(nv))...)
		case "limits":
			ds = append(ds, compareLimits(mapOf(ov), mapOf(nv))...)
		case "sensitive_params":
			ds = append(ds, compareSensitive(ov, nv, params)...)
		default:
			ds = append(ds, compareGeneric("", pick(o, k), pick(n, k), Medium)...)
		}
	}
	return ds
}

func nested(prefix string, ds []Detail) []Detail {
	for i := range ds {
		ds[i].Summary = prefix + ds[i].Summary
	}
	return ds
}

// normalizedValue is a field of an execution as compared: statements and
// expressions with their layout normalized.
func normalizedValue(key string, v any) any {
	x := map[string]any{key: deepCopy(v)}
	normalizeExecution(x)
	return x[key]
}

// compareExecutes compares what an adapter describes: a statement or a
// request.
func compareExecutes(o, n map[string]any, readOnlyChanged bool) []Detail {
	aspect := "request"
	if _, ok := o["statement"]; ok {
		aspect = "statement"
	} else if _, ok := n["statement"]; ok {
		aspect = "statement"
	}
	x, y := normalizedValue("executes", o), normalizedValue("executes", n)
	on, nn := mapOf(x), mapOf(y)
	var ds []Detail
	for _, k := range sortedKeys(o, n) {
		if equalJSON(on[k], nn[k]) {
			continue
		}
		ov, nv := valueText(o[k]), valueText(n[k])
		switch k {
		case "statement":
			ds = append(ds, Detail{Aspect: aspect, Risk: Medium, Summary: "the statement changed", Old: ov, New: nv})
		case "mode":
			if readOnlyChanged {
				continue // read_only says it
			}
			risk := Low
			if nv == "read_write" {
				risk = High
			}
			ds = append(ds, Detail{Aspect: aspect, Risk: risk, Summary: "mode changed", Old: ov, New: nv})
		case "enforced_by":
			ds = append(ds, Detail{Aspect: aspect, Risk: Low, Summary: "what enforces the mode changed", Old: ov, New: nv})
		default:
			ds = append(ds, Detail{Aspect: aspect, Risk: Medium, Summary: k + " changed", Old: ov, New: nv})
		}
	}
	return ds
}

// compareSensitive: dropping the sensitive marker of a param that still
// exists puts its values into audit records.
func compareSensitive(o, n any, params map[string]bool) []Detail {
	os, ns := stringSet(o), stringSet(n)
	var ds []Detail
	for _, p := range sortedSet(os) {
		if ns[p] {
			continue
		}
		if params != nil && !params[p] {
			continue // the param is gone; the schema says so
		}
		ds = append(ds, Detail{Aspect: "sensitive", Risk: High,
			Summary: fmt.Sprintf("param %q is no longer sensitive: audit records now hold its values", p)})
	}
	for _, p := range sortedSet(ns) {
		if !os[p] {
			ds = append(ds, Detail{Aspect: "sensitive", Risk: Low, Summary: fmt.Sprintf("param %q is now sensitive: audit records redact it", p)})
		}
	}
	return ds
}

// compareServer compares who may call at all (auth) and the server's
// other settings.
func compareServer(o, n map[string]any) []Detail {
	var ds []Detail
	for _, k := range sortedKeys(o, n) {
		ov, nv := o[k], n[k]
		if equalJSON(ov, nv) {
			continue
		}
		switch k {
		case "auth":
			ds = append(ds, compareAuth(mapOf(ov), mapOf(nv))...)
		case "http_rate_limit":
			ds = append(ds, nested("HTTP requests: ", compareRateLimit(mapOf(ov), mapOf(nv)))...)
		default:
			ds = append(ds, compareGeneric("", pick(o, k), pick(n, k), Medium)...)
		}
	}
	return ds
}

func compareAuth(o, n map[string]any) []Detail {
	var ds []Detail
	oc, _ := o["closed_by_default"].(bool)
	nc, _ := n["closed_by_default"].(bool)
	// A block added or removed is one change; its settings come and go
	// with it.
	switch {
	case oc && !nc:
		return []Detail{{Aspect: "auth", Risk: High,
			Summary: "the auth block is gone: every caller is anonymous and tools without a guard are open to all"}}
	case !oc && nc:
		return []Detail{{Aspect: "auth", Risk: Medium, Breaking: true,
			Summary: "an auth block is added: tools without a guard are closed, and callers without credentials are refused"}}
	}
	oScopes, nScopes := stringSet(o["required_scopes"]), stringSet(n["required_scopes"])
	for _, s := range sortedSet(oScopes) {
		if !nScopes[s] {
			ds = append(ds, Detail{Aspect: "auth", Risk: High, Summary: fmt.Sprintf("scope %q is no longer required of every caller", s)})
		}
	}
	for _, s := range sortedSet(nScopes) {
		if !oScopes[s] {
			ds = append(ds, Detail{Aspect: "auth", Risk: Low, Breaking: true, Summary: fmt.Sprintf("scope %q is now required of every caller", s)})
		}
	}
	oKeys, nKeys := stringSet(o["api_keys"]), stringSet(n["api_keys"])
	for _, k := range sortedSet(nKeys) {
		if !oKeys[k] {
			ds = append(ds, Detail{Aspect: "auth", Risk: Medium, Summary: fmt.Sprintf("API key %q can now call", k)})
		}
	}
	for _, k := range sortedSet(oKeys) {
		if !nKeys[k] {
			ds = append(ds, Detail{Aspect: "auth", Risk: Low, Breaking: true, Summary: fmt.Sprintf("API key %q is removed: its callers are refused", k)})
		}
	}
	for _, k := range sortedKeys(o, n) {
		if equalJSON(o[k], n[k]) {
			continue
		}
		switch k {
		case "closed_by_default", "required_scopes", "api_keys":
		case "jwt_issuer", "resource":
			ds = append(ds, Detail{Aspect: "auth", Risk: Medium, Breaking: o[k] != nil,
				Summary: k + " changed: tokens issued for the old one are refused", Old: valueText(o[k]), New: valueText(n[k])})
		case "stdio_subject":
			ds = append(ds, Detail{Aspect: "auth", Risk: Medium, Summary: "stdio runs as someone else", Old: valueText(o[k]), New: valueText(n[k])})
		default:
			ds = append(ds, compareGeneric("auth.", pick(o, k), pick(n, k), Medium)...)
		}
	}
	return ds
}

// compareGeneric reports each differing top-level key of two objects at
// risk: the fallback for fields this package does not know yet.
func compareGeneric(prefix string, o, n map[string]any, risk Risk) []Detail {
	var ds []Detail
	for _, k := range sortedKeys(o, n) {
		if !equalJSON(o[k], n[k]) {
			ds = append(ds, Detail{Aspect: strings.TrimSuffix(prefix, ".") + orDot(prefix) + k, Risk: risk,
				Summary: prefix + k + " changed", Old: valueText(o[k]), New: valueText(n[k])})
		}
	}
	return ds
}

func orDot(prefix string) string {
	if prefix == "" {
		return ""
	}
	return "."
}

// deprecation is a tools/list entry's deprecation notice.
func deprecation(client map[string]any) (string, bool) {
	s, ok := mapOf(client["_meta"])[runtime.MetaDeprecated].(string)
	return s, ok && s != ""
}

// undeprecated is a description without the notice runtime puts first.
func undeprecated(description, notice string) string {
	if notice == "" {
		return description
	}
	return strings.TrimPrefix(strings.TrimPrefix(description, "Deprecated: "+notice), "\n\n")
}

// removalDate is the date a deprecation notice names, if any.
func removalDate(notice string) (time.Time, bool) {
	t, err := cfg.RemovalDate(notice)
	return t, err == nil && !t.IsZero()
}

func paramNames(client map[string]any) map[string]bool {
	props := mapOf(mapOf(client["inputSchema"])["properties"])
	names := map[string]bool{}
	for k := range props {
		names[k] = true
	}
	return names
}

func equalJSON(a, b any) bool { return reflect.DeepEqual(a, b) }

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func pick(m map[string]any, k string) map[string]any {
	if v, ok := m[k]; ok {
		return map[string]any{k: v}
	}
	return map[string]any{}
}

func stringSet(v any) map[string]bool {
	s := map[string]bool{}
	for _, e := range listOf(v) {
		if x, ok := e.(string); ok {
			s[x] = true
		}
	}
	return s
}

func sortedSet(s map[string]bool) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// contentText renders content items (or one) for a report: a line naming
// each item, then its text.
func contentText(v any) string {
	items := listOf(v)
	if m := mapOf(v); m != nil {
		items = []any{m}
	}
	var b strings.Builder
	for _, it := range items {
		m := mapOf(it)
		head := []string{}
		for _, k := range []string{"role", "kind", "mime_type", "uri"} {
			if s := str(m[k]); s != "" {
				head = append(head, s)
			}
		}
		fmt.Fprintf(&b, "[%s]\n", strings.Join(head, " "))
		if t := str(m["text"]); t != "" {
			b.WriteString(strings.TrimRight(t, "\n") + "\n")
		}
		if d := str(m["data_sha256"]); d != "" {
			fmt.Fprintf(&b, "%s, %s bytes\n", d, valueText(m["size"]))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// valueText renders a value for a report: a string as it is, anything
// else as compact JSON; nothing for an absent value.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
