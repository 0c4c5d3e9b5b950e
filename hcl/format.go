package hcl

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in the canonical layout: hclwrite's (indentation,
// spacing, aligned =), then what hclwrite leaves alone:
//
//   - the body of a <<- heredoc is indented two spaces past the line that
//     opens it, its closing marker level with that line. A flush heredoc's
//     value is its lines less their common indentation, so moving every
//     line by the same amount keeps the value; one whose indentation mixes
//     in tabs, or whose ${...} spans lines, is left as it is. A << heredoc
//     is never touched: its indentation is part of the value.
//   - trailing whitespace is removed, except inside heredocs, where it
//     is part of the value too;
//   - runs of blank lines become one, and top-level blocks are separated
//     by exactly one; the file ends with one newline.
//
// Comments stay. Formatting twice changes nothing. A file that does not
// parse is returned unchanged with its diagnostics.
func Format(filename string, src []byte) ([]byte, hcl.Diagnostics) {
	if !utf8.Valid(src) {
		// HCL source is UTF-8. The parser lets a stray byte through as
		// part of a name, where trimming the space after it would change
		// what the file says: refuse rather than guess.
		r := hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
		if i := invalidUTF8(src); i >= 0 {
			line := 1 + bytes.Count(src[:i], []byte("\n"))
			col := i - bytes.LastIndexByte(src[:i], '\n')
			r.Start = hcl.Pos{Line: line, Column: col, Byte: i}
			r.End = r.Start
		}
		return src, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid UTF-8",
			Detail:   "The file is not valid UTF-8 text; mcpgen fmt leaves it as it is.",
			Subject:  r.Ptr(),
		}}
	}
	parsed, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return src, diags
	}
	// hclwrite aligns = and comments within runs of lines that blank lines
	// break, so a blank line added between blocks changes its alignment:
	// format until nothing changes (twice, in practice).
	out := src
	for range 4 {
		next := normalize(filename, hclwrite.Format(out))
		if bytes.Equal(next, out) {
			break
		}
		out = next
	}
	// hclwrite works on tokens and can join two into one (`0 .0` becomes
	// the number `0.0`): whatever formatting would change is refused.
	if after, diags := hclsyntax.ParseConfig(out, filename, hcl.InitialPos); diags.HasErrors() ||
		!slices.Equal(meaning(parsed.Body.(*hclsyntax.Body)), meaning(after.Body.(*hclsyntax.Body))) {
		return src, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  summaryMeaningChanged,
			Detail:   "Formatting this file would change what it says (two tokens written without a space between them would join into one); mcpgen fmt leaves it as it is. Write the expression so that it parses as intended.",
			Subject:  parsed.Body.(*hclsyntax.Body).SrcRange.Ptr(),
		}}
	}
	return out, nil
}

// summaryMeaningChanged is the summary of Format's refusal to change what
// a file says.
const summaryMeaningChanged = "Formatting would change the meaning"

// meaning lists every attribute of body by path with its value, GoString'd
// (or what it refers to, when it needs a context), and every block: what
// formatting must keep.
func meaning(body *hclsyntax.Body) []string {
	var out []string
	flatten(body, "", &out)
	return out
}

// flatten adds body's attributes and blocks to out, under prefix.
func flatten(body *hclsyntax.Body, prefix string, out *[]string) {
	for name, attr := range body.Attributes {
		v, diags := attr.Expr.Value(nil)
		desc := "?"
		switch {
		case !diags.HasErrors() && v.IsWhollyKnown():
			desc = v.GoString()
		default:
			var refs []string
			for _, tr := range attr.Expr.Variables() {
				ref := tr.RootName()
				for _, step := range tr[1:] {
					if a, ok := step.(hcl.TraverseAttr); ok {
						ref += "." + a.Name
					}
				}
				refs = append(refs, ref)
			}
			desc = "refers to " + strings.Join(refs, ",")
		}
		*out = append(*out, prefix+name+" = "+desc)
	}
	for i, b := range body.Blocks {
		p := prefix + b.Type + "[" + strings.Join(b.Labels, ",") + "]#" + string(rune('0'+i%10)) + "."
		*out = append(*out, p)
		flatten(b.Body, p, out)
	}
	slices.Sort(*out)
}

