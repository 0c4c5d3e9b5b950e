package runtime

import (
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// passThrough is the answer of a tool whose adapter returns content
// blocks of its own (adapter.Result.Content): an upstream MCP server's
// text, images, audio and resource links, and its structuredContent, as it
// sent them. It returns the answer's size, for the audit record.
func passThrough(out *adapter.Result) (*mcp.CallToolResult, int, error) {
	var blocks []map[string]any
	if err := json.Unmarshal(out.Content, &blocks); err != nil {
		return nil, 0, fmt.Errorf("content is not a list of content blocks: %w", err)
	}
	res := &mcp.CallToolResult{Content: make([]mcp.Content, 0, len(blocks))}
	for i, b := range blocks {
		c, err := mcp.ParseContent(b)
		if err != nil {
			return nil, 0, fmt.Errorf("content block %d: %w", i, err)
		}
		res.Content = append(res.Content, c)
	}
	size := len(out.Content)
	if out.Structured != nil {
		raw, err := encodeObject(out.Structured)
		if err != nil {
			return nil, 0, fmt.Errorf("encoding structuredContent: %w", err)
		}
		res.StructuredContent, res.RawStructuredContent = out.Structured, raw
		size += len(raw)
	}
	return res, size, nil
}
