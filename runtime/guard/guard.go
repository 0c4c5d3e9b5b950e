// Package guard compiles and evaluates the CEL expressions of a
// configuration: tool guards (who may call, with what arguments) and bind
// values (taken from the caller's identity).
//
// Expressions are compiled once, at load, where one whose estimated
// worst-case cost is over the limit is rejected, and evaluated per request
// under that limit. It imports cel-go only.
package guard

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
)

// CostLimit bounds the work one evaluation may do. Guards are small
// predicates; anything near this limit is a mistake or an attack through
// arguments (a huge list fed to a comprehension).
const CostLimit = 100_000

// Vars are what an expression sees. Principal has sub, scopes and claims;
// Tool has name and read_only; Request has transport and time. Principal,
// Tool and Request are each a map[string]any, or the same map made into a
// CEL value once by Precompute, for a value many evaluations read.
type Vars struct {
	Principal any
	Args      map[string]any
	Tool      any
	Request   any
}

// Lazy is a value of Vars built only if an expression reads it (few
// guards read request): Make is called once per evaluation that does.
// An interface rather than a function, so that what holds the value can
// be given as it is, without a closure made for each request. (Not
// Value: every CEL value has a Value method.)
type Lazy interface{ Make() any }

// Precompute makes m a CEL value ahead of evaluation, with every nested
// map and list converted too: evaluations that read it then convert
// nothing. Expressions see the same values as with m itself. It also
// notes whether m is within the bounds the cost check assumes of a
// principal, a tool or a request, so that evaluations need not find out.
func Precompute(m map[string]any) any {
	if m == nil {
		m = map[string]any{}
	}
	p := &precomputedValue{val: precompute(m)}
	for _, b := range []*bound{principalBound, toolBound, requestBound} {
		if b.holds(m, 0) {
			p.within = append(p.within, b)
		}
	}
	return p
}

// precomputedValue is a value Precompute made, and the bounds of
// variables it is within.
type precomputedValue struct {
	val    ref.Val
	within []*bound
}

func precompute(v any) ref.Val {
	switch x := v.(type) {
	case map[string]any:
		entries := make(map[ref.Val]ref.Val, len(x))
		for k, e := range x {
			entries[types.String(k)] = precompute(e)
		}
		return types.NewRefValMap(types.DefaultTypeAdapter, entries)
	case []any:
		items := make([]ref.Val, len(x))
		for i, e := range x {
			items[i] = precompute(e)
		}
		return types.NewRefValList(types.DefaultTypeAdapter, items)
	case []string:
		items := make([]ref.Val, len(x))
		for i, e := range x {
			items[i] = types.String(e)
		}
		return types.NewRefValList(types.DefaultTypeAdapter, items)
	}
	return types.DefaultTypeAdapter.NativeToValue(v)
}

// Env compiles expressions. It is safe for concurrent use.
type Env struct {
	guards *cel.Env // principal, args, tool, request
	binds  *cel.Env // principal, request: a bind never depends on arguments
	params Params   // bound args for the cost check; see WithParams
}

// NewEnv declares the variables guards and binds may use.
func NewEnv() (*Env, error) {
	opts, err := variables("principal", "args", "tool", "request")
	if err != nil {
		return nil, err
	}
	guards, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	if opts, err = variables("principal", "request"); err != nil {
		return nil, err
	}
	binds, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	return &Env{guards: guards, binds: binds}, nil
}

