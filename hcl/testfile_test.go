package hcl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadTestsPrincipals(t *testing.T) {
	src := `
principal "acme_support" {
  subject = "alice"
  scopes  = ["orders:read", "orders:cancel"]
  claims  = { org = "acme", roles = ["support"] }
}
principal "globex" {
  subject = "bob"
}
`
	tests, diags := LoadTestSource("a.test.hcl", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("diagnostics: %s", diags.Error())
	}
	if len(tests.Principals) != 2 {
		t.Fatalf("principals = %d, want 2", len(tests.Principals))
	}
	p := tests.Principal("acme_support")
	if p == nil || p.Subject != "alice" || len(p.Scopes) != 2 || p.Claims["org"] != "acme" {
		t.Fatalf("acme_support = %+v", p)
	}
	if p.DeclRange.Start.Line != 2 {
		t.Errorf("declared at line %d, want 2", p.DeclRange.Start.Line)
	}
	if tests.Principal("nobody") != nil {
		t.Error("an undeclared principal was found")
	}
}

func TestLoadTestsDiagnostics(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"duplicate", "principal \"a\" {\n  subject = \"x\"\n}\nprincipal \"a\" {\n  subject = \"y\"\n}\n",
			"t.test.hcl:4:1: Duplicate principal; principal \"a\" is already declared at t.test.hcl:1:1."},
		{"reserved", "principal \"anonymous\" {\n  subject = \"x\"\n}\n", "t.test.hcl:1:11: Reserved principal name"},
		{"bad name", "principal \"a b\" {\n  subject = \"x\"\n}\n", "t.test.hcl:1:11: Invalid principal name"},
		{"no subject", "principal \"a\" {\n}\n", "t.test.hcl:1:15: Missing required argument"},
		{"claims not an object", "principal \"a\" {\n  subject = \"x\"\n  claims = [1]\n}\n", "t.test.hcl:3:12: Incorrect attribute value type"},
		{"unknown block", "tool \"x\" {\n}\n", "t.test.hcl:1:1: Unsupported block type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := LoadTestSource("t.test.hcl", []byte(c.src))
			var b strings.Builder
			WriteDiagnostics(&b, diags)
			if !diags.HasErrors() || !strings.Contains(b.String(), c.want) {
				t.Fatalf("diagnostics:\n%s\nwant a line containing %q", b.String(), c.want)
			}
		})
	}
}

// A directory given as configuration skips the test files beside it, and a
// directory given as tests reads only them.
func TestTestFilesBesideConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("server.hcl", "server {\n  name = \"s\"\n}\n")
	write("server.test.hcl", "principal \"p\" {\n  subject = \"x\"\n}\n")
	cfg, diags := Load([]string{dir})
	if diags.HasErrors() {
		t.Fatalf("config: %s", diags.Error())
	}
	if _, ok := cfg.Files[filepath.Join(dir, "server.test.hcl")]; ok {
		t.Error("the configuration loaded the test file")
	}
	tests, diags := LoadTests([]string{dir})
	if diags.HasErrors() {
		t.Fatalf("tests: %s", diags.Error())
	}
	if len(tests.Principals) != 1 || len(tests.Files) != 1 {
		t.Errorf("tests read %d files, %d principals; want 1, 1", len(tests.Files), len(tests.Principals))
	}
}
