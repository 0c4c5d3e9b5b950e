package sql

import (
	"strconv"
	"strings"
)

// scanned is a statement with its :name parameters rewritten to numbered
// placeholders.
type scanned struct {
	query string          // the statement as sent to the driver
	names []string        // names[i] is bound to placeholder i+1
	uses  []paramUse      // every :name, in order of appearance
	lead  string          // the first token of code, upper-cased: SELECT, WITH, "("...
	words map[string]bool // MySQL: the upper-cased keywords and names of the code
}

// paramUse is one :name in the original text.
type paramUse struct {
	name string
	off  int // byte offset of the ':' in the original text
	end  int // byte offset just past the name
	at   int // byte offset of the placeholder in the rewritten query
	n    int // length of the placeholder in the rewritten query
}

// scanProblem is something wrong with the statement's text, at a byte range
// of the original.
type scanProblem struct {
	off, end int
	msg      string
}

// origOffset maps a byte offset in the rewritten query back to the original
// text, so that a driver's error position can point into the HCL file.
func (s *scanned) origOffset(at int) int {
	shift := 0
	for _, u := range s.uses {
		if at < u.at {
			break
		}
		if at < u.at+u.n {
			return u.off
		}
		shift += (u.end - u.off) - u.n
	}
	return at + shift
}

// scanSQL finds the :name parameters of one statement, skipping what is not
// code (string literals, quoted identifiers, comments, PostgreSQL dollar
// quotes) and `::` casts, and rewrites each to a numbered placeholder; a
// name used twice reuses its number. MySQL's placeholders are a bare ?, so
// there a name used twice is bound twice. It also reports placeholders written
// in the driver's own syntax (they would upset the numbering), more than
// one statement, and unterminated quotes or comments.
func scanSQL(src string, d dialect) (scanned, []scanProblem) {
	var (
		out      strings.Builder
		res      scanned
		problems []scanProblem
		numbers  = map[string]int{}
		copied   int       // src[:copied] is already in out
		seenCode bool      // a token of the current statement was seen
		ended    int  = -1 // offset of the ';' that ended the statement
		multi    bool      // reported more than one statement
	)
	out.Grow(len(src) + 8)
	i := 0
	problem := func(off, end int, msg string) {
		problems = append(problems, scanProblem{off: off, end: end, msg: msg})
	}
	// code marks the start of a token that is part of a statement.
	code := func() {
		if res.lead == "" {
			res.lead = strings.ToUpper(src[i:wordEnd(src, i)])
			if res.lead == "" {
				res.lead = src[i : i+1]
			}
		}
		if ended >= 0 && !multi {
			problem(ended, ended+1, "The sql attribute must hold one statement; remove what follows this ';'")
			multi = true
		}
		seenCode = true
	}

	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++

		case c == '-' && at(src, i+1) == '-' && (d != dialectMySQL || isMySQLCommentSpace(at(src, i+2))),
			c == '#' && d == dialectMySQL:
			// MySQL's -- comment needs a space or control character
			// after it: 1--1 is one minus minus one.
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				i = len(src)
			} else {
				i += j + 1
			}

		case c == '/' && at(src, i+1) == '*':
			j := skipBlockComment(src, i, d == dialectPostgres)
			if j < 0 {
				problem(i, i+2, "Unterminated /* comment")
				i = len(src)
			} else {
				i = j
			}

		case c == '\'':
			code()
			// MySQL strings take backslash escapes (unless the server runs
			// with NO_BACKSLASH_ESCAPES).
			i = skipQuoted(src, i, '\'', d == dialectMySQL, &problems, "Unterminated string literal")

		case c == '"' && d == dialectMySQL:
			// A string in MySQL's default sql_mode (without ANSI_QUOTES).
			code()
			i = skipQuoted(src, i, '"', true, &problems, "Unterminated string literal")

		case c == '"':
			code()
			i = skipQuoted(src, i, '"', false, &problems, "Unterminated quoted identifier")

		case c == '`' && d != dialectPostgres:
			code()
			i = skipQuoted(src, i, '`', false, &problems, "Unterminated quoted identifier")

		case c == '[' && d == dialectSQLite:
			// SQLite's bracketed identifier; there are no escapes inside.
			code()
			j := strings.IndexByte(src[i+1:], ']')
			if j < 0 {
				problem(i, i+1, "Unterminated [identifier]")
				i = len(src)
			} else {
				i += j + 2
			}

		case c == ';':
			if seenCode && ended < 0 {
				ended = i
			}
			i++

		case c == ':':
			code()
			if at(src, i+1) == ':' { // a PostgreSQL cast, not a parameter
				i += 2
				break
			}
			if !isIdentStart(at(src, i+1)) { // `:=`, array slices
				i++
				break
			}
			j := i + 2
			for j < len(src) && isIdentChar(src[j]) && src[j] != '$' {
				j++
			}
			name := src[i+1 : j]
			n, ok := numbers[name]
			if !ok || d == dialectMySQL {
				res.names = append(res.names, name)
				n = len(res.names)
				numbers[name] = n
			}
			out.WriteString(src[copied:i])
			ph := placeholder(d, n)
			res.uses = append(res.uses, paramUse{name: name, off: i, end: j, at: out.Len(), n: len(ph)})
			out.WriteString(ph)
			copied = j
			i = j

		case c == '$':
			code()
			if d == dialectMySQL { // part of a name, or an operator's neighbour
				i++
				break
			}
			if d == dialectSQLite {
				if isIdentChar(at(src, i+1)) {
					problem(i, wordEnd(src, i+1), "Write parameters as :name; $-parameters are not supported")
				}
				i++
				break
			}
			if isDigit(at(src, i+1)) {
				problem(i, wordEnd(src, i+1), "Write parameters as :name; positional $n parameters are not supported")
				i = wordEnd(src, i+1)
				break
			}
			// A dollar-quoted string: $$...$$ or $tag$...$tag$.
			k := i + 1
			for k < len(src) && isIdentChar(src[k]) && src[k] != '$' {
				k++
			}
			if at(src, k) != '$' || (k > i+1 && !isIdentStart(src[i+1])) {
				i++
				break
			}
			tag := src[i : k+1]
			j := strings.Index(src[k+1:], tag)
			if j < 0 {
				problem(i, k+1, "Unterminated dollar-quoted string "+tag)
				i = len(src)
			} else {
				i = k + 1 + j + len(tag)
			}

		case c == '?' && d == dialectMySQL:
			// ? is MySQL's placeholder; @name is a user variable.
			code()
			problem(i, i+1, "Write parameters as :name; ? parameters are not supported")
			i++

		case (c == '?' || c == '@') && d == dialectSQLite:
			// In PostgreSQL, ? and @ are operators (jsonb, geometric).
			code()
			if c == '?' || isIdentStart(at(src, i+1)) {
				problem(i, wordEnd(src, i+1), "Write parameters as :name; ? and @ parameters are not supported")
			}
			i++

		case isIdentStart(c) || isDigit(c):
			code()
			j := wordEnd(src, i)
			if d == dialectMySQL {
				if res.words == nil {
					res.words = map[string]bool{}
				}
				res.words[strings.ToUpper(src[i:j])] = true
			}
			// E'...' is PostgreSQL's string with backslash escapes.
			if d == dialectPostgres && j == i+1 && (c == 'E' || c == 'e') && at(src, j) == '\'' {
				i = skipQuoted(src, j, '\'', true, &problems, "Unterminated string literal")
				break
			}
			i = j

		default:
			code()
			i++
		}
	}
	if !seenCode {
		problem(0, len(src), "The sql attribute holds no statement")
	}
	out.WriteString(src[copied:])
	res.query = out.String()
	return res, problems
}