// Program is a compiled expression, safe for concurrent use.
type Program struct {
	prg cel.Program
	// partial evaluates a guard with its arguments unknown, to tell whether
	// any arguments at all could make it true.
	partial cel.Program
	// env and ast are kept for Residual (review tools only), which
	// compiles its program (state tracked) once, when first asked.
	env          *cel.Env
	ast          *cel.Ast
	residualOnce sync.Once
	residual     cel.Program
	residualErr  error
	// usesArgs is false for a guard that never reads args: its result
	// does not depend on the arguments, so Possible is Allow.
	usesArgs bool
	// usesRequest is false for an expression that never reads request
	// (its time, its transport): its value depends on the principal and
	// the tool alone.
	usesRequest bool
	// tracked is whether evaluations count their cost against CostLimit:
	// not when nothing the variables hold could bring it near (runtimeLimit).
	tracked bool
	// fast is a tracked expression's program without the tracking, for
	// evaluations whose variables are all within the bounds its cost was
	// checked against (fits): the estimate, within the limit, then bounds
	// what the tracker would count. reads and args say which variables it
	// reads, and the bound of args.
	fast  cel.Program
	reads struct{ principal, args, tool, request bool }
	args  *bound
}

// UsesArgs reports whether the guard may read its arguments; when it does
// not, one evaluation without them decides every call with the same
// principal, tool and request.
func (p *Program) UsesArgs() bool { return p.usesArgs }

// UsesRequest reports whether the expression may read request. When it
// does not, nothing it reads changes from one request to the next but
// the principal and the arguments: the same principal and tool, with
// the arguments unknown or not read, give the same value every time.
func (p *Program) UsesRequest() bool { return p.usesRequest }

// readVars reports the variables ast reads: an expression that reads one
// must name it (a comprehension variable of that name counts too, which
// only errs on the safe side).
func readVars(ast *cel.Ast) map[string]bool {
	read := map[string]bool{}
	celast.PreOrderVisit(ast.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() == celast.IdentKind {
			read[e.AsIdent()] = true
		}
	}))
	return read
}

// CompileGuard compiles a guard, which must type-check to bool and stay
// within CostLimit for any arguments the Env's params allow.
func (e *Env) CompileGuard(src string) (*Program, error) {
	ast, iss := e.guards.Compile(src)
	if iss.Err() != nil {
		return nil, errors.New(oneLine(iss.Err().Error()))
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, notBool(ast.OutputType(), src)
	}
	bounds := e.guardBounds()
	if err := checkCost(e.guards, ast, bounds); err != nil {
		return nil, err
	}
	p, err := program(e.guards, ast, bounds)
	if err != nil {
		return nil, err
	}
	p.usesArgs = readVars(ast)["args"]
	limit, _ := runtimeLimit(e.guards, ast)
	p.partial, err = e.guards.Program(ast, append(limit, cel.EvalOptions(cel.OptPartialEval))...)
	if err != nil {
		return nil, err
	}
	p.env, p.ast = e.guards, ast
	return p, nil
}

// CompileBind compiles a bind value expression over principal and request.
func (e *Env) CompileBind(src string) (*Program, error) {
	ast, iss := e.binds.Compile(src)
	if iss.Err() != nil {
		return nil, errors.New(oneLine(iss.Err().Error()))
	}
	bounds := map[string]*bound{"principal": principalBound, "request": requestBound}
	if err := checkCost(e.binds, ast, bounds); err != nil {
		return nil, err
	}
	return program(e.binds, ast, bounds)
}

// CompileKey compiles a rate limit key: an expression over principal,
// args, tool and request whose value (a string, number or boolean) names a
// bucket, such as principal.claims.org.
func (e *Env) CompileKey(src string) (*Program, error) {
	ast, iss := e.guards.Compile(src)
	if iss.Err() != nil {
		return nil, errors.New(oneLine(iss.Err().Error()))
	}
	switch t := ast.OutputType(); {
	case t.IsExactType(cel.StringType), t.IsExactType(cel.IntType), t.IsExactType(cel.UintType),
		t.IsExactType(cel.DoubleType), t.IsExactType(cel.BoolType), t.IsExactType(cel.DynType):
	default:
		return nil, fmt.Errorf("a rate limit key must be a string, number or boolean, but this one is %s", a(typeName(t)))
	}
	bounds := e.guardBounds()
	if err := checkCost(e.guards, ast, bounds); err != nil {
		return nil, err
	}
	return program(e.guards, ast, bounds)
}

