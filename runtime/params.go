// Argument validation: one declared param set, compiled once, gives both
// the input schema clients are shown and the server-side check of every
// call, so the two cannot disagree. It stays one file because the schema,
// the conversions (exact integers, JSON numbers) and the problem texts a
// model reads are one contract, read and changed together.

package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// Params validates a tool's arguments against its declared params. It is
// built once per tool at load time and is safe for concurrent use.
type Params struct {
	params []*param
	byName map[string]*param
	binds  map[string]bool
	schema map[string]any
}

type param struct {
	*cfg.Param
	pattern *regexp.Regexp
	index   int // in Params.params
}

// NewParams compiles a tool's params. Diagnostics point at the attribute
// that is wrong: a pattern that does not compile, a default that breaks its
// own param's constraints.
func NewParams(tool *cfg.Tool) (*Params, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	ps := &Params{byName: map[string]*param{}, binds: map[string]bool{}}
	for _, b := range tool.Binds {
		ps.binds[b.Name] = true
	}
	for _, decl := range tool.Params {
		p := &param{Param: decl}
		if decl.Pattern != "" {
			// The pattern must stand on its own before it is anchored:
			// "a)|(.*" compiles once wrapped, and matches anything.
			_, err := regexp.Compile(decl.Pattern)
			var re *regexp.Regexp
			if err == nil {
				re, err = regexp.Compile(anchor(decl.Pattern))
			}
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid pattern",
					Detail:   fmt.Sprintf("The pattern of param %q is not a valid regular expression: %s.", decl.Name, regexpReason(err)),
					Subject:  attrRange(decl, "pattern"),
				})
				continue
			}
			p.pattern = re
		}
		if decl.Default != nil {
			if msgs := p.check(decl.Default); len(msgs) > 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid default",
					Detail:   fmt.Sprintf("The default of param %q breaks its own constraints: it %s.", decl.Name, strings.Join(msgs, "; it ")),
					Subject:  attrRange(decl, "default"),
				})
			}
		}
		for _, e := range decl.Enum {
			if msgs := p.checkNoEnum(e); len(msgs) > 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid enum value",
					Detail:   fmt.Sprintf("The enum of param %q lists %s, which breaks its own constraints: it %s.", decl.Name, render(e), strings.Join(msgs, "; it ")),
					Subject:  attrRange(decl, "enum"),
				})
			}
		}
		p.index = len(ps.params)
		ps.params = append(ps.params, p)
		ps.byName[decl.Name] = p
	}
	ps.schema = ps.inputSchema()
	return ps, diags
}

func anchor(pattern string) string { return `^(?:` + pattern + `)$` }

// regexpReason drops the "error parsing regexp: " prefix: the sentence
// around it already says so.
func regexpReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s in %q", se.Code, se.Expr)
	}
	return err.Error()
}

func attrRange(p *cfg.Param, attr string) *hcl.Range {
	if r, ok := p.AttrRanges[attr]; ok {
		return &r
	}
	r := p.DeclRange
	return &r
}

// InputSchema is the JSON Schema clients see as the tool's inputSchema.
func (ps *Params) InputSchema() map[string]any { return ps.schema }

func (ps *Params) inputSchema() map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, p := range ps.params {
		props[p.Name] = p.schema()
		if p.Required {
			required = append(required, p.Name)
		}
	}
	return map[string]any{
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
	}
}

