// Package access builds the who-may-call-what matrix (`mcpgen access`):
// rows are principals, columns are the tools, resources, resource
// templates and prompts of a Surface, and each cell is allowed, denied or
// depends (with the guard's residual condition), with the binds that
// apply.
//
// Cells are decided by runtime.Generation.Decide, which evaluates each
// entry's compiled guard and binds with the caller records a real call
// builds, so the matrix is what the server does, not a second reading of
// the configuration. Arguments and request.time are unknown;
// request.transport is "stdio" for the built-in stdio principal and
// "http" for every other row.
package access

import (
	"context"
	"fmt"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

// Matrix is the access of every row to every column.
type Matrix struct {
	Server  string   `json:"server"`
	Rows    []Row    `json:"principals"`
	Columns []Column `json:"entries"`
	// Cells[i][j] is row i's access to column j.
	Cells [][]runtime.Decision `json:"cells"`
}

// Row is one principal: a caller as guards see it.
type Row struct {
	Name      string         `json:"name"`
	Subject   string         `json:"subject,omitempty"`
	Scopes    []string       `json:"scopes,omitempty"`
	Claims    map[string]any `json:"claims,omitempty"`
	Transport string         `json:"transport"`
	// From says where the row comes from: "built-in", a test file's
	// file:line:col, or "api_key" for the configuration's keys.
	From string `json:"from"`
	// Note qualifies the whole row (an HTTP caller refused at the gate,
	// or an identity no HTTP caller can have).
	Note string `json:"note,omitempty"`
}

// Column is one entry of the surface.
type Column struct {
	Kind runtime.EntryKind `json:"kind"`
	Name string            `json:"name"`
	// Template is set for a resource template.
	Template bool `json:"template,omitempty"`
}

// Label is how a column is named in text: the name, with the kind for
// what is not a tool.
func (c Column) Label() string {
	switch {
	case c.Kind == runtime.KindTool:
		return c.Name
	case c.Template:
		return "template:" + c.Name
	}
	return string(c.Kind) + ":" + c.Name
}

// rows are the rows for principals: the built-in anonymous and stdio
// principals, then the principals declared (a test file's), or when none
// are given the configuration's API keys.
func rows(gen *runtime.Generation, principals []*cfg.NamedPrincipal) []principalRow {
	rows := []principalRow{
		{Row: Row{Name: cfg.PrincipalAnonymous, Transport: "http", From: "built-in"}, p: runtime.Anonymous},
		stdioRow(gen),
	}
	if len(principals) == 0 && gen.Config.Auth != nil {
		for _, k := range gen.Config.Auth.APIKeys {
			d := k.Principal
			rows = append(rows, httpRow(fmt.Sprintf("api_key.%s", k.Name), "api_key", &d))
		}
	}
	for _, np := range principals {
		d := np.PrincipalDecl
		r := np.DeclRange
		rows = append(rows, httpRow(np.Name, fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column), &d))
	}
	return rows
}

// principalRow is a row and the principal it evaluates.
type principalRow struct {
	Row
	p *runtime.Principal
}

func stdioRow(gen *runtime.Generation) principalRow {
	p := gen.StdioPrincipal()
	return principalRow{Row: Row{Name: cfg.PrincipalStdio, Subject: p.Subject, Scopes: p.Scopes, Claims: p.Claims,
		Transport: "stdio", From: "built-in"}, p: p}
}

func httpRow(name, from string, d *cfg.PrincipalDecl) principalRow {
	p := runtime.NewPrincipal(d)
	return principalRow{Row: Row{Name: name, Subject: p.Subject, Scopes: p.Scopes, Claims: p.Claims,
		Transport: "http", From: from}, p: p}
}

// Columns are the surface's entries: tools, resources, resource
// templates and prompts, each in name order.
func Columns(s *runtime.Surface) []Column {
	var cols []Column
	for _, t := range s.Tools {
		cols = append(cols, Column{Kind: runtime.KindTool, Name: t.Tool.Name})
	}
	for _, r := range s.Resources {
		cols = append(cols, Column{Kind: runtime.KindResource, Name: r.Resource.Name})
	}
	for _, r := range s.ResourceTemplates {
		cols = append(cols, Column{Kind: runtime.KindResource, Name: r.Template.Name, Template: true})
	}
	for _, p := range s.Prompts {
		cols = append(cols, Column{Kind: runtime.KindPrompt, Name: p.Prompt.Name})
	}
	return cols
}

// Build decides every cell for the principals given (see Rows).
func Build(ctx context.Context, gen *runtime.Generation, principals []*cfg.NamedPrincipal) *Matrix {
	s := gen.Surface()
	m := &Matrix{Server: s.Server.Name, Columns: Columns(s)}
	if m.Server == "" {
		m.Server = "mcpgen"
	}
	httpCreds := gen.Config.Auth.HTTPCredentials()
	for _, r := range rows(gen, principals) {
		row := r.Row
		refusal := ""
		if r.Transport == "http" {
			refusal = gen.HTTPRefusal(r.p)
			switch {
			case refusal != "":
				row.Note = refusal
			case r.p != runtime.Anonymous && !httpCreds:
				row.Note = "no HTTP credentials are configured, so every HTTP caller is anonymous: no HTTP caller has this identity"
			}
		}
		ctx := runtime.WithTransport(runtime.WithPrincipal(ctx, r.p), r.Transport)
		cells := make([]runtime.Decision, len(m.Columns))
		for j, c := range m.Columns {
			if refusal != "" {
				cells[j] = runtime.Decision{Verdict: runtime.Denied, Reason: refusal}
				continue
			}
			d, ok := gen.Decide(ctx, c.Kind, c.Name)
			if !ok { // the surface and the generation are one; never happens
				d = runtime.Decision{Verdict: runtime.Denied, Reason: "not in the generation"}
			}
			cells[j] = d
		}
		m.Rows = append(m.Rows, row)
		m.Cells = append(m.Cells, cells)
	}
	return m
}
