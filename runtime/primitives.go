package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/yosida95/uritemplate/v3"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/guard"
)

// resourceEntry is a resource as the server serves it: static content, or
// a query run through the tool path (query).
type resourceEntry struct {
	decl  *cfg.Resource
	query *toolEntry            // nil: static
	tmpl  *uritemplate.Template // nil: a fixed URI
	// access is who may read it: the query, or the policy of static
	// content (policyEntry).
	access *toolEntry
}

// visible reports whether the caller in ctx may read the resource (or,
// for a template, some URI of it). Static content has one read, so its
// guard is evaluated as it stands.
func (e *resourceEntry) visible(ctx context.Context) bool {
	if e.query != nil {
		return e.query.visible(ctx)
	}
	_, err := e.access.authorize(ctx, nil)
	return err == nil
}

// promptEntry is a prompt with the queries that complete its arguments.
type promptEntry struct {
	decl      *cfg.Prompt
	completes map[string]*toolEntry // by argument name
	// access is who may get it (policyEntry); its params are the
	// prompt's arguments, as strings.
	access *toolEntry
	// query gets the messages from a source (access is then the query);
	// nil: the messages are declared.
	query *toolEntry
}

// prompt is the prompt named name, or nil.
func (g *Generation) prompt(name string) *promptEntry {
	i := sort.Search(len(g.prompts), func(i int) bool { return g.prompts[i].decl.Name >= name })
	if i < len(g.prompts) && g.prompts[i].decl.Name == name {
		return g.prompts[i]
	}
	return nil
}

// checkPrimitives builds the generation's resources and prompts. Queries
// are compiled like tools; a template's variables must be exactly its
// params; an embedded resource without content must name one that exists.
func (g *Generation) checkPrimitives(env *guard.Env) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, r := range g.Config.Resources {
		e := &resourceEntry{decl: r}
		if r.Query != nil {
			q, ds := g.buildEntry(env, r.Query)
			diags = append(diags, ds...)
			if q == nil {
				continue
			}
			e.query, e.access = q, q
		} else {
			var ds hcl.Diagnostics
			e.access, ds = g.policyEntry(env, &cfg.Tool{
				Name: cfg.ResourceQueryPrefix + r.Name, Title: r.Title, ReadOnly: true, Guard: r.Guard,
				DeclRange: r.DeclRange, NameRange: r.NameRange,
			})
			diags = append(diags, ds...)
		}
		if r.IsTemplate() {
			if e.query == nil {
				continue // a template without a query: hcl reported it
			}
			tmpl, ds := checkTemplate(r)
			diags = append(diags, ds...)
			if tmpl == nil {
				continue
			}
			e.tmpl = tmpl
		}
		if !e.access.open() {
			diags = append(diags, checkHideable(r)...)
		}
		g.resources = append(g.resources, e)
	}
	sort.Slice(g.resources, func(i, j int) bool { return g.resources[i].decl.Name < g.resources[j].decl.Name })

	for _, p := range g.Config.Prompts {
		e := &promptEntry{decl: p, completes: map[string]*toolEntry{}}
		access := &cfg.Tool{
			Name: cfg.PromptPrefix + p.Name, Title: p.Title, ReadOnly: true, Guard: p.Guard,
			DeclRange: p.DeclRange, NameRange: p.NameRange,
		}
		for _, a := range p.Arguments {
			access.Params = append(access.Params, &cfg.Param{Name: a.Name, Type: cfg.TypeString, Required: a.Required})
		}
		var ds hcl.Diagnostics
		if p.Query != nil {
			e.query, ds = g.buildEntry(env, p.Query)
			e.access = e.query
		} else {
			e.access, ds = g.policyEntry(env, access)
		}
		diags = append(diags, ds...)
		if e.access == nil {
			continue
		}
		for _, a := range p.Arguments {
			if a.Complete == nil {
				continue
			}
			q, ds := g.buildEntry(env, a.Complete)
			diags = append(diags, ds...)
			if q != nil {
				e.completes[a.Name] = q
			}
		}
		for _, m := range p.Messages {
			diags = append(diags, g.checkEmbed(m.Content, fmt.Sprintf("prompt %q", p.Name))...)
		}
		g.prompts = append(g.prompts, e)
	}
	sort.Slice(g.prompts, func(i, j int) bool { return g.prompts[i].decl.Name < g.prompts[j].decl.Name })

	for _, t := range g.tools {
		for _, c := range t.decl.Content {
			diags = append(diags, g.checkEmbed(c, fmt.Sprintf("tool %q", t.decl.Name))...)
		}
	}
	return diags
}

