package sql

import (
	"reflect"
	"strings"
	"testing"
)

func TestScanSQL(t *testing.T) {
	tests := []struct {
		name    string
		dialect dialect
		sql     string
		query   string   // rewritten
		names   []string // by placeholder number
		problem string   // a substring of the one expected problem
	}{
		{name: "plain", sql: "SELECT * FROM t WHERE id = :id", query: "SELECT * FROM t WHERE id = ?1", names: []string{"id"}},
		{name: "postgres numbering", dialect: dialectPostgres, sql: "SELECT :a, :b", query: "SELECT $1, $2", names: []string{"a", "b"}},
		{name: "repeated name reuses its number", sql: "SELECT :a, :b, :a", query: "SELECT ?1, ?2, ?1", names: []string{"a", "b"}},
		{name: "repeated name postgres", dialect: dialectPostgres, sql: "WHERE x = :a OR y = :a OR z = :b", query: "WHERE x = $1 OR y = $1 OR z = $2", names: []string{"a", "b"}},
		{name: "no params", sql: "SELECT 1", query: "SELECT 1"},
		{name: "cast", dialect: dialectPostgres, sql: "SELECT :ids::jsonb, created::date", query: "SELECT $1::jsonb, created::date", names: []string{"ids"}},
		{name: "cast after param with space", dialect: dialectPostgres, sql: "SELECT x :: text, :y", query: "SELECT x :: text, $1", names: []string{"y"}},
		{name: "colon equals", dialect: dialectPostgres, sql: "SELECT f(a := :v)", query: "SELECT f(a := $1)", names: []string{"v"}},
		{name: "array slice", dialect: dialectPostgres, sql: "SELECT a[1:2] FROM t", query: "SELECT a[1:2] FROM t"},
		{name: "string literal", sql: "SELECT ':no' AS x, :yes", query: "SELECT ':no' AS x, ?1", names: []string{"yes"}},
		{name: "doubled quote in string", sql: "SELECT 'it''s :no', :yes", query: "SELECT 'it''s :no', ?1", names: []string{"yes"}},
		{name: "E string backslash", dialect: dialectPostgres, sql: `SELECT E'a\' :no', :yes`, query: `SELECT E'a\' :no', $1`, names: []string{"yes"}},
		{name: "backslash is literal in standard strings", dialect: dialectPostgres, sql: `SELECT 'a\', :yes`, query: `SELECT 'a\', $1`, names: []string{"yes"}},
		{name: "quoted identifier", sql: `SELECT ":no" FROM "t"":x" WHERE a = :yes`, query: `SELECT ":no" FROM "t"":x" WHERE a = ?1`, names: []string{"yes"}},
		{name: "sqlite backticks", sql: "SELECT `:no`, :yes", query: "SELECT `:no`, ?1", names: []string{"yes"}},
		{name: "sqlite brackets", sql: "SELECT [:no], :yes", query: "SELECT [:no], ?1", names: []string{"yes"}},
		{name: "line comment", sql: "SELECT :a -- :no\n, :b", query: "SELECT ?1 -- :no\n, ?2", names: []string{"a", "b"}},
		{name: "line comment at end", sql: "SELECT :a -- :no", query: "SELECT ?1 -- :no", names: []string{"a"}},
		{name: "block comment", sql: "SELECT /* :no */ :a", query: "SELECT /* :no */ ?1", names: []string{"a"}},
		{name: "nested block comment postgres", dialect: dialectPostgres, sql: "SELECT /* /* :no */ :no */ :a", query: "SELECT /* /* :no */ :no */ $1", names: []string{"a"}},
		{name: "dollar quote", dialect: dialectPostgres, sql: "SELECT $$ :no ' $$, :a", query: "SELECT $$ :no ' $$, $1", names: []string{"a"}},
		{name: "tagged dollar quote", dialect: dialectPostgres, sql: "SELECT $fn$ :no $$ $fn$, :a", query: "SELECT $fn$ :no $$ $fn$, $1", names: []string{"a"}},
		{name: "dollar in identifier", dialect: dialectPostgres, sql: "SELECT a$b, :a FROM t$1", query: "SELECT a$b, $1 FROM t$1", names: []string{"a"}},
		{name: "next to punctuation", sql: "SELECT * FROM t WHERE id IN (:a,:b) AND (x=:c)", query: "SELECT * FROM t WHERE id IN (?1,?2) AND (x=?3)", names: []string{"a", "b", "c"}},
		{name: "name ends at punctuation", sql: "SELECT :a||:b;", query: "SELECT ?1||?2;", names: []string{"a", "b"}},
		{name: "underscore and digits", sql: "SELECT :_a1, :b_2", query: "SELECT ?1, ?2", names: []string{"_a1", "b_2"}},
		{name: "json array", sql: "SELECT value FROM json_each(:ids)", query: "SELECT value FROM json_each(?1)", names: []string{"ids"}},
		{name: "postgres jsonb operator", dialect: dialectPostgres, sql: "SELECT doc ? 'k', doc ?| :keys", query: "SELECT doc ? 'k', doc ?| $1", names: []string{"keys"}},
		{name: "trailing semicolon and comment", sql: "SELECT 1; -- done\n", query: "SELECT 1; -- done\n"},
		{name: "mysql placeholders", dialect: dialectMySQL, sql: "SELECT :a, :b, :a", query: "SELECT ?, ?, ?", names: []string{"a", "b", "a"}},
		{name: "mysql backticks", dialect: dialectMySQL, sql: "SELECT `:no``:no`, :yes", query: "SELECT `:no``:no`, ?", names: []string{"yes"}},
		{name: "mysql backslash in string", dialect: dialectMySQL, sql: `SELECT 'a\' :no', :yes`, query: `SELECT 'a\' :no', ?`, names: []string{"yes"}},
		{name: "mysql double-quoted string", dialect: dialectMySQL, sql: `SELECT "a\" :no", :yes`, query: `SELECT "a\" :no", ?`, names: []string{"yes"}},
		{name: "mysql hash comment", dialect: dialectMySQL, sql: "SELECT :a # :no\n, :b", query: "SELECT ? # :no\n, ?", names: []string{"a", "b"}},
		{name: "mysql dash comment needs a space", dialect: dialectMySQL, sql: "SELECT 1--:a\n-- :no\n", query: "SELECT 1--?\n-- :no\n", names: []string{"a"}},
		{name: "mysql user variable and assignment", dialect: dialectMySQL, sql: "SELECT @n := :a, @@session.x", query: "SELECT @n := ?, @@session.x", names: []string{"a"}},
		{name: "mysql dollar in name", dialect: dialectMySQL, sql: "SELECT a$b, :a", query: "SELECT a$b, ?", names: []string{"a"}},

		{name: "two statements", sql: "SELECT 1; DROP TABLE t", problem: "one statement"},
		{name: "empty", sql: "  -- nothing\n", problem: "holds no statement"},
		{name: "unterminated string", sql: "SELECT 'abc", problem: "Unterminated string"},
		{name: "unterminated comment", sql: "SELECT 1 /* x", problem: "Unterminated /*"},
		{name: "unterminated dollar quote", dialect: dialectPostgres, sql: "SELECT $x$ abc", problem: "Unterminated dollar-quoted"},
		{name: "positional sqlite", sql: "SELECT * FROM t WHERE id = ?", problem: "Write parameters as :name"},
		{name: "numbered sqlite", sql: "SELECT ?1", problem: "Write parameters as :name"},
		{name: "at sqlite", sql: "SELECT @id", problem: "Write parameters as :name"},
		{name: "dollar sqlite", sql: "SELECT $id", problem: "Write parameters as :name"},
		{name: "positional postgres", dialect: dialectPostgres, sql: "SELECT $1", problem: "positional $n"},
		{name: "positional mysql", dialect: dialectMySQL, sql: "SELECT * FROM t WHERE id = ?", problem: "Write parameters as :name"},
		{name: "unterminated backslash string mysql", dialect: dialectMySQL, sql: `SELECT 'a\'`, problem: "Unterminated string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := scanSQL(tt.sql, tt.dialect)
			if tt.problem != "" {
				if len(problems) != 1 || !strings.Contains(problems[0].msg, tt.problem) {
					t.Errorf("problems = %+v, want one containing %q", problems, tt.problem)
				}
				return
			}
			if len(problems) != 0 {
				t.Fatalf("problems = %+v, want none", problems)
			}
			if got.query != tt.query {
				t.Errorf("query = %q, want %q", got.query, tt.query)
			}
			if !reflect.DeepEqual(got.names, tt.names) {
				t.Errorf("names = %q, want %q", got.names, tt.names)
			}
			for _, u := range got.uses {
				if tt.sql[u.off:u.end] != ":"+u.name {
					t.Errorf("use %q at [%d:%d] = %q", u.name, u.off, u.end, tt.sql[u.off:u.end])
				}
				if want := placeholder(tt.dialect, indexOf(got.names, u.name)+1); got.query[u.at:u.at+u.n] != want {
					t.Errorf("placeholder of %q = %q, want %q", u.name, got.query[u.at:u.at+u.n], want)
				}
			}
		})
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestOrigOffset(t *testing.T) {
	src := "SELECT :long_name, x FROM :t WHERE y"
	s, _ := scanSQL(src, dialectPostgres) // SELECT $1, x FROM $2 WHERE y
	tests := []struct{ word string }{{"x"}, {"FROM"}, {"WHERE"}, {"y"}, {"SELECT"}}
	for _, tt := range tests {
		at := strings.Index(s.query, " "+tt.word) + 1
		if tt.word == "SELECT" {
			at = 0
		}
		got := s.origOffset(at)
		want := strings.Index(src, " "+tt.word) + 1
		if tt.word == "SELECT" {
			want = 0
		}
		if got != want {
			t.Errorf("origOffset(%q) = %d, want %d", tt.word, got, want)
		}
	}
	if got, want := s.origOffset(strings.Index(s.query, "$2")+1), strings.Index(src, ":t"); got != want {
		t.Errorf("origOffset(inside $2) = %d, want %d", got, want)
	}
}
