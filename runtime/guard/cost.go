package guard

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
)

// Expressions are rejected at load when their estimated worst-case cost is
// over CostLimit, so that an accepted expression is not stopped by the
// limit on input the configuration allows. The estimate needs the largest
// size() each variable can have: a tool's params declare theirs (Params);
// the rest is bounded by the constants below.

// Param is what a tool declares about one of its params that bounds the
// size of its value.
type Param struct {
	Type      string // "string", "integer", "number", "boolean" or "array"
	Items     string // the element type of an array
	MaxLength *int   // the most characters of a string; nil: DefaultMaxLength
	MaxItems  *int   // the most items of an array; nil: DefaultMaxItems
}

// Params are a tool's params by name. Arguments are checked against them
// before any guard or key sees them, so args holds nothing else. nil means
// the params are not known, as for the server's default guard, which
// serves every tool: then any argument is as large as the defaults allow.
type Params map[string]Param

// Defaults for a param without max_length or max_items: what fits in a
// request body of 1 MiB, the HTTP server's default cap, at one byte a
// character and two (a digit and a comma) an item. A smaller guess would
// pass expressions that the cost limit then stops on valid input; with
// these, the fix the error suggests is to declare the bound. (serve
// --max-body can raise the cap, and stdio has none: there the runtime
// limit remains the backstop.)
const (
	DefaultMaxLength = 1 << 20
	DefaultMaxItems  = 1 << 19
)

// Bounds on principal. A bearer token is a JWT of at most 8 KiB
// (auth.DefaultMaxTokenBytes; longer ones are refused), base64url-encoded
// at 3 bytes in 4 characters, so its claims are at most 6 KiB of JSON.
// API keys and the stdio principal are written in the configuration and
// are assumed no larger.
const (
	maxClaimsJSON = 6 << 10
	// A scope takes at least 2 bytes: one character and a space in the
	// "scope" claim (the "scp" array needs more).
	maxScopes = maxClaimsJSON / 2
	// A claim takes at least 5 bytes: "":0,
	maxClaims = maxClaimsJSON / 5
	// Tool names and titles are short text from the configuration, the
	// transport a word.
	maxToolText  = 1 << 10
	maxTransport = 16
)

// WithParams returns an Env whose guards and rate limit keys are checked
// against params, the tool's. Binds never see arguments.
func (e *Env) WithParams(params Params) *Env {
	c := *e
	c.params = params
	return &c
}

// bound is the largest size() a value can have (characters of a string,
// items of a list, entries of a map, 1 for a scalar), and the bounds of
// what it holds.
type bound struct {
	size   uint64
	fields map[string]*bound // a record's entries; no others exist
	key    *bound            // any key of a map
	elem   *bound            // any item of a list, any other value of a map
	// hint tells how to lower this bound, for a param declared without one.
	hint string
}

var scalar = &bound{size: 1}

func text(n uint64) *bound { return &bound{size: n} }

// record is a map with exactly these entries.
func record(fields map[string]*bound) *bound {
	r := &bound{size: uint64(len(fields)), fields: fields, key: text(0)}
	for name, f := range fields {
		r.key.size = max(r.key.size, uint64(len(name)))
		r.elem = union(r.elem, f)
	}
	return r
}

// union bounds a value that has one bound or the other.
func union(a, b *bound) *bound {
	if a == nil || a == b {
		return b
	}
	if b == nil {
		return a
	}
	return &bound{size: max(a.size, b.size), key: union(a.key, b.key), elem: union(a.elem, b.elem)}
}

// claimValue bounds any value decoded from a JWT's claims: strings,
// lists and maps of at most maxClaimsJSON, nested to any depth.
var claimValue = func() *bound {
	j := &bound{size: maxClaimsJSON}
	j.key, j.elem = j, j
	return j
}()

var (
	principalBound = record(map[string]*bound{
		"sub":    text(maxClaimsJSON),
		"scopes": {size: maxScopes, elem: text(maxClaimsJSON)},
		"claims": {size: maxClaims, key: text(maxClaimsJSON), elem: claimValue},
	})
	toolBound = record(map[string]*bound{
		"name": text(maxToolText), "title": text(maxToolText),
		"read_only": scalar, "destructive": scalar, "idempotent": scalar, "open_world": scalar,
	})
	requestBound = record(map[string]*bound{"transport": text(maxTransport), "time": scalar})
)

// argsBound bounds args from the declared params.
func argsBound(params Params) *bound {
	if params == nil {
		anyArg := &bound{size: DefaultMaxLength, elem: text(DefaultMaxLength),
			hint: "check args in each tool's own guard, where its params bound them"}
		// An entry takes at least 6 bytes: "a":0,
		return &bound{size: DefaultMaxLength / 6, key: text(DefaultMaxLength), elem: anyArg}
	}
	fields := make(map[string]*bound, len(params))
	for name, p := range params {
		fields[name] = paramBound(name, p)
	}
	return record(fields)
}

func paramBound(name string, p Param) *bound {
	switch p.Type {
	case "string":
		if p.MaxLength != nil {
			return text(uint64(*p.MaxLength))
		}
		return &bound{size: DefaultMaxLength, hint: "give args." + name + " a max_length"}
	case "array":
		item := scalar
		if p.Items == "string" {
			item = text(DefaultMaxLength) // item lengths cannot be declared
		}
		if p.MaxItems != nil {
			return &bound{size: uint64(*p.MaxItems), elem: item}
		}
		return &bound{size: DefaultMaxItems, elem: item, hint: "give args." + name + " a max_items"}
	}
	return scalar
}