// checkTemplate parses a resource's URI template and matches its
// variables against the params of its query.
func checkTemplate(r *cfg.Resource) (*uritemplate.Template, hcl.Diagnostics) {
	tmpl, err := uritemplate.New(r.URITemplate)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid URI template",
			Detail:   fmt.Sprintf("uri_template is not an RFC 6570 template: %s.", strings.TrimPrefix(err.Error(), "uritemplate:")),
			Subject:  r.URIRange.Ptr(),
		}}
	}
	var diags hcl.Diagnostics
	vars := tmpl.Varnames()
	if len(vars) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Template without variables",
			Detail:   "uri_template has no {variable}; use uri for a resource at one fixed URI.",
			Subject:  r.URIRange.Ptr(),
		})
	}
	declared := map[string]bool{}
	for _, p := range r.Query.Params {
		declared[p.Name] = true
		if !slices.Contains(vars, p.Name) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Param not in the template",
				Detail:   fmt.Sprintf("param %q gets its value from the URI, but uri_template has no {%s}.", p.Name, p.Name),
				Subject:  p.DeclRange.Ptr(),
			})
		}
		if p.Type == cfg.TypeArray {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Array param in a template",
				Detail:   fmt.Sprintf("param %q comes from one URI segment, so it cannot be an array.", p.Name),
				Subject:  p.DeclRange.Ptr(),
			})
		}
	}
	for _, v := range vars {
		if !declared[v] && !r.Query.MeantToDeclare(v) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Undeclared template variable",
				Detail:   fmt.Sprintf("uri_template uses {%s}; declare param %q so its value is validated before the query runs.", v, v),
				Subject:  r.URIRange.Ptr(),
			})
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return tmpl, diags
}

// notFoundTemplate matches every URI made of URI characters. It is
// installed (never listed) when some resource may be hidden from a
// caller, so that mcp-go routes every read to our handler, which answers
// a URI no resource serves and one the caller may not read alike. mcp-go
// would answer the first with its own code and a handler's error with
// another.
var notFoundTemplate = uritemplate.MustNew("{+uri}")

// checkHideable reports a resource that may be hidden but whose URI has
// characters notFoundTemplate does not match: reading a URI near it that
// nothing serves would get mcp-go's answer, and reading it ours.
func checkHideable(r *cfg.Resource) hcl.Diagnostics {
	literal := r.URI
	if r.IsTemplate() {
		literal = templateExpr.ReplaceAllString(r.URITemplate, "")
	}
	if notFoundTemplate.Regexp().MatchString(literal) {
		return nil
	}
	attr := "uri"
	if r.IsTemplate() {
		attr = "uri_template"
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Characters a guarded resource cannot have",
		Detail: fmt.Sprintf("The %s of a resource with a guard must be made of URI characters (ASCII letters, digits, -._~:/?#[]@!$&'()*+,;= and %%XX escapes), "+
			"so that a caller it is hidden from is answered as for a URI no resource serves; percent-encode the others in %q.", attr, literal),
		Subject: r.URIRange.Ptr(),
	}}
}

// templateExpr is one {expression} of a URI template.
var templateExpr = regexp.MustCompile(`\{[^}]*\}`)

