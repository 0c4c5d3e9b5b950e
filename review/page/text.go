package page

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Visible escapes s for HTML and shows every character a reader could
// not see or could misread as a marked code point (U+200B): zero-width
// and bidirectional controls, other format and control characters (tabs
// and newlines excepted), and spaces other than the ASCII one. A
// description is a prompt for the model; a reviewer must see all of it.
func Visible(s string) template.HTML {
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			fmt.Fprintf(&b, `<span class="inv" title="%s">U+%04X</span>`, html.EscapeString(runeName(r)), r)
			continue
		}
		b.WriteString(html.EscapeString(string(r)))
	}
	return template.HTML(b.String())
}

// Hidden counts the characters Visible marks.
func Hidden(s string) int {
	n := 0
	for _, r := range s {
		if hidden(r) {
			n++
		}
	}
	return n
}

func hidden(r rune) bool {
	switch {
	case r == '\n' || r == '\t' || r == ' ':
		return false
	case r == utf8.RuneError:
		return true
	case unicode.Is(unicode.Cf, r), unicode.IsControl(r), unicode.Is(unicode.Zs, r),
		unicode.Is(unicode.Co, r), unicode.Is(unicode.Cn, r) && r > 0x7f,
		r >= 0xE0000 && r <= 0xE007F: // tags
		return true
	}
	return false
}

func runeName(r rune) string {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return "bidirectional control"
	case r == 0x200B, r == 0x200C, r == 0x200D, r == 0x2060, r == 0xFEFF:
		return "zero-width character"
	case r >= 0xE0000 && r <= 0xE007F:
		return "tag character"
	case unicode.Is(unicode.Zs, r):
		return "a space that is not U+0020"
	case unicode.IsControl(r):
		return "control character"
	}
	return "invisible or unassigned character"
}

// sqlKeywords are highlighted; the rest of a statement is shown as is.
// Each is between spaces. A string searched rather than a map, so that
// the package does no work at initialisation (see write.go).
const sqlKeywords = " SELECT FROM WHERE AND OR NOT IN IS NULL AS JOIN LEFT RIGHT INNER OUTER FULL CROSS ON" +
	" GROUP BY ORDER HAVING LIMIT OFFSET UNION ALL DISTINCT INSERT INTO VALUES UPDATE SET DELETE RETURNING" +
	" WITH RECURSIVE CASE WHEN THEN ELSE END LIKE ILIKE BETWEEN EXISTS ASC DESC COALESCE CAST TRUE FALSE" +
	" CREATE TABLE DROP ALTER CONFLICT DO NOTHING USING OVER PARTITION WINDOW FILTER LATERAL "

// sqlKeyword reports whether word, in any case, is one of sqlKeywords.
func sqlKeyword(word string) bool {
	return word != "" && !strings.Contains(word, " ") && strings.Contains(sqlKeywords, " "+strings.ToUpper(word)+" ")
}

// HighlightSQL escapes a statement for HTML with its keywords, strings,
// numbers, comments and :params in spans of their own.
func HighlightSQL(s string) template.HTML {
	var b strings.Builder
	span := func(class, text string) {
		fmt.Fprintf(&b, `<span class="%s">%s</span>`, class, Visible(text))
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			span("c", s[i:i+j])
			i += j
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			end := len(s)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			span("c", s[i:end])
			i = end
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(s))
			class := "s"
			if c == '"' {
				class = "i"
			}
			span(class, s[i:end])
			i = end
		case c == ':' && i+1 < len(s) && isIdentStart(s[i+1]) && (i == 0 || s[i-1] != ':'):
			j := i + 1
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			span("p", s[i:j])
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			if word := s[i:j]; sqlKeyword(word) {
				span("k", word)
			} else {
				b.WriteString(string(Visible(word)))
			}
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			span("n", s[i:j])
			i = j
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(string(Visible(s[i : i+size])))
			i += size
		}
	}
	return template.HTML(b.String())
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdent(c byte) bool      { return isIdentStart(c) || c >= '0' && c <= '9' }
