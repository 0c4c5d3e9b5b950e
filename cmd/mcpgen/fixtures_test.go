package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/fixture"
)

// TestInvalidFixtures runs `validate --offline` on every fixture in
// testdata/invalid and compares the diagnostics with the fixture's want
// comments (internal/fixture).
func TestInvalidFixtures(t *testing.T) {
	for _, file := range fixture.Glob(t, "../../testdata/invalid/*.hcl") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"validate", "--offline", file}, nil, &stdout, &stderr)
			if code := ExitCode(err, &stderr); code != exitConfig {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitConfig, stderr.String())
			}
			fixture.Check(t, []string{file}, stderr.String())
		})
	}
}

// TestValidExamples: every shipped example validates cleanly, statements
// included (SQLite files that do not exist yet are checked against an
// in-memory copy built from the seed). The loader's valid fixture
// (hcl/testdata/valid, one configuration) must pass the adapters too; it
// is checked offline, since its PostgreSQL source exists nowhere.
func TestValidExamples(t *testing.T) {
	t.Setenv("MCPGEN_TEST_PASSWORD", "hunter2-secret")
	runs := [][]string{}
	for _, file := range fixture.Glob(t, "../../examples/*.hcl") {
		if cfg.IsTestFile(file) {
			continue // tests of an example, run by TestExampleTests
		}
		if filepath.Base(file) == "gateway.hcl" {
			// Its upstreams are other servers: TestGatewayExample runs them.
			runs = append(runs, []string{"validate", "--offline", file})
			continue
		}
		runs = append(runs, []string{"validate", file})
	}
	fixture.Glob(t, "../../hcl/testdata/valid/*.hcl") // fails if the folder moved or emptied
	runs = append(runs, []string{"validate", "--offline", "../../hcl/testdata/valid"})
	for _, args := range runs {
		path := args[len(args)-1]
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Setenv("TECHNOVA_DB", "file:"+filepath.Join(t.TempDir(), "technova.db"))
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), args, nil, &stdout, &stderr)
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("%s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "ok: ") {
				t.Errorf("stdout = %q", stdout.String())
			}
		})
	}
}