// guardBounds bounds the variables of guards and keys.
func (e *Env) guardBounds() map[string]*bound {
	return map[string]*bound{"principal": principalBound, "args": argsBound(e.params), "tool": toolBound, "request": requestBound}
}

// program makes the programs of an expression whose cost checkCost found
// within the limit for variables within bounds.
func program(env *cel.Env, ast *cel.Ast, bounds map[string]*bound) (*Program, error) {
	limit, tracked := runtimeLimit(env, ast)
	prg, err := env.Program(ast, limit...)
	if err != nil {
		return nil, err
	}
	read := readVars(ast)
	p := &Program{prg: prg, tracked: tracked, usesRequest: read["request"]}
	if tracked {
		if p.fast, err = env.Program(ast); err != nil {
			return nil, err
		}
		p.reads.principal, p.reads.args, p.reads.tool, p.reads.request = read["principal"], read["args"], read["tool"], read["request"]
		p.args = bounds["args"]
	}
	return p, nil
}

// fits reports whether every variable of v that the expression reads is
// certainly within the bounds its cost was checked against. A principal,
// tool or request made by Precompute was checked then; args are checked
// here, which is cheap for arguments that passed validation; a Lazy value
// is not made to be checked.
func (p *Program) fits(v Vars) bool {
	return (!p.reads.principal || fitsVar(v.Principal, principalBound)) &&
		(!p.reads.tool || fitsVar(v.Tool, toolBound)) &&
		(!p.reads.request || fitsVar(v.Request, requestBound)) &&
		(!p.reads.args || p.args.holds(v.Args, 0))
}

func fitsVar(v any, b *bound) bool {
	switch x := v.(type) {
	case *precomputedValue:
		return slices.Contains(x.within, b)
	case Lazy:
		return false
	}
	return b.holds(v, 0)
}

// Allow evaluates a guard. Any evaluation error (a missing claim, the cost
// limit) is returned, and callers deny.
func (p *Program) Allow(v Vars) (bool, error) {
	out, err := p.eval(v)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("guard yielded %s, not a boolean", out.Type())
	}
	return bool(b), nil
}

// Possible reports whether some arguments could make the guard allow a
// call, given everything else in v (v.Args is ignored): the guard is
// evaluated with args unknown, and only a definite false (or an error that
// does not depend on the arguments) rules the call out. Tools a caller can
// never call are left out of its tools/list.
func (p *Program) Possible(v Vars) bool {
	if !p.usesArgs {
		// Nothing unknown: an error denies every call, as below.
		ok, err := p.Allow(Vars{Principal: v.Principal, Tool: v.Tool, Request: v.Request})
		return err == nil && ok
	}
	act, err := cel.PartialVars(activationOf(Vars{Principal: v.Principal, Tool: v.Tool, Request: v.Request}),
		cel.AttributePattern("args"))
	if err != nil {
		return true
	}
	out, _, err := p.partial.Eval(act)
	if err != nil {
		// An error reached without looking at the arguments (a claim the
		// caller lacks, the cost limit) happens for every call.
		return false
	}
	if types.IsUnknown(out) {
		return true
	}
	b, ok := out.(types.Bool)
	return ok && bool(b)
}

// Value evaluates a bind and converts the result to a value SQL can bind:
// string, int64, float64, bool, or []any of those.
func (p *Program) Value(v Vars) (any, error) {
	out, err := p.eval(v)
	if err != nil {
		return nil, err
	}
	return native(out)
}

