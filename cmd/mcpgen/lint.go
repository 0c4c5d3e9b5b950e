package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/mcpgen/mcpgen/review/lint"
	"github.com/mcpgen/mcpgen/review/lock"
	"github.com/mcpgen/mcpgen/runtime"
)

// runLint reviews a configuration (docs/lint.md). It exits 0 when clean,
// 1 when a finding is an error (or, with --strict, a warning) or the
// configuration does not load, and 2 for a wrong command line.
func runLint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("lint", "lint [--format text|json|sarif] [--strict] [--listen ADDR] PATH...", stdout, stderr)
	format := fs.String("format", "text", "text (one line per finding), json (findings and suppressions) or sarif (SARIF 2.1.0, for code scanning)")
	strict := fs.Bool("strict", false, "fail on warnings too, not only on errors")
	listen := fs.String("listen", "", "the address serve will listen on, for rules that depend on exposure "+
		"(default: the host of the auth block's resource URL, else loopback)")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		return usageErrorf("lint: --format must be text, json or sarif, not %q", *format)
	}
	gen, err := fs.build(ctx, runtime.BuildOffline)
	if gen == nil {
		return err
	}
	paths, _ := fs.needPaths() // build checked them
	report := lint.Run(gen, lint.Options{Listen: *listen, Upstream: pinnedUpstream(paths)})
	switch *format {
	case "json":
		err = lint.WriteJSON(stdout, report)
	case "sarif":
		var wd string
		if wd, err = os.Getwd(); err == nil {
			err = lint.WriteSARIF(stdout, report, lint.SARIFOptions{ToolVersion: currentBuild().Version, BaseDir: wd})
		}
	default:
		err = lint.WriteText(stdout, report)
		fmt.Fprintf(stderr, "lint: %s\n", report.Summary())
	}
	if err != nil {
		return fmt.Errorf("writing the findings: %w", err)
	}
	if report.Failed(*strict) {
		return errConfig
	}
	return nil
}

// pinnedUpstream are the upstream MCP tool definitions the configuration's
// lock file pins, for lint's poisoning rules; none without a lock file.
func pinnedUpstream(paths []string) map[string]json.RawMessage {
	f, err := lock.Read(lock.Path(paths))
	if err != nil {
		return nil
	}
	return f.Definitions()
}
