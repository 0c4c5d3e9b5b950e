package runtime_test

// Resources, prompts, completions and fixed-content tools, through mcp-go
// as a client reaches them, with queries on a real SQLite database.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime"
)

func primitivesConfig(db string) string {
	return fmt.Sprintf(`
server { name = "primitives" }

source "sql" "db" {
  driver = "sqlite"
  dsn    = %q
  seed   = <<-SQL
    CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
    INSERT INTO kv VALUES ('apple', 'red'), ('avocado', 'green'), ('banana', 'yellow');
  SQL
}

resource "readme" {
  uri         = "docs://readme"
  title       = "Read me"
  description = "How this works."
  mime_type   = "text/markdown"
  text        = "# Read me"
}

resource "logo" {
  uri       = "docs://logo"
  mime_type = "image/png"
  blob      = "iVBORw0KGgo="
}

resource "secret" {
  uri    = "docs://secret"
  source = source.sql.db
  guard  = "'secret' in principal.scopes"
  sql    = "SELECT 'classified' AS content"
  result { one = true }
}

resource "value" {
  uri_template = "kv://values/{k}"
  description  = "One value."
  source       = source.sql.db
  param "k" { type = "string" }
  sql = "SELECT v FROM kv WHERE k = :k"
  result {
    one       = true
    not_found = "No such key."
  }
}

resource "square" {
  uri_template = "calc://square/{n}"
  source       = source.sql.db
  param "n" {
    type    = "integer"
    minimum = 0
    enum    = [1, 2, 3, 12]
  }
  sql = "SELECT :n * :n AS square"
  result { one = true }
}

tool "about" {
  description = "Every kind of content."
  content "text" {
    text = "About this server."
  }
  content "image" {
    data      = "iVBORw0KGgo="
    mime_type = "image/png"
  }
  content "audio" {
    data      = "UklGRg=="
    mime_type = "audio/wav"
  }
  content "resource" {
    uri       = "docs://inline"
    mime_type = "text/plain"
    text      = "Inline text."
  }
  content "resource" {
    uri       = "docs://inline-blob"
    mime_type = "application/octet-stream"
    blob      = "AAEC"
  }
  content "resource" {
    uri = "docs://readme"
  }
}

tool "about_secret" {
  description = "Embeds a guarded resource."
  content "resource" {
    uri = "docs://secret"
  }
}

prompt "greet" {
  title       = "Greet"
  description = "Greet someone in a tone."
  argument "name" {
    description = "Who to greet."
  }
  argument "tone" {
    required = false
    enum     = ["formal", "friendly", "frosty"]
  }
  message "user" "text" {
    text = "Greet {{name}} in a {{tone}} tone."
  }
  message "assistant" "resource" {
    uri = "docs://readme"
  }
}

prompt "explain" {
  description = "Explain a value."
  argument "k" {
    complete {
      source = source.sql.db
      sql    = "SELECT k FROM kv WHERE k LIKE :value || '%%' ORDER BY k"
    }
  }
  message "user" "resource" {
    uri = "kv://values/{{k}}"
  }
}
`, db)
}

func servePrimitives(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	return serve(t, build(t, writeFiles(t, dir, "p.hcl", primitivesConfig(filepath.Join(dir, "p.db")))...))
}

var reader = &runtime.Principal{Subject: "reader", Scopes: []string{"secret"}}

