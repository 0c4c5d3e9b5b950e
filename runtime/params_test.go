package runtime

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

func ptr[T any](v T) *T { return &v }

// testTool declares one param of every kind the language has.
func testTool() *cfg.Tool {
	return &cfg.Tool{
		Name: "t",
		Params: []*cfg.Param{
			{Name: "id", Type: cfg.TypeInteger, Required: true, Minimum: ptr(1.0), Maximum: ptr(1e6)},
			{Name: "status", Type: cfg.TypeString, Enum: []any{"pending", "paid"}},
			{Name: "email", Type: cfg.TypeString, Pattern: `[^@\s]+@[^@\s]+`, MaxLength: ptr(20)},
			{Name: "query", Type: cfg.TypeString, MinLength: ptr(2)},
			{Name: "ratio", Type: cfg.TypeNumber, Minimum: ptr(0.0), Maximum: ptr(1.0)},
			{Name: "limit", Type: cfg.TypeInteger, Default: int64(20), Minimum: ptr(1.0), Maximum: ptr(50.0)},
			{Name: "flag", Type: cfg.TypeBoolean},
			{Name: "ids", Type: cfg.TypeArray, Items: cfg.TypeInteger, MaxItems: ptr(3)},
			{Name: "tags", Type: cfg.TypeArray, Items: cfg.TypeString, Enum: []any{"a", "b"}},
		},
		Binds: []*cfg.Bind{{Name: "org"}},
	}
}

func TestValidateAccepts(t *testing.T) {
	ps, diags := NewParams(testTool())
	if diags.HasErrors() {
		t.Fatalf("NewParams: %s", diags.Error())
	}
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{"defaults and nulls", `{"id": 7}`, map[string]any{
			"id": int64(7), "status": nil, "email": nil, "query": nil, "ratio": nil,
			"limit": int64(20), "flag": nil, "ids": nil, "tags": nil}},
		{"every type", `{"id": 1000000, "status": "paid", "email": "a@b.co", "query": "ab", "ratio": 0.5,
			"limit": 50, "flag": false, "ids": [1, 2, 3], "tags": ["b"]}`, map[string]any{
			"id": int64(1000000), "status": "paid", "email": "a@b.co", "query": "ab", "ratio": 0.5,
			"limit": int64(50), "flag": false, "ids": []any{int64(1), int64(2), int64(3)}, "tags": []any{"b"}}},
		{"integral number written with a fraction", `{"id": 3.0}`, nil},
		{"explicit null for an optional param", `{"id": 1, "status": null}`, nil},
		{"length counts characters, not bytes", `{"id": 1, "query": "éé"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ps.Validate(json.RawMessage(tt.in))
			if err != nil {
				t.Fatalf("Validate(%s): %v", tt.in, err)
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate(%s)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	ps, diags := NewParams(testTool())
	if diags.HasErrors() {
		t.Fatalf("NewParams: %s", diags.Error())
	}
	tests := []struct {
		in   string
		want []string // every one must appear in the error
	}{
		{`{}`, []string{`argument "id" is required`}},
		{`{"id": 1.5}`, []string{`argument "id" must be an integer, got the number 1.5`}},
		{`{"id": "12"}`, []string{`argument "id" must be an integer, got the string "12"`}},
		{`{"id": true}`, []string{`argument "id" must be an integer, got the boolean true`}},
		{`{"id": 9223372036854775808}`, []string{`argument "id" must be an integer`}},
		{`{"id": 0}`, []string{`argument "id" must be at least 1, got 0`}},
		{`{"id": 1, "limit": 99}`, []string{`argument "limit" must be at most 50, got 99`}},
		{`{"id": 1, "status": "lost"}`, []string{`argument "status" must be one of "pending", "paid"; got "lost"`}},
		{`{"id": 1, "email": "nobody"}`, []string{`argument "email" must match the pattern`}},
		{`{"id": 1, "email": "x@y.z\n"}`, []string{`argument "email" must match the pattern`}},
		{`{"id": 1, "email": "aaaaaaaaaaaaaaaaaaaa@b.c"}`, []string{`argument "email" must be at most 20 characters long, got 24`}},
		{`{"id": 1, "query": "a"}`, []string{`argument "query" must be at least 2 characters long, got 1`}},
		{`{"id": 1, "ratio": 2}`, []string{`argument "ratio" must be at most 1, got 2`}},
		{`{"id": 1, "ratio": "0.5"}`, []string{`argument "ratio" must be a number, got the string "0.5"`}},
		{`{"id": 1, "flag": "true"}`, []string{`argument "flag" must be a boolean`}},
		{`{"id": 1, "flag": 1}`, []string{`argument "flag" must be a boolean, got the number 1`}},
		{`{"id": 1, "ids": [1, 2, 3, 4]}`, []string{`argument "ids" must have at most 3 items, got 4`}},
		{`{"id": 1, "ids": [1, "2"]}`, []string{`argument "ids" item 1 must be an integer, got the string "2"`}},
		{`{"id": 1, "ids": 1}`, []string{`argument "ids" must be an array of integers`}},
		{`{"id": 1, "tags": ["a", "z"]}`, []string{`argument "tags" item 1 must be one of "a", "b"; got "z"`}},
		{`{"id": 1, "color": "red"}`, []string{`argument "color" is unknown (this tool takes "id", "status"`}},
		{`{"id": 1, "org": "globex"}`, []string{`argument "org" is not accepted: its value comes from the caller's identity`}},
		{`{"id": 0, "limit": 0, "zzz": 1}`, []string{`"id" must be at least 1`, `"limit" must be at least 1`, `"zzz" is unknown`}},
		{`[1]`, []string{`arguments must be a JSON object`}},
		{`{"id": 9007199254740993}`, []string{`argument "id" must be at most 1e+06, got 9007199254740993`}},
		{`{"id": 1, "a": 1, "b": 2, "c": 3, "d": 4}`, []string{`arguments "a", "b", "c" and 1 more are unknown (this tool takes "id"`}},
		{`{"id": 1, "tags": ["a", "x", "b", "y", "z"]}`, []string{`argument "tags" item 1 must be one of "a", "b"; got "x" (and 2 more items like it)`}},
		{`{"id": `, []string{`arguments are not valid JSON`}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ps.Validate(json.RawMessage(tt.in))
			if err == nil {
				t.Fatalf("Validate(%s) = nil error, want %q", tt.in, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate(%s) = %q, want it to contain %q", tt.in, err, w)
				}
			}
		})
	}
}

