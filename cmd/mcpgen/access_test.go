package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	accessConfig     = "../../review/access/testdata/access.hcl"
	accessPrincipals = "../../review/access/testdata/principals.test.hcl"
)

func runMcpgen(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return ExitCode(err, &errOut), out.String(), errOut.String()
}

func TestAccessCommand(t *testing.T) {
	// A test file beside the configuration is read when none is named.
	dir := t.TempDir()
	copyFile(t, accessConfig, filepath.Join(dir, "access.hcl"))
	copyFile(t, accessPrincipals, filepath.Join(dir, "access.test.hcl"))
	broken := filepath.Join(dir, "broken.test.hcl")
	if err := os.WriteFile(broken, []byte("principal \"x\" {\n  scopes = \"orders.read\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{[]string{"access", "--principals", accessPrincipals, accessConfig}, exitOK, []string{
			"access-test: who may call what (6 principals, 9 entries)",
			"  depends  refund           when args.amount < 1000; binds org = \"acme\" (principal.claims.org)",
			"  denied   get_order        hidden: bind \"org\" (principal.claims.org) fails: no such key: org",
		}, ""},
		{[]string{"access", filepath.Join(dir, "access.hcl")}, exitOK, []string{"\nacme_manager (http; sub acme-manager;"}, ""},
		{[]string{"access", accessConfig}, exitOK, []string{"\napi_key.acme_manager (http; sub acme-manager;"}, ""},
		{[]string{"access", dir}, exitConfig, nil, "broken.test.hcl:2:"}, // a directory's test files are its principals
		{[]string{"access", "--format", "markdown", "--principals", accessPrincipals, accessConfig}, exitOK,
			[]string{"| **acme\\_manager** | ✅ allowed |"}, ""},
		{[]string{"access", "--format", "yaml", accessConfig}, exitUsage, nil, `--format must be text, markdown or json, not "yaml"`},
		{[]string{"access"}, exitUsage, nil, "name at least one .hcl file"},
		{[]string{"access", "--principals", broken, accessConfig}, exitConfig, nil, "broken.test.hcl:2:"},
		{[]string{"access", "--principals", filepath.Join(dir, "missing.test.hcl"), accessConfig}, exitConfig, nil, "missing.test.hcl"},
		{[]string{"access", "--help"}, exitOK, []string{"Usage: mcpgen access"}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runMcpgen(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
		})
	}
	code, stdout, stderr := runMcpgen(t, "access", "--format", "json", "--principals", accessPrincipals, accessConfig)
	if code != exitOK {
		t.Fatalf("access --format json: %d %s", code, stderr)
	}
	var m struct {
		Principals []struct{ Name string } `json:"principals"`
		Cells      [][]struct {
			Verdict   string `json:"verdict"`
			Condition string `json:"condition"`
		} `json:"cells"`
	}
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Principals) != 6 || len(m.Cells) != 6 {
		t.Fatalf("json: %d principals, %d rows of cells", len(m.Principals), len(m.Cells))
	}
}

func TestSurfaceCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "surface.html")
	base := filepath.Join(dir, "base.hcl")
	src, err := os.ReadFile(accessConfig)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(src), `guard       = "principal.claims.org == 'acme'"`, `guard       = "true"`, 1)
	if old == string(src) {
		t.Fatal("the base's edit found nothing to change")
	}
	if err := os.WriteFile(base, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runMcpgen(t, "surface", "-o", out, "--principals", accessPrincipals, "--base", base, accessConfig)
	if code != exitOK || !strings.Contains(stderr, "surface: wrote "+out) {
		t.Fatalf("surface: exit %d, stderr:\n%s", code, stderr)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`http-equiv="Content-Security-Policy"`,
		`<table class="matrix" id="matrix">`,
		`<article id="tool-acme_report" class="card item changed"`,
		`the guard tightens: a requirement is added`,
		`<span class="k">SELECT</span>`,
	} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	code, stdout, _ := runMcpgen(t, "surface", "-o", "-", accessConfig)
	if code != exitOK || !strings.HasPrefix(stdout, "<!DOCTYPE html>") {
		t.Errorf("surface -o -: exit %d, %.40q", code, stdout)
	}
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"surface", accessConfig}, "name the file to write with -o FILE"},
		{[]string{"surface", "-o", out, "--base", base, accessConfig, accessConfig}, "--base compares one configuration"},
	} {
		if code, _, stderr := runMcpgen(t, tt.args...); code != exitUsage || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%q: exit %d, stderr %q; want usage and %q", tt.args, code, stderr, tt.stderr)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
