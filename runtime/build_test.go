package runtime_test

// Build: how far each mode goes, the credential policy, and the env()
// values it hands to the logger to redact.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

// TestBuildModes: offline and check build the same generation as serve
// but leave the database alone; serve creates and seeds it.
func TestBuildModes(t *testing.T) {
	tests := []struct {
		name    string
		mode    runtime.BuildMode
		created bool
	}{
		{"offline", runtime.BuildOffline, false},
		{"check", runtime.BuildCheck, false},
		{"serve", runtime.BuildServe, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "modes.db")
			paths := writeFiles(t, dir, "main.hcl", fmt.Sprintf(`
source "sql" "db" {
  driver = "sqlite"
  dsn    = %q
  seed   = "CREATE TABLE kv (k TEXT PRIMARY KEY);"
}

tool "get" {
  description = "A key."
  source      = source.sql.db
  timeout     = "7s"
  param "k" { type = "string" }
  sql = "SELECT k FROM kv WHERE k = :k"
}
`, db))
			gen, diags := runtime.Build(context.Background(), paths, runtime.BuildOptions{Mode: tt.mode, Log: zerolog.Nop()})
			if diags.HasErrors() {
				t.Fatalf("build: %s", diags.Error())
			}
			t.Cleanup(func() { _ = gen.Close() })
			if _, err := os.Stat(db); (err == nil) != tt.created {
				t.Errorf("the database exists: %v, want %v", err == nil, tt.created)
			}
			if gen.Partial() || gen.MaxTimeout().String() != "7s" || len(gen.Surface().Tools) != 1 {
				t.Errorf("partial %v, max timeout %s, %d tools", gen.Partial(), gen.MaxTimeout(), len(gen.Surface().Tools))
			}
		})
	}
}

// TestBuildCredentialPolicy: beyond loopback, HTTP needs credentials
// unless --insecure-no-auth says otherwise, and then it is logged loudly;
// credentials need HTTPS or a TLS-terminating proxy, and a resource
// reached over HTTPS says https.
func TestBuildCredentialPolicy(t *testing.T) {
	const open = `server { name = "s" }`
	withKey := open + `
auth {
  api_key "k" {
    hash    = "sha256:b22b340085e9c033f2297d5efa295c674cf9f0e52d93667496e48f270f54561f"
    subject = "svc"
  }
}
`
	withResource := func(resource string) string {
		return strings.Replace(withKey, "auth {\n", "auth {\n  resource = \""+resource+"\"\n", 1)
	}
	tests := []struct {
		name     string
		config   string
		exposure runtime.Exposure
		err      string // a part of the error; "" for none
		warning  bool
	}{
		{"stdio", open, runtime.Exposure{}, "", false},
		{"loopback", open, runtime.Exposure{HTTP: "127.0.0.1:8080"}, "", false},
		{"loopback, IPv6", open, runtime.Exposure{HTTP: "[::1]:8080"}, "", false},
		{"localhost", open, runtime.Exposure{HTTP: "localhost:8080"}, "", false},
		{"every address without credentials", open, runtime.Exposure{HTTP: "0.0.0.0:8080"}, ":1,1-7: Refusing to serve without authentication", false},
		{"every address with credentials over plain HTTP", withKey, runtime.Exposure{HTTP: "0.0.0.0:8080"}, ":2,1-5: Refusing to take credentials over plain HTTP", false},
		{"every address with credentials over TLS", withKey, runtime.Exposure{HTTP: "0.0.0.0:8080", TLS: true}, "", false},
		{"every address with credentials behind a proxy", withKey, runtime.Exposure{HTTP: "0.0.0.0:8080", TrustedProxy: true}, "", false},
		{"loopback with credentials over plain HTTP", withKey, runtime.Exposure{HTTP: "127.0.0.1:8080"}, "", false},
		{"every address, insecure", open, runtime.Exposure{HTTP: ":8080", InsecureNoAuth: true}, "", true},
		{"an http resource over TLS", withResource("http://127.0.0.1:8080/mcp"), runtime.Exposure{HTTP: "127.0.0.1:8443", TLS: true}, ":3,14-41: Resource must use https", false},
		{"an http resource behind a proxy", withResource("http://127.0.0.1:8080/mcp"), runtime.Exposure{HTTP: "0.0.0.0:8080", TrustedProxy: true}, ":3,14-41: Resource must use https", false},
		{"an https resource over TLS", withResource("https://mcp.example.com/mcp"), runtime.Exposure{HTTP: "0.0.0.0:8443", TLS: true}, "", false},
		{"an http resource on loopback", withResource("http://127.0.0.1:8080/mcp"), runtime.Exposure{HTTP: "127.0.0.1:8080"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := writeFiles(t, t.TempDir(), "main.hcl", tt.config)
			var logs lockedBuffer
			gen, diags := runtime.Build(context.Background(), paths, runtime.BuildOptions{
				Mode: runtime.BuildServe, Log: zerolog.New(&logs), Exposure: tt.exposure,
			})
			t.Cleanup(func() { _ = gen.Close() })
			if tt.err == "" && diags.HasErrors() {
				t.Errorf("build: %s", diags.Error())
			}
			if tt.err != "" && (!diags.HasErrors() || !strings.Contains(diags.Error(), paths[0]+tt.err)) {
				t.Errorf("build: %v, want %q", diags, tt.err)
			}
			if warned := strings.Contains(logs.String(), "WITHOUT AUTHENTICATION"); warned != tt.warning {
				t.Errorf("warned %v, want %v:\n%s", warned, tt.warning, logs.String())
			}
		})
	}
}

// TestBuildSecrets: the env() values of a configuration join the set the
// operational log redacts, before anything is logged.
func TestBuildSecrets(t *testing.T) {
	t.Setenv("BUILD_SECRET_DSN", "file:"+filepath.Join(t.TempDir(), "hush-hush.db"))
	paths := writeFiles(t, t.TempDir(), "main.hcl", `
source "sql" "db" {
  driver = "sqlite"
  dsn    = env("BUILD_SECRET_DSN")
}
`)
	secrets := &cfg.Secrets{}
	gen, diags := runtime.Build(context.Background(), paths, runtime.BuildOptions{Mode: runtime.BuildOffline, Log: zerolog.Nop(), Secrets: secrets})
	if diags.HasErrors() {
		t.Fatalf("build: %s", diags.Error())
	}
	t.Cleanup(func() { _ = gen.Close() })
	var out lockedBuffer
	log := runtime.NewLogger(&out, secrets, runtime.ParseLevel("warn"))
	log.Info().Msg("not at this level")
	log.Warn().Str("dsn", os.Getenv("BUILD_SECRET_DSN")).Msg("opening")
	if got := out.String(); strings.Contains(got, "hush-hush") || !strings.Contains(got, `"dsn":"[redacted]"`) || strings.Contains(got, "not at this level") {
		t.Errorf("log: %s", got)
	}
	for name, want := range map[string]zerolog.Level{"": zerolog.InfoLevel, "bogus": zerolog.InfoLevel, "debug": zerolog.DebugLevel, "error": zerolog.ErrorLevel} {
		if got := runtime.ParseLevel(name); got != want {
			t.Errorf("ParseLevel(%q) = %s, want %s", name, got, want)
		}
	}
}
