package main

import (
	"context"
	"io"
	"os"
	"strings"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/review/access"
	"github.com/mcpgen/mcpgen/runtime"
)

// runAccess prints the who-may-call-what matrix (docs/review.md).
func runAccess(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("access", "access [--principals FILE] [--format text|markdown|json] PATH...", stdout, stderr)
	var principals stringList
	fs.Var(&principals, "principals", "a *.test.hcl file (or a directory of them) whose principal blocks are the rows; repeatable "+
		"(default: the test files beside the configuration, else its API keys)")
	format := fs.String("format", access.FormatText, "text, markdown (a pull-request comment) or json")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	switch *format {
	case access.FormatText, access.FormatMarkdown, access.FormatJSON:
	default:
		return usageErrorf("access: --format must be text, markdown or json, not %q", *format)
	}
	gen, err := fs.build(ctx, runtime.BuildOffline)
	if gen == nil {
		return err
	}
	rows, err := loadPrincipals(principals, fs.paths, stderr)
	if err != nil {
		return err
	}
	m := access.Build(ctx, gen, rows)
	if err := access.Write(stdout, m, *format); err != nil {
		return reviewError("writing the matrix: %v", err)
	}
	return nil
}

// loadPrincipals reads the principal blocks of the test files named, or
// when none are named of those beside the configuration: *.test.hcl in a
// directory given as a path, NAME.test.hcl beside a file NAME.hcl.
func loadPrincipals(named, paths []string, stderr io.Writer) ([]*cfg.NamedPrincipal, error) {
	files := named
	if len(files) == 0 {
		for _, p := range paths {
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				files = append(files, p)
				continue
			}
			if base, ok := strings.CutSuffix(p, ".hcl"); ok && !cfg.IsTestFile(p) {
				if _, err := os.Stat(base + cfg.TestFileSuffix); err == nil {
					files = append(files, base+cfg.TestFileSuffix)
				}
			}
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	tests, diags := cfg.LoadTests(files)
	cfg.WriteDiagnostics(stderr, diags)
	if diags.HasErrors() {
		return nil, errConfig
	}
	return tests.Principals, nil
}
