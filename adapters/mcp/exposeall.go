package mcp

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// exposeAll is `expose_all = true` on a source: every upstream tool whose
// name passes allow and deny is re-exposed as prefix+name behind guard.
// The tools are generated from the definitions pinned in mcpgen.lock, not
// from what the upstream lists now: a tool the upstream adds later is not
// served before a reviewer runs `mcpgen lock`, and the surface is known
// offline.
type exposeAll struct {
	prefix      string
	allow, deny []string // path.Match patterns; no allow: every name
	guard       *cfg.Expr
	at          hcl.Range // the expose_all attribute
	file        string
}

// decodeExposeAll reads expose_all, prefix, allow, deny and guard.
func (s *Source) decodeExposeAll(attrs hcl.Attributes, src *cfg.Source) hcl.Diagnostics {
	var diags hcl.Diagnostics
	on := false
	attr, ok := attrs["expose_all"]
	if ok {
		v, ds := cfg.BoolAttr(attr, src.Ctx)
		diags = append(diags, ds...)
		on = v && !ds.HasErrors()
	}
	if !on {
		for _, name := range []string{"prefix", "allow", "deny", "guard"} {
			if a, ok := attrs[name]; ok {
				diags = append(diags, cfg.AttrError(a, name+" without expose_all",
					"%s applies to the tools expose_all = true generates; set expose_all = true, or declare each tool with upstream_tool.", name))
			}
		}
		return diags
	}
	e := &exposeAll{at: attr.Range, file: src.DeclRange.Filename}
	if a, ok := attrs["prefix"]; ok {
		v, ds := cfg.PublicStringAttr(a, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() && (v == "" || len(v) > 64 || !validUpstreamName(v)) {
			diags = append(diags, cfg.AttrError(a, "Invalid prefix",
				"prefix must be 1 to 64 letters, digits, _, - or . (it starts every exposed tool's name), not %q.", v))
		}
		e.prefix = v
	}
	for _, name := range []string{"allow", "deny"} {
		a, ok := attrs[name]
		if !ok {
			continue
		}
		list, ds := stringList(a, src.Ctx)
		diags = append(diags, ds...)
		for _, p := range list {
			if _, err := path.Match(p, ""); err != nil || p == "" {
				diags = append(diags, cfg.AttrError(a, "Invalid pattern",
					"%q is not a name pattern: write upstream tool names, with * for any characters, ? for one, [a-z] for a class.", p))
			}
		}
		if name == "allow" {
			if len(list) == 0 && !ds.HasErrors() {
				diags = append(diags, cfg.AttrError(a, "Empty allow", "allow = [] exposes nothing: list the upstream tool names to expose, or remove allow to expose every one."))
			}
			e.allow = list
		} else {
			e.deny = list
		}
	}
	if a, ok := attrs["guard"]; ok {
		v, ds := cfg.PublicStringAttr(a, src.Ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if strings.TrimSpace(v) == "" {
				diags = append(diags, cfg.AttrError(a, "Empty expression", "guard must be a CEL expression, not an empty string."))
			}
			e.guard = &cfg.Expr{Source: v, Range: a.Expr.Range()}
		}
	} else {
		diags = append(diags, cfg.AttrError(attr, "expose_all without guard",
			"expose_all exposes tools nobody declared one by one, so it needs their guard here, such as guard = \"'crm.read' in principal.scopes\"."))
	}
	s.expose = e
	return diags
}

// exposes reports whether expose_all re-exposes the upstream tool name.
func (s *Source) exposes(name string) bool {
	e := s.expose
	if e == nil {
		return false
	}
	for _, p := range e.deny {
		if ok, _ := path.Match(p, name); ok {
			return false
		}
	}
	if len(e.allow) == 0 {
		return true
	}
	for _, p := range e.allow {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// pinnedDef is what a generated tool takes from a pinned definition.
type pinnedDef struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	InputSchema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	} `json:"inputSchema"`
	Annotations struct {
		Title           string `json:"title"`
		ReadOnlyHint    *bool  `json:"readOnlyHint"`
		DestructiveHint *bool  `json:"destructiveHint"`
		IdempotentHint  *bool  `json:"idempotentHint"`
		OpenWorldHint   *bool  `json:"openWorldHint"`
	} `json:"annotations"`
}

// GenerateTools returns one tool per definition pinned for this source
// whose name expose_all lets through, in name order. A definition whose
// arguments cannot be params (an object, a union) is not exposed, with a
// warning: declare that tool with upstream_tool and params of its own.
func (s *Source) GenerateTools(pinned map[string]json.RawMessage) ([]*cfg.Tool, hcl.Diagnostics) {
	if s.expose == nil {
		return nil, nil
	}
	e := s.expose
	var names []string
	for key := range pinned {
		if name, ok := strings.CutPrefix(key, s.key+"/"); ok && s.exposes(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var tools []*cfg.Tool
	var diags hcl.Diagnostics
	for _, name := range names {
		t, why := s.generate(name, pinned[s.key+"/"+name])
		if why != "" {
			r := e.at
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Upstream tool not exposed",
				Detail: fmt.Sprintf("expose_all does not expose upstream tool %q: %s.", name, why), Subject: &r})
			continue
		}
		tools = append(tools, t)
	}
	return tools, diags
}

func (s *Source) generate(name string, raw json.RawMessage) (*cfg.Tool, string) {
	e := s.expose
	var def pinnedDef
	if err := json.Unmarshal(raw, &def); err != nil {
		return nil, "its pinned definition cannot be read"
	}
	full := e.prefix + name
	if !validUpstreamName(full) {
		return nil, fmt.Sprintf("%q is not a valid tool name (1 to 128 letters, digits, _, - or .)", full)
	}
	body, ds := hclsyntax.ParseConfig([]byte(fmt.Sprintf("upstream_tool = %q\n", name)), e.file, e.at.Start)
	if ds.HasErrors() {
		return nil, "its name cannot be written as upstream_tool"
	}
	a := def.Annotations
	ro := a.ReadOnlyHint != nil && *a.ReadOnlyHint
	t := &cfg.Tool{
		Name:        full,
		Title:       def.Title,
		Description: def.Description,
		Source:      cfg.SourceRef{Type: "mcp", Name: s.name, Range: e.at},
		Guard:       e.guard,
		// The MCP defaults for absent hints (2025-11-25, ToolAnnotations).
		ReadOnly:    ro,
		Destructive: !ro && (a.DestructiveHint == nil || *a.DestructiveHint),
		Idempotent:  a.IdempotentHint != nil && *a.IdempotentHint,
		OpenWorld:   a.OpenWorldHint == nil || *a.OpenWorldHint,
		Body:        body.Body,
		// Declared by the source block: what points at a tool (lint's
		// findings, the surface's declared) points there.
		DeclRange: s.declRange,
		NameRange: e.at,
	}
	if t.Title == "" {
		t.Title = a.Title
	}
	if t.Description == "" {
		t.Description = "Upstream tool " + name + " of source " + s.key + "."
	}
	required := map[string]bool{}
	for _, r := range def.InputSchema.Required {
		required[r] = true
	}
	props := def.InputSchema.Properties
	for _, pname := range sortedKeys(props) {
		p, why := paramOf(pname, props[pname], required[pname], e.at)
		if why != "" {
			return nil, fmt.Sprintf("its argument %q %s", pname, why)
		}
		t.Params = append(t.Params, p)
	}
	return t, ""
}

// identifier is a param's name (hcl: checkIdentifier).
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// paramOf turns one property of a pinned input schema into a param: its
// type, description, enum and bounds. The upstream validates the rest.
func paramOf(name string, raw json.RawMessage, required bool, at hcl.Range) (*cfg.Param, string) {
	var prop struct {
		Type        any      `json:"type"`
		Description string   `json:"description"`
		Enum        []any    `json:"enum"`
		Minimum     *float64 `json:"minimum"`
		Maximum     *float64 `json:"maximum"`
		MinLength   *int     `json:"minLength"`
		MaxLength   *int     `json:"maxLength"`
		MinItems    *int     `json:"minItems"`
		MaxItems    *int     `json:"maxItems"`
		Items       *struct {
			Type any `json:"type"`
		} `json:"items"`
	}
	if !identifier.MatchString(name) {
		return nil, "is not a name params can have (letters, digits and _, not first a digit)"
	}
	if err := json.Unmarshal(raw, &prop); err != nil {
		return nil, "has a schema that cannot be read"
	}
	p := &cfg.Param{Name: name, Description: prop.Description, Required: required,
		Minimum: prop.Minimum, Maximum: prop.Maximum, MinLength: prop.MinLength, MaxLength: prop.MaxLength,
		MinItems: prop.MinItems, MaxItems: prop.MaxItems, DeclRange: at, NameRange: at, AttrRanges: map[string]hcl.Range{}}
	typ, _ := prop.Type.(string)
	switch cfg.ParamType(typ) {
	case cfg.TypeString, cfg.TypeInteger, cfg.TypeNumber, cfg.TypeBoolean:
		p.Type = cfg.ParamType(typ)
	case cfg.TypeArray:
		it := ""
		if prop.Items != nil {
			it, _ = prop.Items.Type.(string)
		}
		switch cfg.ParamType(it) {
		case cfg.TypeString, cfg.TypeInteger, cfg.TypeNumber, cfg.TypeBoolean:
			p.Type, p.Items = cfg.TypeArray, cfg.ParamType(it)
		default:
			return nil, "is an array of values that are not strings, numbers or booleans"
		}
	default:
		return nil, fmt.Sprintf("has type %s, and params are strings, numbers, booleans or arrays of them", jsonText(prop.Type))
	}
	for _, v := range prop.Enum {
		switch x := v.(type) {
		case float64:
			if p.Type == cfg.TypeInteger {
				p.Enum = append(p.Enum, int64(x))
			} else {
				p.Enum = append(p.Enum, x)
			}
		case string, bool:
			p.Enum = append(p.Enum, x)
		default:
			return nil, "has an enum value that is not a string, number or boolean"
		}
	}
	return p, ""
}

func jsonText(v any) string {
	if v == nil {
		return "none"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