func (p *param) schema() map[string]any {
	s := map[string]any{"type": string(p.Type)}
	if p.Description != "" {
		s["description"] = p.Description
	}
	enum := map[string]any{}
	if len(p.Enum) > 0 {
		enum["enum"] = p.Enum
	}
	if p.Type == cfg.TypeArray {
		items := map[string]any{"type": string(p.Items)}
		maps(items, enum)
		s["items"] = items
		setInt(s, "minItems", p.MinItems)
		setInt(s, "maxItems", p.MaxItems)
	} else {
		maps(s, enum)
	}
	if p.Pattern != "" {
		s["pattern"] = anchor(p.Pattern)
	}
	setInt(s, "minLength", p.MinLength)
	setInt(s, "maxLength", p.MaxLength)
	setFloat(s, "minimum", p.Minimum, p.Type == cfg.TypeInteger)
	setFloat(s, "maximum", p.Maximum, p.Type == cfg.TypeInteger)
	if p.Default != nil {
		s["default"] = p.Default
	}
	return s
}

func maps(dst, src map[string]any) {
	for k, v := range src {
		dst[k] = v
	}
}

func setInt(s map[string]any, key string, v *int) {
	if v != nil {
		s[key] = *v
	}
}

func setFloat(s map[string]any, key string, v *float64, integral bool) {
	if v == nil {
		return
	}
	if integral && *v == math.Trunc(*v) && math.Abs(*v) < 1<<53 {
		s[key] = int64(*v)
		return
	}
	s[key] = *v
}

// ArgumentError lists every rule the arguments broke, one sentence each,
// each naming its argument, so a model can correct all of them at once.
type ArgumentError struct{ Problems []string }

func (e *ArgumentError) Error() string {
	return "Invalid arguments: " + strings.Join(e.Problems, "; ") + "."
}

// Validate decodes raw JSON arguments and checks them. It returns the
// arguments with defaults applied; optional params that are absent and have
// no default are present with a nil value, so adapters can bind NULL.
func (ps *Params) Validate(raw json.RawMessage) (map[string]any, error) {
	// Each param's raw value, found in one pass over the object; a member
	// named twice counts with its last value, as encoding/json decodes it.
	var stack [8][]byte
	values := stack[:min(len(ps.params), len(stack))]
	if len(ps.params) > len(stack) {
		values = make([][]byte, len(ps.params))
	}
	var binds, unknown []string
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if !json.Valid(raw) {
			return nil, &ArgumentError{Problems: []string{"arguments are not valid JSON"}}
		}
		if raw[0] != '{' {
			return nil, &ArgumentError{Problems: []string{"arguments must be a JSON object"}}
		}
		for key, value := range members(raw) {
			p := ps.byName[string(key)]
			switch {
			case ps.binds[string(key)]:
				binds = append(binds, string(key))
			case p == nil:
				unknown = append(unknown, string(key))
			}
			if p != nil {
				values[p.index] = value
			}
		}
	}
	return ps.check(values, binds, unknown)
}

// ValidateMap checks arguments that were already decoded (an in-process
// client), by encoding them back to JSON: one path for every caller.
func (ps *Params) ValidateMap(in map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return nil, &ArgumentError{Problems: []string{"arguments cannot be encoded as JSON"}}
	}
	return ps.Validate(raw)
}

// maxProblems bounds an argument error: a caller must not be able to
// make the server write far more than it sent.
const maxProblems = 8

