package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/mcpgen/mcpgen/runtime"
)

func runTools(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("tools", "tools [--offline] [--surface] PATH...", stdout, stderr)
	offline := fs.Bool("offline", false, "do not connect to sources; output schemas then list no columns")
	whole := fs.Bool("surface", false, "print the whole surface: every tool, resource and prompt as clients see it, "+
		"with what the server runs for each (source, statement or request, guard, binds, limits) and where it is declared")
	gen, err := fs.parseAndBuild(ctx, args, func() runtime.BuildMode { return buildMode(*offline) })
	if gen == nil {
		return err
	}
	surface := gen.Surface()
	var v any = map[string]any{"tools": surface.ToolDefinitions()}
	if *whole {
		v = surface
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding tools: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
