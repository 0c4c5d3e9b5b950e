package guard

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func vars() Vars {
	return Vars{
		Principal: map[string]any{"sub": "alice", "scopes": []any{"orders.read"}, "claims": map[string]any{"org": "acme", "level": int64(3)}},
		Args:      map[string]any{"order_id": int64(1042), "ids": []any{int64(1), int64(2)}},
		Tool:      map[string]any{"name": "get_order", "read_only": true},
		Request:   map[string]any{"transport": "http", "time": time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)},
	}
}

func TestGuards(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		src     string
		want    bool
		evalErr string
	}{
		{`'orders.read' in principal.scopes`, true, ""},
		{`'orders.write' in principal.scopes`, false, ""},
		{`principal.claims.org == 'acme' && args.order_id < 2000`, true, ""},
		{`tool.read_only && request.transport == 'http'`, true, ""},
		{`request.time.getFullYear() == 2026`, true, ""},
		{`principal.claims.team == 'x'`, false, "no such key"},
		{`args.ids.all(i, i > 0)`, true, ""},
		// The cost limit stops a comprehension blown up on purpose.
		{`[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, a+b+c+d+e > 0)))))`, false, "cost limit"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			prg, err := env.CompileGuard(tt.src)
			if err != nil {
				t.Fatalf("CompileGuard: %v", err)
			}
			got, err := prg.Allow(vars())
			if tt.evalErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.evalErr) {
					t.Fatalf("Allow = %v, %v; want an error containing %q", got, err, tt.evalErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Allow = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ src, want string }{
		{`principal.sub`, "must be a boolean expression"},
		{`1 + `, "Syntax error"},
		{`secrets.token == 'x'`, "undeclared reference to 'secrets'"},
		{`'a' + 1 == 'b'`, "no matching overload"},
	} {
		if _, err := env.CompileGuard(tt.src); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CompileGuard(%q) = %v, want an error containing %q", tt.src, err, tt.want)
		}
	}
	// A bind sees the caller, never the arguments.
	if _, err := env.CompileBind(`args.org`); err == nil || !strings.Contains(err.Error(), "undeclared reference to 'args'") {
		t.Errorf("CompileBind(args.org) = %v, want an undeclared reference", err)
	}
}

func TestBindValues(t *testing.T) {
	env, _ := NewEnv()
	tests := []struct {
		src  string
		want any
		err  string
	}{
		{`principal.claims.org`, "acme", ""},
		{`principal.claims.level`, int64(3), ""},
		{`principal.sub + '@idp'`, "alice@idp", ""},
		{`principal.scopes`, []any{"orders.read"}, ""},
		{`principal.claims.missing`, nil, "no such key"},
		{`principal.claims`, nil, "cannot be bound"},
	}
	for _, tt := range tests {
		prg, err := env.CompileBind(tt.src)
		if err != nil {
			t.Fatalf("CompileBind(%q): %v", tt.src, err)
		}
		got, err := prg.Value(vars())
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Value(%q) = %v, %v; want error %q", tt.src, got, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Value(%q) = %#v, %v; want %#v", tt.src, got, err, tt.want)
		}
	}
}

func TestCompileKey(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	vars := Vars{
		Principal: map[string]any{"sub": "alice", "claims": map[string]any{"org": "acme", "tier": int64(2)}},
		Args:      map[string]any{"region": "eu"},
	}
	tests := []struct {
		src     string
		want    any
		compile string // error text at compile time
	}{
		{src: "principal.claims.org", want: "acme"},
		{src: "principal.claims.tier", want: int64(2)},
		{src: "args.region + '/' + principal.sub", want: "eu/alice"},
		{src: "principal.scopes", compile: ""}, // dyn: checked when evaluated
		{src: "[1, 2]", compile: "must be a string, number or boolean"},
		{src: "{'a': 1}", compile: "must be a string, number or boolean"},
		{src: "nobody", compile: "undeclared reference"},
	}
	for _, tt := range tests {
		prg, err := env.CompileKey(tt.src)
		if tt.compile != "" {
			if err == nil || !strings.Contains(err.Error(), tt.compile) {
				t.Errorf("%s: compile error %v, want %q", tt.src, err, tt.compile)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if tt.want == nil {
			continue
		}
		got, err := prg.Value(vars)
		if err != nil || got != tt.want {
			t.Errorf("%s = %v (%v), want %v", tt.src, got, err, tt.want)
		}
	}
}