// check checks the raw value of each param (nil: absent, in the order of
// ps.params), given the members that name a bind or nothing at all.
func (ps *Params) check(values [][]byte, binds, unknown []string) (map[string]any, error) {
	var problems []string
	if len(binds) > 0 {
		slices.Sort(binds)
		for _, name := range slices.Compact(binds) {
			problems = append(problems, fmt.Sprintf("argument %q is not accepted: its value comes from the caller's identity", name))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		problems = append(problems, ps.unknownProblem(slices.Compact(unknown)))
	}
	out := make(map[string]any, len(ps.params))
	for _, p := range ps.params {
		raw := values[p.index]
		var v any
		val, ok := p.convertRaw(raw)
		if !ok && raw != nil {
			var err error
			if v, err = rawValue(raw); err != nil {
				problems = append(problems, fmt.Sprintf("argument %q is not valid JSON", p.Name))
				continue
			}
		}
		if !ok && v == nil {
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
		if !ok {
			var err string
			if val, err = p.convert(v); err != "" {
				problems = append(problems, fmt.Sprintf("argument %q %s", p.Name, err))
				continue
			}
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

// convertRaw converts the raw JSON value of a scalar param when it is of
// the param's type and takes no decoding to read: the common case, done
// without building the decoded value first. ok is false for anything else
// (absent, null, another type, an escaped string, an array), which
// rawValue and convert then decode and judge, giving the same value or
// saying what is wrong.
func (p *param) convertRaw(raw []byte) (v any, ok bool) {
	if len(raw) == 0 {
		return nil, false
	}
	switch p.Type {
	case cfg.TypeInteger:
		if isNumber(raw[0]) {
			if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				return n, true
			}
		}
	case cfg.TypeNumber:
		if isNumber(raw[0]) {
			if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
				return f, true
			}
		}
	case cfg.TypeString:
		if raw[0] == '"' {
			if s := raw[1 : len(raw)-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
				return string(s), true
			}
		}
	case cfg.TypeBoolean:
		switch raw[0] {
		case 't':
			return true, true
		case 'f':
			return false, true
		}
	}
	return nil, false
}

func isNumber(c byte) bool { return c == '-' || '0' <= c && c <= '9' }

// unknownProblem names a few unknown arguments, not all of them.
func (ps *Params) unknownProblem(names []string) string {
	sort.Strings(names)
	const show = 3
	quoted := make([]string, 0, show)
	for _, n := range names[:min(len(names), show)] {
		quoted = append(quoted, truncateQuote(n))
	}
	list := strings.Join(quoted, ", ")
	if len(names) > show {
		list += fmt.Sprintf(" and %d more", len(names)-show)
	}
	if len(names) == 1 {
		return fmt.Sprintf("argument %s is unknown (%s)", list, ps.accepted())
	}
	return fmt.Sprintf("arguments %s are unknown (%s)", list, ps.accepted())
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (ps *Params) accepted() string {
	if len(ps.params) == 0 {
		return "this tool takes no arguments"
	}
	names := make([]string, len(ps.params))
	for i, p := range ps.params {
		names[i] = strconv.Quote(p.Name)
	}
	return "this tool takes " + strings.Join(names, ", ")
}

// members yields the members of a JSON object in order: each key,
// decoded, and its value's bytes, from the first to the last. raw must be
// valid JSON and an object.
func members(raw []byte) func(yield func(key, value []byte) bool) {
	return func(yield func(key, value []byte) bool) {
		i := skipSpace(raw, 1)
		for raw[i] != '}' {
			end := skipValue(raw, i)
			key := keyText(raw[i:end])
			i = skipSpace(raw, skipSpace(raw, end)+1) // past the colon
			end = skipValue(raw, i)
			if !yield(key, raw[i:end]) {
				return
			}
			if i = skipSpace(raw, end); raw[i] == ',' {
				i = skipSpace(raw, i+1)
			}
		}
	}
}

// keyText decodes a quoted key: in place when nothing in it needs
// decoding, else as encoding/json decodes it (escapes, and invalid UTF-8
// replaced), which param names never need.
func keyText(quoted []byte) []byte {
	s := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return s
	}
	var key string
	if err := json.Unmarshal(quoted, &key); err != nil {
		return s // not reached: raw is valid JSON
	}
	return []byte(key)
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value that starts at i.
func skipValue(raw []byte, i int) int {
	switch raw[i] {
	case '"':
		for i++; raw[i] != '"'; i++ {
			if raw[i] == '\\' {
				i++
			}
		}
		return i + 1
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch raw[i] {
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			case '"':
				i = skipValue(raw, i) - 1
			}
		}
	}
	for i < len(raw) && !strings.ContainsRune(",}] \t\n\r", rune(raw[i])) {
		i++
	}
	return i
}

// decodeArguments splits the arguments object into raw fields, as they
// came: the audit record of a call whose arguments were refused.
func decodeArguments(raw json.RawMessage) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, fmt.Errorf("arguments must be a JSON object")
		}
		return nil, fmt.Errorf("arguments are not valid JSON")
	}
	return fields, nil
}

