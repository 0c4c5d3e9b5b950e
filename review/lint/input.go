package lint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/guard"
)

// Input is what rules read: the Surface (what clients see and what runs)
// and, for positions only, the configuration's files.
type Input struct {
	Surface *runtime.Surface
	Config  *cfg.Config
	opts    Options

	files  map[string]*file
	blocks map[string]*hclsyntax.Block // by the position of the block's start, as Surface.Declared writes it
	shapes map[string]*guard.Shape
}

type file struct {
	name  string
	src   []byte
	lines []int // byte offset where each line starts
	body  *hclsyntax.Body
}

func newInput(gen *runtime.Generation, opts Options) *Input {
	in := &Input{
		Surface: gen.Surface(),
		Config:  gen.Config,
		opts:    opts,
		files:   map[string]*file{},
		blocks:  map[string]*hclsyntax.Block{},
		shapes:  map[string]*guard.Shape{},
	}
	names := make([]string, 0, len(gen.Config.Files))
	for name := range gen.Config.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		src := gen.Config.Files[name]
		f := &file{name: name, src: src, lines: []int{0}}
		for i, b := range src {
			if b == '\n' {
				f.lines = append(f.lines, i+1)
			}
		}
		// The configuration built, so every file parses.
		if parsed, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); !diags.HasErrors() {
			f.body, _ = parsed.Body.(*hclsyntax.Body)
		}
		in.files[name] = f
		if f.body != nil {
			in.indexBlocks(f.body)
		}
	}
	return in
}

func (in *Input) indexBlocks(body *hclsyntax.Body) {
	for _, b := range body.Blocks {
		in.blocks[declared(b.DefRange())] = b
		in.indexBlocks(b.Body)
	}
}

