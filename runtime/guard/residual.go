package guard

import (
	"fmt"
	"sort"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// Residual is a guard evaluated for one caller before any call, for
// reviewers (`mcpgen access`): either decided, or the condition that is
// left once everything known about the caller is put in. Nothing here
// authorizes a call; Allow and Possible do.
type Residual struct {
	// Decided is set when the guard's value does not depend on what was
	// left unknown; Allow is then that value.
	Decided bool
	Allow   bool
	// Err is an evaluation error that does not depend on what was left
	// unknown (a claim the caller lacks): every call is denied.
	Err error
	// Condition is, when not Decided, the part of the guard still to be
	// decided, as CEL text (`args.amount < 1000`).
	Condition string
}

// Residual evaluates the guard with the arguments unknown (unless
// argsKnown: then v.Args is what every call sends, as for a static
// resource) and request.time unknown, since a review is not made at the
// time of a call. Everything else in v (the principal, the tool,
// request.transport) is known.
func (p *Program) Residual(v Vars, argsKnown bool) Residual {
	if p.env == nil || p.ast == nil {
		return Residual{Err: fmt.Errorf("the guard was not compiled by CompileGuard")}
	}
	p.residualOnce.Do(func() {
		p.residual, p.residualErr = p.env.Program(p.ast, cel.CostLimit(CostLimit), cel.InterruptCheckFrequency(100),
			cel.EvalOptions(cel.OptPartialEval, cel.OptTrackState))
	})
	prg, err := p.residual, p.residualErr
	if err != nil {
		return Residual{Err: err}
	}
	unknown := []*cel.AttributePatternType{cel.AttributePattern("request").QualString("time")}
	known := Vars{Principal: v.Principal, Tool: v.Tool, Request: v.Request}
	if argsKnown {
		known.Args = v.Args
	} else {
		unknown = append(unknown, cel.AttributePattern("args"))
	}
	act, err := cel.PartialVars(activationOf(known), unknown...)
	if err != nil {
		return Residual{Err: err}
	}
	out, details, err := prg.Eval(act)
	if err != nil {
		return Residual{Decided: true, Err: err}
	}
	if types.IsUnknown(out) {
		rest, err := p.env.ResidualAst(p.ast, details)
		if err != nil {
			return Residual{Err: err}
		}
		sortMaps(rest.NativeRep().Expr())
		text, err := cel.AstToString(rest)
		if err != nil {
			return Residual{Err: err}
		}
		return Residual{Condition: text}
	}
	b, ok := out.(types.Bool)
	if !ok {
		return Residual{Decided: true, Err: fmt.Errorf("guard yielded %s, not a boolean", out.Type())}
	}
	return Residual{Decided: true, Allow: bool(b)}
}

// sortMaps orders the entries of every map literal in e by key: a known
// map put into a residual (the caller's claims) comes out of a Go map in
// no particular order, and a review must read the same every time.
func sortMaps(e celast.Expr) {
	fac := celast.NewExprFactory()
	celast.PostOrderVisit(e, celast.NewExprVisitor(func(x celast.Expr) {
		if x.Kind() != celast.MapKind {
			return
		}
		entries := x.AsMap().Entries()
		key := func(i int) string {
			k := entries[i].AsMapEntry().Key()
			if k.Kind() == celast.LiteralKind {
				return fmt.Sprint(k.AsLiteral().Value())
			}
			return ""
		}
		sorted := make([]celast.EntryExpr, len(entries))
		copy(sorted, entries)
		idx := make([]int, len(entries))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return key(idx[a]) < key(idx[b]) })
		for i, j := range idx {
			sorted[i] = entries[j]
		}
		x.SetKindCase(fac.NewMap(x.ID(), sorted))
	}))
}
