// Package page writes the reviewer's page (`mcpgen surface -o
// surface.html`): one self-contained HTML file with every tool, resource,
// template and prompt as the model sees it beside what runs, the lint
// findings on the items they concern, the access matrix and, against a
// base, the changes. It reads the Surface, the matrix (review/access), a
// lint report and a diff report; it derives nothing from the files.
//
// The file fetches nothing (a Content-Security-Policy meta forbids it),
// reads without JavaScript, and prints; a small inline script, allowed by
// its hash, only filters the items by name.
package page

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mcpgen/mcpgen/review/access"
	"github.com/mcpgen/mcpgen/review/diff"
	"github.com/mcpgen/mcpgen/review/lint"
	"github.com/mcpgen/mcpgen/runtime"
)

// Input is what the page shows. Matrix, Lint and Diff may be nil.
type Input struct {
	Generation *runtime.Generation
	Matrix     *access.Matrix
	Lint       *lint.Report
	Diff       *diff.Report
}

// Page is the page's model, for the template.
type Page struct {
	Server   runtime.ServerSurface
	Sections []*Section
	Matrix   *access.Matrix
	// General are the lint findings on no tool, resource or prompt.
	General  []lint.Finding
	Findings int
	Diff     *diff.Report
	// Removed are the items the base had and this configuration does not.
	Removed []diff.Change
	// ServerChanges are the diff's changes to the server item.
	ServerChanges []diff.Change
	Changed       int
}

// Section is one kind of item.
type Section struct {
	ID, Title string
	Items     []*Item
}

// Item is one tool, resource, template or prompt.
type Item struct {
	ID, Kind, Name, Title, Declared string
	// URI is a resource's URI or a template's URI template.
	URI         string
	Description string
	Hidden      int // invisible characters in the description
	Deprecated  *runtime.DeprecatedSurface
	Params      []Param
	// URIVars are a template's variables.
	URIVars     []string
	Annotations []string
	// What runs.
	Source    string
	Statement string
	Executes  []KV
	Content   []runtime.ContentSurface
	Access    runtime.Access
	Limits    []KV
	Sensitive []string
	// Completions are a prompt's argument completions: argument, statement.
	Completions []KV
	Findings    []lint.Finding
	Change      *diff.Change
	Cells       []Cell
}

// Param is one row of an input schema table.
type Param struct {
	Name, Type, Rules, Description string
	Required                       bool
}

// KV is a labelled value.
type KV struct{ Key, Value string }

// Cell is one principal's access to an item.
type Cell struct {
	Row      access.Row
	Decision runtime.Decision
}

// Build joins the inputs into the page's model.
func Build(in Input) (*Page, error) {
	s := in.Generation.Surface()
	p := &Page{Server: s.Server, Matrix: in.Matrix, Diff: in.Diff}
	tools := &Section{ID: "tools", Title: "Tools"}
	for _, t := range s.Tools {
		it, err := toolItem(t)
		if err != nil {
			return nil, err
		}
		tools.Items = append(tools.Items, it)
	}
	resources := &Section{ID: "resources", Title: "Resources"}
	for _, r := range s.Resources {
		it := resourceItem(r, "resource", r.Resource.Name, r.Resource.Title, r.Resource.URI, r.Resource.Description)
		resources.Items = append(resources.Items, it)
	}
	templates := &Section{ID: "templates", Title: "Resource templates"}
	for _, r := range s.ResourceTemplates {
		uri := ""
		if r.Template.URITemplate != nil {
			uri = r.Template.URITemplate.Raw()
		}
		it := resourceItem(r, "resource_template", r.Template.Name, r.Template.Title, uri, r.Template.Description)
		it.URIVars = uriVars(uri)
		templates.Items = append(templates.Items, it)
	}
	prompts := &Section{ID: "prompts", Title: "Prompts"}
	for _, pr := range s.Prompts {
		prompts.Items = append(prompts.Items, promptItem(pr))
	}
	for _, sec := range []*Section{tools, resources, templates, prompts} {
		if len(sec.Items) > 0 {
			p.Sections = append(p.Sections, sec)
		}
	}
	p.attachCells(in.Matrix)
	p.attachFindings(in)
	p.attachChanges(in.Diff)
	return p, nil
}