func TestResourceLists(t *testing.T) {
	h := servePrimitives(t)
	var list struct {
		Resources []mcp.Resource `json:"resources"`
	}
	h.rpc(t, as(reader), "resources/list", map[string]any{}).decode(t, &list)
	var uris []string
	for _, r := range list.Resources {
		uris = append(uris, r.URI)
		if r.URI == "docs://readme" && (r.Title != "Read me" || r.MIMEType != "text/markdown" || r.Size == nil || *r.Size != 9) {
			t.Errorf("readme listed as %+v", r)
		}
		if r.URI == "docs://logo" && (r.Size == nil || *r.Size != 8) {
			t.Errorf("the logo's size is that of its bytes, not its base64: %+v", r)
		}
	}
	slices.Sort(uris)
	if want := []string{"docs://logo", "docs://readme", "docs://secret"}; !slices.Equal(uris, want) {
		t.Errorf("resources/list: %v, want %v", uris, want)
	}
	// The guarded resource is listed only to who may read it.
	list.Resources = nil
	h.rpc(t, as(nil), "resources/list", map[string]any{}).decode(t, &list)
	uris = nil
	for _, r := range list.Resources {
		uris = append(uris, r.URI)
	}
	slices.Sort(uris)
	if want := []string{"docs://logo", "docs://readme"}; !slices.Equal(uris, want) {
		t.Errorf("resources/list for an anonymous caller: %v, want %v", uris, want)
	}
	var tmpls struct {
		ResourceTemplates []struct {
			URITemplate string `json:"uriTemplate"`
			Name        string `json:"name"`
		} `json:"resourceTemplates"`
	}
	h.rpc(t, as(nil), "resources/templates/list", map[string]any{}).decode(t, &tmpls)
	var got []string
	for _, r := range tmpls.ResourceTemplates {
		got = append(got, r.URITemplate)
	}
	slices.Sort(got)
	if want := []string{"calc://square/{n}", "kv://values/{k}"}; !slices.Equal(got, want) {
		t.Errorf("resources/templates/list: %v, want %v", got, want)
	}
}

func TestResourceRead(t *testing.T) {
	h := servePrimitives(t)
	tests := []struct {
		name  string
		who   *runtime.Principal
		uri   string
		text  string // the content's text, or blob
		mime  string
		err   string // a part of the JSON-RPC error
		code  int
		audit string // the audited tool
		class string
	}{
		{name: "static text", uri: "docs://readme", text: "# Read me", mime: "text/markdown", audit: "resource:readme"},
		{name: "static blob", uri: "docs://logo", text: "iVBORw0KGgo=", mime: "image/png", audit: "resource:logo"},
		{name: "query, allowed", who: reader, uri: "docs://secret", text: `{"content":"classified"}`, audit: "resource:secret"},
		// Hidden: answered as the unknown URI below is, audited as denied.
		{name: "query, hidden", uri: "docs://secret", err: `resource not found: no resource has the uri "docs://secret"`, code: mcp.INTERNAL_ERROR,
			audit: "resource:secret", class: "policy"},
		{name: "template", uri: "kv://values/apple", text: `{"v":"red"}`, audit: "resource:value"},
		{name: "template, no row", uri: "kv://values/kiwi", err: "No such key.", code: mcp.INTERNAL_ERROR, audit: "resource:value", class: "tool"},
		{name: "template, integer variable", uri: "calc://square/12", text: `{"square":144}`, audit: "resource:square"},
		{name: "template, invalid variable", uri: "calc://square/abc", err: `argument "n" must be an integer`, code: mcp.INTERNAL_ERROR,
			audit: "resource:square", class: "arguments"},
		{name: "template, value outside the enum", uri: "calc://square/5", err: `argument "n"`, code: mcp.INTERNAL_ERROR,
			audit: "resource:square", class: "arguments"},
		// With a guarded resource every URI reaches mcpgen, so that an
		// unknown one and a hidden one get the same answer.
		{name: "unknown uri", uri: "docs://nothing", err: `resource not found: no resource has the uri "docs://nothing"`, code: mcp.INTERNAL_ERROR,
			class: "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.records(t))
			resp := h.rpc(t, as(tt.who), "resources/read", map[string]any{"uri": tt.uri})
			if tt.err != "" {
				if resp.Error == nil || resp.Error.Code != tt.code || !strings.Contains(resp.Error.Message, tt.err) {
					t.Errorf("got %s %+v, want error %d %q", resp.Result, resp.Error, tt.code, tt.err)
				}
			} else {
				var res struct {
					Contents []struct {
						URI, MimeType, Text, Blob string
					} `json:"contents"`
				}
				resp.decode(t, &res)
				if len(res.Contents) != 1 {
					t.Fatalf("%d contents", len(res.Contents))
				}
				c := res.Contents[0]
				if c.URI != tt.uri || c.Text+c.Blob != tt.text || (tt.mime != "" && c.MimeType != tt.mime) {
					t.Errorf("contents %+v, want %q (%s)", c, tt.text, tt.mime)
				}
			}
			recs := h.records(t)[before:]
			outcome := map[string]string{"": "ok", "policy": "denied", "tool": "error", "arguments": "invalid", "unknown": "invalid"}[tt.class]
			if len(recs) != 1 || recs[0].Tool != tt.audit || recs[0].Outcome != outcome || recs[0].ErrorClass != tt.class {
				t.Errorf("audit %+v, want one record of %q, %s %s", recs, tt.audit, outcome, tt.class)
			}
		})
	}
}