func TestNewParamsDiagnostics(t *testing.T) {
	tests := []struct {
		name  string
		param *cfg.Param
		want  string
	}{
		{"bad regex", &cfg.Param{Name: "p", Type: cfg.TypeString, Pattern: "(a"}, `not a valid regular expression: missing closing )`},
		{"default breaks pattern", &cfg.Param{Name: "p", Type: cfg.TypeString, Pattern: "[a-z]+", Default: "A1"}, `default of param "p" breaks its own constraints: it must match the pattern`},
		{"default above maximum", &cfg.Param{Name: "p", Type: cfg.TypeInteger, Maximum: ptr(5.0), Default: int64(6)}, `it must be at most 5, got 6`},
		{"default not in enum", &cfg.Param{Name: "p", Type: cfg.TypeString, Enum: []any{"a"}, Default: "b"}, `it must be one of "a"; got "b"`},
		{"pattern escaping its anchors", &cfg.Param{Name: "p", Type: cfg.TypeString, Pattern: "[0-9]+)|(.*"}, `not a valid regular expression: unexpected ) in "[0-9]+)|(.*"`},
		{"enum value too long", &cfg.Param{Name: "p", Type: cfg.TypeString, Enum: []any{"abc"}, MaxLength: ptr(2)}, `lists "abc", which breaks its own constraints`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := NewParams(&cfg.Tool{Name: "t", Params: []*cfg.Param{tt.param}})
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("diagnostics = %q, want one containing %q", diags.Error(), tt.want)
			}
		})
	}
}

func TestInputSchema(t *testing.T) {
	ps, _ := NewParams(testTool())
	got, err := json.Marshal(ps.InputSchema())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"additionalProperties":false`,
		`"required":["id"]`,
		`"id":{"maximum":1000000,"minimum":1,"type":"integer"}`,
		`"limit":{"default":20,"maximum":50,"minimum":1,"type":"integer"}`,
		`"pattern":"^(?:[^@\\s]+@[^@\\s]+)$"`,
		`"tags":{"items":{"enum":["a","b"],"type":"string"},"type":"array"}`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("input schema %s\nlacks %s", got, want)
		}
	}
	if strings.Contains(string(got), `"org"`) {
		t.Errorf("input schema %s shows the bound value org", got)
	}
}

// TestArgumentErrorsStaySmall: whatever a caller sends, the error it gets
// back is small; it cannot make the server amplify a request.
func TestArgumentErrorsStaySmall(t *testing.T) {
	ps, _ := NewParams(testTool())
	var b strings.Builder
	b.WriteString(`{"id": 0, "tags": [`)
	for i := range 100000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"x"`)
	}
	b.WriteString(`]`)
	for i := range 10000 {
		fmt.Fprintf(&b, `, "unknown_%d": 1`, i)
	}
	b.WriteString(`}`)
	_, err := ps.Validate(json.RawMessage(b.String()))
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 2000 {
		t.Errorf("a %d-byte request got a %d-byte error", b.Len(), len(err.Error()))
	}
}

