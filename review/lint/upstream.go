package lint

import (
	"encoding/json"
	"fmt"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// upstreamTexts are the texts an upstream MCP server announces for the
// tools this configuration re-exposes, as mcpgen.lock pinned them
// (Options.Upstream): the upstream tool's description and its arguments'
// descriptions. Clients are shown the tool block's own text, but the
// pinned definition is what a reviewer approved of the upstream, and
// text that tries to steer a model there says what the upstream is up to.
// Findings point at the tool's upstream_tool.
func (in *Input) upstreamTexts() []text {
	var out []text
	for _, t := range in.Surface.Tools {
		name := t.Executes["upstream_tool"]
		if name == "" {
			continue
		}
		key := adapter.PinKey(t.Source, name)
		raw, ok := in.opts.Upstream[key]
		if !ok {
			continue
		}
		var def struct {
			Description string `json:"description"`
			InputSchema struct {
				Properties map[string]struct {
					Description string `json:"description"`
				} `json:"properties"`
			} `json:"inputSchema"`
		}
		if json.Unmarshal(raw, &def) != nil {
			continue
		}
		at := attrWhere(in.block(t.Declared), "upstream_tool")
		of := fmt.Sprintf("upstream tool %s (re-exposed as %q, pinned in mcpgen.lock)", key, t.Tool.Name)
		if def.Description != "" {
			out = append(out, text{what: "the description of " + of, kind: kindDescription, value: def.Description, at: at, owner: t.Tool.Name})
		}
		for _, p := range sortedKeys(def.InputSchema.Properties) {
			if d := def.InputSchema.Properties[p].Description; d != "" {
				out = append(out, text{what: fmt.Sprintf("the description of argument %q of %s", p, of), kind: kindParam, value: d, at: at, owner: t.Tool.Name})
			}
		}
	}
	return out
}