// AppendValue evaluates a rate limit key and appends its value to dst as
// fmt.Sprint writes what Value returns, with the same errors (and dst as
// it was). A string, an integer or a boolean is appended without being
// made a Go value first: every call with a keyed limit evaluates one.
func (p *Program) AppendValue(dst []byte, v Vars) ([]byte, error) {
	out, err := p.eval(v)
	if err != nil {
		return dst, err
	}
	switch x := out.(type) {
	case types.String:
		return append(dst, x...), nil
	case types.Int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case types.Uint:
		return strconv.AppendInt(dst, int64(x), 10), nil // as native converts it
	case types.Bool:
		return strconv.AppendBool(dst, bool(x)), nil
	}
	val, err := native(out)
	if err != nil {
		return dst, err
	}
	return fmt.Append(dst, val), nil
}

// activations are reused from one evaluation to the next: every call
// evaluates a guard and its binds. An evaluation reads its activation only
// while it runs (the result holds values, never the activation), and eval
// clears it before putting it back, so no call's values reach another.
var activations = sync.Pool{New: func() any { return new(activation) }}

// eval evaluates the program with v on a pooled activation.
func (p *Program) eval(v Vars) (ref.Val, error) {
	prg := p.prg
	if p.fast != nil && p.fits(v) {
		prg = p.fast
	}
	a := activations.Get().(*activation)
	a.set(v)
	out, _, err := prg.Eval(a)
	*a = activation{}
	activations.Put(a)
	return out, err
}

// activation resolves the four variables of v without building a map of
// them per evaluation.
type activation struct{ principal, args, tool, request any }

func (a *activation) ResolveName(name string) (any, bool) {
	var v any
	switch name {
	case "principal":
		v = a.principal
	case "args":
		v = a.args
	case "tool":
		v = a.tool
	case "request":
		v = a.request
	default:
		return nil, false
	}
	if l, ok := v.(Lazy); ok {
		if v = l.Make(); v == nil {
			v = emptyMap
		}
	}
	if pc, ok := v.(*precomputedValue); ok {
		v = pc.val
	}
	return v, true
}

func (a *activation) Parent() interpreter.Activation { return nil }

var emptyMap = types.NewRefValMap(types.DefaultTypeAdapter, map[ref.Val]ref.Val{})

func activationOf(v Vars) *activation {
	a := new(activation)
	a.set(v)
	return a
}

// set makes a resolve v's variables, an absent one as an empty map.
func (a *activation) set(v Vars) {
	*a = activation{principal: v.Principal, tool: v.Tool, request: v.Request, args: emptyMap}
	if v.Args != nil {
		a.args = v.Args
	}
	for _, f := range []*any{&a.principal, &a.tool, &a.request} {
		if m, ok := (*f).(map[string]any); (ok && m == nil) || *f == nil {
			*f = emptyMap
		}
	}
}

func native(v ref.Val) (any, error) {
	switch x := v.(type) {
	case types.String:
		return string(x), nil
	case types.Int:
		return int64(x), nil
	case types.Uint:
		return int64(x), nil
	case types.Double:
		return float64(x), nil
	case types.Bool:
		return bool(x), nil
	case types.Null:
		return nil, errors.New("the value is null")
	}
	if v.Type() == types.ListType {
		raw, err := v.ConvertToNative(reflect.TypeOf([]any{}))
		if err != nil {
			return nil, err
		}
		list := raw.([]any)
		for i, e := range list {
			switch e.(type) {
			case string, int64, float64, bool:
			default:
				return nil, fmt.Errorf("list item %d is a %T, not a string, number or boolean", i, e)
			}
		}
		return list, nil
	}
	return nil, fmt.Errorf("a value of type %s cannot be bound", v.Type())
}

// oneLine keeps the first line of a CEL error, where the message is,
// without the noise meant for CEL's own tools; the position stays, as
// line:column within the expression.
func oneLine(s string) string {
	s = strings.TrimPrefix(s, "ERROR: ")
	s, _, _ = strings.Cut(s, "\n")
	s = strings.Replace(s, "<input>:", "at ", 1)
	s = strings.Replace(s, " (in container '')", "", 1)
	return strings.TrimSpace(s)
}
