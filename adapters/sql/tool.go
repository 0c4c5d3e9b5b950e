package sql

import (
	stdsql "database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

const defaultMaxRows = 100

// Tool is a tool whose source is a `source "sql"`.
type Tool struct {
	src      *Source
	name     string
	readOnly bool
	sql      string  // the value
	written  string  // as a reviewer reads it (cfg.WrittenString)
	stmt     scanned // as sent
	one      bool
	notFound string
	maxRows  int
	rowsSet  bool // max_rows is written in the config
	text     cfg.ValueText
	sqlRange hcl.Range

	// Set by Open, which learns from the database whether the statement
	// returns rows and which columns.
	described bool
	columns   []string // nil when the statement returns no rows
	prepared  *stdsql.Stmt
	kinds     atomic.Pointer[[]colKind] // learnt from the first result
}

var toolSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "sql", Required: true}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "result"}, {Type: "dialect", LabelNames: []string{"driver"}}},
}

// dialectSchema is a `dialect "mysql" { sql = ... }` block: the statement
// for that driver, when the portable one cannot serve it.
var dialectSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "sql", Required: true}},
}

var dialectNames = map[string]dialect{"sqlite": dialectSQLite, "postgres": dialectPostgres, "mysql": dialectMySQL}

var resultSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "one"}, {Name: "not_found"}, {Name: "max_rows"}},
}

// DecodeTool decodes the SQL part of a tool (sql, result) and checks its
// parameters against the tool's params and binds. It does no I/O.
func (s *Source) DecodeTool(tool *cfg.Tool) (adapter.Tool, hcl.Diagnostics) {
	t := &Tool{src: s, name: tool.Name, readOnly: tool.ReadOnly, maxRows: defaultMaxRows, sqlRange: tool.DeclRange}
	content, diags := tool.Body.Content(toolSchema)

	// The statement for this source's driver: its dialect block's, or the
	// portable one. The other drivers' statements are checked (parameters,
	// quoting) as their driver reads them, and otherwise left alone.
	sqlAttr := content.Attributes["sql"]
	drivers := map[string]*hcl.Block{}
	for _, b := range content.Blocks {
		if b.Type != "dialect" {
			continue
		}
		d, ok := dialectBlock(b, drivers, &diags)
		if !ok {
			continue
		}
		bc, bd := b.Body.Content(dialectSchema)
		diags = append(diags, bd...)
		attr := bc.Attributes["sql"]
		switch {
		case attr == nil:
		case d == s.dialect:
			sqlAttr = attr
		default:
			other := &Tool{src: &Source{name: s.name, dialect: d, declRange: s.declRange}, name: t.name, readOnly: t.readOnly}
			for _, od := range other.decodeSQLAttr(tool, attr) {
				if od.Summary == "Unused parameter" || od.Summary == "Unused bind" {
					// At this statement, not at the param the portable one uses.
					r := other.sqlRange
					od.Subject = &r
					od.Detail = strings.Replace(od.Detail, "the SQL statement", fmt.Sprintf("the dialect %q statement", b.Labels[0]), 1)
				}
				diags = append(diags, od)
			}
		}
	}
	if sqlAttr != nil {
		diags = append(diags, t.decodeSQLAttr(tool, sqlAttr)...)
	}

	var result *hcl.Block
	for _, b := range content.Blocks {
		if b.Type != "result" {
			continue
		}
		if result != nil {
			r := b.DefRange
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate result block",
				Detail: fmt.Sprintf("A tool has at most one result block; the first is at %s.", cfg.Pos(result.DefRange)), Subject: &r})
			continue
		}
		result = b
		diags = append(diags, t.decodeResult(b, tool.Ctx)...)
	}

	s.mu.Lock()
	s.tools = append(s.tools, t)
	s.mu.Unlock()
	return t, diags
}

// dialectBlock checks a dialect block's label (a driver, once per body)
// and returns its dialect.
func dialectBlock(b *hcl.Block, seen map[string]*hcl.Block, diags *hcl.Diagnostics) (dialect, bool) {
	name := b.Labels[0]
	d, ok := dialectNames[name]
	r := b.LabelRanges[0]
	switch {
	case !ok:
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported SQL driver",
			Detail: fmt.Sprintf("A dialect block is named after a driver, \"sqlite\", \"postgres\" or \"mysql\", not %q.", name), Subject: &r})
		return 0, false
	case seen[name] != nil:
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate dialect block",
			Detail: fmt.Sprintf("There is already a dialect %q block here, at %s.", name, cfg.Pos(seen[name].DefRange)), Subject: &r})
		return 0, false
	}
	seen[name] = b
	return d, true
}

// decodeSQLAttr reads a sql attribute as the tool's statement.
func (t *Tool) decodeSQLAttr(tool *cfg.Tool, attr *hcl.Attribute) hcl.Diagnostics {
	t.sqlRange = attr.Expr.Range()
	text, diags := cfg.StringAttr(attr, tool.Ctx)
	if diags.HasErrors() {
		return diags
	}
	t.sql, t.written = text, cfg.WrittenString(attr, tool.Ctx)
	t.text = cfg.NewValueText(attr.Expr, text)
	return append(diags, t.decodeSQL(tool, text)...)
}

