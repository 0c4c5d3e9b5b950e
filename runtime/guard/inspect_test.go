package guard

import (
	"reflect"
	"testing"
)

func TestInspect(t *testing.T) {
	truth := true
	tests := []struct {
		src      string
		vars     []string
		constant *bool
		clauses  [][]string
	}{
		{`true`, nil, &truth, [][]string{{}}},
		{`'orders.read' in principal.scopes`, []string{"principal"}, nil, [][]string{{`"orders.read" in principal.scopes`}}},
		{`args.id < 10 && request.transport == 'http'`, []string{"args", "request"}, nil,
			[][]string{{`args.id < 10`, `request.transport == "http"`}}},
		{`'a' in principal.scopes && ('b' in principal.scopes || has(args.x))`, []string{"args", "principal"}, nil,
			[][]string{{`"a" in principal.scopes`, `"b" in principal.scopes`}, {`"a" in principal.scopes`, `has(args.x)`}}},
		{`true && principal.sub != ''`, []string{"principal"}, nil, [][]string{{`principal.sub != ""`}}},
		// A comprehension's own variable is not one of the guard's.
		{`principal.scopes.exists(s, s == 'admin')`, []string{"principal"}, nil,
			[][]string{{`principal.scopes.exists(s, s == "admin")`}}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			s, err := Inspect(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Vars, tt.vars) || !reflect.DeepEqual(s.Constant, tt.constant) || !reflect.DeepEqual(s.Clauses, tt.clauses) {
				t.Errorf("Inspect = vars %q constant %v clauses %q; want %q %v %q", s.Vars, s.Constant, s.Clauses, tt.vars, tt.constant, tt.clauses)
			}
		})
	}
	if _, err := Inspect(`'a' in`); err == nil {
		t.Error("Inspect accepted a guard that does not parse")
	}
}

func TestImplies(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`'r' in principal.scopes`, `'r' in principal.scopes`, true},
		{`'r' in principal.scopes`, `'w' in principal.scopes`, false},
		{`'r' in principal.scopes && principal.sub != ''`, `'r' in principal.scopes`, true},
		{`'r' in principal.scopes`, `'r' in principal.scopes && 'w' in principal.scopes`, false},
		{`'r' in principal.scopes`, `'w' in principal.scopes || 'r' in principal.scopes`, true},
		{`'r' in principal.scopes || 'a' in principal.scopes`, `'r' in principal.scopes`, false},
		{`'r' in principal.scopes`, `true`, true},
		// Equivalent guards written differently are not shown to imply.
		{`'r' in principal.scopes`, `principal.scopes.exists(s, s == 'r')`, false},
	}
	for _, tt := range tests {
		a, err := Inspect(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Inspect(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := Implies(a, b); got != tt.want {
			t.Errorf("Implies(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