// declared writes a range's start as Surface.Declared does.
func declared(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// block finds the block a Surface entry was declared by; nil when unknown.
func (in *Input) block(declaredAt string) *hclsyntax.Block { return in.blocks[declaredAt] }

// blockAt finds the block declared at r (a cfg DeclRange).
func (in *Input) blockAt(r hcl.Range) *hclsyntax.Block {
	if r.Filename == "" {
		return nil
	}
	return in.blocks[declared(r)]
}

// shape inspects a guard, once per text; nil if it does not parse (it
// did when the configuration was built, so never in practice).
func (in *Input) shape(src string) *guard.Shape {
	if s, ok := in.shapes[src]; ok {
		return s
	}
	s, err := guard.Inspect(src)
	if err != nil {
		s = nil
	}
	in.shapes[src] = s
	return s
}

// span converts byte offsets in a file to a Position.
func (in *Input) span(name string, start, end int) Position {
	f := in.files[name]
	if f == nil {
		return Position{File: name, Line: 1, Column: 1, EndLine: 1, EndColumn: 1}
	}
	l, c := f.lineCol(start)
	el, ec := f.lineCol(max(end, start))
	return Position{File: name, Line: l, Column: c, EndLine: el, EndColumn: ec}
}

func (f *file) lineCol(off int) (int, int) {
	off = min(max(off, 0), len(f.src))
	i := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	return i + 1, utf8.RuneCount(f.src[f.lines[i]:off]) + 1
}

// at is the position of a range.
func (in *Input) at(r hcl.Range) Position { return in.span(r.Filename, r.Start.Byte, r.End.Byte) }

// find is the position of the first occurrence of needle inside r, or of
// r itself when needle is not written there literally (an escape, a
// heredoc's stripped indentation, a file() read).
func (in *Input) find(r hcl.Range, needle string) Position {
	f := in.files[r.Filename]
	if f != nil && needle != "" && r.Start.Byte <= r.End.Byte && r.End.Byte <= len(f.src) {
		if i := bytes.Index(f.src[r.Start.Byte:r.End.Byte], []byte(needle)); i >= 0 {
			start := r.Start.Byte + i
			return in.span(r.Filename, start, start+len(needle))
		}
	}
	return in.at(r)
}

// attr is a block's attribute, or nil.
func attr(b *hclsyntax.Block, name string) *hclsyntax.Attribute {
	if b == nil {
		return nil
	}
	return b.Body.Attributes[name]
}

// child is a block's first nested block of that type and first label
// ("" matches any); nil if none.
func child(b *hclsyntax.Block, typ, label string) *hclsyntax.Block {
	if b == nil {
		return nil
	}
	for _, c := range b.Body.Blocks {
		if c.Type == typ && (label == "" || len(c.Labels) > 0 && c.Labels[0] == label) {
			return c
		}
	}
	return nil
}

// where is a place in the files: the range to point at and the line of
// the attribute or block that holds it.
type where struct {
	rng    hcl.Range
	anchor int
}

func (w where) ok() bool { return w.rng.Filename != "" }

// attrWhere is where attribute name of b is written (its value), or b's
// header when b lacks it.
func attrWhere(b *hclsyntax.Block, name string) where {
	if a := attr(b, name); a != nil {
		return where{rng: a.Expr.Range(), anchor: a.SrcRange.Start.Line}
	}
	return blockWhere(b)
}

// labelWhere is where b's first label is written (a tool's name).
func labelWhere(b *hclsyntax.Block) where {
	if b == nil {
		return where{}
	}
	if len(b.LabelRanges) > 0 {
		return where{rng: b.LabelRanges[0], anchor: b.DefRange().Start.Line}
	}
	return blockWhere(b)
}

func blockWhere(b *hclsyntax.Block) where {
	if b == nil {
		return where{}
	}
	return where{rng: b.DefRange(), anchor: b.DefRange().Start.Line}
}

// query is one thing that runs on a source: a tool, a resource read from
// a source, or an argument completion.
type query struct {
	kind  string // "tool", "resource", "completion"
	name  string // the tool or resource name, or "prompt.argument"
	x     *runtime.Execution
	tool  *mcp.Tool // tools only
	block *hclsyntax.Block
}

func (q query) String() string { return fmt.Sprintf("%s %q", q.kind, q.name) }

// statement is what a SQL query runs; "" for anything else.
func (q query) statement() string {
	if !strings.HasPrefix(q.x.Source, "sql.") {
		return ""
	}
	return q.x.Executes["statement"]
}

// queries lists tools, then resources and templates read from a source,
// then completions, each sorted by name.
func (in *Input) queries() []query {
	var out []query
	for i := range in.Surface.Tools {
		t := &in.Surface.Tools[i]
		out = append(out, query{kind: "tool", name: t.Tool.Name, x: &t.Execution, tool: &t.Tool, block: in.block(t.Declared)})
	}
	for _, list := range [][]runtime.ResourceSurface{in.Surface.Resources, in.Surface.ResourceTemplates} {
		for _, r := range list {
			if r.Query == nil {
				continue
			}
			name := ""
			if r.Resource != nil {
				name = r.Resource.Name
			} else if r.Template != nil {
				name = r.Template.Name
			}
			out = append(out, query{kind: "resource", name: name, x: r.Query, block: in.block(r.Query.Declared)})
		}
	}
	for _, p := range in.Surface.Prompts {
		args := make([]string, 0, len(p.Completions))
		for arg := range p.Completions {
			args = append(args, arg)
		}
		sort.Strings(args)
		for _, arg := range args {
			x := p.Completions[arg]
			out = append(out, query{kind: "completion", name: p.Prompt.Name + "." + arg, x: &x, block: in.block(x.Declared)})
		}
	}
	return out
}

// guardWhere is where q's guard is written: its own, or the server's
// default.
func (in *Input) guardWhere(q query) where {
	if q.x.Access.Rule == "server_guard" {
		if b := in.blockAt(in.Config.Server.DeclRange); b != nil {
			return attrWhere(b, "guard")
		}
	}
	return attrWhere(q.block, "guard")
}

// textKind says what a client-visible text is.
type textKind int

const (
	kindName textKind = iota
	kindTitle
	kindDescription  // of a tool, resource, template or prompt
	kindInstructions // the server's
	kindParam        // a param's or prompt argument's description
	kindEnum         // one allowed value
	kindContent      // prompt message text, resource text, fixed tool content
)

// text is one string a client is shown.
type text struct {
	what  string // `the description of tool "x"`
	kind  textKind
	value string
	at    where
	owner string // the tool it belongs to, if any
}

// prose reports whether the text describes something to the model,
// rather than naming it or being a value.
func (t text) prose() bool { return t.kind != kindName && t.kind != kindEnum && t.kind != kindTitle }

// texts lists everything a client is shown, with where it is written.
func (in *Input) texts() []text {
	var out []text
	add := func(what string, kind textKind, value string, at where, owner string) {
		if value != "" {
			out = append(out, text{what: what, kind: kind, value: value, at: at, owner: owner})
		}
	}
	srv := in.Surface.Server
	if b := in.blockAt(in.Config.Server.DeclRange); b != nil {
		add("the server name", kindName, srv.Name, attrWhere(b, "name"), "")
		add("the server's instructions text", kindInstructions, srv.Instructions, attrWhere(b, "instructions"), "")
	}
	for _, t := range in.Surface.Tools {
		b := in.block(t.Declared)
		of := fmt.Sprintf("tool %q", t.Tool.Name)
		add("the name of "+of, kindName, t.Tool.Name, labelWhere(b), t.Tool.Name)
		add("the title of "+of, kindTitle, t.Tool.Title, attrWhere(b, "title"), t.Tool.Name)
		add("the description of "+of, kindDescription, t.Tool.Description, attrWhere(b, "description"), t.Tool.Name)
		props := inputProperties(t.Tool)
		for _, name := range sortedKeys(props) {
			prop := props[name]
			pb := child(b, "param", name)
			param := fmt.Sprintf("param %q of %s", name, of)
			if d, _ := prop["description"].(string); d != "" {
				add("the description of "+param, kindParam, d, attrWhere(pb, "description"), t.Tool.Name)
			}
			enums := prop["enum"]
			if items, ok := prop["items"].(map[string]any); ok && enums == nil {
				enums = items["enum"]
			}
			for _, v := range enumStrings(enums) {
				add("an allowed value of "+param, kindEnum, v, attrWhere(pb, "enum"), t.Tool.Name)
			}
		}
	}
	out = append(out, in.upstreamTexts()...)
	// Content the Surface does not carry (it lists kinds only): fixed
	// tool content, static resource text and prompt messages, read from
	// the configuration the Surface was built from.
	for _, t := range in.Config.Tools {
		b := in.blockAt(t.DeclRange)
		contents := contentBlocks(b, "content")
		for i, c := range t.Content {
			if i < len(contents) {
				add(fmt.Sprintf("the content of tool %q", t.Name), kindContent, c.Text, attrWhere(contents[i], "text"), t.Name)
			}
		}
	}
	for _, list := range [][]runtime.ResourceSurface{in.Surface.Resources, in.Surface.ResourceTemplates} {
		for _, r := range list {
			b := in.block(r.Declared)
			var name, title, desc string
			if r.Resource != nil {
				name, title, desc = r.Resource.Name, r.Resource.Title, r.Resource.Description
			} else if r.Template != nil {
				name, title, desc = r.Template.Name, r.Template.Title, r.Template.Description
			}
			of := fmt.Sprintf("resource %q", name)
			add("the name of "+of, kindName, name, labelWhere(b), "")
			add("the title of "+of, kindTitle, title, attrWhere(b, "title"), "")
			add("the description of "+of, kindDescription, desc, attrWhere(b, "description"), "")
		}
	}
	for _, r := range in.Config.Resources {
		add(fmt.Sprintf("the text of resource %q", r.Name), kindContent, r.Text, attrWhere(in.blockAt(r.DeclRange), "text"), "")
	}
	for _, p := range in.Surface.Prompts {
		b := in.block(p.Declared)
		of := fmt.Sprintf("prompt %q", p.Prompt.Name)
		add("the name of "+of, kindName, p.Prompt.Name, labelWhere(b), "")
		add("the title of "+of, kindTitle, p.Prompt.Title, attrWhere(b, "title"), "")
		add("the description of "+of, kindDescription, p.Prompt.Description, attrWhere(b, "description"), "")
		for _, a := range p.Prompt.Arguments {
			add(fmt.Sprintf("the description of argument %q of %s", a.Name, of), kindParam, a.Description,
				attrWhere(child(b, "argument", a.Name), "description"), "")
		}
	}
	for _, p := range in.Config.Prompts {
		b := in.blockAt(p.DeclRange)
		of := fmt.Sprintf("prompt %q", p.Name)
		for _, a := range p.Arguments {
			for _, v := range a.Enum {
				add(fmt.Sprintf("an allowed value of argument %q of %s", a.Name, of), kindEnum, v,
					attrWhere(child(b, "argument", a.Name), "enum"), "")
			}
		}
		messages := contentBlocks(b, "message")
		for i, m := range p.Messages {
			if i < len(messages) && m.Content != nil {
				add("a message of "+of, kindContent, m.Content.Text, attrWhere(messages[i], "text"), "")
			}
		}
	}
	return out
}

// inputProperties are a tool's params as its input schema shows them to
// clients, by name.
func inputProperties(t mcp.Tool) map[string]map[string]any {
	var schema struct {
		Properties map[string]map[string]any `json:"properties"`
	}
	raw := t.RawInputSchema
	if raw == nil {
		raw, _ = json.Marshal(t.InputSchema)
	}
	if err := json.Unmarshal(raw, &schema); err != nil || schema.Properties == nil {
		return map[string]map[string]any{}
	}
	return schema.Properties
}

func contentBlocks(b *hclsyntax.Block, typ string) []*hclsyntax.Block {
	if b == nil {
		return nil
	}
	var out []*hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == typ {
			out = append(out, c)
		}
	}
	return out
}

func enumStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
