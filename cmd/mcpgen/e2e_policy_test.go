package main

// The policy's values are built once per call (principal, tool, request)
// and shared by the guard, the binds and the rate limit key: the key sees
// the same tool record as the guard.

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRateLimitKeySeesTheWholeTool keys a rate limit on tool.title, a
// field of the tool record that guards and keys both type-check against:
// the key reads it (and the limit applies), over HTTP and stdio.
func TestRateLimitKeySeesTheWholeTool(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "key.hcl")
	if err := os.WriteFile(config, []byte(`
server { name = "keys" }

source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:`+filepath.Join(dir, "keys.db")+`"
}

tool "echo" {
  title       = "Echo"
  description = "Echo a number back."
  source      = source.sql.db
  param "n" { type = "integer" }
  rate_limit {
    rate = "2/m"
    key  = "tool.title"
  }
  sql    = "SELECT :n AS n"
  result { one = true }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, start := range map[string]func(t *testing.T, env []string, args ...string) *server{
		"http": func(t *testing.T, env []string, args ...string) *server {
			return startHTTPWith(t, "2025-06-18", nil, env, args...)
		},
		"stdio": startStdio,
	} {
		t.Run(name, func(t *testing.T) {
			s := start(t, nil, config)
			for i := range 2 {
				if got := ok(t, call(t, s.client, "echo", map[string]any{"n": i})); got["n"] != float64(i) {
					t.Fatalf("call %d: %v", i, got)
				}
			}
			toolError(t, call(t, s.client, "echo", map[string]any{"n": 3}), "Rate limit exceeded")
		})
	}
}
