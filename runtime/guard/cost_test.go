package guard

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// compileFunc compiles one kind of expression.
type compileFunc func(e *Env, src string) (*Program, error)

var (
	guardExpr compileFunc = (*Env).CompileGuard
	bindExpr  compileFunc = (*Env).CompileBind
	keyExpr   compileFunc = (*Env).CompileKey
)

func TestCostCheck(t *testing.T) {
	env, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	declared := Params{
		"order_id": {Type: "integer"},
		"ids":      {Type: "array", Items: "integer", MaxItems: ptr(100)},
		"tags":     {Type: "array", Items: "string", MaxItems: ptr(20)},
		"q":        {Type: "string", MaxLength: ptr(200)},
		"region":   {Type: "string", MaxLength: ptr(16)},
		"all_ids":  {Type: "array", Items: "integer"},
		"note":     {Type: "string"},
	}
	tests := []struct {
		compile compileFunc
		params  Params
		src     string
		want    string // a substring of the error; "" if accepted
	}{
		{guardExpr, declared, `'orders.read' in principal.scopes && args.order_id > 0`, ""},
		{guardExpr, declared, `principal.claims.org == 'acme'`, ""},
		{guardExpr, declared, `args.ids.all(i, i > 0)`, ""},
		{guardExpr, declared, `args.tags.exists(t, t.startsWith('eu-'))`, ""},
		{guardExpr, declared, `args.q.contains('drop') || args.q.matches('^[a-z ]+$')`, ""},
		{guardExpr, declared, `principal.scopes.exists(s, s.startsWith('orders.'))`, ""},
		{guardExpr, declared, `tool.read_only && request.transport == 'http' && request.time.getHours() < 18`, ""},
		{guardExpr, declared, `args.note.size() < 10 && args.all_ids.size() < 10`, ""},
		// A param without a bound is as large as a request body allows.
		{guardExpr, declared, `args.all_ids.all(i, i > 0)`, "is 2,621,443, over the limit of 100,000: give args.all_ids a max_items, or simplify it"},
		{guardExpr, declared, `args.note.matches('^[a-z]+$')`, "give args.note a max_length, or simplify it"},
		{guardExpr, declared, `principal.claims.org in args.all_ids`, "give args.all_ids a max_items"},
		// Declared bounds can still multiply past the limit.
		{guardExpr, declared, `args.ids.all(a, args.ids.all(b, args.ids.all(c, a + b + c > 0)))`, "over the limit of 100,000: simplify it"},
		{guardExpr, declared, `[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, a+b+c+d+e > 0)))))`, "simplify it"},
		{guardExpr, declared, `principal.scopes.all(a, principal.scopes.all(b, a == b))`, "simplify it"},
		// args.note's size does not count in ==: no use bounding it.
		{guardExpr, declared, `args.note == 'x' || principal.scopes.all(a, principal.scopes.all(b, a == b))`, "over the limit of 100,000: simplify it"},
		// The server's default guard serves every tool: no params known.
		{guardExpr, nil, `'orders.read' in principal.scopes && args.order_id > 0`, ""},
		{guardExpr, nil, `args.ids.all(i, i > 0)`, "check args in each tool's own guard"},

		{bindExpr, declared, `principal.claims.org`, ""},
		{bindExpr, declared, `principal.sub + '@idp'`, ""},
		{bindExpr, declared, `principal.claims.groups.filter(g, g.startsWith('team-'))`, ""},
		{bindExpr, declared, `principal.claims.filter(k, principal.claims.exists(j, j != k && j.startsWith(k)))`, "over the limit of 100,000: simplify it"},

		{keyExpr, declared, `principal.claims.org`, ""},
		{keyExpr, declared, `args.region + '/' + principal.sub`, ""},
		{keyExpr, declared, `args.note + '/' + principal.sub`, "give args.note a max_length"},
		{keyExpr, declared, `principal.scopes.filter(s, args.tags.exists(t, s.contains(t))).size()`, "over the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := tt.compile(env.WithParams(tt.params), tt.src)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %q, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// estimateGuard compiles a guard unchecked and estimates its cost.
func estimateGuard(t *testing.T, env *Env, src string) uint64 {
	t.Helper()
	ast, iss := env.guards.Compile(src)
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	cost, _, err := estimate(env.guards, ast, env.guardBounds(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cost
}

func TestCostGrowsWithMaxItems(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for _, n := range []int{0, 1, 10, 100, 1000, 10000} {
		env := base.WithParams(Params{"ids": {Type: "array", Items: "integer", MaxItems: ptr(n)}})
		cost := estimateGuard(t, env, `args.ids.all(i, i > 0)`)
		if cost <= last && n > 0 {
			t.Errorf("max_items %d: estimate %d, not above %d", n, cost, last)
		}
		last = cost
	}
	undeclared := estimateGuard(t, base.WithParams(Params{"ids": {Type: "array", Items: "integer"}}), `args.ids.all(i, i > 0)`)
	if undeclared <= last {
		t.Errorf("without max_items: estimate %d, not above %d for 10000 items", undeclared, last)
	}
}

// TestEstimateCoversActualCost evaluates accepted expressions on values as
// large as the bounds allow: the runtime cost must never exceed the
// estimate, or an accepted guard could still hit the limit.
func TestEstimateCoversActualCost(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := base.WithParams(Params{
		"ids":  {Type: "array", Items: "integer", MaxItems: ptr(100)},
		"tags": {Type: "array", Items: "string", MaxItems: ptr(10)},
		"q":    {Type: "string", MaxLength: ptr(200)},
	})
	long := strings.Repeat("x", maxClaimsJSON)
	scopes := make([]any, maxScopes)
	for i := range scopes {
		scopes[i] = fmt.Sprint(i)
	}
	ids := make([]any, 100)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	v := Vars{
		Principal: map[string]any{"sub": long, "scopes": scopes, "claims": map[string]any{"groups": scopes, "org": long}},
		Args:      map[string]any{"ids": ids, "tags": []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, "q": strings.Repeat("y", 200)},
		Tool:      map[string]any{"name": "t", "read_only": true},
		Request:   map[string]any{"transport": "http", "time": vars().Request.(map[string]any)["time"]},
	}
	for _, src := range []string{
		`'orders.read' in principal.scopes && args.ids.all(i, i > 0)`,
		`principal.scopes.exists(s, s.startsWith('orders.'))`,
		`principal.claims.groups.exists(g, g == 'admins')`,
		`args.tags.exists(t, t == args.q) || args.q.contains(principal.claims.org)`,
		`args.q.matches('^[a-z]+$') || principal.sub == args.q`,
	} {
		t.Run(src, func(t *testing.T) {
			prg, err := env.CompileGuard(src)
			if err != nil {
				t.Fatal(err)
			}
			_, details, err := prg.prg.Eval(activationOf(v))
			if err != nil {
				t.Fatal(err)
			}
			actual, est := *details.ActualCost(), estimateGuard(t, env, src)
			if actual > est {
				t.Errorf("actual cost %d, over the estimate %d", actual, est)
			}
		})
	}
}

// TestCostTrackedWhenSizeMatters: an expression whose cost could grow
// with what its variables hold is stopped by the limit at run time on
// input beyond the bounds checkCost assumed (here a configured principal
// with more scopes than a token could carry); one whose cost cannot grow
// runs untracked, with the same results, whatever its variables hold.
func TestCostTrackedWhenSizeMatters(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := base.WithParams(params)
	huge := make([]any, CostLimit+1)
	for i := range huge {
		huge[i] = fmt.Sprint("scope-", i)
	}
	v := vars()
	v.Principal.(map[string]any)["scopes"] = huge
	const overLimit = "cost limit exceeded"
	tests := []struct {
		compile compileFunc
		src     string
		tracked bool
		want    any    // the value
		err     string // or a substring of the error
	}{
		{guardExpr, `'orders.read' in principal.scopes`, true, nil, overLimit},
		{guardExpr, `principal.scopes.exists(s, s == 'orders.read') && args.order_id > 0`, true, nil, overLimit},
		{keyExpr, `principal.sub + '/' + principal.claims.org`, true, "alice/acme", ""}, // the lengths of strings count
		{guardExpr, `principal.claims.org == 'acme' && args.order_id > 0 && tool.read_only`, false, true, ""},
		{guardExpr, `size(principal.scopes) > 3 && has(principal.claims.org)`, false, true, ""},
		{bindExpr, `principal.claims.org`, false, "acme", ""},
		{keyExpr, `principal.claims.level`, false, int64(3), ""},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			prg, err := tt.compile(env, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if prg.tracked != tt.tracked {
				t.Errorf("tracked = %v, want %v", prg.tracked, tt.tracked)
			}
			for name, vs := range map[string]Vars{"maps": v, "precomputed": precomputed(v)} {
				got, err := prg.Value(vs)
				switch {
				case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
					t.Errorf("%s: %v, %v; want an error containing %q", name, got, err, tt.err)
				case tt.err == "" && (err != nil || got != tt.want):
					t.Errorf("%s: %v, %v; want %v", name, got, err, tt.want)
				}
			}
		})
	}
}

// TestBoundsHold: holds says a value is within a bound only when it
// certainly is, at every depth; anything it cannot tell is beyond.
func TestBoundsHold(t *testing.T) {
	args := argsBound(Params{
		"q":    {Type: "string", MaxLength: ptr(4)},
		"note": {Type: "string"},
		"ids":  {Type: "array", Items: "integer", MaxItems: ptr(2)},
		"tags": {Type: "array", Items: "string", MaxItems: ptr(2)},
	})
	deep := map[string]any{}
	for range maxHoldsDepth {
		deep = map[string]any{"a": deep}
	}
	long := strings.Repeat("x", maxClaimsJSON+1)
	principal := func(sub string, scopes []string, claims map[string]any) map[string]any {
		return map[string]any{"sub": sub, "scopes": scopes, "claims": claims}
	}
	tests := []struct {
		name string
		b    *bound
		v    any
		want bool
	}{
		{"principal", principalBound, principal("alice", []string{"orders.read"}, map[string]any{"org": "acme", "n": 3.0, "groups": []any{"a"}}), true},
		{"no claims", principalBound, principal("alice", nil, nil), true},
		{"a long subject", principalBound, principal(long, nil, nil), false},
		{"too many scopes", principalBound, principal("alice", make([]string, maxScopes+1), nil), false},
		{"a long claim", principalBound, principal("alice", nil, map[string]any{"org": long}), false},
		{"a long claim name", principalBound, principal("alice", nil, map[string]any{long: 1.0}), false},
		{"claims nested too deep", principalBound, principal("alice", nil, deep), false},
		{"a field no bound names", principalBound, map[string]any{"sub": "alice", "extra": 1.0}, false},
		{"a value of an unknown type", principalBound, principal("alice", nil, map[string]any{"org": struct{}{}}), false},
		{"request", requestBound, map[string]any{"transport": "http", "time": time.Now()}, true},
		{"tool", toolBound, map[string]any{"name": "get_order", "read_only": true}, true},
		{"args", args, map[string]any{"q": "abcd", "note": strings.Repeat("n", 1000), "ids": []any{int64(1), int64(2)}, "tags": nil}, true},
		{"no args", args, map[string]any(nil), true},
		{"a string over max_length", args, map[string]any{"q": "abcde"}, false},
		{"an array over max_items", args, map[string]any{"ids": []any{int64(1), int64(2), int64(3)}}, false},
		{"an argument no param declares", args, map[string]any{"other": "x"}, false},
	}
	for _, tt := range tests {
		if got := tt.b.holds(tt.v, 0); got != tt.want {
			t.Errorf("%s: holds = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestFits: a tracked expression skips the tracking only when every
// variable it reads is within its bounds: a precomputed one as found
// when it was made, args as they are, a Lazy one never.
func TestFits(t *testing.T) {
	base, err := NewEnv()
	if err != nil {
		t.Fatal(err)
	}
	env := base.WithParams(params)
	scopes, err := env.CompileGuard(`'orders.read' in principal.scopes`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := env.CompileGuard(`args.ids.exists(i, i == 2)`)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := env.CompileGuard(`request.transport.matches('^h')`)
	if err != nil {
		t.Fatal(err)
	}
	huge := vars()
	huge.Principal.(map[string]any)["scopes"] = make([]any, maxScopes+1)
	lazy := precomputed(vars())
	lazy.Request = &lazyRequest{}
	tests := []struct {
		name string
		prg  *Program
		v    Vars
		want bool
	}{
		{"within, maps", scopes, vars(), true},
		{"within, precomputed", scopes, precomputed(vars()), true},
		{"too many scopes, maps", scopes, huge, false},
		{"too many scopes, precomputed", scopes, precomputed(huge), false},
		{"args within", ids, vars(), true},
		{"args beyond max_items", ids, Vars{Args: map[string]any{"ids": make([]any, 101)}}, false},
		{"a huge principal it does not read", ids, precomputed(huge), true},
		{"a lazy request it reads", transport, lazy, false},
		{"a lazy request it does not read", scopes, lazy, true},
	}
	for _, tt := range tests {
		if tt.prg.fast == nil {
			t.Fatalf("%s: the expression is not tracked", tt.name)
		}
		if got := tt.prg.fits(tt.v); got != tt.want {
			t.Errorf("%s: fits = %v, want %v", tt.name, got, tt.want)
		}
	}
}
