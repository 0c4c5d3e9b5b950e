package main

import (
	"context"
	"fmt"
	"io"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime"
)

func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("validate", "validate [--offline] PATH...", stdout, stderr)
	offline := fs.Bool("offline", false, "only check the files; do not connect to any source to prepare statements")
	gen, err := fs.parseAndLoad(args)
	if gen == nil {
		return err
	}
	checked := "statements not prepared (--offline)"
	if !*offline {
		unreachable, err := checkSources(ctx, gen, stderr)
		if err != nil {
			return err
		}
		checked = "every statement prepared"
		if unreachable {
			checked = "statements checked where a source was reachable"
		}
	}
	fmt.Fprintf(stdout, "ok: %s, %s; %s\n",
		plural(len(gen.Config.Sources), "source"), plural(len(gen.ToolDefinitions()), "tool"), checked)
	return nil
}

// checkSources opens every source in check mode (no file created, nothing
// seeded), prepares every statement, and closes them again. Warnings (a
// source that could not be reached, so its statements were not prepared)
// are printed and are not failures.
func checkSources(ctx context.Context, gen *runtime.Generation, stderr io.Writer) (warned bool, err error) {
	log := runtime.NewLogger(stderr, gen.Config.Secrets, runtime.ParseLevel("warn"))
	diags := gen.Open(ctx, runtime.OpenOptions{Check: true, Log: log})
	closeErr := gen.Close()
	cfg.WriteDiagnostics(stderr, diags)
	errs, warnings := countErrors(diags)
	switch {
	case errs > 0:
		return false, errConfig
	case closeErr != nil:
		return false, closeErr
	}
	return warnings > 0, nil
}
