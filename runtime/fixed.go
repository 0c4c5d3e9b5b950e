package runtime

import (
	"context"
	"errors"

	"github.com/mark3labs/mcp-go/mcp"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
)

// fixedTool is a tool whose result is declared in HCL. The server answers
// it itself (fixedResult): no adapter runs.
type fixedTool struct {
	gen  *Generation // where embedded resources are read from
	decl *cfg.Tool
}

var _ adapter.Tool = (*fixedTool)(nil)

// OutputSchema is nil: fixed content has no structuredContent.
func (f *fixedTool) OutputSchema() map[string]any { return nil }

// Call is never reached: the server answers fixed tools before a call
// would run.
func (f *fixedTool) Call(context.Context, *adapter.Call) (*adapter.Result, error) {
	return nil, errors.New("fixed-content tool called as an adapter tool")
}

// fixedResult answers a fixed-content tool once its guard allowed the call.
func (cp *callPath) fixedResult(ctx context.Context, log callLog, rec *audit.Record, t *toolEntry, f *fixedTool) *mcp.CallToolResult {
	res := &mcp.CallToolResult{IsError: f.decl.IsError}
	for _, c := range f.decl.Content {
		item, err := cp.content(ctx, f.gen, c, nil)
		if err != nil {
			return cp.failure(log, rec, t, ctx, ctx, err)
		}
		res.Content = append(res.Content, item)
		if tc, ok := item.(mcp.TextContent); ok {
			rec.Bytes += len(tc.Text)
		}
	}
	rec.Outcome = audit.OK
	if f.decl.IsError {
		rec.Outcome, rec.ErrorClass = audit.Error, "tool"
	}
	log.Debug().Int("items", len(res.Content)).Msg("fixed content")
	return res
}
