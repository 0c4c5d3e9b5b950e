package hcl

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics writes one line per diagnostic, sorted by file and
// position:
//
//	file:line:col: Summary; Detail
//	file:line:col: warning: Summary; Detail
//
// A diagnostic without a location (a missing file) starts at the summary.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics) {
	sorted := slices.Clone(diags)
	slices.SortStableFunc(sorted, func(a, b *hcl.Diagnostic) int {
		ra, rb := subject(a), subject(b)
		return cmp.Or(
			cmp.Compare(ra.Filename, rb.Filename),
			cmp.Compare(ra.Start.Line, rb.Start.Line),
			cmp.Compare(ra.Start.Column, rb.Start.Column),
		)
	})
	for _, d := range sorted {
		var b strings.Builder
		if d.Subject != nil {
			r := d.Subject
			fmt.Fprintf(&b, "%s:%d:%d: ", r.Filename, r.Start.Line, r.Start.Column)
		}
		if d.Severity == hcl.DiagWarning {
			b.WriteString("warning: ")
		}
		b.WriteString(oneLine(d.Summary))
		if detail := oneLine(d.Detail); detail != "" {
			b.WriteString("; ")
			b.WriteString(detail)
		}
		b.WriteByte('\n')
		io.WriteString(w, b.String())
	}
}

// Pos formats where a declaration starts as diagnostics print positions,
// "a.hcl:12:1", for a message that points at another place ("already
// declared at ..."): editors and terminals open it as they open the
// diagnostic's own.
func Pos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func subject(d *hcl.Diagnostic) hcl.Range {
	if d.Subject == nil {
		return hcl.Range{}
	}
	return *d.Subject
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
