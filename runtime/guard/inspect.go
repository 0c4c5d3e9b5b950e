package guard

import (
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// Shape is what a guard reads and how it decides, for reviewers (`mcpgen
// lint`): nothing here is used to authorize a call.
type Shape struct {
	// Vars are the top-level variables the guard reads (principal, args,
	// tool, request), sorted.
	Vars []string
	// Constant is set when the guard is a literal: `true` or `false`.
	Constant *bool
	// Clauses is the guard as an OR of ANDs, as far as its top-level
	// `||` and `&&` go: the guard holds when every atom of some clause
	// holds. An atom is the canonical text of a subexpression that is not
	// itself an `||` or `&&` (`'orders.read' in principal.scopes`). A
	// literal `true` atom is left out, so the guard `true` is one empty
	// clause. Nil when the guard has more clauses than maxClauses.
	Clauses [][]string
}

// maxClauses bounds the expansion of an AND of ORs, which grows as a
// product.
const maxClauses = 64

// Inspect parses a guard and reports its Shape. It does not type-check: a
// guard the configuration loaded is known to compile.
func Inspect(src string) (*Shape, error) {
	env, err := inspectEnv()
	if err != nil {
		return nil, err
	}
	ast, iss := env.Parse(src)
	if iss.Err() != nil {
		return nil, errors.New(oneLine(iss.Err().Error()))
	}
	native := ast.NativeRep()
	expr := native.Expr()
	s := &Shape{}
	seen := map[string]bool{}
	celast.PreOrderVisit(expr, celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.IdentKind {
			return
		}
		if name := e.AsIdent(); guardVars[name] && !seen[name] {
			seen[name] = true
			s.Vars = append(s.Vars, name)
		}
	}))
	sort.Strings(s.Vars)
	if expr.Kind() == celast.LiteralKind {
		if b, ok := expr.AsLiteral().(types.Bool); ok {
			v := bool(b)
			s.Constant = &v
		}
	}
	s.Clauses = clauses(expr, native.SourceInfo())
	return s, nil
}

// guardVars are the variables a guard may read (see NewEnv).
var guardVars = map[string]bool{"principal": true, "args": true, "tool": true, "request": true}

// inspectEnv parses only; built once.
var inspectEnv = sync.OnceValues(func() (*cel.Env, error) {
	dynMap := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(
		cel.Variable("principal", dynMap),
		cel.Variable("args", dynMap),
		cel.Variable("tool", dynMap),
		cel.Variable("request", dynMap),
		cel.EnableMacroCallTracking(), // so that atoms with has() or exists() unparse
	)
})

// clauses expands e into an OR of ANDs of atoms; nil when that would take
// more than maxClauses.
func clauses(e celast.Expr, info *celast.SourceInfo) [][]string {
	if e.Kind() == celast.CallKind {
		c := e.AsCall()
		if args := c.Args(); len(args) == 2 {
			switch c.FunctionName() {
			case operators.LogicalOr:
				l, r := clauses(args[0], info), clauses(args[1], info)
				if l == nil || r == nil || len(l)+len(r) > maxClauses {
					return nil
				}
				return append(l, r...)
			case operators.LogicalAnd:
				l, r := clauses(args[0], info), clauses(args[1], info)
				if l == nil || r == nil || len(l)*len(r) > maxClauses {
					return nil
				}
				var out [][]string
				for _, a := range l {
					for _, b := range r {
						out = append(out, atomUnion(a, b))
					}
				}
				return out
			}
		}
	}
	if e.Kind() == celast.LiteralKind {
		if b, ok := e.AsLiteral().(types.Bool); ok && bool(b) {
			return [][]string{{}}
		}
	}
	text, err := cel.ExprToString(e, info)
	if err != nil {
		return nil
	}
	return [][]string{{text}}
}

func atomUnion(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// Implies reports whether every caller that passes guard a also passes
// guard b, as far as their clauses show it: each clause of a contains
// every atom of some clause of b. False means "not shown", not "no".
func Implies(a, b *Shape) bool {
	if a == nil || b == nil || a.Clauses == nil || b.Clauses == nil {
		return false
	}
	for _, ca := range a.Clauses {
		found := false
		for _, cb := range b.Clauses {
			if subset(cb, ca) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func subset(small, big []string) bool {
	for _, x := range small {
		if !slices.Contains(big, x) {
			return false
		}
	}
	return true
}
