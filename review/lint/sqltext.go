package lint

import (
	"strings"
)

// A small, documented reading of SQL statements for the rules: which
// tables a statement reads and writes, which table a bound value
// constrains, whether it selects *, and whether it may destroy data. It is
// not a parser: it reads tokens (strings, comments and quoted identifiers
// are understood) and the common shapes of the statements tools run. What
// it cannot read, it leaves out: rules built on it miss, never invent.

type sqlTokenKind int

const (
	tokIdent sqlTokenKind = iota
	tokParam              // :name
	tokString
	tokNumber
	tokPunct
)

type sqlToken struct {
	kind sqlTokenKind
	text string // as written
	low  string // lower case; for a quoted identifier, its name
	off  int    // byte offset in the statement
}

func tokenizeSQL(s string) []sqlToken {
	var out []sqlToken
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '\'':
			j := i + 1
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			out = append(out, sqlToken{kind: tokString, text: s[i:min(j+1, len(s))], off: i})
			i = j + 1
		case c == '"' || c == '`':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return out
			}
			name := s[i+1 : i+1+j]
			out = append(out, sqlToken{kind: tokIdent, text: s[i : i+j+2], low: strings.ToLower(name), off: i})
			i += j + 2
		case c == ':' && i+1 < len(s) && s[i+1] == ':':
			out = append(out, sqlToken{kind: tokPunct, text: "::", low: "::", off: i})
			i += 2
		case c == ':' && i+1 < len(s) && identStart(s[i+1]):
			j := i + 1
			for j < len(s) && identPart(s[j]) {
				j++
			}
			out = append(out, sqlToken{kind: tokParam, text: s[i:j], low: s[i+1 : j], off: i})
			i = j
		case identStart(c):
			j := i
			for j < len(s) && identPart(s[j]) {
				j++
			}
			out = append(out, sqlToken{kind: tokIdent, text: s[i:j], low: strings.ToLower(s[i:j]), off: i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, sqlToken{kind: tokNumber, text: s[i:j], off: i})
			i = j
		default:
			n := 1
			if i+1 < len(s) {
				switch s[i : i+2] {
				case "==", "!=", "<>", "<=", ">=", "||":
					n = 2
				}
			}
			out = append(out, sqlToken{kind: tokPunct, text: s[i : i+n], low: s[i : i+n], off: i})
			i += n
		}
	}
	return out
}

func identStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func identPart(c byte) bool  { return identStart(c) || c >= '0' && c <= '9' || c == '$' }

// sqlKeywords end a table reference: a word among them is never an alias.
var sqlKeywords = &lazySet{words: "where join inner left right full cross outer natural on using group order limit offset " +
	"having union except intersect window returning set values select as from into default " +
	"lateral fetch for with and or not is in like between case when then else end on_conflict " +
	"do update delete insert"}

// sqlInfo is what the rules read from one statement.
type sqlInfo struct {
	tables  []string          // every table read or written, lower case, in order of appearance
	primary string            // the table written (UPDATE, INSERT INTO, DELETE FROM), else the first read
	aliases map[string]string // alias (and table name) -> table
	ctes    map[string]bool
	// constrains maps a parameter to the tables a comparison with it
	// filters (o.org = :org); an INSERT's values constrain its table.
	constrains map[string][]string
	// star is the text of a `SELECT *`, `alias.*` or `RETURNING *`, and
	// where it starts; "" when there is none.
	star    string
	starOff int
	// destructive is set for statements that may change or remove
	// existing data: UPDATE, DELETE, REPLACE, MERGE, upserts, DDL.
	destructive bool
	kind        string // the statement's verb: select, insert, update, delete...
}

