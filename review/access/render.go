package access

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/mcpgen/mcpgen/runtime"
)

// Formats of Write.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// Write prints m in format.
func Write(w io.Writer, m *Matrix, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	case FormatMarkdown:
		return writeMarkdown(w, m)
	case FormatText:
		return writeText(w, m)
	}
	return fmt.Errorf("unknown format %q: use text, markdown or json", format)
}

// Describe is a row's identity in a few words: transport, subject,
// scopes, claims.
func (r Row) Describe() string {
	parts := []string{r.Transport}
	if r.Subject != "" {
		parts = append(parts, "sub "+r.Subject)
	}
	if len(r.Scopes) > 0 {
		parts = append(parts, "scopes "+strings.Join(r.Scopes, " "))
	}
	if len(r.Claims) > 0 {
		parts = append(parts, "claims "+Claims(r.Claims))
	}
	if r.Subject == "" && len(r.Scopes) == 0 && len(r.Claims) == 0 {
		parts = append(parts, "no subject, scopes or claims")
	}
	return strings.Join(parts, "; ")
}

// Claims writes claims as k=v pairs in key order, values as JSON.
func Claims(c map[string]any) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", k, jsonText(c[k]))
	}
	return b.String()
}

// BindsText is a cell's binds: `org = "acme" (principal.claims.org)`.
func BindsText(binds []runtime.BoundValue) string {
	parts := make([]string, len(binds))
	for i, b := range binds {
		parts[i] = fmt.Sprintf("%s = %s (%s)", b.Name, jsonText(b.Value), b.From)
	}
	return strings.Join(parts, ", ")
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Detail is a cell in one line: the condition, the reason, the binds.
func Detail(d runtime.Decision) string {
	var parts []string
	switch d.Verdict {
	case runtime.Depends:
		parts = append(parts, "when "+d.Condition)
	case runtime.Denied:
		parts = append(parts, "hidden: "+d.Reason)
	}
	if len(d.Binds) > 0 {
		parts = append(parts, "binds "+BindsText(d.Binds))
	}
	return strings.Join(parts, "; ")
}

func writeText(w io.Writer, m *Matrix) error {
	fmt.Fprintf(w, "%s: who may call what (%d principals, %d entries)\n\n", m.Server, len(m.Rows), len(m.Columns))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "principal")
	for _, c := range m.Columns {
		fmt.Fprint(tw, "\t"+c.Label())
	}
	fmt.Fprintln(tw)
	for i, r := range m.Rows {
		fmt.Fprint(tw, r.Name)
		for _, d := range m.Cells[i] {
			fmt.Fprint(tw, "\t"+string(d.Verdict))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, r := range m.Rows {
		fmt.Fprintf(w, "\n%s (%s)\n", r.Name, r.Describe())
		if r.Note != "" {
			fmt.Fprintf(w, "  note: %s\n", r.Note)
		}
		if r.refused(m.Cells[i]) {
			fmt.Fprintln(w, "  every entry denied (hidden)")
			continue
		}
		var buf strings.Builder
		tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
		for j, d := range m.Cells[i] {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", d.Verdict, m.Columns[j].Label(), Detail(d))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for line := range strings.Lines(buf.String()) {
			fmt.Fprintln(w, strings.TrimRight(line, " \n"))
		}
	}
	return nil
}

// refused reports whether the HTTP gate refuses the row before any entry
// (every cell denied with the row's note as reason).
func (r Row) refused(cells []runtime.Decision) bool {
	if r.Note == "" {
		return false
	}
	for _, d := range cells {
		if d.Verdict != runtime.Denied || d.Reason != r.Note {
			return false
		}
	}
	return true
}

// Mark is a verdict with a sign that reads without colour.
func Mark(v runtime.Verdict) string {
	switch v {
	case runtime.Allowed:
		return "✅ allowed"
	case runtime.Denied:
		return "⛔ denied"
	}
	return "❓ depends"
}

func writeMarkdown(w io.Writer, m *Matrix) error {
	fmt.Fprintf(w, "### Who may call what: %s\n\n", mdEscape(m.Server))
	fmt.Fprint(w, "| principal |")
	for _, c := range m.Columns {
		fmt.Fprintf(w, " `%s` |", c.Label())
	}
	fmt.Fprint(w, "\n|---|")
	for range m.Columns {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for i, r := range m.Rows {
		fmt.Fprintf(w, "| **%s** |", mdEscape(r.Name))
		for _, d := range m.Cells[i] {
			fmt.Fprintf(w, " %s |", Mark(d.Verdict))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Denied entries are hidden from the principal's lists and answered as unknown.")
	for i, r := range m.Rows {
		fmt.Fprintf(w, "\n**%s** (%s)", mdEscape(r.Name), mdEscape(r.Describe()))
		if r.Note != "" {
			fmt.Fprintf(w, ": %s", mdEscape(r.Note))
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w)
		if r.refused(m.Cells[i]) {
			fmt.Fprintln(w, "- every entry denied")
			continue
		}
		for j, d := range m.Cells[i] {
			line := fmt.Sprintf("- `%s` %s", m.Columns[j].Label(), d.Verdict)
			switch d.Verdict {
			case runtime.Depends:
				line += fmt.Sprintf(" when `%s`", d.Condition)
			case runtime.Denied:
				line += ": " + mdEscape(d.Reason)
			}
			if len(d.Binds) > 0 {
				line += fmt.Sprintf("; binds `%s`", BindsText(d.Binds))
			}
			fmt.Fprintln(w, line)
		}
	}
	return nil
}

var mdEscaper = strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "`", "'", "<", "&lt;", ">", "&gt;")

func mdEscape(s string) string { return mdEscaper.Replace(s) }
