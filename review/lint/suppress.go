package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Suppressions: a `# mcpgen:ignore RULE-ID reason` comment on the line
// above a finding (or above the attribute or block that holds it), or a
// `disable "RULE-ID" { reason = "..." }` block in the lint block for the
// whole configuration. Both need a reason; both are listed in
// `--format json`. Mistakes in them, and suppressions that suppress
// nothing, are findings of their own, which cannot be suppressed.
var suppressionRules = []*Rule{
	{
		ID:       "lint/bad-suppression",
		Severity: Error,
		Summary:  "A suppression without a reason, or naming a rule that does not exist",
		Why: "A suppression is a reviewed decision: its reason is what the next reviewer reads. One that names no " +
			"rule, an unknown rule or a lint/ rule suppresses nothing.",
		Fix: "Write # mcpgen:ignore RULE-ID reason, with a rule id from docs/lint.md and why the finding does not apply.",
	},
	{
		ID:       "lint/unused-suppression",
		Severity: Warning,
		Summary:  "A suppression that suppresses nothing",
		Why: "A suppression left behind after the finding went away would silently hide the next, different " +
			"problem of that rule at that place.",
		Fix: "Remove it.",
	},
}

const ignoreDirective = "mcpgen:ignore"

// directive is one suppression, from a comment or the lint block.
type directive struct {
	rule, reason string
	kind         string // "comment" or "config"
	pos          Position
	anchor       int
	target       int // comments: the line it applies to; 0: none
	used         bool
}

// suppress splits findings into reported and suppressed, and adds the
// findings about suppressions themselves.
func (in *Input) suppress(found []Finding) *Report {
	dirs, bad := in.directives()
	report := &Report{}
	for _, f := range found {
		var by *directive
		for _, d := range dirs {
			if d.rule != f.Rule || d.kind == "comment" && f.File != d.pos.File {
				continue
			}
			if d.kind == "config" || d.target != 0 && (f.Line == d.target || f.anchor == d.target) {
				by = d
				break
			}
		}
		if by == nil {
			report.Findings = append(report.Findings, f)
			continue
		}
		by.used = true
		report.Suppressed = append(report.Suppressed, Suppressed{Finding: f,
			Suppression: Suppression{Kind: by.kind, Reason: by.reason, At: by.pos.String()}})
	}
	report.Findings = append(report.Findings, bad...)
	unused := RuleByID("lint/unused-suppression")
	for _, d := range dirs {
		if d.used {
			continue
		}
		what := "# mcpgen:ignore " + d.rule
		if d.kind == "config" {
			what = fmt.Sprintf("disable %q", d.rule)
		}
		report.Findings = append(report.Findings, Finding{Rule: unused.ID, Severity: unused.Severity, Position: d.pos,
			Message: fmt.Sprintf("%s suppresses nothing: rule %s found nothing %s", what, d.rule, map[string]string{
				"comment": "on the line below it", "config": "in this configuration"}[d.kind]),
			Fix: unused.Fix, anchor: d.anchor})
	}
	return report
}

// directives reads every suppression; malformed ones come back as
// findings of lint/bad-suppression.
func (in *Input) directives() ([]*directive, []Finding) {
	badRule := RuleByID("lint/bad-suppression")
	var dirs []*directive
	var bad []Finding
	reject := func(pos Position, anchor int, format string, args ...any) {
		bad = append(bad, Finding{Rule: badRule.ID, Severity: badRule.Severity, Position: pos,
			Message: oneLine(fmt.Sprintf(format, args...)), Fix: badRule.Fix, anchor: anchor})
	}
	checkRule := func(id string, pos Position, anchor int) bool {
		switch r := RuleByID(id); {
		case r == nil:
			reject(pos, anchor, "%q is not a rule id (see docs/lint.md)", id)
		case r.check == nil:
			reject(pos, anchor, "rule %s cannot be suppressed", id)
		default:
			return true
		}
		return false
	}
	for _, name := range sortedKeys(in.files) {
		f := in.files[name]
		tokens, diags := hclsyntax.LexConfig(f.src, name, hcl.InitialPos)
		if diags.HasErrors() {
			continue
		}
		commentLines := map[int]bool{} // lines holding only a comment
		type found struct {
			tok  hclsyntax.Token
			text string
		}
		var ignores []found
		for _, t := range tokens {
			if t.Type != hclsyntax.TokenComment {
				continue
			}
			line := t.Range.Start.Line
			start := f.lines[line-1]
			if strings.TrimSpace(string(f.src[start:t.Range.Start.Byte])) != "" {
				continue // after code on the same line
			}
			// A /* */ comment may span lines; each counts. A # comment
			// ends at the start of the next line, which it does not hold.
			last := t.Range.End.Line
			if t.Range.End.Column == 1 && last > line {
				last--
			}
			for l := line; l <= last; l++ {
				commentLines[l] = true
			}
			text := strings.TrimSpace(string(t.Bytes))
			text = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(text, "#"), "//"), "/*")
			text = strings.TrimSpace(strings.TrimSuffix(text, "*/"))
			if strings.HasPrefix(text, ignoreDirective) {
				ignores = append(ignores, found{t, strings.TrimPrefix(text, ignoreDirective)})
			}
		}
		for _, ig := range ignores {
			line := ig.tok.Range.Start.Line
			pos := in.span(name, ig.tok.Range.Start.Byte, ig.tok.Range.Start.Byte+len(strings.TrimRight(string(ig.tok.Bytes), "\r\n")))
			fields := strings.Fields(ig.text)
			if len(ig.text) > 0 && ig.text[0] != ' ' && ig.text[0] != '\t' {
				reject(pos, line, "a suppression is written # mcpgen:ignore RULE-ID reason")
				continue
			}
			if len(fields) == 0 {
				reject(pos, line, "# mcpgen:ignore names no rule")
				continue
			}
			if !checkRule(fields[0], pos, line) {
				continue
			}
			if len(fields) < 2 {
				reject(pos, line, "# mcpgen:ignore %s gives no reason: say why the finding does not apply", fields[0])
				continue
			}
			// It applies to the first line below that is not a comment
			// of its own: several directives may stand above one line.
			target := ig.tok.Range.End.Line
			if ig.tok.Range.End.Column == 1 { // a # comment ends at the start of the next line
				target--
			}
			for target++; commentLines[target]; target++ {
			}
			if strings.TrimSpace(lineText(f, target)) == "" {
				target = 0 // a blank line: it stands above nothing
			}
			dirs = append(dirs, &directive{rule: fields[0], reason: strings.Join(fields[1:], " "), kind: "comment",
				pos: pos, anchor: line, target: target})
		}
	}
	if l := in.Config.Lint; l != nil {
		for _, d := range l.Disable {
			pos := in.at(d.RuleRange)
			if !checkRule(d.Rule, pos, d.DeclRange.Start.Line) {
				continue
			}
			dirs = append(dirs, &directive{rule: d.Rule, reason: d.Reason, kind: "config", pos: pos, anchor: d.DeclRange.Start.Line})
		}
	}
	// Comments first: the more specific suppression is the one listed.
	sort.SliceStable(dirs, func(i, j int) bool { return dirs[i].kind == "comment" && dirs[j].kind == "config" })
	return dirs, bad
}

func lineText(f *file, line int) string {
	if line < 1 || line > len(f.lines) {
		return ""
	}
	end := len(f.src)
	if line < len(f.lines) {
		end = f.lines[line]
	}
	return string(f.src[f.lines[line-1]:end])
}