// needsNotFoundTemplate reports whether some resource may be hidden from
// some caller.
func (g *Generation) needsNotFoundTemplate() bool {
	for _, e := range g.resources {
		if !e.access.open() {
			return true
		}
	}
	return false
}

// checkEmbed reports an embedded resource that is read from the server's
// resources but whose fixed URI no resource serves. A URI with
// placeholders can only be checked when the prompt is used.
func (g *Generation) checkEmbed(c *cfg.Content, where string) hcl.Diagnostics {
	if c.Kind != cfg.ContentResource || c.Inline {
		return nil
	}
	if names, _ := cfg.Placeholders(c.URI); len(names) > 0 {
		return nil
	}
	if e, _ := g.findResource(c.URI); e != nil {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Embedded resource not found",
		Detail:   fmt.Sprintf("%s embeds %q, but no resource has that uri or a uri_template matching it; declare one, or give the content inline with text or blob.", where, c.URI),
		Subject:  c.AttrRanges["uri"].Ptr(),
	}}
}

// findResource finds the resource serving uri: one with that fixed URI
// first, then the first template (by name) that matches it, with the
// values of the template's variables.
func (g *Generation) findResource(uri string) (*resourceEntry, map[string]string) {
	for _, e := range g.resources {
		if e.tmpl == nil && e.decl.URI == uri {
			return e, nil
		}
	}
	for _, e := range g.resources {
		if e.tmpl == nil {
			continue
		}
		if m := e.tmpl.Match(uri); m != nil {
			vars := make(map[string]string, len(m))
			for k, v := range m {
				vars[k] = v.String()
			}
			return e, vars
		}
	}
	return nil, nil
}

func (e *resourceEntry) definition() mcp.Resource {
	d := e.decl
	r := mcp.Resource{URI: d.URI, Name: d.Name, Title: d.Title, Description: d.Description, MIMEType: d.MimeType}
	if e.query == nil {
		size := int64(len(d.Text))
		if d.IsBlob {
			size = int64(base64DecodedLen(d.Blob))
		}
		r.Size = &size
	}
	return r
}

func (e *resourceEntry) templateDefinition() mcp.ResourceTemplate {
	d := e.decl
	return mcp.ResourceTemplate{
		URITemplate: &mcp.URITemplate{Template: e.tmpl},
		Name:        d.Name,
		Title:       d.Title,
		Description: d.Description,
		MIMEType:    d.MimeType,
	}
}

func (e *promptEntry) definition() mcp.Prompt {
	d := e.decl
	p := mcp.Prompt{Name: d.Name, Title: d.Title, Description: d.Description}
	for _, a := range d.Arguments {
		p.Arguments = append(p.Arguments, mcp.PromptArgument{Name: a.Name, Description: a.Description, Required: a.Required})
	}
	return p
}

func base64DecodedLen(s string) int {
	n := len(s) / 4 * 3
	return n - strings.Count(s[max(0, len(s)-2):], "=")
}

// DefaultPageSize is how many items one tools/list, resources/list,
// resources/templates/list or prompts/list page holds.
const DefaultPageSize = 100

// pageSize is how many items one page of a list holds: the first
// generation's, since a reload cannot change it.
func pageSize(gen *Generation) int {
	if n := gen.Config.Server.PageSize; n > 0 {
		return n
	}
	return DefaultPageSize
}

// primitiveOptions declare what the server offers besides tools. They are
// declared whether or not the configuration has resources or prompts, so
// that a reload can add some. Lists are paged by the list hooks, after
// they are filtered for the caller (server.go), not by mcp-go.
func (s *Server) primitiveOptions() []server.ServerOption {
	return []server.ServerOption{
		// Subscriptions are accepted; a generation's resources do not
		// change while it is served.
		server.WithResourceCapabilities(true, true),
		server.WithPromptCapabilities(true),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(s),
		server.WithResourceCompletionProvider(s),
		server.WithResourceRecovery(),
		// Clients may set a level; the server sends them no log messages.
		server.WithLogging(),
	}
}

