package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/mcpgen/mcpgen/review/access"
	"github.com/mcpgen/mcpgen/review/diff"
	"github.com/mcpgen/mcpgen/review/lint"
	"github.com/mcpgen/mcpgen/review/page"
	"github.com/mcpgen/mcpgen/runtime"
)

// runSurface writes the reviewer's page (docs/review.md).
func runSurface(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("surface", "surface -o FILE [--principals FILE] [--base OLD] PATH...", stdout, stderr)
	out := fs.String("o", "", "the HTML file to write (required; - for stdout)")
	var principals stringList
	fs.Var(&principals, "principals", "a *.test.hcl file (or a directory of them) whose principal blocks are the access matrix's rows; repeatable "+
		"(default: the test files beside the configuration, else its API keys)")
	base := fs.String("base", "", "compare with this configuration and mark what changed: a path, git:REF (this path at REF) or git:REF:PATH")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("surface: name the file to write with -o FILE (- for stdout)")
	}
	gen, err := fs.build(ctx, runtime.BuildOffline)
	if gen == nil {
		return err
	}
	rows, err := loadPrincipals(principals, fs.paths, stderr)
	if err != nil {
		return err
	}
	in := page.Input{
		Generation: gen,
		Matrix:     access.Build(ctx, gen, rows),
		Lint:       lint.Run(gen, lint.Options{}),
	}
	if *base != "" {
		if in.Diff, err = compareWithBase(ctx, *base, fs.paths, gen, stderr); err != nil {
			return err
		}
	}
	p, err := page.Build(in)
	if err != nil {
		return reviewError("surface: %v", err)
	}
	var buf bytes.Buffer
	if err := page.Write(&buf, p); err != nil {
		return reviewError("surface: %v", err)
	}
	if *out == "-" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return reviewError("surface: %v", err)
	}
	fmt.Fprintf(stderr, "surface: wrote %s\n", *out)
	return nil
}

// compareWithBase diffs the base configuration against gen's surface, as
// `mcpgen diff BASE PATH` does.
func compareWithBase(ctx context.Context, base string, paths []string, gen *runtime.Generation, stderr io.Writer) (*diff.Report, error) {
	if len(paths) != 1 {
		return nil, usageErrorf("surface: --base compares one configuration: name one file or directory")
	}
	old, cur, err := diff.ParseSpecs(base, paths[0])
	if err != nil {
		return nil, usageErrorf("surface: --base: %v", err)
	}
	oldItems, err := loadSide(ctx, old, stderr)
	if err != nil {
		return nil, err
	}
	newItems, err := diff.Items(gen.Surface())
	if err != nil {
		return nil, reviewError("surface: %v", err)
	}
	r := diff.Compare(oldItems, newItems, diff.Options{})
	r.Old, r.New = old.Label, cur.Label
	return r, nil
}
