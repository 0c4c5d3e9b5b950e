package hcl

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Audit is the audit block: where the one-line record of every tools/call
// goes. Without a block, records go to stderr.
type Audit struct {
	Sink     string // "stderr" or "file"
	Path     string // for "file": absolute, or resolved against the declaring file
	Fsync    string // "always", "interval" (once a second) or "never"
	MaxSize  int64  // rotate the file when it would grow past this many bytes
	MaxFiles int    // rotated files kept beside the current one

	DeclRange hcl.Range
}

const (
	defaultAuditMaxSize  = 100 << 20
	defaultAuditMaxFiles = 5
)

// DefaultAudit is used when no audit block is declared.
func DefaultAudit() *Audit {
	return &Audit{Sink: "stderr", Fsync: "never", MaxSize: defaultAuditMaxSize, MaxFiles: defaultAuditMaxFiles}
}

var auditSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "sink"},
		{Name: "path"},
		{Name: "fsync"},
		{Name: "max_size"},
		{Name: "max_files"},
	},
}

func decodeAuditBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Audit, hcl.Diagnostics) {
	a := DefaultAudit()
	a.Fsync = "interval"
	a.DeclRange = block.DefRange
	content, diags := block.Body.Content(auditSchema)
	oneOf := func(name string, allowed ...string) (string, bool) {
		attr, ok := content.Attributes[name]
		if !ok {
			return "", false
		}
		return oneOfAttr(attr, ctx, &diags, allowed...)
	}
	if v, ok := oneOf("sink", "stderr", "file"); ok {
		a.Sink = v
	}
	if v, ok := oneOf("fsync", "always", "interval", "never"); ok {
		a.Fsync = v
	}
	if attr, ok := content.Attributes["path"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if v == "" {
				diags = append(diags, AttrError(attr, "Invalid value", "path must not be empty."))
			} else if !filepath.IsAbs(v) {
				v = filepath.Join(filepath.Dir(block.DefRange.Filename), v)
			}
			a.Path = v
		}
	}
	if attr, ok := content.Attributes["max_size"]; ok {
		v, d := StringAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() {
			n, err := ParseSize(v)
			if err != nil {
				diags = append(diags, AttrError(attr, "Invalid size", "max_size must be a size such as \"100MB\" or \"512KB\": %s.", err))
			}
			a.MaxSize = n
		}
	}
	if attr, ok := content.Attributes["max_files"]; ok {
		n, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && n < 1 {
			diags = append(diags, AttrError(attr, "Invalid value", "max_files must be at least 1."))
		}
		a.MaxFiles = n
	}
	switch {
	case a.Sink == "file" && a.Path == "" && !diags.HasErrors():
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing audit path",
			Detail: `An audit block with sink = "file" needs a path.`, Subject: &a.DeclRange})
	case a.Sink == "stderr" && content.Attributes["path"] != nil:
		r := content.Attributes["path"].Range
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unused audit path",
			Detail: `path applies to sink = "file" only.`, Subject: &r})
	}
	return a, diags
}

func quoted(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