func FuzzValidate(f *testing.F) {
	for _, seed := range []string{`{"id": 1}`, `{"id": 1.5, "tags": ["a"]}`, `{"ids": [1, 2]}`, `null`, `[]`, `{"email": "a@b"}`} {
		f.Add([]byte(seed))
	}
	ps, diags := NewParams(testTool())
	if diags.HasErrors() {
		f.Fatal(diags.Error())
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := ps.Validate(raw)
		if err != nil {
			return
		}
		// Whatever passes must be complete and well typed.
		if len(got) != len(testTool().Params) {
			t.Fatalf("Validate(%q) returned %d values, want one per param", raw, len(got))
		}
		if _, ok := got["id"].(int64); !ok {
			t.Fatalf("Validate(%q): id = %#v, want an int64", raw, got["id"])
		}
		if v := got["limit"].(int64); v < 1 || v > 50 {
			t.Fatalf("Validate(%q): limit = %d escaped its bounds", raw, v)
		}
	})
}

func TestIntegerBoundsAreExact(t *testing.T) {
	const max = 1 << 53 // the last integer float64 holds exactly
	ps, _ := NewParams(&cfg.Tool{Params: []*cfg.Param{{Name: "n", Type: cfg.TypeInteger, Required: true, Maximum: ptr(float64(max))}}})
	if _, err := ps.Validate(json.RawMessage(`{"n": 9007199254740992}`)); err != nil {
		t.Errorf("2^53 rejected: %v", err)
	}
	if _, err := ps.Validate(json.RawMessage(`{"n": 9007199254740993}`)); err == nil {
		t.Errorf("2^53+1 accepted under a maximum of 2^53")
	}
}

// validateReference is Validate as it was before it read the object in
// one pass: encoding/json splits it into a map, then each param is
// checked. Validate must give the same answer for every input.
func validateReference(ps *Params, raw json.RawMessage) (map[string]any, error) {
	in, err := decodeArguments(raw)
	if err != nil {
		return nil, &ArgumentError{Problems: []string{err.Error()}}
	}
	var problems, binds, unknown []string
	for name := range in {
		switch {
		case ps.binds[name]:
			binds = append(binds, name)
		case ps.byName[name] == nil:
			unknown = append(unknown, name)
		}
	}
	slices.Sort(binds) // map order before; sorted now
	for _, name := range binds {
		problems = append(problems, fmt.Sprintf("argument %q is not accepted: its value comes from the caller's identity", name))
	}
	if len(unknown) > 0 {
		problems = append(problems, ps.unknownProblem(unknown))
	}
	out := make(map[string]any, len(ps.params))
	for _, p := range ps.params {
		raw, present := in[p.Name]
		var v any
		if present {
			var err error
			if v, err = rawValue(raw); err != nil {
				problems = append(problems, fmt.Sprintf("argument %q is not valid JSON", p.Name))
				continue
			}
		}
		if v == nil {
			switch {
			case p.Default != nil:
				out[p.Name] = p.Default
			case p.Required:
				problems = append(problems, fmt.Sprintf("argument %q is required", p.Name))
			default:
				out[p.Name] = nil
			}
			continue
		}
		val, err := p.convert(v)
		if err != "" {
			problems = append(problems, fmt.Sprintf("argument %q %s", p.Name, err))
			continue
		}
		for _, msg := range p.check(val) {
			problems = append(problems, fmt.Sprintf("argument %q %s", p.Name, msg))
		}
		out[p.Name] = val
	}
	if len(problems) > maxProblems {
		n := len(problems) - maxProblems
		problems = append(problems[:maxProblems], fmt.Sprintf("%d more problem%s", n, pluralS(n)))
	}
	if len(problems) > 0 {
		return nil, &ArgumentError{Problems: problems}
	}
	return out, nil
}

// sameAsReference fails t unless Validate and validateReference agree on
// raw: the same values, or the same error text.
func sameAsReference(t *testing.T, ps *Params, raw []byte) {
	t.Helper()
	got, err := ps.Validate(raw)
	want, wantErr := validateReference(ps, raw)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
		t.Errorf("Validate(%q)\n = %#v, %v\nwant %#v, %v", raw, got, err, want, wantErr)
	}
}

