package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/mcpgen/mcpgen/runtime"
)

func runTools(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("tools", "tools [--offline] PATH...", stdout, stderr)
	offline := fs.Bool("offline", false, "do not connect to sources; output schemas then list no columns")
	gen, err := fs.parseAndBuild(ctx, args, func() runtime.BuildMode { return buildMode(*offline) })
	if gen == nil {
		return err
	}
	out, err := json.MarshalIndent(map[string]any{"tools": gen.ToolDefinitions()}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding tools: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