// swapPrimitives installs next's resources, templates and prompts in
// place of old's (nil at start). Their handlers find the entry in the
// generation current when a request arrives, so only definitions that
// changed are touched, and clients hear of a kind of list only when it
// changed. Entries are added before the removed ones go, so an entry that
// stays is never missing from mcp-go's maps.
func (s *Server) swapPrimitives(old, next *Generation) {
	type defs struct {
		static    map[string]mcp.Resource
		templates map[string]mcp.ResourceTemplate
		prompts   map[string]mcp.Prompt
	}
	of := func(g *Generation) defs {
		d := defs{map[string]mcp.Resource{}, map[string]mcp.ResourceTemplate{}, map[string]mcp.Prompt{}}
		if g == nil {
			return d
		}
		if g.needsNotFoundTemplate() {
			d.templates[notFoundTemplate.Raw()] = mcp.ResourceTemplate{
				URITemplate: &mcp.URITemplate{Template: notFoundTemplate},
				Name:        "mcpgen-not-found",
			}
		}
		// A declared template of the same text replaces it: it matches
		// as much.
		for _, e := range g.resources {
			if e.tmpl != nil {
				d.templates[e.decl.URITemplate] = e.templateDefinition()
			} else {
				d.static[e.decl.URI] = e.definition()
			}
		}
		for _, e := range g.prompts {
			d.prompts[e.decl.Name] = e.definition()
		}
		return d
	}
	was, now := of(old), of(next)

	var static []server.ServerResource
	for _, def := range changed(was.static, now.static) {
		static = append(static, server.ServerResource{Resource: def, Handler: s.readResourceRequest})
	}
	var templates []server.ServerResourceTemplate
	for _, def := range changed(was.templates, now.templates) {
		templates = append(templates, server.ServerResourceTemplate{Template: def, Handler: s.readResourceRequest})
	}
	var prompts []server.ServerPrompt
	for name, def := range changed(was.prompts, now.prompts) {
		prompts = append(prompts, server.ServerPrompt{Prompt: def, Handler: s.promptHandler(name)})
	}
	goneStatic, goneTemplates, gonePrompts := removed(was.static, now.static), removed(was.templates, now.templates), removed(was.prompts, now.prompts)

	// Every addition first: a URI that moves from a resource to a
	// template, or back, is never unknown in between.
	if len(static) > 0 {
		s.mcp.AddResources(static...)
	}
	if len(templates) > 0 && len(goneTemplates) == 0 {
		s.mcp.AddResourceTemplates(templates...)
	}
	if len(prompts) > 0 {
		s.mcp.AddPrompts(prompts...)
	}
	if len(goneTemplates) > 0 {
		// mcp-go cannot delete one template, only replace them all,
		// which leaves the list empty for an instant; a read arriving
		// right then is told the URI is unknown. Only removing a
		// template does this.
		all := make([]server.ServerResourceTemplate, 0, len(now.templates))
		for _, def := range now.templates {
			all = append(all, server.ServerResourceTemplate{Template: def, Handler: s.readResourceRequest})
		}
		s.mcp.SetResourceTemplates(all...)
	}
	if len(goneStatic) > 0 {
		s.mcp.DeleteResources(goneStatic...)
	}
	if len(gonePrompts) > 0 {
		s.mcp.DeletePrompts(gonePrompts...)
	}
}

// changed are the definitions in now that are new or differ from was.
func changed[D any](was, now map[string]D) map[string]D {
	out := map[string]D{}
	for k, d := range now {
		if w, ok := was[k]; !ok || !sameDefinition(w, d) {
			out[k] = d
		}
	}
	return out
}

// removed are the keys of was that now lacks.
func removed[D any](was, now map[string]D) []string {
	var out []string
	for k := range was {
		if _, ok := now[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// sameDefinition compares definitions as clients see them: as JSON.
func sameDefinition(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