// rawValue decodes one valid JSON value, numbers as json.Number.
func rawValue(v json.RawMessage) (any, error) {
	switch v[0] {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case '[', '{':
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var x any
		err := dec.Decode(&x)
		return x, err
	}
	return json.Number(v), nil
}

// convert turns a decoded JSON value into the param's runtime type, or
// says why it cannot. Types are exact: "12" is not an integer, 1.5 is not
// an integer, 1 is not a boolean.
func (p *param) convert(v any) (any, string) {
	if p.Type != cfg.TypeArray {
		return convertScalar(p.Type, v, p.Sensitive)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Sprintf("must be an array of %ss, got %s", p.Items, describeAs(v, p.Sensitive))
	}
	out := make([]any, len(list))
	for i, e := range list {
		c, err := convertScalar(p.Items, e, p.Sensitive)
		if err != "" {
			return nil, fmt.Sprintf("item %d %s", i, err)
		}
		out[i] = c
	}
	return out, ""
}

// convertScalar converts v to t. hide keeps the value of a sensitive
// param out of the message: only its JSON type is named.
func convertScalar(t cfg.ParamType, v any, hide bool) (any, string) {
	switch t {
	case cfg.TypeString:
		if s, ok := v.(string); ok {
			return s, ""
		}
	case cfg.TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, ""
		}
	case cfg.TypeInteger:
		if n, ok := asInteger(v); ok {
			return n, ""
		}
		if _, isNum := asFloat(v); isNum {
			return nil, fmt.Sprintf("must be an integer, got %s", describeAs(v, hide))
		}
	case cfg.TypeNumber:
		if f, ok := asFloat(v); ok {
			return f, ""
		}
	}
	return nil, fmt.Sprintf("must be %s, got %s", article(t), describeAs(v, hide))
}

func article(t cfg.ParamType) string {
	if t == cfg.TypeInteger || t == cfg.TypeArray {
		return "an " + string(t)
	}
	return "a " + string(t)
}

// asInteger accepts JSON numbers with an integral value that fits int64,
// written either way ("3" or "3.0"), as JSON Schema's integer does.
func asInteger(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, true
		}
		f, ok := new(big.Float).SetString(string(n))
		if !ok || !f.IsInt() {
			return 0, false
		}
		i, acc := f.Int64()
		return i, acc == big.Exact
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n), true
		}
	case int:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "the string " + truncateQuote(x)
	case bool:
		return "the boolean " + strconv.FormatBool(x)
	case json.Number:
		return "the number " + string(x)
	case float64:
		return "the number " + strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// describeAs is describe, or only the JSON type when the value is hidden.
func describeAs(v any, hide bool) string {
	if !hide {
		return describe(v)
	}
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a value of another type"
}

func truncateQuote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}