func toolItem(t runtime.ToolSurface) (*Item, error) {
	it := &Item{ID: "tool-" + t.Tool.Name, Kind: "tool", Name: t.Tool.Name, Title: t.Tool.Title,
		Declared: t.Declared, Description: t.Tool.Description, Deprecated: t.Deprecated}
	params, err := schemaParams(t.Tool.RawInputSchema)
	if err != nil {
		return nil, fmt.Errorf("tool %s: %w", t.Tool.Name, err)
	}
	it.Params = params
	it.Hidden = Hidden(it.Description)
	a := t.Tool.Annotations
	for _, h := range []struct {
		name string
		v    *bool
	}{{"read-only", a.ReadOnlyHint}, {"destructive", a.DestructiveHint}, {"idempotent", a.IdempotentHint}, {"open-world", a.OpenWorldHint}} {
		if h.v != nil && *h.v {
			it.Annotations = append(it.Annotations, h.name)
		}
	}
	it.execution(t.Execution)
	return it, nil
}

func resourceItem(r runtime.ResourceSurface, kind, name, title, uri, description string) *Item {
	prefix := "resource-"
	if kind == "resource_template" {
		prefix = "template-"
	}
	it := &Item{ID: prefix + name, Kind: kind, Name: name, Title: title, URI: uri, Description: description,
		Declared: r.Declared, Access: r.Access, Hidden: Hidden(description)}
	if r.Query != nil {
		it.execution(*r.Query)
		it.Access = r.Access
	}
	if r.Content != nil {
		it.Content = []runtime.ContentSurface{*r.Content}
	}
	return it
}

func promptItem(pr runtime.PromptSurface) *Item {
	it := &Item{ID: "prompt-" + pr.Prompt.Name, Kind: "prompt", Name: pr.Prompt.Name, Title: pr.Prompt.Title,
		Description: pr.Prompt.Description, Declared: pr.Declared, Access: pr.Access, Content: pr.Messages,
		Hidden: Hidden(pr.Prompt.Description)}
	for _, a := range pr.Prompt.Arguments {
		p := Param{Name: a.Name, Type: "string", Required: a.Required, Description: a.Description}
		if e := pr.Enums[a.Name]; len(e) > 0 {
			p.Rules = "one of " + strings.Join(e, ", ")
		}
		it.Params = append(it.Params, p)
	}
	for _, arg := range sortedKeys(pr.Completions) {
		x := pr.Completions[arg]
		it.Completions = append(it.Completions, KV{Key: arg, Value: x.Executes["statement"]})
	}
	return it
}

// execution fills in what runs.
func (it *Item) execution(x runtime.Execution) {
	it.Source, it.Access, it.Sensitive = x.Source, x.Access, x.Sensitive
	it.Content = append(it.Content, x.Returns...)
	for _, k := range sortedKeys(x.Executes) {
		if k == "statement" {
			it.Statement = x.Executes[k]
			continue
		}
		it.Executes = append(it.Executes, KV{Key: k, Value: x.Executes[k]})
	}
	mode := "read-only"
	if !x.ReadOnly {
		mode = "writes"
	}
	it.Limits = append(it.Limits, KV{"runs", mode}, KV{"timeout", x.Limits.Timeout})
	if r := x.Limits.RateLimit; r != nil {
		it.Limits = append(it.Limits, KV{"rate limit", fmt.Sprintf("%d per %s, burst %d, per %s (from the %s)", r.Rate, r.Per, r.Burst, r.Key, r.From)})
	}
	if x.Limits.MaxCalls > 0 {
		it.Limits = append(it.Limits, KV{"max concurrency", strconv.Itoa(x.Limits.MaxCalls)})
	}
	if x.Limits.SourceMax > 0 {
		it.Limits = append(it.Limits, KV{"source max concurrency", strconv.Itoa(x.Limits.SourceMax)})
	}
	if c := x.Limits.Cache; c != nil {
		scope := "per caller"
		if c.Shared {
			scope = "shared by every caller"
		}
		it.Limits = append(it.Limits, KV{"cache", fmt.Sprintf("%s, at most %d entries, %s", c.TTL, c.MaxEntries, scope)})
	}
}

