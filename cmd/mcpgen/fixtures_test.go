package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

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

// TestValidExamples: every shipped example and valid fixture validates
// cleanly, statements included (SQLite files that do not exist yet are
// checked against an in-memory copy built from the seed).
func TestValidExamples(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/valid/*.hcl")
	files = append(files, technova)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Setenv("TECHNOVA_DB", "file:"+filepath.Join(t.TempDir(), "technova.db"))
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), []string{"validate", file}, nil, &stdout, &stderr)
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("validate %s: %v\nstderr:\n%s", file, err, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "ok: ") {
				t.Errorf("stdout = %q", stdout.String())
			}
		})
	}
}
