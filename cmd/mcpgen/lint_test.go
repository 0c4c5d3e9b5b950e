package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

const lintFixtures = "../../testdata/lint/"

// TestLintExitCodes: 0 when clean (warnings and info too, unless
// --strict), 1 for an error finding, a warning with --strict, or a
// configuration that does not load, 2 for a wrong command line.
func TestLintExitCodes(t *testing.T) {
	errorsFile := lintFixtures + "poison/model-instruction/bad.hcl"     // errors
	warningsFile := lintFixtures + "poison/url-or-email/bad.hcl"        // warnings only
	infoFile := lintFixtures + "cost/http-no-timeout/bad.hcl"           // info only
	loopback := lintFixtures + "cost/unlimited-write/good_loopback.hcl" // clean on loopback
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"lint", technova}, exitOK, "", "lint: 0 errors, 0 warnings, 0 info"},
		{[]string{"lint", "--strict", technova}, exitOK, "", "lint: 0 errors"},
		{[]string{"lint", "--help"}, exitOK, "Usage: mcpgen lint", ""},
		{[]string{"lint"}, exitUsage, "", "lint: name at least one .hcl file or directory"},
		{[]string{"lint", "--format", "xml", technova}, exitUsage, "", `--format must be text, json or sarif, not "xml"`},
		{[]string{"lint", errorsFile}, exitConfig, "error: poison/model-instruction:", "lint: 6 errors, 0 warnings, 0 info"},
		{[]string{"lint", warningsFile}, exitOK, "warning: poison/url-or-email:", "lint: 0 errors, 3 warnings"},
		{[]string{"lint", "--strict", warningsFile}, exitConfig, "warning: poison/url-or-email:", "3 warnings"},
		{[]string{"lint", infoFile, "--strict"}, exitOK, "info: cost/http-no-timeout:", "1 info"},
		{[]string{"lint", "--listen", "0.0.0.0:8080", loopback}, exitOK, "cost/unlimited-write", "1 warning"},
		{[]string{"lint", "--listen", "0.0.0.0:8080", "--strict", loopback}, exitConfig, "cost/unlimited-write", ""},
		{[]string{"lint", "--format", "json", warningsFile, "--strict"}, exitConfig, `"warnings": 3`, ""},
		{[]string{"lint", "../../testdata/invalid/params.hcl"}, exitConfig, "", "params.hcl:11:"},
		{[]string{"lint", "no/such/file.hcl"}, exitConfig, "", "no/such/file.hcl"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), tt.args, nil, &stdout, &stderr)
			if code := ExitCode(err, &stderr); code != tt.code {
				t.Errorf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.stderr)
			}
		})
	}
}

// TestLintFormats: json and sarif print one document on stdout and nothing
// else, with paths as given (json) or relative to the working directory
// (sarif).
func TestLintFormats(t *testing.T) {
	file := lintFixtures + "poison/url-or-email/bad.hcl"
	var stdout, stderr bytes.Buffer
	if err := Run(context.Background(), []string{"lint", "--format", "json", file}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var report struct {
		Findings []struct {
			Rule, Severity, File, Message, Fix string
			Line, Column                       int
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if len(report.Findings) != 3 {
		t.Fatalf("%d findings: %s", len(report.Findings), stdout.String())
	}
	f := report.Findings[0]
	if f.Rule != "poison/url-or-email" || f.Severity != "warning" || f.File != file || f.Line != 8 || f.Column != 48 || f.Message == "" || f.Fix == "" {
		t.Errorf("first finding %+v", f)
	}

	stdout.Reset()
	if err := Run(context.Background(), []string{"lint", "--format", "sarif", file}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var log struct {
		Version string
		Runs    []struct {
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &log); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout.String())
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 3 {
		t.Fatalf("log %+v", log)
	}
	// The working directory is cmd/mcpgen: the fixture is reached upward.
	loc := log.Runs[0].Results[0].Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "../../testdata/lint/poison/url-or-email/bad.hcl" || loc.Region.StartLine != 8 || loc.Region.StartColumn != 48 {
		t.Errorf("location %+v", loc)
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestServerIgnoresLintBlock: a configuration with a lint block validates
// against its database and serves, the lint block changing nothing.
func TestServerIgnoresLintBlock(t *testing.T) {
	lintFile := filepath.Join(t.TempDir(), "lint.hcl")
	block := `lint {
  max_description_tokens = 200
  disable "cost/select-star" {
    reason = "reviewed: the example names its columns"
  }
}
`
	if err := os.WriteFile(lintFile, []byte(block), 0o600); err != nil {
		t.Fatal(err)
	}
	env := sqliteBackend().env(t)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	if err := Run(context.Background(), []string{"validate", technova, lintFile}, nil, &stdout, &stderr); err != nil || stderr.Len() > 0 {
		t.Fatalf("validate: %v\n%s", err, stderr.String())
	}
	s := startHTTP(t, env, technova, lintFile)
	list, err := s.client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) == 0 {
		t.Error("no tools served")
	}
	// The disabled rule found nothing in the example: lint says so.
	stdout.Reset()
	stderr.Reset()
	err = Run(context.Background(), []string{"lint", technova, lintFile}, nil, &stdout, &stderr)
	if code := ExitCode(err, &stderr); code != exitOK || !strings.Contains(stdout.String(), `lint/unused-suppression: disable "cost/select-star" suppresses nothing`) {
		t.Errorf("lint exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
}
