package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/parser"
)

// compareAccess compares who may call: the access rule and its guard, and
// the values bound from the caller's identity.
func compareAccess(o, n map[string]any) []Detail {
	var ds []Detail
	oRule, nRule := str(o["rule"]), str(n["rule"])
	oGuard, nGuard := str(o["guard"]), str(n["guard"])
	if oRule != nRule || NormalizeCEL(oGuard) != NormalizeCEL(nGuard) {
		ds = append(ds, guardChange(oRule, nRule, oGuard, nGuard))
	}
	return append(ds, compareBinds(listOf(o["binds"]), listOf(n["binds"]))...)
}

// guardChange classifies a change of access rule or guard. Rules: "open"
// (no auth block, no guard: everyone), "closed" (an auth block, no guard:
// nobody), "guard" (the tool's own), "server_guard" (the server's
// default).
func guardChange(oRule, nRule, oGuard, nGuard string) Detail {
	d := Detail{Aspect: "guard", Old: ruleText(oRule, oGuard), New: ruleText(nRule, nGuard)}
	switch {
	case nRule == "open":
		d.Risk, d.Summary = High, "now open to every caller"
	case oRule == "closed":
		d.Risk, d.Summary = High, "was closed to everyone, now callable"
	case nRule == "closed":
		d.Risk, d.Summary = Low, "now closed to everyone (an auth block and no guard)"
	case oRule == "open":
		d.Risk, d.Summary = Low, "now guarded"
	default:
		verdict, why := compareGuards(oGuard, nGuard)
		switch verdict {
		case looser:
			d.Risk, d.Summary = High, "the guard loosens: "+why
		case tighter:
			d.Risk, d.Summary = Low, "the guard tightens: "+why
		case same:
			d.Risk, d.Summary = Low, "the guard is rewritten with the same conditions"
		default:
			d.Risk, d.Summary = Medium, "the guard changed in a way this review cannot classify: review it by hand"
		}
		if oRule != nRule {
			if nRule == "server_guard" {
				d.Summary = "the tool's guard is removed and the server's default applies; " + d.Summary
			} else {
				d.Summary = "the tool has its own guard instead of the server's default; " + d.Summary
			}
		}
	}
	return d
}

func ruleText(rule, guard string) string {
	switch rule {
	case "open":
		return "open (every caller)"
	case "closed":
		return "closed (nobody)"
	case "server_guard":
		return guard + "  (server default)"
	}
	return guard
}

// accessText says who may call, in a few words.
func accessText(a map[string]any) string {
	switch rule := str(a["rule"]); rule {
	case "open":
		return "OPEN to every caller"
	case "closed":
		return "closed to everyone"
	default:
		s := "guarded by " + str(a["guard"])
		if rule == "server_guard" {
			s += " (server default)"
		}
		if n := len(listOf(a["binds"])); n > 0 {
			s += fmt.Sprintf(", %d %s", n, plural(n, "bind", "binds"))
		}
		return s
	}
}

type verdict int

const (
	unknown verdict = iota
	same
	looser
	tighter
)

