package guard

import (
	"fmt"
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

// precomputed is v with its records made CEL values ahead, as the server
// does per caller and per request: every test reads both alike.
func precomputed(v Vars) Vars {
	return Vars{
		Principal: Precompute(v.Principal.(map[string]any)),
		Args:      v.Args,
		Tool:      Precompute(v.Tool.(map[string]any)),
		Request:   Precompute(v.Request.(map[string]any)),
	}
}

// bothVars are vars() as plain maps and precomputed.
var bothVars = map[string]func() Vars{"maps": vars, "precomputed": func() Vars { return precomputed(vars()) }}

// params are what the tool behind vars() declares.
var params = Params{
	"order_id": {Type: "integer"},
	"ids":      {Type: "array", Items: "integer", MaxItems: ptr(100)},
}

func ptr(n int) *int { return &n }

func TestGuards(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := base.WithParams(params)
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
		// Typed records read the same maps.
		{`has(principal.claims.org) && principal.sub == 'alice'`, true, ""},
		{`principal.scopes.exists(s, s.startsWith('orders.')) && size(principal.sub) > 0`, true, ""},
		{`tool.name == 'get_order' && !has(principal.claims.team)`, true, ""},
	}
	for _, tt := range tests {
		for kind, vars := range bothVars {
			t.Run(kind+"/"+tt.src, func(t *testing.T) {
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
				// Without the arguments, a guard that does not read them
				// is decided all the same.
				if !prg.UsesArgs() && prg.Possible(vars()) != tt.want {
					t.Errorf("Possible = %v, want %v", !tt.want, tt.want)
				}
			})
		}
	}
}

func TestCompileErrors(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ src, want string }{
		{`principal.sub`, "a guard must be a boolean expression, but this one is a string: compare it, as in principal.sub == 'alice' or principal.sub != ''"},
		{`principal.scopes`, "is a list(string): test membership or size, as in 'orders.read' in principal.scopes"},
		{`principal.claims`, "is a map(string, dyn): test a key, as in 'org' in principal.claims"},
		{`principal.claims.admin`, "is a dyn (known only when the guard runs: a claim or an argument): compare it, as in principal.claims.admin == 'value' or principal.claims.admin == true"},
		{`principal`, "is a principal record: use one of its fields: principal.claims, principal.scopes, principal.sub"},
		{`request.time`, "is a timestamp: compare it"},
		{`size(principal.scopes)`, "is an int: compare it, as in size(principal.scopes) > 0"},
		{`tool.read_only ? 'a' : 'b'`, "compare it, as in (tool.read_only ? 'a' : 'b') == 'alice'"},
		{`principal.scope == 'x'`, "undefined field 'scope'"},
		{`principal.sub == 1`, "no matching overload"},
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
		for kind, vars := range bothVars {
			got, err := prg.Value(vars())
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("%s: Value(%q) = %v, %v; want error %q", kind, tt.src, got, err, tt.err)
				}
				continue
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: Value(%q) = %#v, %v; want %#v", kind, tt.src, got, err, tt.want)
			}
		}
	}
}

func TestPossible(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		src  string
		want bool
	}{
		{`'orders.read' in principal.scopes`, true},
		{`'orders.write' in principal.scopes`, false},
		// Depends on the arguments: some call may pass.
		{`'orders.write' in principal.scopes || args.order_id == 1`, true},
		{`args.order_id < 10`, true},
		{`'orders.write' in principal.scopes && args.order_id < 10`, false},
		{`principal.claims.org == 'globex' && args.order_id < 10`, false},
		// A claim the caller lacks fails every call...
		{`principal.claims.team == 'x'`, false},
		// ...unless an argument can make the guard true regardless.
		{`args.order_id == 1 || principal.claims.team == 'x'`, true},
		{`principal.claims.team == 'x' || args.order_id == 1`, true},
		{`tool.read_only && request.transport == 'stdio'`, false},
		{`has(args.note) ? args.note.size() < 10 : true`, true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			prg, err := env.CompileGuard(tt.src)
			if err != nil {
				t.Fatalf("CompileGuard: %v", err)
			}
			if got := prg.Possible(vars()); got != tt.want {
				t.Errorf("Possible = %v, want %v", got, tt.want)
			}
			// Soundness: whenever a call with real arguments is allowed, the
			// guard must have been possible.
			if ok, err := prg.Allow(vars()); err == nil && ok && !prg.Possible(vars()) {
				t.Errorf("Allow is true for real arguments but Possible is false")
			}
		})
	}
}

