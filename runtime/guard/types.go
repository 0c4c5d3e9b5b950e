package guard

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
)

// principal, tool and request are records with known fields, declared to
// the CEL checker as object types, so that principal.sub is a string and
// principal.scope a load error ("undefined field"), rather than both dyn
// and a surprise at the first call. Values are still the plain maps of
// Vars: a field without a getter is read as a map key, so evaluation and
// partial evaluation are unchanged. args stays map(string, dyn): the
// server's default guard sees every tool's.

const (
	principalType = "mcpgen.Principal"
	toolType      = "mcpgen.Tool"
	requestType   = "mcpgen.Request"
)

var records = map[string]map[string]*types.Type{
	principalType: {
		"sub":    types.StringType,
		"scopes": types.NewListType(types.StringType),
		"claims": types.NewMapType(types.StringType, types.DynType),
	},
	toolType: {
		"name":        types.StringType,
		"title":       types.StringType,
		"read_only":   types.BoolType,
		"destructive": types.BoolType,
		"idempotent":  types.BoolType,
		"open_world":  types.BoolType,
	},
	requestType: {
		"transport": types.StringType,
		"time":      types.TimestampType,
	},
}

// recordProvider adds the records to CEL's own types.
type recordProvider struct {
	*types.Registry
}

func newRecordProvider() (*recordProvider, error) {
	reg, err := types.NewRegistry()
	if err != nil {
		return nil, err
	}
	return &recordProvider{Registry: reg}, nil
}

func (p *recordProvider) FindStructType(name string) (*types.Type, bool) {
	if _, ok := records[name]; ok {
		return types.NewTypeTypeWithParam(types.NewObjectType(name)), true
	}
	return p.Registry.FindStructType(name)
}

func (p *recordProvider) FindStructFieldNames(name string) ([]string, bool) {
	if fields, ok := records[name]; ok {
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		slices.Sort(names)
		return names, true
	}
	return p.Registry.FindStructFieldNames(name)
}

func (p *recordProvider) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if fields, ok := records[name]; ok {
		t, ok := fields[field]
		if !ok {
			return nil, false
		}
		// No IsSet or GetFrom: the interpreter reads the field as a map key.
		return &types.FieldType{Type: t}, true
	}
	return p.Registry.FindStructFieldType(name, field)
}

// variables declares principal, tool and request as records and args as
// a map; only the names given.
func variables(names ...string) ([]cel.EnvOption, error) {
	p, err := newRecordProvider()
	if err != nil {
		return nil, err
	}
	opts := []cel.EnvOption{cel.CustomTypeProvider(p)}
	for _, n := range names {
		var t *cel.Type
		switch n {
		case "principal":
			t = cel.ObjectType(principalType)
		case "tool":
			t = cel.ObjectType(toolType)
		case "request":
			t = cel.ObjectType(requestType)
		default:
			t = cel.MapType(cel.StringType, cel.DynType)
		}
		opts = append(opts, cel.Variable(n, t))
	}
	return opts, nil
}

// notBool explains why a guard of type t is not a predicate, and suggests
// one made from it (src, the guard's text, when it is short).
func notBool(t *cel.Type, src string) error {
	x := strings.TrimSpace(src)
	if len(x) > 40 || strings.ContainsAny(x, "\n") {
		x = "(...)"
	} else if strings.ContainsAny(x, " ?|&") {
		x = "(" + x + ")"
	}
	name := typeName(t)
	var fix string
	switch {
	case t.IsExactType(cel.StringType):
		fix = fmt.Sprintf("compare it, as in %s == 'alice' or %s != ''", x, x)
	case t.IsExactType(cel.IntType), t.IsExactType(cel.UintType), t.IsExactType(cel.DoubleType):
		fix = fmt.Sprintf("compare it, as in %s > 0", x)
	case t.Kind() == types.ListKind:
		fix = fmt.Sprintf("test membership or size, as in 'orders.read' in %s or size(%s) > 0", x, x)
	case t.Kind() == types.MapKind:
		fix = fmt.Sprintf("test a key, as in 'org' in %s", x)
	case t.IsExactType(cel.TimestampType):
		fix = fmt.Sprintf("compare it, as in %s < timestamp('2030-01-01T00:00:00Z')", x)
	case t.IsExactType(cel.DynType):
		name = "dyn (known only when the guard runs: a claim or an argument)"
		fix = fmt.Sprintf("compare it, as in %s == 'value' or %s == true", x, x)
	case t.Kind() == types.StructKind:
		if fields, ok := records[t.TypeName()]; ok {
			var names []string
			for n := range fields {
				names = append(names, x+"."+n)
			}
			slices.Sort(names)
			fix = "use one of its fields: " + strings.Join(names, ", ")
		}
	}
	msg := "a guard must be a boolean expression, but this one is " + a(name)
	if fix != "" {
		msg += ": " + fix
	}
	return errors.New(msg)
}

// typeName is how a guard's author reads a CEL type: the records by the
// variable they describe.
func typeName(t *cel.Type) string {
	switch t.TypeName() {
	case principalType:
		return "principal record"
	case toolType:
		return "tool record"
	case requestType:
		return "request record"
	}
	switch {
	case t.IsExactType(cel.TimestampType):
		return "timestamp"
	case t.IsExactType(cel.DurationType):
		return "duration"
	}
	return t.String()
}

// a is name with its indefinite article: "a string", "an int".
func a(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