func render(v any) string {
	switch x := v.(type) {
	case string:
		return truncateQuote(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// got is the ", got VALUE" that ends a problem, or nothing for a
// sensitive param: its value (or anything derived from it, such as its
// length) never reaches an error text or the log.
func (p *param) got(sep, value string) string {
	if p.Sensitive {
		return ""
	}
	return sep + "got " + value
}

// check returns what a converted value breaks, as phrases that follow
// "argument X" (or "it").
func (p *param) check(v any) []string {
	msgs := p.checkNoEnum(v)
	if len(p.Enum) == 0 {
		return msgs
	}
	if list, ok := v.([]any); ok {
		// One message for the first bad item, however many there are.
		bad, first := 0, -1
		for i, e := range list {
			if !slices.Contains(p.Enum, e) {
				if bad++; first < 0 {
					first = i
				}
			}
		}
		if bad > 0 {
			msg := fmt.Sprintf("item %d must be one of %s%s", first, p.enumText(), p.got("; ", render(list[first])))
			if bad > 1 {
				msg += fmt.Sprintf(" (and %d more items like it)", bad-1)
			}
			msgs = append(msgs, msg)
		}
		return msgs
	}
	if !slices.Contains(p.Enum, v) {
		msgs = append(msgs, fmt.Sprintf("must be one of %s%s", p.enumText(), p.got("; ", render(v))))
	}
	return msgs
}

func (p *param) enumText() string {
	parts := make([]string, len(p.Enum))
	for i, e := range p.Enum {
		parts[i] = render(e)
	}
	return strings.Join(parts, ", ")
}

func (p *param) checkNoEnum(v any) []string {
	var msgs []string
	switch x := v.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if p.MinLength != nil && n < *p.MinLength {
			msgs = append(msgs, fmt.Sprintf("must be at least %d characters long%s", *p.MinLength, p.got(", ", strconv.Itoa(n))))
		}
		if p.MaxLength != nil && n > *p.MaxLength {
			msgs = append(msgs, fmt.Sprintf("must be at most %d characters long%s", *p.MaxLength, p.got(", ", strconv.Itoa(n))))
		}
		if p.pattern != nil && !p.pattern.MatchString(x) {
			msgs = append(msgs, fmt.Sprintf("must match the pattern %s%s", anchor(p.Pattern), p.got(", ", truncateQuote(x))))
		}
	case int64:
		msgs = p.checkIntBounds(x)
	case float64:
		msgs = p.checkBounds(x)
	case []any:
		if p.MinItems != nil && len(x) < *p.MinItems {
			msgs = append(msgs, fmt.Sprintf("must have at least %d items%s", *p.MinItems, p.got(", ", strconv.Itoa(len(x)))))
		}
		if p.MaxItems != nil && len(x) > *p.MaxItems {
			msgs = append(msgs, fmt.Sprintf("must have at most %d items%s", *p.MaxItems, p.got(", ", strconv.Itoa(len(x)))))
		}
	}
	return msgs
}

// checkBounds and checkIntBounds write the value only into a message:
// most values are within bounds.
func (p *param) checkBounds(f float64) []string {
	var msgs []string
	if p.Minimum != nil && f < *p.Minimum {
		msgs = append(msgs, fmt.Sprintf("must be at least %s%s", bound(*p.Minimum), p.got(", ", bound(f))))
	}
	if p.Maximum != nil && f > *p.Maximum {
		msgs = append(msgs, fmt.Sprintf("must be at most %s%s", bound(*p.Maximum), p.got(", ", bound(f))))
	}
	return msgs
}

// checkIntBounds compares integers exactly: as float64, 2^53+1 would pass
// a maximum of 2^53.
func (p *param) checkIntBounds(v int64) []string {
	var msgs []string
	if p.Minimum != nil && below(v, *p.Minimum) {
		msgs = append(msgs, fmt.Sprintf("must be at least %s%s", bound(*p.Minimum), p.got(", ", strconv.FormatInt(v, 10))))
	}
	if p.Maximum != nil && above(v, *p.Maximum) {
		msgs = append(msgs, fmt.Sprintf("must be at most %s%s", bound(*p.Maximum), p.got(", ", strconv.FormatInt(v, 10))))
	}
	return msgs
}

// below and above compare v with b exactly when b is a whole number in
// int64's range, and as floats otherwise.
func below(v int64, b float64) bool {
	if exactInt(b) {
		return v < int64(b)
	}
	return float64(v) < b
}

func above(v int64, b float64) bool {
	if exactInt(b) {
		return v > int64(b)
	}
	return float64(v) > b
}

func exactInt(b float64) bool {
	return b == math.Trunc(b) && b > math.MinInt64 && b < math.MaxInt64
}

func bound(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
