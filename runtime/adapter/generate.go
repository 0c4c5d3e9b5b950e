package adapter

import (
	"encoding/json"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// A ToolGenerator is a source that declares tools of its own (expose_all
// on an MCP source): one per reviewed upstream definition pinned in
// mcpgen.lock, given by PinKey. It does no I/O, so that the surface, the
// lock and the diff are built from the files alone. The tools it returns
// are decoded like declared ones (DecodeTool), after every declared tool.
type ToolGenerator interface {
	GenerateTools(pinned map[string]json.RawMessage) ([]*cfg.Tool, hcl.Diagnostics)
}