// schemaParams reads an input schema's properties into table rows.
func schemaParams(raw json.RawMessage) ([]Param, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var schema struct {
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	var out []Param
	for _, name := range sortedKeys(schema.Properties) {
		prop := schema.Properties[name]
		p := Param{Name: name, Required: slices.Contains(schema.Required, name)}
		p.Type, _ = prop["type"].(string)
		if items, ok := prop["items"].(map[string]any); ok {
			if t, ok := items["type"].(string); ok {
				p.Type += " of " + t
			}
		}
		p.Description, _ = prop["description"].(string)
		var rules []string
		for _, k := range sortedKeys(prop) {
			switch k {
			case "type", "description", "items":
				continue
			}
			b, err := json.Marshal(prop[k])
			if err != nil {
				return nil, err
			}
			rules = append(rules, k+" "+string(b))
		}
		p.Rules = strings.Join(rules, ", ")
		out = append(out, p)
	}
	return out, nil
}

func (p *Page) items() []*Item {
	var all []*Item
	for _, s := range p.Sections {
		all = append(all, s.Items...)
	}
	return all
}

func (p *Page) attachCells(m *access.Matrix) {
	if m == nil {
		return
	}
	for _, it := range p.items() {
		for j, c := range m.Columns {
			if !matches(c, it) {
				continue
			}
			for i, row := range m.Rows {
				it.Cells = append(it.Cells, Cell{Row: row, Decision: m.Cells[i][j]})
			}
		}
	}
}

func matches(c access.Column, it *Item) bool {
	switch c.Kind {
	case runtime.KindTool:
		return it.Kind == "tool" && it.Name == c.Name
	case runtime.KindPrompt:
		return it.Kind == "prompt" && it.Name == c.Name
	}
	want := "resource"
	if c.Template {
		want = "resource_template"
	}
	return it.Kind == want && it.Name == c.Name
}

// attachFindings puts each finding on the item whose block holds it: the
// last item or other top-level block declared at or before its line in
// its file. Findings on other blocks (server, auth, sources) are general.
func (p *Page) attachFindings(in Input) {
	if in.Lint == nil {
		return
	}
	type anchor struct {
		file string
		line int
		item *Item
	}
	var anchors []anchor
	for _, it := range p.items() {
		if file, line, ok := fileLine(it.Declared); ok {
			anchors = append(anchors, anchor{file, line, it})
		}
	}
	conf := in.Generation.Config
	other := func(file string, line int) { anchors = append(anchors, anchor{file, line, nil}) }
	if conf.Server != nil {
		other(conf.Server.DeclRange.Filename, conf.Server.DeclRange.Start.Line)
	}
	if conf.Auth != nil {
		other(conf.Auth.DeclRange.Filename, conf.Auth.DeclRange.Start.Line)
	}
	for _, s := range conf.Sources {
		other(s.DeclRange.Filename, s.DeclRange.Start.Line)
	}
	for _, f := range in.Lint.Findings {
		p.Findings++
		var best *anchor
		for i := range anchors {
			a := &anchors[i]
			if sameFile(a.file, f.File) && a.line <= f.Line && (best == nil || a.line > best.line) {
				best = a
			}
		}
		if best == nil || best.item == nil {
			p.General = append(p.General, f)
			continue
		}
		best.item.Findings = append(best.item.Findings, f)
	}
}

func sameFile(a, b string) bool { return filepath.Clean(a) == filepath.Clean(b) }

func fileLine(pos string) (string, int, bool) {
	rest, _, ok := cutLast(pos, ":") // column
	if !ok {
		return "", 0, false
	}
	file, line, ok := cutLast(rest, ":")
	if !ok {
		return "", 0, false
	}
	n, err := strconv.Atoi(line)
	return file, n, err == nil
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func (p *Page) attachChanges(r *diff.Report) {
	if r == nil {
		return
	}
	byKey := map[string]*Item{}
	for _, it := range p.items() {
		byKey[it.Kind+" "+it.Name] = it
	}
	for i := range r.Changes {
		c := r.Changes[i]
		switch {
		case c.Kind == diff.KindServer:
			p.ServerChanges = append(p.ServerChanges, c)
		case c.Op == diff.Removed || byKey[c.Kind+" "+c.Name] == nil:
			p.Removed = append(p.Removed, c)
		default:
			byKey[c.Kind+" "+c.Name].Change = &c
			p.Changed++
		}
	}
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// uriVars are the variable names of an RFC 6570 template, in order.
func uriVars(tmpl string) []string {
	var names []string
	for rest := tmpl; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return names
		}
		for _, v := range strings.Split(strings.TrimLeft(rest[i+1:i+j], "+#./;?&"), ",") {
			v = strings.TrimSuffix(v, "*")
			if k := strings.IndexByte(v, ':'); k >= 0 {
				v = v[:k]
			}
			if v != "" && !slices.Contains(names, v) {
				names = append(names, v)
			}
		}
		rest = rest[i+j+1:]
	}
}
