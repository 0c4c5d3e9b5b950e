package lint_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/internal/fixture"
	"github.com/mcpgen/mcpgen/review/lint"
	"github.com/mcpgen/mcpgen/runtime"
)

// FuzzLint lints whatever builds: no input may crash a rule, and every
// finding points inside the file, as SARIF viewers need.
func FuzzLint(f *testing.F) {
	seeds := fixture.Glob(f, "../../testdata/lint/*/*/*.hcl")
	seeds = append(seeds, fixture.Glob(f, "../../examples/*.hcl")...)
	for _, path := range seeds {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	// One file per worker process, rewritten for each input: Build reads
	// paths.
	path := filepath.Join(f.TempDir(), "fuzz.hcl")
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := os.WriteFile(path, src, 0o600); err != nil {
			t.Fatal(err)
		}
		gen, diags := runtime.Build(context.Background(), []string{path}, runtime.BuildOptions{Mode: runtime.BuildOffline, Log: zerolog.Nop()})
		if diags.HasErrors() {
			return
		}
		r := lint.Run(gen, lint.Options{Listen: "0.0.0.0:1"})
		lines := strings.Count(string(src), "\n") + 1
		for _, f := range append(r.Findings, suppressedFindings(r)...) {
			if f.File != path || f.Line < 1 || f.Line > lines || f.Column < 1 || f.EndLine < f.Line || f.EndLine > lines || f.Message == "" || f.Fix == "" {
				t.Errorf("finding out of the file (%d lines): %+v", lines, f)
			}
		}
		for _, write := range []func(*bytes.Buffer) error{
			func(b *bytes.Buffer) error { return lint.WriteText(b, r) },
			func(b *bytes.Buffer) error { return lint.WriteJSON(b, r) },
			func(b *bytes.Buffer) error {
				return lint.WriteSARIF(b, r, lint.SARIFOptions{BaseDir: filepath.Dir(path)})
			},
		} {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func suppressedFindings(r *lint.Report) []lint.Finding {
	var out []lint.Finding
	for _, s := range r.Suppressed {
		out = append(out, s.Finding)
	}
	return out
}