func TestPrompts(t *testing.T) {
	h := servePrimitives(t)
	var list struct {
		Prompts []mcp.Prompt `json:"prompts"`
	}
	h.rpc(t, as(nil), "prompts/list", map[string]any{}).decode(t, &list)
	if len(list.Prompts) != 2 || list.Prompts[1].Name != "greet" || list.Prompts[1].Title != "Greet" ||
		len(list.Prompts[1].Arguments) != 2 || !list.Prompts[1].Arguments[0].Required || list.Prompts[1].Arguments[1].Required {
		t.Errorf("prompts/list: %+v", list.Prompts)
	}

	type message struct {
		Role    string
		Content struct {
			Type     string
			Text     string
			Resource struct{ URI, Text string }
		}
	}
	tests := []struct {
		name   string
		prompt string
		args   map[string]string
		want   []string // each message's text, or its resource's
		err    string
	}{
		{name: "every argument", prompt: "greet", args: map[string]string{"name": "Ann", "tone": "formal"},
			want: []string{"user: Greet Ann in a formal tone.", "assistant: # Read me"}},
		{name: "optional argument left out", prompt: "greet", args: map[string]string{"name": "Ann"},
			want: []string{"user: Greet Ann in a  tone.", "assistant: # Read me"}},
		{name: "missing required", prompt: "greet", args: map[string]string{"tone": "formal"},
			err: `invalid arguments for prompt "greet": missing required argument "name"`},
		{name: "outside the enum", prompt: "greet", args: map[string]string{"name": "Ann", "tone": "rude"},
			err: `argument "tone" must be one of "formal", "friendly", "frosty", got "rude"`},
		{name: "unknown argument", prompt: "greet", args: map[string]string{"name": "Ann", "mood": "x"},
			err: `argument "mood" is not an argument of this prompt`},
		{name: "embeds a template's resource", prompt: "explain", args: map[string]string{"k": "banana"},
			want: []string{`user: {"v":"yellow"}`}},
		{name: "the embedded query fails", prompt: "explain", args: map[string]string{"k": "kiwi"},
			err: `prompt "explain": No such key.`},
		{name: "unknown prompt", prompt: "nope", args: map[string]string{}, err: "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.rpc(t, as(nil), "prompts/get", map[string]any{"name": tt.prompt, "arguments": tt.args})
			if tt.err != "" {
				if resp.Error == nil || !strings.Contains(resp.Error.Message, tt.err) {
					t.Errorf("got %s %+v, want an error with %q", resp.Result, resp.Error, tt.err)
				}
				return
			}
			var res struct {
				Messages []message `json:"messages"`
			}
			resp.decode(t, &res)
			var got []string
			for _, m := range res.Messages {
				got = append(got, m.Role+": "+m.Content.Text+m.Content.Resource.Text)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("messages %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	h := servePrimitives(t)
	prompt := func(name string) map[string]any { return map[string]any{"type": "ref/prompt", "name": name} }
	resource := func(uri string) map[string]any { return map[string]any{"type": "ref/resource", "uri": uri} }
	tests := []struct {
		name  string
		ref   map[string]any
		arg   string
		value string
		want  []string
		err   string
		audit string
	}{
		{name: "enum", ref: prompt("greet"), arg: "tone", value: "FR", want: []string{"friendly", "frosty"}},
		{name: "enum, nothing matches", ref: prompt("greet"), arg: "tone", value: "x", want: []string{}},
		{name: "no enum, no query", ref: prompt("greet"), arg: "name", value: "A", want: []string{}},
		{name: "query", ref: prompt("explain"), arg: "k", value: "a", want: []string{"apple", "avocado"}, audit: "complete:explain.k"},
		{name: "query, nothing matches", ref: prompt("explain"), arg: "k", value: "z", want: []string{}, audit: "complete:explain.k"},
		{name: "unknown argument", ref: prompt("greet"), arg: "mood", err: `prompt "greet" has no argument "mood"`},
		{name: "unknown prompt", ref: prompt("nope"), arg: "k", err: `no prompt named "nope"`},
		{name: "template variable", ref: resource("calc://square/{n}"), arg: "n", value: "1", want: []string{"1", "12"}},
		{name: "template variable without an enum", ref: resource("kv://values/{k}"), arg: "k", value: "", want: []string{}},
		{name: "unknown template variable", ref: resource("calc://square/{n}"), arg: "m", err: `has no variable "m"`},
		{name: "unknown template", ref: resource("x://{y}"), arg: "y", err: `no resource template "x://{y}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.records(t))
			resp := h.rpc(t, as(nil), "completion/complete", map[string]any{
				"ref": tt.ref, "argument": map[string]any{"name": tt.arg, "value": tt.value},
			})
			if tt.err != "" {
				if resp.Error == nil || !strings.Contains(resp.Error.Message, tt.err) {
					t.Errorf("got %s %+v, want an error with %q", resp.Result, resp.Error, tt.err)
				}
				return
			}
			var res struct {
				Completion struct {
					Values  []string `json:"values"`
					HasMore bool     `json:"hasMore"`
				} `json:"completion"`
			}
			resp.decode(t, &res)
			if !slices.Equal(res.Completion.Values, tt.want) || res.Completion.HasMore {
				t.Errorf("completion %+v, want %v", res.Completion, tt.want)
			}
			recs := h.records(t)[before:]
			if tt.audit != "" && (len(recs) != 1 || recs[0].Tool != tt.audit || recs[0].Outcome != "ok") {
				t.Errorf("audit %+v, want one ok record of %s", recs, tt.audit)
			}
			if tt.audit == "" && len(recs) != 0 {
				t.Errorf("a completion without a query was audited: %+v", recs)
			}
		})
	}
}

// TestFixedContent: every kind of content item, and an embedded resource
// read through its guard.
func TestFixedContent(t *testing.T) {
	h := servePrimitives(t)
	res := h.call(t, as(nil), "about", map[string]any{})
	if res.IsError || len(res.Content) != 6 {
		t.Fatalf("about: %+v", res)
	}
	var got []string
	for _, c := range res.Content {
		s := c.Type + " " + c.Text + c.Data + c.MimeType
		if c.Resource != nil {
			s += c.Resource.URI + " " + c.Resource.Text + c.Resource.Blob
		}
		got = append(got, s)
	}
	want := []string{
		"text About this server.",
		"image iVBORw0KGgo=image/png",
		"audio UklGRg==audio/wav",
		"resource docs://inline Inline text.",
		"resource docs://inline-blob AAEC",
		"resource docs://readme # Read me",
	}
	if !slices.Equal(got, want) {
		t.Errorf("content\n got %q\nwant %q", got, want)
	}
	if rec := h.last(t); rec.Tool != "about" || rec.Outcome != "ok" {
		t.Errorf("audit %+v", rec)
	}

	tests := []struct {
		name    string
		who     *runtime.Principal
		isError bool
		text    string
		audit   []string // tool outcome/class, in order
	}{
		{"the embedded resource's guard allows", reader, false, "classified",
			[]string{"resource:secret ok/", "about_secret ok/"}},
		// A resource the caller may never read is as good as missing.
		{"the embedded resource's guard denies", nil, true, `resource not found: no resource has the uri "docs://secret"`,
			[]string{"resource:secret denied/policy", "about_secret error/tool"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.records(t))
			res := h.call(t, as(tt.who), "about_secret", map[string]any{})
			text := res.text()
			for _, c := range res.Content {
				if c.Resource != nil {
					text += c.Resource.Text
				}
			}
			if res.IsError != tt.isError || !strings.Contains(text, tt.text) {
				t.Errorf("about_secret: isError %v %q, want %v %q", res.IsError, text, tt.isError, tt.text)
			}
			var audited []string
			for _, r := range h.records(t)[before:] {
				audited = append(audited, r.Tool+" "+r.Outcome+"/"+r.ErrorClass)
			}
			if !slices.Equal(audited, tt.audit) {
				t.Errorf("audit %q, want %q", audited, tt.audit)
			}
		})
	}
}

// TestOpenResourcesUnknownURI: with no resource that any caller could be
// refused, mcp-go answers an unknown URI itself, with the protocol's code,
// and the read is audited all the same.
func TestOpenResourcesUnknownURI(t *testing.T) {
	h := serve(t, build(t, writeFiles(t, t.TempDir(), "open.hcl", `
resource "readme" {
  uri  = "docs://readme"
  text = "# Read me"
}
`)...))
	resp := h.rpc(t, as(nil), "resources/read", map[string]any{"uri": "docs://nothing"})
	if resp.Error == nil || resp.Error.Code != mcp.RESOURCE_NOT_FOUND || !strings.Contains(resp.Error.Message, "resource not found") {
		t.Errorf("unknown uri: %s %+v, want error %d", resp.Result, resp.Error, mcp.RESOURCE_NOT_FOUND)
	}
	if rec := h.last(t); rec.Tool != "" || rec.Outcome != "invalid" || rec.ErrorClass != "unknown" || rec.Args["uri"] != "docs://nothing" {
		t.Errorf("audit %+v", rec)
	}
	var tmpls struct {
		ResourceTemplates []any `json:"resourceTemplates"`
	}
	h.rpc(t, as(nil), "resources/templates/list", map[string]any{}).decode(t, &tmpls)
	if len(tmpls.ResourceTemplates) != 0 {
		t.Errorf("templates: %v", tmpls.ResourceTemplates)
	}
}

// TestPromptGuard: a prompt's guard sees its arguments. A caller it could
// let in with some arguments sees the prompt and is told when these are
// refused; a get is audited whatever comes of it.
func TestPromptGuard(t *testing.T) {
	h := serve(t, build(t, writeFiles(t, t.TempDir(), "prompt.hcl", `
prompt "topic" {
  guard = "args.topic != 'payroll' || 'hr' in principal.scopes"
  argument "topic" {}
  message "user" "text" {
    text = "Tell me about {{topic}}."
  }
}
`)...))
	hr := &runtime.Principal{Subject: "hr", Scopes: []string{"hr"}}
	tests := []struct {
		who     *runtime.Principal
		topic   string
		err     string
		outcome string
	}{
		{nil, "orders", "", "ok"},
		{nil, "payroll", "permission denied", "denied"},
		{hr, "payroll", "", "ok"},
	}
	for _, tt := range tests {
		resp := h.rpc(t, as(tt.who), "prompts/get", map[string]any{"name": "topic", "arguments": map[string]any{"topic": tt.topic}})
		switch {
		case tt.err == "" && resp.Error != nil:
			t.Errorf("%s: %+v", tt.topic, resp.Error)
		case tt.err != "" && (resp.Error == nil || !strings.Contains(resp.Error.Message, tt.err)):
			t.Errorf("%s: %s %+v, want an error containing %q", tt.topic, resp.Result, resp.Error, tt.err)
		}
		if rec := h.last(t); rec.Tool != "prompt:topic" || rec.Outcome != tt.outcome || rec.Args["topic"] != tt.topic {
			t.Errorf("%s: audit %+v", tt.topic, rec)
		}
	}
}