// lookup follows a path of the cost estimator: a variable, then field
// names, "@items" and "@values" for any item or value, "@keys" for any key
// (or item: the estimator says @keys when iterating a dyn-typed list), and
// "@indices". It returns nil where no value exists, such as a param not
// declared: evaluation fails there before it could cost anything.
func (b *bound) lookup(path []string) *bound {
	for _, step := range path {
		if b == nil {
			return nil
		}
		switch step {
		case "@items", "@values":
			b = b.elem
		case "@keys":
			if b.key != nil {
				b = b.key
			} else {
				b = b.elem
			}
		case "@indices":
			b = scalar
		default:
			if b.fields != nil {
				b = b.fields[step]
			} else if b.key != nil {
				b = b.elem
			} else {
				b = nil // a string or scalar has no fields
			}
		}
	}
	return b
}

// estimator implements checker.CostEstimator from the bounds of the
// variables, noting the bounds with a hint that it relied on.
type estimator struct {
	vars   map[string]*bound
	hinted []*bound
	// small, if set, is taken as size 1: to tell whether its bound matters.
	small *bound
}

var _ checker.CostEstimator = (*estimator)(nil)

func (e *estimator) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	path := n.Path()
	if len(path) == 0 || e.vars[path[0]] == nil {
		return nil
	}
	b := e.vars[path[0]].lookup(path[1:])
	switch {
	case b == nil:
		return &checker.SizeEstimate{}
	case b == e.small:
		return &checker.SizeEstimate{Min: 0, Max: 1}
	}
	if b.hint != "" && !slices.Contains(e.hinted, b) {
		e.hinted = append(e.hinted, b)
	}
	return &checker.SizeEstimate{Min: 0, Max: b.size}
}

// EstimateCallCost leaves every function to CEL's own estimates.
func (e *estimator) EstimateCallCost(function, overloadID string, target *checker.AstNode, args []checker.AstNode) *checker.CallEstimate {
	return nil
}

// estimate returns the worst-case cost of a checked expression over vars,
// and the bounds with a hint it relied on.
func estimate(env *cel.Env, ast *cel.Ast, vars map[string]*bound, small *bound) (uint64, []*bound, error) {
	est := &estimator{vars: vars, small: small}
	cost, err := env.EstimateCost(ast, est)
	if err != nil {
		return 0, nil, err
	}
	return cost.Max, est.hinted, nil
}

// checkCost rejects an expression that could cost more than CostLimit,
// suggesting the undeclared bounds whose declaration would lower it.
func checkCost(env *cel.Env, ast *cel.Ast, vars map[string]*bound) error {
	cost, hinted, err := estimate(env, ast, vars, nil)
	if err != nil || cost <= CostLimit {
		return err
	}
	var hints []string
	for _, b := range hinted {
		// A param read only where its size does not count (args.q == 'x')
		// is no help to bound.
		if lower, _, err := estimate(env, ast, vars, b); err == nil && lower < cost {
			hints = append(hints, b.hint)
		}
	}
	fix := "simplify it"
	if len(hints) > 0 {
		fix = strings.Join(hints, ", ") + ", or simplify it"
	}
	return fmt.Errorf("the estimated worst-case cost is %s, over the limit of %s: %s", thousands(cost), thousands(CostLimit), fix)
}

// maxHoldsDepth is how deep holds looks: a value nested deeper is taken
// as beyond its bound, which only means its evaluation is tracked.
const maxHoldsDepth = 16

// holds reports whether v is certainly within b: no string longer (in
// bytes, which are at least as many as its characters) and no list or map
// larger than its bound, at any depth, and no entry of a record that the
// bound does not name. It errs on the side of false: a value of a type it
// does not know is beyond every bound.
func (b *bound) holds(v any, depth int) bool {
	if b == nil || depth > maxHoldsDepth {
		return false
	}
	switch x := v.(type) {
	case nil, bool, int, int64, float64, time.Time:
		return true
	case string:
		return uint64(len(x)) <= b.size
	case []string:
		return holdsList(b, x, depth)
	case []any:
		return holdsList(b, x, depth)
	case map[string]any:
		if uint64(len(x)) > b.size {
			return false
		}
		for k, e := range x {
			eb := b.elem
			if b.fields != nil {
				eb = b.fields[k]
			} else if !b.key.holds(k, depth+1) {
				return false
			}
			if !eb.holds(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// holdsList is holds for a list: no longer than b, each element within
// b's element bound.
func holdsList[T any](b *bound, x []T, depth int) bool {
	if uint64(len(x)) > b.size {
		return false
	}
	for _, e := range x {
		if !b.elem.holds(e, depth+1) {
			return false
		}
	}
	return true
}

// runtimeLimit is how an evaluation of the checked expression ast is held
// to CostLimit: by tracking its cost as it runs, which is the backstop for
// input beyond the bounds checkCost assumed (stdio has no body cap, serve
// --max-body can raise it, principals written in the configuration are
// only assumed small). An expression whose estimate stays within the limit
// whatever size its variables have (a select such as principal.claims.org,
// a comparison with a constant) cannot reach it, and CEL's estimate is an
// upper bound of what its tracker counts (TestEstimateCoversActualCost);
// such an expression runs untracked, since the tracking costs more than
// the expression itself: four to six allocations per evaluation.
func runtimeLimit(env *cel.Env, ast *cel.Ast) (opts []cel.ProgramOption, tracked bool) {
	// No bounds at all: every variable may be of any size.
	if cost, _, err := estimate(env, ast, nil, nil); err == nil && cost <= CostLimit {
		return nil, false
	}
	return []cel.ProgramOption{cel.CostLimit(CostLimit), cel.InterruptCheckFrequency(100)}, true
}

// thousands writes n with commas, as people read large numbers.
func thousands(n uint64) string {
	if n == math.MaxUint64 {
		return "unbounded"
	}
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