// normalize does what hclwrite does not, on its output.
func normalize(filename string, out []byte) []byte {
	tokens, diags := hclsyntax.LexConfig(out, filename, hcl.InitialPos)
	if diags.HasErrors() { // hclwrite wrote what does not lex: keep it
		return out
	}
	lines := strings.SplitAfter(string(out), "\n")
	info := classify(tokens)
	for _, h := range info.heredocs {
		h.reindent(lines)
	}

	var b strings.Builder
	blank := true // at the start, as after a blank line: leading blank lines go
	for i, line := range lines {
		if info.heredocBody[i] {
			b.WriteString(line)
			blank = false
			continue
		}
		text := strings.TrimRight(strings.TrimSuffix(line, "\n"), " \t")
		if text == "" {
			if !blank && i < len(lines)-1 {
				blank = true
				b.WriteString("\n")
			}
			continue
		}
		if info.endsTopBlock[i-1] && !blank {
			b.WriteString("\n")
		}
		b.WriteString(text)
		b.WriteString("\n")
		blank = false
	}
	s := strings.TrimRight(b.String(), "\n")
	if s == "" {
		return nil
	}
	return []byte(s + "\n")
}

// Formatted reports whether src is already in the canonical layout.
func Formatted(filename string, src []byte) (bool, hcl.Diagnostics) {
	out, diags := Format(filename, src)
	return bytes.Equal(out, src), diags
}

// lineInfo is what Format needs to know of each line (0-based).
type lineInfo struct {
	heredocBody  map[int]bool // a heredoc's content, kept byte for byte
	endsTopBlock map[int]bool // closes a top-level block
	heredocs     []*heredoc
}

// heredoc is one <<- heredoc whose lines may move.
type heredoc struct {
	open, close int // lines of the opening and the closing marker
	indent      int // of the line that opens it
	movable     bool
}

func classify(tokens hclsyntax.Tokens) lineInfo {
	info := lineInfo{heredocBody: map[int]bool{}, endsTopBlock: map[int]bool{}}
	depth := 0
	var cur *heredoc
	interpAt := []int{} // lines where open ${ and %{ started, innermost last
	for _, t := range tokens {
		line := t.Range.Start.Line - 1
		switch t.Type {
		case hclsyntax.TokenOBrace:
			depth++
		case hclsyntax.TokenCBrace:
			depth--
			if depth == 0 {
				info.endsTopBlock[line] = true
			}
		case hclsyntax.TokenOHeredoc:
			cur = &heredoc{open: line, movable: bytes.HasPrefix(t.Bytes, []byte("<<-"))}
			if cur.movable {
				info.heredocs = append(info.heredocs, cur)
			}
		case hclsyntax.TokenCHeredoc:
			if cur != nil {
				cur.close = line
				for l := cur.open + 1; l < line; l++ {
					info.heredocBody[l] = true
				}
				cur = nil
			}
		case hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			interpAt = append(interpAt, line)
		case hclsyntax.TokenTemplateSeqEnd:
			if n := len(interpAt); n > 0 {
				if interpAt[n-1] != line && cur != nil {
					cur.movable = false // a template sequence across lines
				}
				interpAt = interpAt[:n-1]
			}
		}
	}
	return info
}

// reindent moves a flush heredoc's lines so that the least indented is two
// spaces past the line that opens it, and its closing marker level with
// that line. Lines of only whitespace are kept as they are: HCL keeps them
// in the value whole.
func (h *heredoc) reindent(lines []string) {
	if !h.movable {
		return
	}
	opener := lines[h.open]
	h.indent = len(opener) - len(strings.TrimLeft(opener, " "))
	least := -1
	for l := h.open + 1; l < h.close; l++ {
		text := strings.TrimSuffix(lines[l], "\n")
		if strings.TrimSpace(text) == "" {
			continue
		}
		// HCL counts leading Unicode spaces as characters, not columns:
		// with a tab among them, moving lines could change the value.
		lead := text[:len(text)-len(strings.TrimLeftFunc(text, unicode.IsSpace))]
		if strings.Trim(lead, " ") != "" {
			return
		}
		if least < 0 || len(lead) < least {
			least = len(lead)
		}
	}
	target := h.indent + 2
	if least >= 0 {
		for l := h.open + 1; l < h.close; l++ {
			text := lines[l]
			if strings.TrimSpace(text) == "" {
				continue
			}
			lines[l] = strings.Repeat(" ", target) + text[least:]
		}
	}
	marker := lines[h.close]
	lines[h.close] = strings.Repeat(" ", h.indent) + strings.TrimLeft(marker, " \t")
}

// Files lists the files in this language that a path stands for: a file,
// or a directory's configuration files as Load reads them followed by its
// test files as LoadTests reads them (each sorted, not recursive, without
// dot files). A directory holding only test files is not a mistake here.
func Files(path string) ([]string, hcl.Diagnostics) {
	info, err := os.Stat(path)
	if err != nil || !info.IsDir() {
		return expandPath(path)
	}
	tests, diags := expandTestPath(path)
	if diags.HasErrors() {
		return nil, diags
	}
	configs, diags := expandPath(path)
	if len(tests) > 0 && len(configs) == 0 {
		diags = nil
	}
	return append(configs, tests...), diags
}

// invalidUTF8 is the offset of the first byte of src that is not valid
// UTF-8, or -1.
func invalidUTF8(src []byte) int {
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}