func analyzeSQL(stmt string) *sqlInfo {
	toks := tokenizeSQL(stmt)
	info := &sqlInfo{aliases: map[string]string{}, ctes: map[string]bool{}, constrains: map[string][]string{}}
	at := func(i int) sqlToken {
		if i < 0 || i >= len(toks) {
			return sqlToken{kind: tokPunct}
		}
		return toks[i]
	}
	// WITH name [(cols)] AS [NOT] [MATERIALIZED] ( ... ), ...
	if at(0).low == "with" {
		i := 1
		if at(i).low == "recursive" {
			i++
		}
		for at(i).kind == tokIdent {
			info.ctes[at(i).low] = true
			i++
			if at(i).low == "(" {
				i = skipParens(toks, i)
			}
			if at(i).low != "as" {
				break
			}
			i++
			for at(i).low == "not" || at(i).low == "materialized" {
				i++
			}
			if at(i).low != "(" {
				break
			}
			i = skipParens(toks, i)
			if at(i).low != "," {
				break
			}
			i++
		}
	}
	addTable := func(name string) {
		if !containsString(info.tables, name) {
			info.tables = append(info.tables, name)
		}
	}
	// tableRef reads `name [[AS] alias]` at i; it returns the next index
	// and the table ("" for a subquery, a function or a CTE). After INTO,
	// a parenthesis opens the column list.
	tableRef := func(i int, into bool) (int, string) {
		t := at(i)
		if t.kind != tokIdent || sqlKeywords.has(t.low) {
			return i, ""
		}
		name, j := t.low, i+1
		if at(j).low == "." && at(j+1).kind == tokIdent {
			name, j = name+"."+at(j+1).low, j+2
		}
		if at(j).low == "(" && !into { // a table-valued function: json_each(:ids)
			return skipParens(toks, j), ""
		}
		alias := ""
		if at(j).low == "as" && at(j+1).kind == tokIdent {
			alias, j = at(j+1).low, j+2
		} else if at(j).kind == tokIdent && !sqlKeywords.has(at(j).low) {
			alias, j = at(j).low, j+1
		}
		if info.ctes[name] {
			if alias != "" {
				info.aliases[alias] = ""
			}
			return j, ""
		}
		info.aliases[name] = name
		if alias != "" {
			info.aliases[alias] = name
		}
		addTable(name)
		return j, name
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind != tokIdent {
			continue
		}
		if info.kind == "" && !info.ctes[t.low] && t.low != "with" && t.low != "recursive" && t.low != "as" &&
			t.low != "not" && t.low != "materialized" && at(i-1).low != "(" && depthAt(toks, i) == 0 {
			info.kind = t.low
		}
		switch t.low {
		case "from":
			j, name := tableRef(i+1, false)
			if at(i-1).low == "delete" && name != "" && info.primary == "" {
				info.primary = name
			}
			for name != "" && at(j).low == "," {
				j, name = tableRef(j+1, false)
			}
		case "join":
			tableRef(i+1, false)
		case "update":
			if at(i-1).low == "for" || at(i-1).low == "do" || at(i-1).low == "key" {
				if at(i-1).low == "do" {
					info.destructive = true
				}
				continue
			}
			info.destructive = true
			if _, name := tableRef(i+1, false); name != "" && info.primary == "" {
				info.primary = name
			}
		case "into":
			if _, name := tableRef(i+1, true); name != "" && info.primary == "" {
				info.primary = name
			}
		case "delete", "truncate", "drop", "alter", "merge":
			if at(i+1).low != "(" {
				info.destructive = true
			}
		case "replace":
			if at(i+1).low == "into" || at(i-1).low == "or" {
				info.destructive = true
			}
		}
	}
	if info.primary == "" && len(info.tables) > 0 {
		info.primary = info.tables[0]
	}
	// SELECT *, alias.*, RETURNING *
	for i, t := range toks {
		if t.low != "*" {
			continue
		}
		prev := at(i - 1)
		switch {
		case prev.low == "select" || prev.low == "distinct" || prev.low == "all" || prev.low == "returning":
			info.star, info.starOff = stmt[prev.off:t.off+1], prev.off
		case prev.low == "," && selectList(toks, i):
			info.star, info.starOff = "*", t.off
		case prev.low == "." && at(i-2).kind == tokIdent:
			info.star, info.starOff = stmt[at(i-2).off:t.off+1], at(i-2).off
		default:
			continue
		}
		break
	}
	// Which tables each parameter filters.
	for i, t := range toks {
		if t.kind != tokParam {
			continue
		}
		table, ok := info.comparedTable(toks, i)
		if !ok && info.kind == "insert" {
			table, ok = info.primary, info.primary != ""
		}
		if ok && table != "" && !containsString(info.constrains[t.low], table) {
			info.constrains[t.low] = append(info.constrains[t.low], table)
		}
	}
	return info
}

// comparedTable resolves the column a parameter at i is compared with
// (`o.org = :org`, `:org = org`, `org = CAST(:org AS TEXT)`) to its table.
func (info *sqlInfo) comparedTable(toks []sqlToken, i int) (string, bool) {
	at := func(i int) sqlToken {
		if i < 0 || i >= len(toks) {
			return sqlToken{kind: tokPunct}
		}
		return toks[i]
	}
	start, end := i, i+1
	if at(i-1).low == "(" && at(i-2).low == "cast" {
		start = i - 2
		end = skipParens(toks, i-1)
	}
	isOp := func(t sqlToken) bool { return t.low == "=" || t.low == "==" }
	// column = :p
	if isOp(at(start - 1)) {
		if c := at(start - 2); c.kind == tokIdent && !sqlKeywords.has(c.low) {
			if at(start-3).low == "." && at(start-4).kind == tokIdent {
				return info.resolve(at(start - 4).low)
			}
			return info.resolve("")
		}
	}
	// :p = column
	if isOp(at(end)) {
		if c := at(end + 1); c.kind == tokIdent && !sqlKeywords.has(c.low) {
			if at(end+2).low == "." && at(end+3).kind == tokIdent {
				return info.resolve(c.low)
			}
			return info.resolve("")
		}
	}
	return "", false
}

// resolve maps a qualifier to its table; without one, a column belongs to
// the only table, or to the table written, or to the first read.
func (info *sqlInfo) resolve(qualifier string) (string, bool) {
	if qualifier == "" {
		return info.primary, info.primary != ""
	}
	t, ok := info.aliases[qualifier]
	return t, ok && t != ""
}

// skipParens returns the index after the parenthesis that closes the one
// at i.
func skipParens(toks []sqlToken, i int) int {
	depth := 0
	for ; i < len(toks); i++ {
		switch toks[i].low {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

func depthAt(toks []sqlToken, i int) int {
	depth := 0
	for _, t := range toks[:i] {
		switch t.low {
		case "(":
			depth++
		case ")":
			depth--
		}
	}
	return depth
}

// selectList reports whether the token at i is in a select list: the
// nearest SELECT before it at the same depth comes before any FROM.
func selectList(toks []sqlToken, i int) bool {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		switch toks[j].low {
		case ")":
			depth++
		case "(":
			if depth == 0 {
				return false
			}
			depth--
		case "select", "returning":
			if depth == 0 {
				return true
			}
		case "from", "where", "set", "values":
			if depth == 0 {
				return false
			}
		}
	}
	return false
}