func (t *Tool) decodeSQL(tool *cfg.Tool, text string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	stmt, problems := scanSQL(text, t.src.dialect)
	for _, p := range problems {
		r := t.text.RangeOf(p.off, p.end)
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid SQL", Detail: p.msg + ".", Subject: &r})
	}
	t.stmt = stmt
	if len(problems) == 0 {
		if d := t.mysqlReadOnlyCheck(); d != nil {
			diags = append(diags, d)
		}
	}

	declared := map[string]bool{}
	for _, p := range tool.Inputs() {
		declared[p.Name] = true
	}
	for _, b := range tool.Binds {
		declared[b.Name] = true
	}
	used := map[string]bool{}
	for _, u := range stmt.uses {
		if !declared[u.name] && !used[u.name] && !tool.MeantToDeclare(u.name) {
			r := t.text.RangeOf(u.off, u.end)
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Undeclared SQL parameter",
				Detail:   fmt.Sprintf("SQL parameter :%s is not declared; add a param or bind block named %q.", u.name, u.name),
				Subject:  &r,
			})
		}
		used[u.name] = true
	}
	for _, p := range tool.Inputs() {
		if !used[p.Name] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unused parameter",
				Detail:   fmt.Sprintf("param %q is not used in the SQL statement; use it as :%s or remove it.", p.Name, p.Name),
				Subject:  p.NameRange.Ptr(),
			})
		}
	}
	for _, b := range tool.Binds {
		if !used[b.Name] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unused bind",
				Detail:   fmt.Sprintf("bind %q is not used in the SQL statement; use it as :%s or remove it.", b.Name, b.Name),
				Subject:  b.NameRange.Ptr(),
			})
		}
	}
	return diags
}

func (t *Tool) decodeResult(b *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, diags := b.Body.Content(resultSchema)
	if attr, ok := content.Attributes["one"]; ok {
		v, d := cfg.BoolAttr(attr, ctx)
		diags = append(diags, d...)
		t.one = v
	}
	if attr, ok := content.Attributes["max_rows"]; ok {
		n, d := countAttr(attr, ctx, 1)
		diags = append(diags, d...)
		if !d.HasErrors() {
			t.maxRows, t.rowsSet = n, true
			if t.one {
				r := attr.NameRange
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "max_rows has no effect",
					Detail: "With one = true the result is a single row; remove max_rows.", Subject: &r})
			}
		}
	}
	if attr, ok := content.Attributes["not_found"]; ok {
		v, d := cfg.PublicStringAttr(attr, ctx) // the client sees this text
		diags = append(diags, d...)
		switch {
		case d.HasErrors():
		case !t.one:
			r := attr.NameRange
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "not_found needs one = true",
				Detail:  "not_found is the error for a missing row, which only exists when the result is one row; set one = true or remove not_found.",
				Subject: &r})
		default:
			t.notFound = v
		}
	}
	return diags
}

// Describe says what the tool runs, for reviewers: the statement as
// written (an env() in it is named, not shown), whether it may write and what enforces that (see doc.go), and
// the result's shape. It is known once the tool is decoded.
func (t *Tool) Describe() map[string]string {
	d := map[string]string{"statement": strings.TrimSpace(t.written), "result": "rows"}
	switch {
	case t.readOnly && t.src.dialect == dialectMySQL:
		d["mode"], d["enforced_by"] = "read_only", "a START TRANSACTION READ ONLY on a READ ONLY session, and a statement that must be a query"
	case t.src.dialect == dialectMySQL:
		d["mode"], d["enforced_by"] = "read_write", "a read-write transaction, committed when the statement succeeds"
	case t.readOnly && t.src.dialect == dialectPostgres:
		d["mode"], d["enforced_by"] = "read_only", "a BEGIN READ ONLY transaction"
	case t.readOnly:
		d["mode"], d["enforced_by"] = "read_only", "a query_only connection whose authorizer refuses writes"
	case t.src.dialect == dialectPostgres:
		d["mode"], d["enforced_by"] = "read_write", "a read-write transaction, committed when the statement succeeds"
	default:
		d["mode"], d["enforced_by"] = "read_write", "a transaction on the one writer connection, committed when the statement succeeds"
	}
	if t.one {
		d["result"] = "one"
	}
	if t.rowsSet {
		d["max_rows"] = strconv.Itoa(t.maxRows)
	}
	return d
}

// OutputSchema describes structuredContent. Before Open it covers both the
// rows and the rows_affected shape; after Open it is exact, with the
// statement's column names.
func (t *Tool) OutputSchema() map[string]any {
	row := map[string]any{"type": "object"}
	if t.described && t.columns != nil {
		props := make(map[string]any, len(t.columns))
		for _, c := range t.columns {
			props[c] = map[string]any{} // SQLite types are per value: any JSON value, or null
		}
		row["properties"] = props
		row["required"] = append([]string(nil), t.columns...)
	}
	if t.one {
		return row
	}
	affected := map[string]any{"type": "integer", "minimum": 0, "description": "The number of rows the statement changed."}
	rows := map[string]any{
		"rows":      map[string]any{"type": "array", "items": row},
		"count":     map[string]any{"type": "integer", "minimum": 0, "description": "The number of rows in rows."},
		"truncated": map[string]any{"type": "boolean", "description": fmt.Sprintf("True when more than %d rows matched and only the first %d are returned.", t.maxRows, t.maxRows)},
	}
	switch {
	case !t.described:
		rows["rows_affected"] = affected
		return map[string]any{"type": "object", "properties": rows}
	case t.columns == nil:
		return map[string]any{"type": "object", "properties": map[string]any{"rows_affected": affected}, "required": []string{"rows_affected"}}
	default:
		return map[string]any{"type": "object", "properties": rows, "required": []string{"rows", "count", "truncated"}}
	}
}
