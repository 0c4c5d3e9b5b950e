package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/review/diff"
	"github.com/mcpgen/mcpgen/review/lock"
	"github.com/mcpgen/mcpgen/runtime"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

func runLock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("lock", "lock [--check [--format text|markdown|json]] PATH...", stdout, stderr)
	check := fs.Bool("check", false, "do not write: exit 1, printing the diff, when the surface differs from "+lock.Name)
	format := fs.String("format", diff.FormatText, "with --check, the diff's format: text, markdown or json")
	if help, err := fs.parse(args); help || err != nil {
		return err
	}
	paths, err := fs.needPaths()
	if err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	gen, diags := runtime.Build(ctx, paths, runtime.BuildOptions{Mode: runtime.BuildOffline})
	cfg.WriteDiagnostics(stderr, diags)
	if diags.HasErrors() {
		return reviewError("lock: the configuration has errors")
	}
	items, err := diff.Items(gen.Surface())
	if err != nil {
		return reviewError("lock: %v", err)
	}
	// Upstream MCP servers' tools are pinned as they announce them now.
	upstream, udiags := gen.UpstreamDefinitions(ctx, zerolog.Nop())
	cfg.WriteDiagnostics(stderr, udiags)
	if udiags.HasErrors() {
		return reviewError("lock: cannot read the definitions of upstream tools")
	}
	path := lock.Path(paths)
	if !*check {
		// expose_all generates tools from the pins: the surface to lock is
		// the one the definitions read now generate.
		if items, err = surfaceWithPins(ctx, paths, upstream, stderr); err != nil {
			return err
		}
		f, err := lock.New(items)
		if err != nil {
			return reviewError("lock: %v", err)
		}
		f.SetUpstream(upstream)
		if err := f.Write(path); err != nil {
			return reviewError("lock: %v", err)
		}
		fmt.Fprintf(stdout, "wrote %s: %s, surface %s\n", path, plural(len(f.Entries), "item"), f.Surface)
		return nil
	}
	f, err := lock.Read(path)
	if errors.Is(err, lock.ErrNoLock) {
		return reviewError("lock --check: there is no %s: run `mcpgen lock` and commit it", path)
	}
	if err != nil {
		return reviewError("lock --check: %v", err)
	}
	_, report, err := f.Check(items)
	if err != nil {
		return reviewError("lock --check: %v", err)
	}
	if up := f.CheckUpstream(upstream); len(up) > 0 {
		report.Changes = append(report.Changes, up...)
		report.Equal, report.Risk = false, max(report.Risk, diff.High)
	}
	if report.Equal {
		fmt.Fprintf(stdout, "ok: the surface matches %s (%s)\n", path, f.Surface)
		return nil
	}
	report.Old, report.New = path, fmt.Sprint(paths)
	if len(paths) == 1 {
		report.New = paths[0]
	}
	return writeReport(stdout, report, *format)
}

// lockVerifier is serve's check of every surface it builds against the
// configuration's lock file, if it has one (see lock.Verifier), and the
// path of that file, for the watcher. --no-lock turns it off, loudly when
// there is a lock file to ignore.
func lockVerifier(paths []string, noLock bool, log zerolog.Logger) (func(*runtime.Surface) hcl.Diagnostics, string) {
	path := lock.Path(paths)
	_, err := os.Stat(path)
	present := err == nil
	if noLock {
		if present {
			log.Warn().Str("lock", path).Msg("--no-lock: serving without checking the surface against its lock file; " +
				"clients may be offered tools that nobody reviewed")
		}
		return nil, ""
	}
	if present {
		log.Info().Str("lock", path).Msg("the surface is checked against its lock file at start and at every reload")
	}
	return lock.Verifier(path, present), path
}

// surfaceWithPins is the surface the configuration has once upstream is
// pinned: the tools expose_all generates from it included.
func surfaceWithPins(ctx context.Context, paths []string, upstream []adapter.UpstreamDefinition, stderr io.Writer) ([]diff.Item, error) {
	pinned := make(map[string]json.RawMessage, len(upstream))
	for _, d := range upstream {
		pinned[d.Key] = d.Definition
	}
	gen, diags := runtime.Build(ctx, paths, runtime.BuildOptions{Mode: runtime.BuildOffline, Pinned: pinned})
	cfg.WriteDiagnostics(stderr, diags)
	if diags.HasErrors() {
		return nil, reviewError("lock: the configuration has errors with the upstream tools read now")
	}
	items, err := diff.Items(gen.Surface())
	if err != nil {
		return nil, reviewError("lock: %v", err)
	}
	return items, nil
}
