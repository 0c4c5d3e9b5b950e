package main

import (
	"context"
	"database/sql"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// exampleDir copies the TechNova example (configuration, seed and test
// file) into a directory of its own, with testSrc as the test file when
// it is not empty.
func exampleDir(t *testing.T, testSrc string) string {
	t.Helper()
	dir := t.TempDir()
	copyFile := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("../../examples/technova.hcl", filepath.Join(dir, "technova.hcl"))
	copyFile("../../examples/technova/seed.sql", filepath.Join(dir, "technova", "seed.sql"))
	copyFile("../../examples/technova.test.hcl", filepath.Join(dir, "technova.test.hcl"))
	if testSrc != "" {
		if err := os.WriteFile(filepath.Join(dir, "technova.test.hcl"), []byte(testSrc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runTestCommand runs `mcpgen test ARGS` as a process in dir and returns
// its exit code and output. TECHNOVA_DB names a file that must never be
// created: tests run on fixtures.
func runTestCommand(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	real := filepath.Join(t.TempDir(), "real.db")
	cmd := mainCommand(append([]string{"TECHNOVA_DB=file:" + real}, env...), append([]string{"test"}, args...)...)
	cmd.Dir = dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running mcpgen test: %v", err)
	}
	if _, err := os.Stat(real); !os.IsNotExist(err) {
		t.Errorf("the configuration's own database was created or touched: %v", err)
	}
	return code, stdout.String(), stderr.String()
}

// The shipped example's tests pass, given as a test file (the
// configuration beside it is found), as a configuration file (its test
// file beside it is found) and as the current directory (no path).
func TestExampleTests(t *testing.T) {
	abs, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	dir := exampleDir(t, "")
	for _, c := range []struct {
		name, dir string
		args      []string
	}{
		{"test file", abs, []string{"technova.test.hcl"}},
		{"config file", abs, []string{"technova.hcl"}},
		{"current directory", dir, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runTestCommand(t, c.dir, nil, c.args...)
			if code != 0 || !strings.HasSuffix(out, "\n25 passed, 0 failed\n") || errOut != "" {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if !strings.Contains(out, "ok   acme agent cannot read a globex order (technova.test.hcl:61)") {
				t.Errorf("no line for a case:\n%s", out)
			}
		})
	}
}

const failingTests = `principal "acme_agent" {
  subject = "alice@acme"
  scopes  = ["orders.read", "orders.write"]
  claims  = { org = "acme" }
}

test "globex order is visible to acme" {
  principal = "acme_agent"
  tool      = "get_order"
  args      = { order_id = 1001 }
  expect {
    assert = "result.org == 'globex'"
  }
}

test "acme order" {
  principal = "acme_agent"
  tool      = "get_order"
  args      = { order_id = 1002 }
  expect {
    rows = 1
  }
}
`

// A failing case exits 1 and says, at file:line, what was expected and
// what came back; --format junit carries the same; --run selects.
func TestTestCommandFailures(t *testing.T) {
	dir := exampleDir(t, failingTests)
	code, out, errOut := runTestCommand(t, dir, nil, "technova.test.hcl")
	if code != 1 || errOut != "" {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"FAIL globex order is visible to acme (technova.test.hcl:7)",
		"ok   acme order (technova.test.hcl:16)",
		"1 passed, 1 failed\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if !strings.Contains(out, `technova.test.hcl:11: expected outcome ok, got error (tool): "No order with that number.`) {
		t.Errorf("the failure does not say what came back:\n%s", out)
	}

	code, out, _ = runTestCommand(t, dir, nil, "--format", "junit", "technova.test.hcl")
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil || code != 1 || doc.Tests != 2 || doc.Failures != 1 {
		t.Errorf("junit: exit %d, %+v, %v:\n%s", code, doc, err, out)
	}

	code, out, _ = runTestCommand(t, dir, nil, "--run", "^acme", "technova.test.hcl")
	if code != 0 || !strings.HasSuffix(out, "1 passed, 0 failed\n") {
		t.Errorf("--run: exit %d:\n%s", code, out)
	}
}

// failingTests with a mistake reads as the config's diagnostics do.
func TestTestCommandDiagnostics(t *testing.T) {
	src := strings.Replace(failingTests, `tool      = "get_order"`, `tool      = "get_ordr"`, 1)
	src = strings.Replace(src, `principal = "acme_agent"
  tool      = "get_order"`, `principal = "acme"
  tool      = "get_order"`, 1)
	dir := exampleDir(t, src)
	code, out, errOut := runTestCommand(t, dir, nil)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		`technova.test.hcl:9:15: Unknown tool; There is no tool "get_ordr". Did you mean "get_order"?`,
		`technova.test.hcl:17:15: Unknown principal; No principal "acme" is declared; the principals are: anonymous, stdio, acme_agent.`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no %q in:\n%s", want, errOut)
		}
	}
}

// The example's tests pass on the real PostgreSQL too, with a fixture
// that gives each case a database of its own, and leave none behind.
func TestExampleTestsOnPostgres(t *testing.T) {
	admin := postgresDSN(t)
	if admin == "" {
		t.Skip("MCPGEN_TEST_POSTGRES_DSN is not set")
	}
	src, err := os.ReadFile("../../examples/technova.test.hcl")
	if err != nil {
		t.Fatal(err)
	}
	const sqliteFixture = "fixture \"sql\" \"orders\" {\n  seed = file(\"technova/seed.sql\")\n}\n"
	if !strings.Contains(string(src), sqliteFixture) {
		t.Fatalf("the example's fixture changed; update this test")
	}
	pg := strings.Replace(string(src), sqliteFixture,
		"fixture \"sql\" \"orders\" {\n  driver = \"postgres\"\n  dsn    = env(\"MCPGEN_TEST_POSTGRES_DSN\")\n}\n", 1)
	dir := exampleDir(t, pg)
	code, out, errOut := runTestCommand(t, dir, nil)
	if code != 0 || !strings.HasSuffix(out, "25 passed, 0 failed\n") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_database WHERE datname LIKE 'mcpgen_test_%'").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d fixture databases left behind", left)
	}
}