// referenceCases are inputs where reading the object in one pass could
// differ from encoding/json: repeated and escaped keys, invalid UTF-8,
// nesting, whitespace, numbers at the edges, and what is not an object.
var referenceCases = []string{
	`{"id": 7}`, ` {"id":7} `, "\t{\n\"id\"\r:\n7\n}\n", `{}`, `null`, ` null `, ``, `   `,
	`{"id": 1, "id": 2}`, `{"id": 1, "id": null}`, `{"id": "x", "id": 3}`, `{"id": 3, "id": "x"}`,
	`{"i\u0064": 5}`, `{"id": 5, "i\u0064": 6}`, `{"\u006frg": 1}`, `{"org": 1, "org": 2, "id": 1}`,
	"{\"id\": 1, \"q\xffx\": 1}", "{\"id\": 1, \"query\": \"a\xffb\"}", "{\"id\": 1, \"query\": \"\xe2\x82\"}",
	`{"id": 1, "query": "a\"b", "status": "p\u0061id"}`, `{"id": 1, "query": "\u00e9\u00e9"}`, `{"id": 1, "email": "a\/b@c.d"}`,
	`{"id": 1e2}`, `{"id": 1E2}`, `{"id": -0}`, `{"id": 1.0}`, `{"id": 100.000}`, `{"id": 1e-2}`, `{"id": -5}`,
	`{"id": 9223372036854775807}`, `{"id": 9223372036854775808}`, `{"id": -9223372036854775808}`, `{"id": 1e400}`,
	`{"id": 1, "ratio": 0.5}`, `{"id": 1, "ratio": 1}`, `{"id": 1, "ratio": -0.0}`, `{"id": 1, "ratio": 1e400}`, `{"id": 1, "ratio": 5e-324}`,
	`{"id": 1, "flag": true}`, `{"id": 1, "flag": false}`, `{"id": 1, "flag": null}`, `{"id": 1, "flag": "true"}`,
	`{"id": 1, "ids": [1, 2.0, 3]}`, `{"id": 1, "ids": [ ]}`, `{"id": 1, "ids": [[1]]}`, `{"id": 1, "ids": {"a": [1, "]"]}}`,
	`{"id": 1, "tags": ["a", "b", "a"]}`, `{"id": 1, "tags": ["a\"]", "}"]}`, `{"id": 1, "x": {"y": [1, {"z": "}"}]}, "limit": 5}`,
	`{"id": 1, "limit": null}`, `{"id": 1, "limit": 0}`, `{"id": 1, "status": "paid", "color": 1, "color": 2, "a": 0}`,
	`{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "org": 6, "id": 0, "limit": 99, "ratio": 2, "query": "", "flag": 1}`,
	`[1]`, `"{}"`, `7`, `true`, `{"id": 1} x`, `{"id": 1}}`, `{"id": }`, `{"id" 1}`, `{id: 1}`, `{"id": 1,}`, `nul`,
	"\u00a0{\"id\": 1}\u00a0", "\u00a0null", `{"id": 01}`, `{"id": 1, "query": "a` + "\x01" + `"}`,
}

// TestValidateMatchesReference: reading the object in one pass answers
// every input as decoding it into a map did, errors included.
func TestValidateMatchesReference(t *testing.T) {
	ps, diags := NewParams(testTool())
	if diags.HasErrors() {
		t.Fatalf("NewParams: %s", diags.Error())
	}
	// More params than fit the values kept on the stack.
	var many []*cfg.Param
	for i := range 12 {
		many = append(many, &cfg.Param{Name: fmt.Sprint("p", i), Type: cfg.TypeInteger, Required: i%2 == 0})
	}
	wide, diags := NewParams(&cfg.Tool{Name: "wide", Params: many})
	if diags.HasErrors() {
		t.Fatalf("NewParams: %s", diags.Error())
	}
	for _, in := range referenceCases {
		sameAsReference(t, ps, []byte(in))
	}
	for _, in := range []string{`{"p0": 1, "p2": 2, "p4": 4, "p6": 6, "p8": 8, "p10": 10, "p11": 11}`, `{"p0": 1}`, `{"p11": "x", "p12": 1}`} {
		sameAsReference(t, wide, []byte(in))
	}
}

func FuzzValidateMatchesReference(f *testing.F) {
	for _, seed := range referenceCases {
		f.Add([]byte(seed))
	}
	ps, diags := NewParams(testTool())
	if diags.HasErrors() {
		f.Fatal(diags.Error())
	}
	f.Fuzz(func(t *testing.T, raw []byte) { sameAsReference(t, ps, raw) })
}
