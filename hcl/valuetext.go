package hcl

import (
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// ValueText maps byte offsets in a string attribute's value back to the
// file, so that a diagnostic about `:x` on the third line of a heredoc of
// SQL, or about `{id}` in an HTTP path, points at that text, not at the
// whole attribute. It handles the common cases (a heredoc or a one-line
// quoted string without interpolation) and otherwise falls back to the
// attribute's range.
type ValueText struct {
	whole hcl.Range
	lines []textLine // nil: no mapping, use whole
}

// textLine is one line of the value and where it starts in the file.
type textLine struct {
	off   int     // byte offset in the value
	text  string  // without the newline
	start hcl.Pos // position of text[0] in the file
}

// NewValueText maps the value of expr, a string attribute's expression.
func NewValueText(expr hcl.Expression, value string) ValueText {
	t := ValueText{whole: expr.Range()}
	tmpl, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok || len(tmpl.Parts) != 1 {
		return t
	}
	lit, ok := tmpl.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok {
		return t
	}
	v := lit.Val
	if v.IsNull() || !v.IsKnown() || v.AsString() != value {
		return t
	}
	r := lit.SrcRange

	if r.Start.Line == r.End.Line {
		// A quoted string: only exact when no escape changed its length.
		if r.End.Byte-r.Start.Byte != len(value) || strings.Contains(value, "\n") {
			return t
		}
		t.lines = []textLine{{off: 0, text: value, start: r.Start}}
		return t
	}
	if r.Start.Line == t.whole.Start.Line {
		return t // a quoted string with \n escapes
	}

	// A heredoc. The flush form (<<-) strips the same indentation from every
	// line that is not blank; the first line's start already accounts for it.
	indent := r.Start.Column - 1
	var lines []textLine
	pos := r.Start
	off := 0
	for off < len(value) {
		nl := strings.IndexByte(value[off:], '\n')
		text := value[off:]
		if nl >= 0 {
			text = value[off : off+nl]
		}
		lines = append(lines, textLine{off: off, text: text, start: pos})
		if nl < 0 {
			pos.Byte += len(text)
			break
		}
		off += nl + 1
		next := hcl.Pos{Line: pos.Line + 1, Column: 1, Byte: pos.Byte + len(text) + 1}
		if off < len(value) {
			following := value[off:]
			if e := strings.IndexByte(following, '\n'); e >= 0 {
				following = following[:e]
			}
			if strings.TrimSpace(following) != "" || !strings.Contains(value[off:], "\n") {
				next.Column += indent
				next.Byte += indent
			}
		}
		pos = next
	}
	if pos.Byte != r.End.Byte {
		return t // an escape ($${, %%{) shifted something: don't guess
	}
	t.lines = lines
	return t
}

// RangeOf returns the file range of value[off:end].
func (t ValueText) RangeOf(off, end int) hcl.Range {
	if t.lines == nil {
		return t.whole
	}
	var line *textLine
	for i := range t.lines {
		if t.lines[i].off <= off {
			line = &t.lines[i]
		}
	}
	if line == nil {
		return t.whole
	}
	rel := min(off-line.off, len(line.text))
	relEnd := min(max(end-line.off, rel), len(line.text))
	start := line.start
	start.Column += utf8.RuneCountInString(line.text[:rel])
	start.Byte += rel
	stop := start
	stop.Column += utf8.RuneCountInString(line.text[rel:relEnd])
	stop.Byte += relEnd - rel
	return hcl.Range{Filename: t.whole.Filename, Start: start, End: stop}
}

// LineOf returns the file range of the whole line holding value[off].
func (t ValueText) LineOf(off int) hcl.Range {
	if t.lines == nil {
		return t.whole
	}
	for i := len(t.lines) - 1; i >= 0; i-- {
		if t.lines[i].off <= off {
			return t.RangeOf(t.lines[i].off, t.lines[i].off+len(t.lines[i].text))
		}
	}
	return t.whole
}
