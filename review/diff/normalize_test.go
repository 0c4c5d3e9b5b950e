package diff_test

import (
	"testing"

	"github.com/mcpgen/mcpgen/review/diff"
)

func TestNormalizeSQL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  SELECT  a ,\n\tb\nFROM t  ", "SELECT a,b FROM t"},
		{"SELECT count( * ) FROM t ;", "SELECT count(*)FROM t;"},
		{"SELECT 1 -- why\n  FROM t", "SELECT 1 FROM t"},
		{"SELECT /* a\n comment */ 1", "SELECT 1"},
		{"SELECT /*+ INDEX(t i) */ 1", "SELECT /*+ INDEX(t i) */ 1"},
		{"SELECT 'a  b', \"c  d\", `e  f`, [g  h]", "SELECT 'a  b',\"c  d\",`e  f`,[g  h]"},
		{"SELECT 'it''s  x'  ,  1", "SELECT 'it''s  x',1"},
		{"SELECT E'it\\'s  x'  ,  1", "SELECT E'it\\'s  x',1"},
		{"SELECT $$a  -- b$$ ,  $q$c  d$q$", "SELECT $$a  -- b$$,$q$c  d$q$"},
		{"SELECT '-- not a comment'  FROM t", "SELECT '-- not a comment' FROM t"},
		{"WHERE id = :id  AND x = $1", "WHERE id = :id AND x = $1"},
		{"SELECT a - -1", "SELECT a - -1"},
		{"SELECT 'unterminated  x", "SELECT 'unterminated  x"},
	}
	for _, tt := range tests {
		if got := diff.NormalizeSQL(tt.in); got != tt.want {
			t.Errorf("NormalizeSQL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := diff.NormalizeSQL(tt.want); again != tt.want {
			t.Errorf("NormalizeSQL is not idempotent on %q: %q", tt.want, again)
		}
	}
}

func TestNormalizeCEL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"'a' in principal.scopes   &&\n  principal.sub != ''", "'a' in principal.scopes && principal.sub != ''"},
		{"f( a , b ) // why", "f(a,b)"},
		{"'a  // b'  ==  x", "'a  // b' == x"},
		{`"it\"s  x"  ==  y`, `"it\"s  x" == y`},
		{`r'\'  ==  x`, `r'\' == x`},
		{"'''it's  x'''  ==  y", "'''it's  x''' == y"},
		{"[ 1 , 2 ]", "[1,2]"},
	}
	for _, tt := range tests {
		if got := diff.NormalizeCEL(tt.in); got != tt.want {
			t.Errorf("NormalizeCEL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := diff.NormalizeCEL(tt.want); again != tt.want {
			t.Errorf("NormalizeCEL is not idempotent on %q: %q", tt.want, again)
		}
	}
}
