package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// getUpstreamPrompt gets a prompt whose messages come from a source (an
// upstream MCP server's prompt). It runs as the query "prompt:NAME"
// through the tools/call path: the arguments are its params (validated,
// enums checked), then its guard, binds, timeout and audit. The adapter
// answers with the upstream's prompt result as structuredContent; its
// messages pass through, and the description is ours when declared.
func (cp *callPath) getUpstreamPrompt(ctx context.Context, e *promptEntry, args map[string]string) (*mcp.GetPromptResult, error) {
	d := e.decl
	callArgs := make(map[string]any, len(args))
	for k, v := range args {
		callArgs[k] = v
	}
	res, err := cp.callQuery(ctx, e.query, callArgs)
	if errors.Is(err, errHidden) {
		return nil, fmt.Errorf("no prompt named %q", d.Name)
	}
	var te *adapter.ToolError
	if errors.As(err, &te) {
		return nil, fmt.Errorf("prompt %q: %s", d.Name, te.Msg)
	}
	if err != nil {
		return nil, err
	}
	if len(res.RawStructuredContent) == 0 {
		return nil, fmt.Errorf("prompt %q: its source answered with no prompt", d.Name)
	}
	raw := json.RawMessage(res.RawStructuredContent)
	out, err := mcp.ParseGetPromptResult(&raw)
	if err != nil {
		return nil, fmt.Errorf("prompt %q: the upstream's answer is not a prompt: %w", d.Name, err)
	}
	if d.Description != "" {
		out.Description = d.Description
	}
	out.Meta = nil
	return out, nil
}
