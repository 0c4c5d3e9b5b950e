package initdb

import (
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Bounds from CHECK constraints.
//
// A CHECK constraint holds for every row, so a conjunct of it of the form
// col >= 0, col BETWEEN 1 AND 10 or length(col) <= 12 bounds the values
// the column can hold, and a param filtering on that column can refuse
// values outside them before the database is asked. Only those simple
// forms are read: a constraint with OR, NOT, arithmetic, a cast of the
// column or any other function contributes nothing, and a constraint the
// database does not enforce on existing rows (PostgreSQL's NOT VALID,
// MySQL's NOT ENFORCED) is skipped. The bounds written are never tighter
// than the database's: a bound in bytes (MySQL's length, octet_length)
// becomes a maximum in characters, never a minimum, and a strict bound on
// a non-integer column is left out (params have inclusive bounds only).

// checkText is how a dialect's CHECK constraints are written.
type checkText struct {
	backslash   bool // strings escape with \ (MySQL)
	lengthBytes bool // length() counts bytes (MySQL), not characters
}

type tokKind int

const (
	tokWord tokKind = iota // a bare word: a name or a keyword
	tokName                // a quoted identifier
	tokNumber
	tokString
	tokOp // an operator or punctuation
)

type token struct {
	kind tokKind
	text string // unquoted for names and strings
}

func (t token) is(kind tokKind, text string) bool {
	return t.kind == kind && strings.EqualFold(t.text, text)
}

func (t token) word(w string) bool { return t.is(tokWord, w) }

// mysqlVersioned is a versioned comment, /*!80016 NOT ENFORCED */, whose
// text MySQL reads as SQL.
var mysqlVersioned = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`/\*!\d*\s?((?s:.*?))\*/`) })

// tokenize splits SQL text into tokens, leaving out comments. It never
// fails: text it does not know becomes one-character operators, which
// match no bound.
func (ct checkText) tokenize(s string) []token {
	if ct.backslash {
		s = mysqlVersioned().ReplaceAllString(s, " $1 ")
	}
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && strings.HasPrefix(s[i:], "--"), c == '#' && ct.backslash:
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			var b strings.Builder
			j := i + 1
			for ; j < len(s); j++ {
				if ct.backslash && s[j] == '\\' && c == '\'' && j+1 < len(s) {
					j++
					b.WriteByte(s[j])
					continue
				}
				if s[j] == closer {
					if j+1 < len(s) && s[j+1] == closer && c != '[' {
						b.WriteByte(closer)
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			kind := tokName
			if c == '\'' {
				kind = tokString
			}
			out = append(out, token{kind, b.String()})
			i = j + 1
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && s[k] >= '0' && s[k] <= '9' {
					for j = k; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
					}
				}
			}
			out = append(out, token{tokNumber, s[i:j]})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '$' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' ||
				s[j] >= '0' && s[j] <= '9' || s[j] >= 0x80) {
				j++
			}
			out = append(out, token{tokWord, s[i:j]})
			i = j
		default:
			op := s[i : i+1]
			for _, two := range []string{">=", "<=", "<>", "!=", "::", "||", "&&"} {
				if strings.HasPrefix(s[i:], two) {
					op = two
					break
				}
			}
			out = append(out, token{tokOp, op})
			i += len(op)
		}
	}
	return out
}

// checkBodies are the expressions of the enforced CHECK constraints in
// text: a CREATE TABLE statement or a constraint's definition.
func (ct checkText) checkBodies(text string) [][]token {
	toks := ct.tokenize(text)
	var out [][]token
	for i := 0; i+1 < len(toks); i++ {
		if !toks[i].word("CHECK") || !toks[i+1].is(tokOp, "(") {
			continue
		}
		end := closing(toks, i+1)
		if end < 0 {
			return out
		}
		body := toks[i+2 : end]
		i = end
		// NOT VALID (PostgreSQL) and NOT ENFORCED (MySQL) follow the
		// expression: existing rows may break such a constraint.
		if end+1 < len(toks) && toks[end+1].word("NOT") {
			continue
		}
		out = append(out, body)
	}
	return out
}

