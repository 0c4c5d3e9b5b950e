package main

import (
	"context"
	"fmt"
	"io"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/review/diff"
)

// Exit codes of diff and lock --check, for CI: 0 equal, 1 different, 2
// anything that kept the comparison from being made (usage, a
// configuration with errors, git).
const (
	exitDiffers     = 1
	exitReviewError = 2
)

func reviewError(format string, args ...any) error {
	return &exitError{code: exitReviewError, msg: fmt.Sprintf(format, args...)}
}

func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("diff", "diff [--format text|markdown|json] OLD NEW", stdout, stderr)
	format := fs.String("format", diff.FormatText, "text, markdown (a pull-request comment) or json")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	if len(fs.paths) != 2 {
		return usageErrorf("diff: name two configurations, OLD and NEW: each a file or directory, git:REF (the other's path at REF) or git:REF:PATH")
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	old, new, err := diff.ParseSpecs(fs.paths[0], fs.paths[1])
	if err != nil {
		return usageErrorf("diff: %v", err)
	}
	oldItems, err := loadSide(ctx, old, stderr)
	if err != nil {
		return err
	}
	newItems, err := loadSide(ctx, new, stderr)
	if err != nil {
		return err
	}
	r := diff.Compare(oldItems, newItems, diff.Options{})
	r.Old, r.New = old.Label, new.Label
	return writeReport(stdout, r, *format)
}

func checkFormat(format string) error {
	switch format {
	case diff.FormatText, diff.FormatMarkdown, diff.FormatJSON:
		return nil
	}
	return usageErrorf("--format %s: use text, markdown or json", format)
}

// loadSide builds one side of a comparison offline, printing its
// diagnostics.
func loadSide(ctx context.Context, s diff.Spec, stderr io.Writer) ([]diff.Item, error) {
	items, diags, err := diff.Load(ctx, s)
	if err != nil {
		return nil, reviewError("%v", err)
	}
	cfg.WriteDiagnostics(stderr, diags)
	if diags.HasErrors() {
		return nil, reviewError("%s: the configuration has errors", s.Label)
	}
	return items, nil
}

// writeReport prints a report; a difference is exit code 1.
func writeReport(stdout io.Writer, r *diff.Report, format string) error {
	if err := diff.Write(stdout, r, format); err != nil {
		return reviewError("%v", err)
	}
	if !r.Equal {
		return &exitError{code: exitDiffers}
	}
	return nil
}
