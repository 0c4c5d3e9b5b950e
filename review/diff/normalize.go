package diff

import "strings"

// Statements, guards and other expressions are compared, and hashed,
// after normalizing their layout: comments dropped, runs of whitespace
// collapsed to one space and dropped next to ( ) [ ] { } , ;, and
// nothing inside a string literal or quoted identifier touched. Two texts
// that normalize equal differ only in layout, so they run the same. The
// Surface keeps the text as written; only comparison normalizes.
//
// The rule is deliberately narrow: whitespace between two words or two
// operators is kept (one space), because removing it could join tokens
// (`a - -1`, `: name`).

// NormalizeSQL normalizes a SQL statement's layout. Quoted: '…' (a
// quote inside doubled), E'…' (with \'), "…", `…`, […] and $tag$…$tag$.
// Comments: -- to the end of the line and /* … */, except optimizer hints
// (/*+ and /*!), which some databases execute.
func NormalizeSQL(s string) string {
	var n normalizer
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s) - i
			}
			n.space()
			i += end
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			switch {
			case end < 0: // unterminated: not ours to reformat
				n.literal(s[i:])
				i = len(s)
				continue
			case strings.HasPrefix(s[i:], "/*+") || strings.HasPrefix(s[i:], "/*!"):
				n.literal(s[i : i+2+end+2]) // a hint runs: keep it whole
			default:
				n.space()
			}
			i += 2 + end + 2
		case c == '\'':
			escapes := i > 0 && (s[i-1] == 'E' || s[i-1] == 'e') && (i < 2 || !isWord(s[i-2]))
			i = n.quoted(s, i, '\'', escapes)
		case c == '"' || c == '`':
			i = n.quoted(s, i, c, false)
		case c == '[':
			i = n.quoted(s, i, ']', false)
		case c == '$':
			if tag, ok := dollarTag(s[i:]); ok {
				end := strings.Index(s[i+len(tag):], tag)
				if end < 0 {
					n.literal(s[i:])
					i = len(s)
					continue
				}
				n.literal(s[i : i+len(tag)+end+len(tag)])
				i += len(tag) + end + len(tag)
				continue
			}
			n.char(c)
			i++
		case isSpace(c):
			n.space()
			i++
		default:
			n.char(c)
			i++
		}
	}
	return n.String()
}

// NormalizeCEL normalizes a CEL expression's layout. Quoted: '…', "…",
// their triple-quoted forms, with \ escapes unless raw (r'…'). Comments:
// // to the end of the line.
func NormalizeCEL(s string) string {
	var n normalizer
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '/' && strings.HasPrefix(s[i:], "//"):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s) - i
			}
			n.space()
			i += end
		case c == '\'' || c == '"':
			raw := i > 0 && (s[i-1] == 'r' || s[i-1] == 'R') && (i < 2 || !isWord(s[i-2]) || s[i-2] == 'b' || s[i-2] == 'B')
			triple := strings.Repeat(string(c), 3)
			if strings.HasPrefix(s[i:], triple) {
				end := closing(s, i+3, triple, !raw)
				n.literal(s[i:end])
				i = end
				continue
			}
			i = n.quoted(s, i, c, !raw)
		case isSpace(c):
			n.space()
			i++
		default:
			n.char(c)
			i++
		}
	}
	return n.String()
}

// normalizer writes normalized text: a pending space is written before
// the next character unless either side is a bracket, comma or semicolon.
type normalizer struct {
	b       strings.Builder
	pending bool
	last    byte
}

func (n *normalizer) space() { n.pending = n.b.Len() > 0 }

func (n *normalizer) char(c byte) {
	if n.pending && !tight(n.last) && !tight(c) {
		n.b.WriteByte(' ')
	}
	n.pending = false
	n.b.WriteByte(c)
	n.last = c
}

// literal writes text exactly, as one token.
func (n *normalizer) literal(text string) {
	if text == "" {
		return
	}
	n.char(text[0])
	n.b.WriteString(text[1:])
	n.last = text[len(text)-1]
}

// quoted writes the literal opening at s[i] and closing with end, and
// returns the index after it. A doubled closing character is part of the
// literal; with escapes, so is a backslash and what follows it.
func (n *normalizer) quoted(s string, i int, end byte, escapes bool) int {
	j := i + 1
	for j < len(s) {
		switch {
		case escapes && s[j] == '\\':
			j += 2
			continue
		case s[j] == end && j+1 < len(s) && s[j+1] == end && end != ']':
			j += 2
			continue
		case s[j] == end:
			n.literal(s[i : j+1])
			return j + 1
		}
		j++
	}
	n.literal(s[i:]) // unterminated: keep the rest as it is
	return len(s)
}

// closing returns the index after the first close at or after i, honouring
// backslash escapes, or len(s).
func closing(s string, i int, close string, escapes bool) int {
	for i < len(s) {
		if escapes && s[i] == '\\' {
			i += 2
			continue
		}
		if strings.HasPrefix(s[i:], close) {
			return i + len(close)
		}
		i++
	}
	return len(s)
}

// dollarTag returns the PostgreSQL dollar-quote tag ($$ or $name$) that
// s starts with.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1], true
		case isWord(c) && !(j == 1 && c >= '0' && c <= '9'):
		default:
			return "", false
		}
	}
	return "", false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// tight characters never join with a neighbour into another token.
func tight(c byte) bool { return strings.IndexByte("()[]{},;", c) >= 0 }

func (n *normalizer) String() string { return n.b.String() }
