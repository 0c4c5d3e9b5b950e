package runtime

import (
	"context"

	"github.com/hashicorp/hcl/v2"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// UpstreamDefinitions reads the definitions of every tool the generation
// re-exposes from a server it does not control (adapter.UpstreamDefiner:
// MCP sources), for `mcpgen lock`: each such source of a generation built
// offline is opened in check mode, asked, and closed again. Other sources
// are not touched. Whatever a source only warns of at a start (an upstream that cannot
// be reached) is an error here: a lock
// must not be written without what it pins.
func (g *Generation) UpstreamDefinitions(ctx context.Context, log zerolog.Logger) ([]adapter.UpstreamDefinition, hcl.Diagnostics) {
	var defs []adapter.UpstreamDefinition
	var diags hcl.Diagnostics
	for _, key := range g.order {
		src := g.sources[key]
		definer, ok := src.(adapter.UpstreamDefiner)
		if !ok {
			continue
		}
		opened := src.Open(ctx, adapter.OpenOptions{Check: true, Log: log})
		for _, d := range opened {
			d.Severity = hcl.DiagError // what was not read cannot be pinned
		}
		diags = append(diags, opened...)
		defs = append(defs, definer.UpstreamDefinitions()...)
		if err := src.Close(); err != nil {
			log.Warn().Err(err).Str("source", key).Msg("closing a source opened to read its upstream definitions")
		}
	}
	return defs, diags
}
