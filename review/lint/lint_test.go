package lint_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	_ "github.com/mcpgen/mcpgen/adapters/http"
	_ "github.com/mcpgen/mcpgen/adapters/mcp"
	_ "github.com/mcpgen/mcpgen/adapters/sql"
	"github.com/mcpgen/mcpgen/internal/fixture"
	"github.com/mcpgen/mcpgen/review/lint"
	"github.com/mcpgen/mcpgen/runtime"
)

// run builds paths offline, as `mcpgen lint` does, and lints them.
func run(t *testing.T, opts lint.Options, paths ...string) *lint.Report {
	t.Helper()
	gen, diags := runtime.Build(context.Background(), paths, runtime.BuildOptions{Mode: runtime.BuildOffline, Log: zerolog.Nop()})
	for _, d := range diags {
		t.Errorf("build: %s", d.Error())
	}
	if diags.HasErrors() {
		t.FailNow()
	}
	return lint.Run(gen, opts)
}

func text(t *testing.T, r *lint.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := lint.WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const fixtures = "../../testdata/lint"

// TestRuleFixtures: every rule has fixtures in testdata/lint/<rule id>/:
// bad*.hcl, whose findings are exactly their `# want:` comments (and
// include the rule), and good*.hcl, which lint clean.
func TestRuleFixtures(t *testing.T) {
	t.Setenv("LINT_SECRET", "from-the-environment") // what fixtures read with env()
	for _, rule := range lint.Rules() {
		t.Run(rule.ID, func(t *testing.T) {
			dir := filepath.Join(fixtures, filepath.FromSlash(rule.ID))
			for _, file := range fixture.Glob(t, filepath.Join(dir, "bad*.hcl")) {
				t.Run(filepath.Base(file), func(t *testing.T) {
					r := run(t, lint.Options{}, file)
					out := text(t, r)
					fixture.Check(t, []string{file}, out)
					if !strings.Contains(out, ": "+rule.ID+": ") {
						t.Errorf("no finding of %s in %s:\n%s", rule.ID, file, out)
					}
				})
			}
			for _, file := range fixture.Glob(t, filepath.Join(dir, "good*.hcl")) {
				t.Run(filepath.Base(file), func(t *testing.T) {
					if out := text(t, run(t, lint.Options{}, file)); out != "" {
						t.Errorf("%s should lint clean:\n%s", file, out)
					}
				})
			}
		})
	}
}

// TestFixtureFoldersAreRules: a fixture folder that names no rule (a
// renamed rule) would never run.
func TestFixtureFoldersAreRules(t *testing.T) {
	for _, dir := range fixture.Glob(t, filepath.Join(fixtures, "*", "*")) {
		id := filepath.ToSlash(strings.TrimPrefix(dir, fixtures+string(filepath.Separator)))
		if lint.RuleByID(id) == nil {
			t.Errorf("%s: no rule %q", dir, id)
		}
	}
}

// TestExamplesLintClean: the shipped examples have no findings at all, not
// even info, and suppress nothing, whether served on loopback or beyond.
func TestExamplesLintClean(t *testing.T) {
	for _, file := range fixture.Glob(t, "../../examples/*.hcl") {
		if strings.HasSuffix(file, ".test.hcl") {
			continue // a test file, not a configuration
		}
		for _, listen := range []string{"", "0.0.0.0:8080"} {
			t.Run(filepath.Base(file)+" "+listen, func(t *testing.T) {
				r := run(t, lint.Options{Listen: listen}, file)
				if out := text(t, r); out != "" || len(r.Suppressed) > 0 {
					t.Errorf("%s:\n%s%d suppressed", file, out, len(r.Suppressed))
				}
			})
		}
	}
}

// TestRulesDocumented: docs/lint.md has a section per rule, with its
// severity and an HCL example.
func TestRulesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/lint.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := strings.Split(string(doc), "\n### ")
	for _, rule := range lint.Rules() {
		var section string
		for _, s := range sections {
			if strings.HasPrefix(s, "`"+rule.ID+"`") {
				section = s
			}
		}
		switch {
		case section == "":
			t.Errorf("docs/lint.md: no section ### `%s`", rule.ID)
		case !strings.Contains(section, rule.Severity.String()):
			t.Errorf("docs/lint.md: the section of %s does not give its severity %s", rule.ID, rule.Severity)
		case !strings.Contains(section, "```hcl"):
			t.Errorf("docs/lint.md: the section of %s has no HCL example", rule.ID)
		}
	}
}