// FuzzGuard feeds caller-controlled values (claims from a token, arguments
// from a client) to typical guards: evaluation never panics, and a guard
// that allows a call was always reported possible for that caller.
func FuzzGuard(f *testing.F) {
	base, err := NewEnv()
	if err != nil {
		f.Fatal(err)
	}
	env := base.WithParams(Params{
		"org":  {Type: "string", MaxLength: ptr(64)},
		"n":    {Type: "integer"},
		"s":    {Type: "string", MaxLength: ptr(64)},
		"list": {Type: "array", Items: "string", MaxItems: ptr(10)},
	})
	srcs := []string{
		`'orders.read' in principal.scopes && principal.claims.org == 'acme'`,
		`principal.claims.org == args.org || args.n > 10`,
		`args.s.startsWith(principal.sub) && args.s.size() < 20`,
		`principal.claims.level >= 3 || 'admin' in principal.scopes`,
		`args.list.exists(x, x == principal.claims.org)`,
	}
	var prgs []*Program
	for _, src := range srcs {
		prg, err := env.CompileGuard(src)
		if err != nil {
			f.Fatal(err)
		}
		prgs = append(prgs, prg)
	}
	f.Add("alice", "orders.read", "acme", "acme", int64(3), 2.5, true)
	f.Add("", "", "", "", int64(0), 0.0, false)
	f.Fuzz(func(t *testing.T, sub, scope, org, arg string, n int64, level float64, flag bool) {
		v := Vars{
			Principal: map[string]any{"sub": sub, "scopes": []any{scope}, "claims": map[string]any{"org": org, "level": level, "flag": flag}},
			Args:      map[string]any{"org": arg, "n": n, "s": arg, "list": []any{arg, org}},
			Tool:      map[string]any{"name": "t", "read_only": flag},
			Request:   map[string]any{"transport": "http", "time": time.Unix(0, 0).UTC()},
		}
		for i, prg := range prgs {
			ok, err := prg.Allow(v)
			if err == nil && ok && !prg.Possible(v) {
				t.Errorf("guard %d allowed the call but Possible said no", i)
			}
		}
	})
}

func TestCompileKey(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := base.WithParams(Params{"region": {Type: "string", MaxLength: ptr(16)}})
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
		{src: "principal.scopes", compile: "must be a string, number or boolean, but this one is a list(string)"},
		{src: "principal.claims.groups", compile: ""}, // dyn: checked when evaluated
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

// TestActivationReuse: evaluations share pooled activations, and one
// evaluation's variables never reach the next, whichever activation it
// gets: a guard that reads arguments, a principal and a tool sees them
// absent right after a call that had them.
func TestActivationReuse(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := base.WithParams(params)
	prg, err := env.CompileGuard(`has(args.order_id) || has(principal.sub) || has(tool.name)`)
	if err != nil {
		t.Fatal(err)
	}
	bind, err := env.CompileBind(`has(principal.claims) ? principal.claims.org : 'nobody'`)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if ok, err := prg.Allow(vars()); err != nil || !ok {
			t.Fatalf("round %d, with every variable: %v, %v; want true", i, ok, err)
		}
		if v, err := bind.Value(vars()); err != nil || v != "acme" {
			t.Fatalf("round %d, bind with a principal: %v, %v; want acme", i, v, err)
		}
		if ok, err := prg.Allow(Vars{}); err != nil || ok {
			t.Fatalf("round %d, with none: %v, %v; an earlier evaluation's variables were seen", i, ok, err)
		}
		if v, err := bind.Value(Vars{}); err != nil || v != "nobody" {
			t.Fatalf("round %d, bind without a principal: %v, %v; want nobody", i, v, err)
		}
	}
	// What is left in the pool holds nothing.
	for range 4 {
		a := activations.Get().(*activation)
		if a.principal != nil || a.args != nil || a.tool != nil || a.request != nil {
			t.Fatalf("a pooled activation still holds %+v", *a)
		}
	}
}

// lazyRequest counts how often its value is made.
type lazyRequest struct{ made int }

func (l *lazyRequest) Make() any {
	l.made++
	return map[string]any{"transport": "stdio"}
}

// TestLazy: a Lazy variable is made only by an evaluation that reads it,
// and a CEL value, which has a Value method of its own, is never taken
// for one.
func TestLazy(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	reads, err := env.CompileGuard(`request.transport == 'stdio'`)
	if err != nil {
		t.Fatal(err)
	}
	ignores, err := env.CompileGuard(`principal.sub == 'alice'`)
	if err != nil {
		t.Fatal(err)
	}
	l := &lazyRequest{}
	v := precomputed(vars())
	v.Request = l
	if ok, err := ignores.Allow(v); err != nil || !ok || l.made != 0 {
		t.Errorf("a guard that does not read request: %v, %v, request made %d times; want true, made 0 times", ok, err, l.made)
	}
	if ok, err := reads.Allow(v); err != nil || !ok || l.made != 1 {
		t.Errorf("a guard that reads request: %v, %v, request made %d times; want true, made once", ok, err, l.made)
	}
	if _, ok := v.Principal.(Lazy); ok {
		t.Errorf("a precomputed value is taken for a Lazy one")
	}
}

// TestAppendValue: a rate limit key's value goes into the bucket key as
// fmt.Sprint writes what Value returns, whatever its type, so that
// buckets stay the same; an error is Value's, and leaves the key as it was.
func TestAppendValue(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := base.WithParams(params)
	for _, src := range []string{
		`principal.claims.org`, `''`, `-42`, `principal.claims.level`, `args.order_id`, `7u`, `18446744073709551615u`,
		`true`, `false`, `2.5`, `1e21`, `dyn([1, 'a'])`, `dyn(principal.scopes)`, `dyn(null)`, `dyn({'k': 'v'})`, `principal.claims.missing`,
	} {
		prg, err := env.CompileKey(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		for name, v := range bothVars {
			got, err := prg.AppendValue([]byte("p|"), v())
			val, wantErr := prg.Value(v())
			want := "p|"
			if wantErr == nil {
				want += fmt.Sprint(val)
			}
			if string(got) != want || fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Errorf("%s, %s: %q, %v; want %q, %v", src, name, got, err, want, wantErr)
			}
		}
	}
}
