package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats a report is written in.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// Write writes r in format: text for a terminal, markdown for a
// pull-request comment, json for programs.
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case FormatText:
		return writeText(w, r)
	case FormatMarkdown:
		return writeMarkdown(w, r)
	case FormatJSON:
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return fmt.Errorf("unknown format %q: use text, markdown or json", format)
}

func tags(risk Risk, breaking bool) string {
	if breaking {
		return risk.String() + ", breaking"
	}
	return risk.String()
}

func writeText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s -> %s: %s\n", r.Old, r.New, r.Summary())
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "\n%s %s [%s]", c.Label(), c.Op, tags(c.Risk, c.Breaking))
		if c.Declared != "" {
			fmt.Fprintf(&b, " %s", c.Declared)
		}
		b.WriteString("\n")
		for _, d := range c.Details {
			fmt.Fprintf(&b, "  %s [%s]: %s\n", d.Aspect, tags(d.Risk, d.Breaking), d.Summary)
			for _, l := range valueDiff(d.Old, d.New) {
				fmt.Fprintf(&b, "      %s\n", l)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### mcpgen diff: %s\n\n", r.Summary())
	fmt.Fprintf(&b, "`%s` → `%s`\n", mdCode(r.Old), mdCode(r.New))
	if r.Equal {
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("\n| item | change | risk | breaking |\n|---|---|---|---|\n")
	for _, c := range r.Changes {
		risk := c.Risk.String()
		if c.Risk == High {
			risk = "**high**"
		}
		breaking := ""
		if c.Breaking {
			breaking = "**yes**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", strings.ReplaceAll(mdLabel(c), "|", `\|`), c.Op, risk, breaking)
	}
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "\n#### %s: %s (%s)\n\n", mdLabel(c), c.Op, tags(c.Risk, c.Breaking))
		if c.Declared != "" {
			fmt.Fprintf(&b, "Declared at `%s`.\n\n", mdCode(c.Declared))
		}
		for _, d := range c.Details {
			fmt.Fprintf(&b, "- **%s** (%s): %s\n", d.Aspect, tags(d.Risk, d.Breaking), mdText(d.Summary))
			if lines := valueDiff(d.Old, d.New); len(lines) > 0 {
				fence := "```"
				for strings.Contains(d.Old+d.New, fence) {
					fence += "`"
				}
				fmt.Fprintf(&b, "\n  %sdiff\n", fence)
				for _, l := range lines {
					fmt.Fprintf(&b, "  %s\n", l)
				}
				fmt.Fprintf(&b, "  %s\n\n", fence)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCode keeps a value inside `…`: a backtick in it would end the span.
func mdCode(s string) string { return strings.ReplaceAll(s, "`", "'") }

// mdLabel names an item: the server, or its kind and `name`.
func mdLabel(c Change) string {
	if c.Kind == KindServer {
		return "server"
	}
	return fmt.Sprintf("%s `%s`", strings.ReplaceAll(c.Kind, "_", " "), mdCode(c.Name))
}

// mdText escapes what would turn a summary into markup.
func mdText(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", `\|`).Replace(s)
}

// valueDiff shows an old and a new value as lines prefixed "- " and "+ ",
// common lines of multi-line values prefixed "  ".
func valueDiff(old, new string) []string {
	if old == "" && new == "" {
		return nil
	}
	ol, nl := lines(old), lines(new)
	if len(ol) <= 1 && len(nl) <= 1 {
		var out []string
		for _, l := range ol {
			out = append(out, "- "+l)
		}
		for _, l := range nl {
			out = append(out, "+ "+l)
		}
		return out
	}
	return lineDiff(ol, nl)
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}

// lineDiff is a longest-common-subsequence diff of two short texts
// (statements, descriptions).
func lineDiff(a, b []string) []string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, "  "+a[i])
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+b[j])
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, "- "+a[i])
	}
	for ; j < m; j++ {
		out = append(out, "+ "+b[j])
	}
	return out
}
