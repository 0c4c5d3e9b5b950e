package runtime_test

// The Surface model: deterministic JSON, no env() value in it, and what it
// says of each tool's access, binds and limits, read from real builds.

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
)

const surfaceServer = `
server {
  name         = "surface"
  version      = "2.0.0"
  instructions = "For the surface tests."
}

limits {
  rate_limit {
    rate  = "10/s"
    burst = 20
  }
}

source "sql" "db" {
  driver          = "sqlite"
  dsn             = env("SURFACE_DB")
  max_concurrency = 3
  seed            = "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, org TEXT NOT NULL, note TEXT);"
}

source "http" "api" {
  base_url = "http://127.0.0.1:9/v1"
  headers = {
    Authorization = "Bearer ${env("SURFACE_TOKEN")}"
  }
}
`

const surfaceTools = `
tool "lookup" {
  description     = "A value of the caller's organization."
  source          = source.sql.db
  guard           = "'kv.read' in principal.scopes"
  timeout         = "5s"
  max_concurrency = 2
  param "k" { type = "string" }
  param "note" {
    type      = "string"
    required  = false
    sensitive = true
  }
  bind "org" {
    from = "principal.claims.org"
  }
  sql = "SELECT v FROM kv WHERE k = :k AND org = :org AND (CAST(:note AS TEXT) IS NULL OR note = :note)"
  result { one = true }
  rate_limit {
    rate  = "5/m"
    burst = 2
    key   = "principal.claims.org"
  }
  cache {
    ttl         = "30s"
    max_entries = 50
    shared      = true
  }
}

tool "count" {
  description = "How many values there are."
  source      = source.sql.db
  sql         = "SELECT count(*) AS n FROM kv"
  result { one = true }
}

tool "fetch" {
  description = "An item from the API."
  source      = source.http.api
  guard       = "request.transport == 'stdio'"
  param "id" { type = "integer" }
  method = "GET"
  path   = "/items/{id}"
}

tool "about" {
  description = "What this is."
  content "text" {
    text = "The surface tests."
  }
  content "resource" {
    uri = "docs://readme"
  }
}
`

const surfacePrimitives = `
resource "readme" {
  uri  = "docs://readme"
  text = "Read me."
}

resource "value" {
  uri_template = "kv://values/{k}"
  source       = source.sql.db
  param "k" { type = "string" }
  sql = "SELECT v FROM kv WHERE k = :k"
  result { one = true }
}

prompt "explain" {
  description = "Explain a value."
  argument "k" {
    complete {
      source = source.sql.db
      sql    = "SELECT k FROM kv WHERE k LIKE :value || '%'"
    }
  }
  message "user" "text" {
    text = "Explain {{k}}."
  }
}
`

// surfaceFiles writes the three files and sets the env() values they read.
func surfaceFiles(t *testing.T) (paths []string, secrets []string) {
	t.Helper()
	db := "file:" + filepath.Join(t.TempDir(), "surface-db-secret.db")
	token := "tok-3f9a1c7e"
	t.Setenv("SURFACE_DB", db)
	t.Setenv("SURFACE_TOKEN", token)
	paths = writeFiles(t, t.TempDir(), "a.hcl", surfaceServer, "b.hcl", surfaceTools, "c.hcl", surfacePrimitives)
	return paths, []string{db, token}
}

func surfaceJSON(t *testing.T, paths ...string) ([]byte, *runtime.Generation) {
	t.Helper()
	gen := build(t, paths...)
	t.Cleanup(func() {
		if err := gen.Close(); err != nil {
			t.Error(err)
		}
	})
	b, err := json.Marshal(gen.Surface())
	if err != nil {
		t.Fatal(err)
	}
	return b, gen
}

// TestSurfaceDeterministic: equal files give equal bytes, whatever order
// they are named in, and no env() value is in them.
func TestSurfaceDeterministic(t *testing.T) {
	paths, secrets := surfaceFiles(t)
	first, _ := surfaceJSON(t, paths...)
	tests := []struct {
		name  string
		paths []string
	}{
		{"the same files again", paths},
		{"another order", []string{paths[2], paths[0], paths[1]}},
		{"reversed", []string{paths[2], paths[1], paths[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := surfaceJSON(t, tt.paths...)
			if !bytes.Equal(got, first) {
				t.Errorf("the surface differs:\n%s\n%s", first, got)
			}
		})
	}
	t.Run("no env() value", func(t *testing.T) {
		for _, s := range secrets {
			if bytes.Contains(first, []byte(s)) {
				t.Errorf("the surface contains the env() value %q", s)
			}
		}
	})
}

// TestSurfaceTools: what the surface says runs for each tool.
func TestSurfaceTools(t *testing.T) {
	paths, secrets := surfaceFiles(t)
	_, gen := surfaceJSON(t, paths...)
	s := gen.Surface()
	byName := map[string]runtime.ToolSurface{}
	for _, tool := range s.Tools {
		byName[tool.Tool.Name] = tool
	}
	names := make([]string, 0, len(s.Tools))
	for _, tool := range s.Tools {
		names = append(names, tool.Tool.Name)
	}
	if want := []string{"about", "count", "fetch", "lookup"}; !slices.Equal(names, want) {
		t.Fatalf("tools %v, want %v in name order", names, want)
	}
	if got := s.ToolDefinitions(); len(got) != 4 || got[3].Name != "lookup" {
		t.Errorf("ToolDefinitions: %+v", got)
	}
	serverRate := &runtime.RateSurface{Rate: 10, Per: "1s", Burst: 20, Key: "principal", From: "server"}
	tests := []struct {
		tool     string
		declared string // line:col in its file
		source   string
		readOnly bool
		access   runtime.Access
		limits   runtime.Limits
		content  []string
		secret   []string
	}{
		{tool: "lookup", declared: "2:1", source: "sql.db", readOnly: true,
			access: runtime.Access{Rule: "guard", Guard: "'kv.read' in principal.scopes",
				Binds: []runtime.Bind{{Name: "org", From: "principal.claims.org"}}},
			limits: runtime.Limits{Timeout: "5s", MaxCalls: 2, SourceMax: 3,
				RateLimit: &runtime.RateSurface{Rate: 5, Per: "1m0s", Burst: 2, Key: "principal.claims.org", From: "tool"},
				Cache:     &runtime.CacheSurface{TTL: "30s", MaxEntries: 50, Shared: true}},
			secret: []string{"note"}},
		{tool: "count", declared: "31:1", source: "sql.db", readOnly: true,
			access: runtime.Access{Rule: "open"},
			limits: runtime.Limits{Timeout: "30s", SourceMax: 3, RateLimit: serverRate}},
		{tool: "fetch", declared: "38:1", source: "http.api", readOnly: true,
			access: runtime.Access{Rule: "guard", Guard: "request.transport == 'stdio'"},
			limits: runtime.Limits{Timeout: "30s", RateLimit: serverRate}},
		{tool: "about", declared: "47:1", readOnly: true,
			access:  runtime.Access{Rule: "open"},
			limits:  runtime.Limits{Timeout: "30s", RateLimit: serverRate},
			content: []string{"text", "resource"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			x := byName[tt.tool].Execution
			if want := paths[1] + ":" + tt.declared; x.Declared != want {
				t.Errorf("declared at %s, want %s", x.Declared, want)
			}
			if x.Source != tt.source || x.ReadOnly != tt.readOnly {
				t.Errorf("source %q read_only %v, want %q %v", x.Source, x.ReadOnly, tt.source, tt.readOnly)
			}
			if !reflect.DeepEqual(x.Access, tt.access) {
				t.Errorf("access\n got %+v\nwant %+v", x.Access, tt.access)
			}
			if !reflect.DeepEqual(x.Limits, tt.limits) {
				gl, _ := json.Marshal(x.Limits)
				wl, _ := json.Marshal(tt.limits)
				t.Errorf("limits\n got %s\nwant %s", gl, wl)
			}
			if !slices.Equal(x.Content, tt.content) || !slices.Equal(x.Sensitive, tt.secret) {
				t.Errorf("content %v sensitive %v, want %v %v", x.Content, x.Sensitive, tt.content, tt.secret)
			}
		})
	}

	t.Run("executes", func(t *testing.T) {
		for _, name := range []string{"lookup", "count", "fetch"} {
			x := byName[name].Execution
			if x.Executes == nil {
				t.Skipf("tool %s has no executes: its adapter does not implement adapter.Describer on this branch yet", name)
			}
			b, _ := json.Marshal(x.Executes)
			for _, s := range secrets {
				if strings.Contains(string(b), s) {
					t.Errorf("executes of %s shows the env() value %q", name, s)
				}
			}
		}
		if got := byName["lookup"].Executes; !strings.Contains(strings.Join(slices.Collect(maps.Values(got)), "\n"), "SELECT v FROM kv") {
			t.Errorf("lookup executes %v, want its statement", got)
		}
	})

	t.Run("output schema after open", func(t *testing.T) {
		if out := string(byName["count"].Tool.RawOutputSchema); !strings.Contains(out, `"n"`) {
			t.Errorf("count's output schema does not name its column: %s", out)
		}
		if out := byName["about"].Tool.RawOutputSchema; out != nil {
			t.Errorf("a fixed-content tool has an output schema: %s", out)
		}
	})

	t.Run("server, resources and prompts", func(t *testing.T) {
		if s.Server.Name != "surface" || s.Server.Version != "2.0.0" || s.Server.Instructions != "For the surface tests." ||
			s.Server.Auth.Closed || s.Server.Auth.StdioSubject != "" {
			t.Errorf("server %+v", s.Server)
		}
		if len(s.Resources) != 1 || s.Resources[0].Resource.URI != "docs://readme" || s.Resources[0].Query != nil {
			t.Errorf("resources %+v", s.Resources)
		}
		if len(s.ResourceTemplates) != 1 || s.ResourceTemplates[0].Query == nil || s.ResourceTemplates[0].Query.Source != "sql.db" ||
			s.ResourceTemplates[0].Template.URITemplate.Raw() != "kv://values/{k}" {
			t.Errorf("resource templates %+v", s.ResourceTemplates)
		}
		if len(s.Prompts) != 1 || s.Prompts[0].Completions["k"].Source != "sql.db" ||
			s.Prompts[0].Declared != paths[2]+":15:1" {
			t.Errorf("prompts %+v", s.Prompts)
		}
	})
}

// TestSurfaceAccessRules: where a tool's access comes from, for each way
// a configuration can say it, and who then sees the tool. A resource with
// fixed content and a prompt follow the same rules.
func TestSurfaceAccessRules(t *testing.T) {
	const tool = `
tool "t" {
  description = "A tool."
  %s
  content "text" {
    text = "hi"
  }
}

resource "r" {
  uri  = "docs://r"
  text = "r"
  %s
}

prompt "p" {
  %s
  message "user" "text" {
    text = "hi"
  }
}
`
	const keyHash = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f"
	tests := []struct {
		name    string
		config  string
		rule    string
		guard   string
		visible map[string]bool // by caller
	}{
		{name: "open", config: `server { name = "s" }` + strings.ReplaceAll(tool, "%s", ""),
			rule: "open", visible: map[string]bool{"anonymous": true, "reader": true, "stdio": true}},
		{name: "guard", config: `server { name = "s" }` + strings.ReplaceAll(tool, "%s", `guard = "'r' in principal.scopes"`),
			rule: "guard", guard: "'r' in principal.scopes", visible: map[string]bool{"reader": true}},
		{name: "server guard", config: `server {
  name  = "s"
  guard = "principal.sub != ''"
}` + strings.ReplaceAll(tool, "%s", ""),
			rule: "server_guard", guard: "principal.sub != ''", visible: map[string]bool{"reader": true}},
		{name: "own guard over the server's", config: `server {
  name  = "s"
  guard = "false"
}` + strings.ReplaceAll(tool, "%s", `guard = "true"`),
			rule: "guard", guard: "true", visible: map[string]bool{"anonymous": true, "reader": true, "stdio": true}},
		{name: "closed", config: `server { name = "s" }
auth {
  api_key "k" {
    hash    = "` + keyHash + `"
    subject = "svc"
  }
  stdio {
    subject = "me"
    scopes  = ["r"]
  }
}` + strings.ReplaceAll(tool, "%s", ""),
			rule: "closed", visible: map[string]bool{}},
		{name: "stdio principal", config: `server { name = "s" }
auth {
  stdio {
    subject = "me"
    scopes  = ["r"]
  }
}` + strings.ReplaceAll(tool, "%s", `guard = "'r' in principal.scopes && principal.sub == 'me'"`),
			rule: "guard", guard: "'r' in principal.scopes && principal.sub == 'me'", visible: map[string]bool{"stdio": true}},
	}
	callers := map[string]context.Context{
		"anonymous": as(nil),
		"reader":    as(&runtime.Principal{Subject: "r", Scopes: []string{"r"}}),
		"stdio":     runtime.WithTransport(context.Background(), "stdio"),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := writeFiles(t, t.TempDir(), "main.hcl", tt.config)
			gen := build(t, paths...)
			t.Cleanup(func() { _ = gen.Close() })
			s := gen.Surface()
			if len(s.Tools) != 1 {
				t.Fatalf("%d tools", len(s.Tools))
			}
			a := s.Tools[0].Access
			if a.Rule != tt.rule || a.Guard != tt.guard {
				t.Errorf("access %+v, want rule %q guard %q", a, tt.rule, tt.guard)
			}
			if len(s.Resources) != 1 || !reflect.DeepEqual(s.Resources[0].Access, a) || len(s.Prompts) != 1 || !reflect.DeepEqual(s.Prompts[0].Access, a) {
				t.Errorf("resources %+v and prompts %+v, want the access of the tool %+v", s.Resources, s.Prompts, a)
			}
			if closed := strings.Contains(tt.config, "auth {"); s.Server.Auth.Closed != closed {
				t.Errorf("closed_by_default %v, want %v", s.Server.Auth.Closed, closed)
			}
			for who, ctx := range callers {
				got := len(gen.VisibleTools(ctx)) == 1
				if got != tt.visible[who] {
					t.Errorf("%s sees the tool: %v, want %v", who, got, tt.visible[who])
				}
			}
		})
	}
}

// TestVisibleTools: per caller, the tools a guard or a bind would always
// deny are left out.
func TestVisibleTools(t *testing.T) {
	paths, _ := surfaceFiles(t)
	_, gen := surfaceJSON(t, paths...)
	tests := []struct {
		name string
		ctx  context.Context
		want []string
	}{
		{"anonymous", as(nil), []string{"about", "count"}},
		{"reader without an organization", as(&runtime.Principal{Subject: "a", Scopes: []string{"kv.read"}}), []string{"about", "count"}},
		{"reader of an organization", as(&runtime.Principal{Subject: "a", Scopes: []string{"kv.read"}, Claims: map[string]any{"org": "acme"}}),
			[]string{"about", "count", "lookup"}},
		{"over stdio", runtime.WithTransport(context.Background(), "stdio"), []string{"about", "count", "fetch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gen.VisibleTools(tt.ctx); !slices.Equal(got, tt.want) {
				t.Errorf("VisibleTools = %v, want %v", got, tt.want)
			}
		})
	}
}