// closing is the index of the parenthesis closing the one at open, or -1.
func closing(toks []token, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch {
		case toks[i].is(tokOp, "("):
			depth++
		case toks[i].is(tokOp, ")"):
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// unwrap strips parentheses around the whole of toks.
func unwrap(toks []token) []token {
	for len(toks) >= 2 && toks[0].is(tokOp, "(") && closing(toks, 0) == len(toks)-1 {
		toks = toks[1 : len(toks)-1]
	}
	return toks
}

// conjuncts splits an expression at its top-level ANDs, recursively. A
// level with OR, XOR or an operator whose meaning differs between
// databases (||, &&) is not split: it is returned whole, and matches no
// bound.
func conjuncts(toks []token) [][]token {
	toks = unwrap(toks)
	var cuts []int
	depth, between := 0, false
	for i, t := range toks {
		switch {
		case t.is(tokOp, "("):
			depth++
		case t.is(tokOp, ")"):
			depth--
		case depth > 0:
		case t.word("OR"), t.word("XOR"), t.is(tokOp, "||"), t.is(tokOp, "&&"):
			return [][]token{toks}
		case t.word("BETWEEN"):
			between = true
		case t.word("AND"):
			if between {
				between = false
			} else {
				cuts = append(cuts, i)
			}
		}
	}
	if len(cuts) == 0 {
		return [][]token{toks}
	}
	var out [][]token
	start := 0
	for _, c := range append(cuts, len(toks)) {
		out = append(out, conjuncts(toks[start:c])...)
		start = c + 1
	}
	return out
}

// castTypes are the type names a cast of a literal (PostgreSQL's
// '-5'::integer, (0)::numeric) or of a column inside length() may have.
var castTypes = map[string]bool{
	"smallint": true, "integer": true, "bigint": true, "int": true, "int2": true, "int4": true, "int8": true,
	"numeric": true, "decimal": true, "real": true, "double": true, "precision": true, "float4": true, "float8": true,
	"text": true, "character": true, "varying": true, "varchar": true, "bpchar": true,
}

var numericCasts = map[string]bool{
	"smallint": true, "integer": true, "bigint": true, "int": true, "int2": true, "int4": true, "int8": true,
	"numeric": true, "decimal": true, "real": true, "double precision": true, "float4": true, "float8": true,
}

// cast reads "::type" at toks[i:], returning the type and where it ends.
func cast(toks []token, i int) (string, int, bool) {
	if i >= len(toks) || !toks[i].is(tokOp, "::") {
		return "", i, false
	}
	i++
	var words []string
	for i < len(toks) && toks[i].kind == tokWord && castTypes[strings.ToLower(toks[i].text)] {
		words = append(words, strings.ToLower(toks[i].text))
		i++
	}
	if len(words) == 0 {
		return "", i, false
	}
	if i < len(toks) && toks[i].is(tokOp, "(") { // varchar(12)
		end := closing(toks, i)
		if end < 0 {
			return "", i, false
		}
		i = end + 1
	}
	return strings.Join(words, " "), i, true
}

// literal reads a whole-token-run numeric literal: 5, -1.5, (0)::numeric,
// '-5'::integer, ('-1.5'::numeric)::double precision.
func literal(toks []token) (*big.Rat, bool) {
	toks = unwrap(toks)
	// Trailing numeric casts.
	for {
		n := len(toks)
		found := false
		for i := n - 1; i > 0; i-- {
			if toks[i].is(tokOp, "::") {
				if typ, end, ok := cast(toks, i); ok && end == n && numericCasts[typ] {
					toks, found = unwrap(toks[:i]), true
				}
				break
			}
		}
		if !found {
			break
		}
		if len(toks) == 1 && toks[0].kind == tokString {
			// A quoted number is a number only under a cast.
			return parseNumber(toks[0].text)
		}
	}
	sign := ""
	if len(toks) == 2 && (toks[0].is(tokOp, "-") || toks[0].is(tokOp, "+")) {
		sign, toks = toks[0].text, toks[1:]
	}
	if len(toks) != 1 || toks[0].kind != tokNumber {
		return nil, false
	}
	return parseNumber(sign + toks[0].text)
}

func parseNumber(s string) (*big.Rat, bool) {
	s = strings.TrimPrefix(s, "+")
	if s == "" || strings.ContainsAny(s, "/ ") {
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// operand is what a side of a comparison refers to.
type operand struct {
	column string
	length string // "" for the column itself, else "chars" or "bytes"
}

// columnRef reads a bare or quoted column name, in parentheses or not.
func columnRef(toks []token) (string, bool) {
	toks = unwrap(toks)
	if len(toks) == 1 && (toks[0].kind == tokName || toks[0].kind == tokWord && !sqlKeyword[strings.ToUpper(toks[0].text)]) {
		return toks[0].text, true
	}
	return "", false
}

// subject reads col or length(col) (with a text cast of col inside).
func (ct checkText) subject(toks []token) (operand, bool) {
	toks = unwrap(toks)
	if c, ok := columnRef(toks); ok {
		return operand{column: c}, true
	}
	if len(toks) < 4 || toks[0].kind != tokWord || !toks[1].is(tokOp, "(") || closing(toks, 1) != len(toks)-1 {
		return operand{}, false
	}
	var unit string
	switch strings.ToLower(toks[0].text) {
	case "char_length", "character_length":
		unit = "chars"
	case "octet_length":
		unit = "bytes"
	case "length":
		unit = "chars"
		if ct.lengthBytes {
			unit = "bytes"
		}
	default:
		return operand{}, false
	}
	arg := toks[2 : len(toks)-1]
	for i := range arg {
		if arg[i].is(tokOp, "::") {
			typ, end, ok := cast(arg, i)
			if !ok || end != len(arg) || numericCasts[typ] {
				return operand{}, false
			}
			arg = arg[:i]
			break
		}
	}
	c, ok := columnRef(arg)
	return operand{column: c, length: unit}, ok
}

// bound is one comparison read from a conjunct: subject op value.
type bound struct {
	subject operand
	op      string // >=, >, <=, <
	value   *big.Rat
}

var flipped = map[string]string{">=": "<=", ">": "<", "<=": ">=", "<": ">"}

// bounds reads a conjunct of one of the forms
//
//	subject op literal | literal op subject | subject BETWEEN literal AND literal
//
// where op is <, <=, > or >=.
func (ct checkText) bounds(toks []token) []bound {
	toks = unwrap(toks)
	depth := 0
	for i, t := range toks {
		switch {
		case t.is(tokOp, "("):
			depth++
		case t.is(tokOp, ")"):
			depth--
		case depth > 0:
		case t.word("BETWEEN"):
			subj, ok := ct.subject(toks[:i])
			if !ok {
				return nil
			}
			rest := toks[i+1:]
			for j, r := range rest {
				if !r.word("AND") {
					continue
				}
				lo, ok1 := literal(rest[:j])
				hi, ok2 := literal(rest[j+1:])
				if !ok1 || !ok2 {
					return nil
				}
				return []bound{{subj, ">=", lo}, {subj, "<=", hi}}
			}
			return nil
		case t.kind == tokOp && flipped[t.text] != "":
			left, right := toks[:i], toks[i+1:]
			if subj, ok := ct.subject(left); ok {
				if v, ok := literal(right); ok {
					return []bound{{subj, t.text, v}}
				}
				return nil
			}
			if subj, ok := ct.subject(right); ok {
				if v, ok := literal(left); ok {
					return []bound{{subj, flipped[t.text], v}}
				}
			}
			return nil
		}
	}
	return nil
}

// apply reads the bounds of a CHECK constraint's expression into the
// table's columns.
func (ct checkText) apply(t *Table, body []token) {
	for _, conj := range conjuncts(body) {
		if col, values, ok := inList(conj); ok {
			if c := columnFold(t, col); c != nil && c.Kind == KindString {
				c.Enum = intersect(c.Enum, values)
			}
			continue
		}
		for _, b := range ct.bounds(conj) {
			c := columnFold(t, b.subject.column)
			if c == nil {
				continue
			}
			if b.subject.length != "" {
				lengthBound(c, b)
			} else {
				valueBound(c, b)
			}
		}
	}
}

// columnFold finds a column by name, ignoring case when that is not
// ambiguous (SQLite and MySQL names are case-insensitive; PostgreSQL
// quotes every name that is not lower case).
func columnFold(t *Table, name string) *Column {
	if c := t.Column(name); c != nil {
		return c
	}
	var found *Column
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			if found != nil {
				return nil
			}
			found = &t.Columns[i]
		}
	}
	return found
}

func valueBound(c *Column, b bound) {
	v := b.value
	switch c.Kind {
	case KindInteger:
		// The nearest integer inside the bound.
		switch b.op {
		case ">=":
			v = ceil(v)
		case ">":
			v = new(big.Rat).Add(floor(v), big.NewRat(1, 1))
		case "<=":
			v = floor(v)
		case "<":
			v = new(big.Rat).Sub(ceil(v), big.NewRat(1, 1))
		}
	case KindNumber:
		if b.op == ">" || b.op == "<" {
			return // params have no exclusive bounds
		}
	default:
		return
	}
	if b.op[0] == '>' {
		if c.Minimum == nil || v.Cmp(c.Minimum) > 0 {
			c.Minimum = v
		}
	} else if c.Maximum == nil || v.Cmp(c.Maximum) < 0 {
		c.Maximum = v
	}
}

func lengthBound(c *Column, b bound) {
	if c.Kind != KindString {
		return
	}
	v := b.value
	switch b.op {
	case ">":
		v = new(big.Rat).Add(floor(v), big.NewRat(1, 1))
	case ">=":
		v = ceil(v)
	case "<":
		v = new(big.Rat).Sub(ceil(v), big.NewRat(1, 1))
	case "<=":
		v = floor(v)
	}
	if !v.IsInt() || !v.Num().IsInt64() {
		return
	}
	n := v.Num().Int64()
	if b.op[0] == '>' {
		// A minimum in bytes is not one in characters: a two-character
		// string may be three bytes long.
		if b.subject.length == "chars" && n > int64(c.MinLength) && n < 1<<31 {
			c.MinLength = int(n)
		}
		return
	}
	if n < 1 {
		return // an always-empty column: left to the reader
	}
	if n < 1<<31 && (c.MaxLength == 0 || int(n) < c.MaxLength) {
		c.MaxLength = int(n)
	}
}

func floor(r *big.Rat) *big.Rat {
	q := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean: rounds down for a positive divisor
	return new(big.Rat).SetInt(q)
}

func ceil(r *big.Rat) *big.Rat {
	f := floor(r)
	if f.Cmp(r) == 0 {
		return f
	}
	return f.Add(f, big.NewRat(1, 1))
}

// inList reads col IN ('a', 'b', ...): the values a string column holds.
func inList(toks []token) (string, []string, bool) {
	toks = unwrap(toks)
	if len(toks) < 5 || !toks[1].word("IN") || !toks[2].is(tokOp, "(") || closing(toks, 2) != len(toks)-1 {
		return "", nil, false
	}
	col, ok := columnRef(toks[:1])
	if !ok {
		return "", nil, false
	}
	var values []string
	for i, t := range toks[3 : len(toks)-1] {
		if i%2 == 1 {
			if !t.is(tokOp, ",") {
				return "", nil, false
			}
			continue
		}
		if t.kind != tokString {
			return "", nil, false
		}
		values = append(values, t.text)
	}
	return col, values, len(values) > 0
}

// intersect keeps the values two CHECKs both allow, in the first's order;
// nil is no enum yet. An empty intersection keeps the first: a column no
// value fits is left to the reader.
func intersect(have, more []string) []string {
	if have == nil {
		return more
	}
	var out []string
	for _, v := range have {
		if slices.Contains(more, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return have
	}
	return out
}