// compareGuards says whether guard n admits more callers than o, as far
// as their structure shows: a guard that became `true`, a requirement
// removed from a conjunction (a && b → a), an alternative added to a
// disjunction (a → a || b), and the reverse for tighter. Anything else,
// such as a changed comparison, is unknown.
func compareGuards(o, n string) (verdict, string) {
	oe, oInfo, err1 := parseCEL(o)
	ne, nInfo, err2 := parseCEL(n)
	if err1 != nil || err2 != nil {
		return unknown, ""
	}
	if isBool(ne, true) && !isBool(oe, true) {
		return looser, "it is `true`: every caller passes"
	}
	if isBool(oe, false) && !isBool(ne, false) {
		return looser, "it was `false`"
	}
	if isBool(ne, false) {
		return tighter, "it is `false`"
	}
	oc, nc := terms(oe, oInfo, operators.LogicalAnd), terms(ne, nInfo, operators.LogicalAnd)
	if gone, added := setDiff(oc, nc), setDiff(nc, oc); len(gone)+len(added) > 0 {
		switch {
		case len(added) == 0:
			return looser, "a requirement is removed: " + strings.Join(gone, ", ")
		case len(gone) == 0:
			return tighter, "a requirement is added: " + strings.Join(added, ", ")
		}
	} else {
		return same, ""
	}
	od, nd := terms(oe, oInfo, operators.LogicalOr), terms(ne, nInfo, operators.LogicalOr)
	if gone, added := setDiff(od, nd), setDiff(nd, od); len(gone)+len(added) > 0 {
		switch {
		case len(gone) == 0:
			return looser, "an alternative is added: " + strings.Join(added, ", ")
		case len(added) == 0:
			return tighter, "an alternative is removed: " + strings.Join(gone, ", ")
		}
	}
	return unknown, ""
}

func parseCEL(src string) (ast.Expr, *ast.SourceInfo, error) {
	p, err := parser.NewParser(parser.Macros(parser.AllMacros...))
	if err != nil {
		return nil, nil, err
	}
	a, errs := p.Parse(common.NewTextSource(src))
	if errs != nil && len(errs.GetErrors()) > 0 {
		return nil, nil, fmt.Errorf("%s", errs.ToDisplayString())
	}
	return a.Expr(), a.SourceInfo(), nil
}

func isBool(e ast.Expr, want bool) bool {
	if e.Kind() != ast.LiteralKind {
		return false
	}
	v, ok := e.AsLiteral().Value().(bool)
	return ok && v == want
}

// terms flattens e over op (&& or ||) into its operands, each written in
// CEL's own canonical form, so that layout and parentheses do not matter.
// The operator's identity (`true` for &&, `false` for ||) is no operand:
// `true` is the conjunction of no requirements, so `true` → `a` adds one.
func terms(e ast.Expr, info *ast.SourceInfo, op string) []string {
	identity := op == operators.LogicalAnd
	var out []string
	var walk func(ast.Expr)
	walk = func(e ast.Expr) {
		if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == op {
			for _, a := range e.AsCall().Args() {
				walk(a)
			}
			return
		}
		if isBool(e, identity) {
			return
		}
		s, err := parser.Unparse(e, info, parser.WrapOnColumn(1<<30))
		if err != nil {
			s = fmt.Sprintf("#%d", e.ID()) // unique: never equal to another term
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	walk(e)
	return out
}

// setDiff is what a holds that b does not, in a's order.
func setDiff(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// compareBinds: a bind removed lets the statement run without the
// caller's value (high); an added bind narrows (medium: the statement
// changed too); a bind taken from another expression is a change to
// review by hand (medium).
func compareBinds(o, n []any) []Detail {
	byName := func(l []any) map[string]string {
		m := map[string]string{}
		for _, b := range l {
			bm := mapOf(b)
			m[str(bm["name"])] = str(bm["from"])
		}
		return m
	}
	om, nm := byName(o), byName(n)
	var names []string
	for k := range om {
		names = append(names, k)
	}
	for k := range nm {
		if _, ok := om[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var ds []Detail
	for _, name := range names {
		of, inOld := om[name]
		nf, inNew := nm[name]
		switch {
		case !inNew:
			ds = append(ds, Detail{Aspect: "binds", Risk: High, Old: of,
				Summary: fmt.Sprintf("bind %q removed: the value no longer comes from the caller's identity", name)})
		case !inOld:
			ds = append(ds, Detail{Aspect: "binds", Risk: Medium, New: nf, Summary: fmt.Sprintf("bind %q added", name)})
		case NormalizeCEL(of) != NormalizeCEL(nf):
			ds = append(ds, Detail{Aspect: "binds", Risk: Medium, Old: of, New: nf,
				Summary: fmt.Sprintf("bind %q takes another value: review it by hand", name)})
		}
	}
	return ds
}