func placeholder(d dialect, n int) string {
	switch d {
	case dialectPostgres:
		return "$" + strconv.Itoa(n)
	case dialectMySQL:
		return "?"
	}
	return "?" + strconv.Itoa(n)
}

// isMySQLCommentSpace reports whether c may follow "--" for MySQL to read
// a comment: whitespace, a control character or the end of the text.
func isMySQLCommentSpace(c byte) bool { return c <= ' ' }

// skipQuoted returns the offset just past the quoted text starting at
// src[i]; a doubled quote stands for itself, and so does a backslashed
// character when backslash is set.
func skipQuoted(src string, i int, q byte, backslash bool, problems *[]scanProblem, msg string) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if backslash {
				j++
			}
		case q:
			if at(src, j+1) == q {
				j++
				continue
			}
			return j + 1
		}
	}
	*problems = append(*problems, scanProblem{off: i, end: i + 1, msg: msg})
	return len(src)
}

// skipBlockComment returns the offset just past the comment starting at
// src[i], or -1. PostgreSQL comments nest; SQLite's do not.
func skipBlockComment(src string, i int, nest bool) int {
	depth := 0
	for j := i; j+1 < len(src); j++ {
		switch {
		case src[j] == '/' && src[j+1] == '*':
			if depth > 0 && !nest {
				continue
			}
			depth++
			j++
		case src[j] == '*' && src[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}

// wordEnd returns the end of the identifier or number starting at src[i].
func wordEnd(src string, i int) int {
	for i < len(src) && isIdentChar(src[i]) {
		i++
	}
	return i
}

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Bytes of multi-byte UTF-8 sequences count as letters: both databases
// accept non-ASCII identifiers.
func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c >= 0x80
}

// isIdentChar includes '$', which both databases allow inside identifiers.
func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }
