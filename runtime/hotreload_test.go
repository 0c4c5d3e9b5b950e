package runtime_test

// Server.Reload on real files: a good configuration is swapped in whole
// (tools, resources, prompts), a broken one is refused and the previous
// generation serves on; rate limit buckets carry over, caches do not.

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/runtime"
)

func reloadConfig(name, db, extra string) string {
	return fmt.Sprintf(`
server { name = %q }

source "sql" "db" {
  driver = "sqlite"
  dsn    = %q
  seed   = <<-SQL
    CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
    INSERT INTO kv VALUES ('a', 'one');
  SQL
}

tool "limited" {
  description = "One call an hour, whatever the generation."
  source      = source.sql.db
  sql         = "SELECT 1 AS one"
  result { one = true }
  rate_limit {
    rate  = "1/h"
    burst = 1
  }
}

tool "cached" {
  description = "Cached for an hour, within one generation."
  source      = source.sql.db
  sql         = "SELECT v FROM kv WHERE k = 'a'"
  result { one = true }
  cache { ttl = "1h" }
}
%s`, name, db, extra)
}

const reloadFirst = `
tool "old_tool" {
  description = "Only in the first generation."
  content "text" {
    text = "old"
  }
}

resource "kept" {
  uri  = "docs://kept"
  text = "the same in both"
}

resource "edited" {
  uri  = "docs://edited"
  text = "before"
}

resource "dropped" {
  uri  = "docs://dropped"
  text = "gone after the reload"
}

resource "tmpl" {
  uri_template = "kv://values/{k}"
  source       = source.sql.db
  param "k" { type = "string" }
  sql = "SELECT v FROM kv WHERE k = :k"
  result { one = true }
}

prompt "old_prompt" {
  message "user" "text" {
    text = "old"
  }
}
`

const reloadSecond = `
tool "new_tool" {
  description = "Only in the second generation."
  content "text" {
    text = "new"
  }
}

resource "kept" {
  uri  = "docs://kept"
  text = "the same in both"
}

resource "edited" {
  uri  = "docs://edited"
  text = "after"
}

prompt "new_prompt" {
  message "user" "text" {
    text = "new"
  }
}
`

func TestReload(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kv.db")
	path := filepath.Join(dir, "main.hcl")
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(reloadConfig("reload", db, reloadFirst))
	h := serve(t, build(t, path))
	ctx := as(&runtime.Principal{Subject: "alice"})
	first := h.srv.Generation()

	// A bucket emptied and a cache filled in the first generation.
	if res := h.call(t, ctx, "limited", map[string]any{}); res.IsError {
		t.Fatalf("limited: %s", res.text())
	}
	h.call(t, ctx, "cached", map[string]any{})
	h.call(t, ctx, "cached", map[string]any{})
	if !h.last(t).Cached {
		t.Fatalf("the second call was not answered from the cache")
	}

	t.Run("success", func(t *testing.T) {
		write(reloadConfig("renamed", db, reloadSecond))
		conf, err := h.srv.Reload(context.Background(), []string{path})
		if err != nil || conf == nil {
			t.Fatalf("Reload: %v", err)
		}
		gen := h.srv.Generation()
		if gen == first || gen.Number() != 2 || gen.Hash() == first.Hash() {
			t.Fatalf("after the reload: generation %d, hash %s (first %s)", gen.Number(), gen.Hash(), first.Hash())
		}
		if names := h.listTools(t, ctx); !slices.Equal(names, []string{"cached", "limited", "new_tool"}) {
			t.Errorf("tools/list after the reload: %v", names)
		}
		if resp := h.rpc(t, ctx, "tools/call", map[string]any{"name": "old_tool", "arguments": map[string]any{}}); resp.Error == nil {
			t.Errorf("a removed tool answered: %s", resp.Result)
		}
		if res := h.call(t, ctx, "new_tool", map[string]any{}); res.text() != "new" {
			t.Errorf("new_tool: %+v", res)
		}
		if res := h.call(t, ctx, "limited", map[string]any{}); !res.IsError || !strings.Contains(res.text(), "Rate limit exceeded") {
			t.Errorf("the bucket emptied before the reload was refilled: %+v", res)
		}
		if h.call(t, ctx, "cached", map[string]any{}); h.last(t).Cached {
			t.Errorf("the new generation answered from the old one's cache")
		}
		logs := h.logs.String()
		for _, want := range []string{`"needs_restart":["server.name"]`, `"added":["new_tool"]`, `"removed":["old_tool"]`, "configuration reloaded"} {
			if !strings.Contains(logs, want) {
				t.Errorf("the log lacks %s:\n%s", want, logs)
			}
		}
	})

	t.Run("resources and prompts follow", func(t *testing.T) {
		var res struct {
			Resources []struct{ URI string } `json:"resources"`
		}
		h.rpc(t, ctx, "resources/list", map[string]any{}).decode(t, &res)
		var uris []string
		for _, r := range res.Resources {
			uris = append(uris, r.URI)
		}
		slices.Sort(uris)
		if !slices.Equal(uris, []string{"docs://edited", "docs://kept"}) {
			t.Errorf("resources/list: %v", uris)
		}
		var read struct {
			Contents []struct{ Text string } `json:"contents"`
		}
		h.rpc(t, ctx, "resources/read", map[string]any{"uri": "docs://edited"}).decode(t, &read)
		if len(read.Contents) != 1 || read.Contents[0].Text != "after" {
			t.Errorf("the edited resource reads %+v", read.Contents)
		}
		var tmpls struct {
			ResourceTemplates []any `json:"resourceTemplates"`
		}
		h.rpc(t, ctx, "resources/templates/list", map[string]any{}).decode(t, &tmpls)
		if len(tmpls.ResourceTemplates) != 0 {
			t.Errorf("the removed template is listed: %v", tmpls.ResourceTemplates)
		}
		if resp := h.rpc(t, ctx, "resources/read", map[string]any{"uri": "kv://values/a"}); resp.Error == nil {
			t.Errorf("the removed template answered: %s", resp.Result)
		}
		var prompts struct {
			Prompts []struct{ Name string } `json:"prompts"`
		}
		h.rpc(t, ctx, "prompts/list", map[string]any{}).decode(t, &prompts)
		if len(prompts.Prompts) != 1 || prompts.Prompts[0].Name != "new_prompt" {
			t.Errorf("prompts/list: %+v", prompts.Prompts)
		}
	})

	t.Run("failure keeps the previous generation", func(t *testing.T) {
		serving := h.srv.Generation()
		tests := []struct {
			name string
			text string
			diag string // in the log, after the file's name
		}{
			{"syntax error", "tool \"x\" {\n", ":1:10: Unclosed configuration block"},
			{"undeclared source", `tool "x" {
  description = "x"
  source      = source.sql.nope
  sql         = "SELECT 1"
}
`, ":3:17: Reference to an undeclared source"},
			{"a column that does not exist", reloadConfig("renamed", db, `
tool "bad" {
  description = "Reads a column the table lacks."
  source      = source.sql.db
  sql         = "SELECT nope FROM kv"
}
`), ":35:25: Invalid SQL statement"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				write(tt.text)
				conf, err := h.srv.Reload(context.Background(), []string{path})
				if !errors.Is(err, runtime.ErrReloadFailed) || conf == nil {
					t.Fatalf("Reload = %v, %v; want the attempted configuration and ErrReloadFailed", conf, err)
				}
				if h.srv.Generation() != serving {
					t.Fatalf("generation %d serves, want %d", h.srv.Generation().Number(), serving.Number())
				}
				if res := h.call(t, ctx, "new_tool", map[string]any{}); res.text() != "new" {
					t.Errorf("the previous generation does not answer: %+v", res)
				}
				if !strings.Contains(h.logs.String(), "reload: "+path+tt.diag) {
					t.Errorf("the log does not name the file and position:\n%s", h.logs)
				}
			})
		}
		metrics := httptest.NewRecorder()
		h.srv.MetricsHandler().ServeHTTP(metrics, httptest.NewRequest("GET", "/metrics", nil))
		for _, want := range []string{`mcpgen_reloads_total{result="failed"} 3`, `mcpgen_reloads_total{result="ok"} 1`} {
			if !strings.Contains(metrics.Body.String(), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})

	t.Run("refused after Close", func(t *testing.T) {
		write(reloadConfig("renamed", db, reloadSecond))
		h.srv.Close()
		if _, err := h.srv.Reload(context.Background(), []string{path}); err == nil || errors.Is(err, runtime.ErrReloadFailed) {
			t.Errorf("Reload after Close: %v, want the server's refusal", err)
		}
	})
}

// TestWait: Wait refuses new requests and returns once those in flight
// have.
func TestWait(t *testing.T) {
	h := serve(t, build(t, writeFiles(t, t.TempDir(), "main.hcl", `
tool "about" {
  description = "About."
  content "text" {
    text = "hi"
  }
}

resource "readme" {
  uri  = "docs://readme"
  text = "hi"
}

prompt "hello" {
  message "user" "text" {
    text = "hi"
  }
}
`)...))
	if err := h.srv.Wait(context.Background()); err != nil {
		t.Fatalf("Wait with nothing in flight: %v", err)
	}
	res := h.call(t, as(nil), "about", map[string]any{})
	if !res.IsError || !strings.Contains(res.text(), "shutting down") {
		t.Errorf("a call after Wait: %+v", res)
	}
	for _, req := range []struct {
		method string
		params map[string]any
	}{
		{"prompts/get", map[string]any{"name": "hello"}},
		{"resources/read", map[string]any{"uri": "docs://readme"}},
		{"completion/complete", map[string]any{"ref": map[string]any{"type": "ref/prompt", "name": "hello"},
			"argument": map[string]any{"name": "a", "value": ""}}},
	} {
		if resp := h.rpc(t, as(nil), req.method, req.params); resp.Error == nil || !strings.Contains(resp.Error.Message, "shutting down") {
			t.Errorf("%s after Wait: %s %+v", req.method, resp.Result, resp.Error)
		}
	}
}
