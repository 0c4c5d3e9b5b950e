package guard

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// ValueEnv compiles value expressions: CEL that computes data (an HTTP
// request's query, headers and body, or the shape of its result) rather
// than a decision. Each variable is a map from string to any value.
type ValueEnv struct {
	env  *cel.Env
	vars []string
}

// NewValueEnv declares the variables value expressions may use, such as
// "args" and "binds", or "response" for result shaping.
func NewValueEnv(vars ...string) (*ValueEnv, error) {
	dynMap := cel.MapType(cel.StringType, cel.DynType)
	opts := make([]cel.EnvOption, len(vars))
	for i, v := range vars {
		opts[i] = cel.Variable(v, dynMap)
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	return &ValueEnv{env: env, vars: vars}, nil
}

// ValueProgram is a compiled value expression, safe for concurrent use.
type ValueProgram struct {
	prg  cel.Program
	out  *cel.Type
	vars []string
	// fields maps a variable to the keys the expression selects from it
	// (args.sku, args['sku']); whole lists the variables it uses as a
	// whole (passes args on, iterates it), where every key counts as used.
	fields map[string][]string
	whole  map[string]bool
}

// Compile compiles a value expression. Its type is whatever it computes.
func (e *ValueEnv) Compile(src string) (*ValueProgram, error) {
	ast, iss := e.env.Compile(src)
	if iss.Err() != nil {
		return nil, errors.New(oneLine(iss.Err().Error()))
	}
	limit, _ := runtimeLimit(e.env, ast)
	prg, err := e.env.Program(ast, limit...)
	if err != nil {
		return nil, err
	}
	p := &ValueProgram{prg: prg, out: ast.OutputType(), vars: e.vars}
	p.references(ast.NativeRep())
	return p, nil
}

// Kind says what the expression yields when the checker knows: "map",
// "list", "string", "int", "uint", "double", "bool", "null", "bytes", or
// "dyn" when it depends on the data.
func (p *ValueProgram) Kind() string {
	switch p.out.Kind() {
	case types.MapKind:
		return "map"
	case types.ListKind:
		return "list"
	case types.StringKind:
		return "string"
	case types.IntKind:
		return "int"
	case types.UintKind:
		return "uint"
	case types.DoubleKind:
		return "double"
	case types.BoolKind:
		return "bool"
	case types.NullTypeKind:
		return "null"
	case types.BytesKind:
		return "bytes"
	}
	return "dyn"
}

// Uses reports the keys the expression reads from variable v, and whether
// it uses v as a whole (in which case any key may be read).
func (p *ValueProgram) Uses(v string) (keys []string, whole bool) {
	return p.fields[v], p.whole[v]
}

// Eval evaluates the expression and returns it as a JSON-ready value:
// nil, bool, int64, float64, string, []any or map[string]any. Missing
// variables are empty maps.
func (p *ValueProgram) Eval(vars map[string]any) (any, error) {
	act := make(map[string]any, len(p.vars))
	for _, name := range p.vars {
		if m, ok := vars[name]; ok && m != nil {
			act[name] = m
		} else {
			act[name] = map[string]any{}
		}
	}
	out, _, err := p.prg.Eval(act)
	if err != nil {
		return nil, err
	}
	return jsonValue(out, 0)
}

// maxDepth bounds nesting in a result: CEL values are finite, but a
// runaway structure should end in an error, not a stack overflow.
const maxDepth = 64

func jsonValue(v ref.Val, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("the value is nested too deeply")
	}
	switch x := v.(type) {
	case types.Null:
		return nil, nil
	case types.Bool:
		return bool(x), nil
	case types.Int:
		return int64(x), nil
	case types.Uint:
		if uint64(x) > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case types.Double:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v cannot be represented in JSON", f)
		}
		return f, nil
	case types.String:
		return string(x), nil
	case types.Bytes:
		return base64.StdEncoding.EncodeToString([]byte(x)), nil
	case types.Timestamp:
		return x.Time.UTC().Format(time.RFC3339Nano), nil
	case types.Duration:
		return x.Duration.String(), nil
	}
	switch x := v.(type) {
	case traits.Mapper:
		out := map[string]any{}
		it := x.Iterator()
		for it.HasNext() == types.True {
			k := it.Next()
			ks, ok := k.(types.String)
			if !ok {
				return nil, fmt.Errorf("a map key is of type %s; JSON objects need string keys", k.Type())
			}
			e, err := jsonValue(x.Get(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[string(ks)] = e
		}
		return out, nil
	case traits.Lister:
		n, ok := x.Size().(types.Int)
		if !ok {
			return nil, errors.New("a list without a size")
		}
		out := make([]any, int(n))
		for i := range out {
			e, err := jsonValue(x.Get(types.Int(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	if types.IsError(v) {
		return nil, fmt.Errorf("%v", v)
	}
	return nil, fmt.Errorf("a value of type %s cannot be represented in JSON", v.Type())
}

// references records which keys of each variable the expression reads.
func (p *ValueProgram) references(a *celast.AST) {
	p.fields, p.whole = map[string][]string{}, map[string]bool{}
	declared := map[string]bool{}
	for _, v := range p.vars {
		declared[v] = true
	}
	idents := map[string]int{} // every use of a variable name
	keyed := map[string]int{}  // uses consumed by a select or a constant index
	seen := map[string]bool{}
	add := func(v, key string) {
		keyed[v]++
		if !seen[v+"."+key] {
			seen[v+"."+key] = true
			p.fields[v] = append(p.fields[v], key)
		}
	}
	celast.PreOrderVisit(a.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.IdentKind:
			if declared[e.AsIdent()] {
				idents[e.AsIdent()]++
			}
		case celast.SelectKind:
			s := e.AsSelect()
			if op := s.Operand(); op.Kind() == celast.IdentKind && declared[op.AsIdent()] {
				add(op.AsIdent(), s.FieldName())
			}
		case celast.CallKind:
			c := e.AsCall()
			if c.FunctionName() != operators.Index && c.FunctionName() != operators.OptIndex || len(c.Args()) != 2 {
				return
			}
			op, key := c.Args()[0], c.Args()[1]
			if op.Kind() != celast.IdentKind || !declared[op.AsIdent()] || key.Kind() != celast.LiteralKind {
				return
			}
			if k, ok := key.AsLiteral().(types.String); ok {
				add(op.AsIdent(), string(k))
			}
		}
	}))
	for v, n := range idents {
		if n > keyed[v] {
			p.whole[v] = true
		}
	}
	for _, keys := range p.fields {
		sort.Strings(keys)
	}
}
