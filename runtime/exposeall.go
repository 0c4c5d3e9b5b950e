package runtime

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/internal/lockfile"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// pinnedDefinitions are the upstream definitions the lock file beside the
// configuration pins (lockfile.Path), by adapter.PinKey: what expose_all
// generates tools from, so that every command (serve, validate, tools,
// diff, lock itself) sees the same tools without connecting to anything.
// No lock file pins nothing. One that is not whole (a hand edit: a pin
// whose definition does not hash as recorded, a surface hash that is not
// the items', another version) pins nothing either, as lock.Verifier
// refuses it at serve, and says so, for every command.
func pinnedDefinitions(paths []string) (map[string]json.RawMessage, hcl.Diagnostics) {
	if len(paths) == 0 {
		return nil, nil
	}
	f, err := lockfile.Read(lockfile.Path(paths), nil)
	if errors.Is(err, lockfile.ErrNoLock) {
		return nil, nil
	}
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "The lock file is not whole",
			Detail: err.Error() + ". Until it is rewritten, serve refuses it and expose_all generates no tools from its pins."}}
	}
	return f.Definitions(), nil
}

// generateTools adds the tools sources generate (adapter.ToolGenerator)
// to the configuration, after the declared ones. A generated name that a
// declared tool or another source's generated tool already has is an
// error at the source.
func (g *Generation) generateTools(conf *cfg.Config, pinned map[string]json.RawMessage) hcl.Diagnostics {
	var diags hcl.Diagnostics
	names := map[string]hcl.Range{}
	for _, t := range conf.Tools {
		names[t.Name] = t.NameRange
	}
	for _, key := range g.order {
		gen, ok := g.sources[key].(adapter.ToolGenerator)
		if !ok {
			continue
		}
		tools, ds := gen.GenerateTools(pinned)
		diags = append(diags, ds...)
		for _, t := range tools {
			if first, dup := names[t.Name]; dup {
				r := t.NameRange
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate tool name",
					Detail: fmt.Sprintf("expose_all on source %s would expose an upstream tool as %q, the name of the tool at %s: set a prefix, or deny it.",
						key, t.Name, cfg.Pos(first)), Subject: &r})
				continue
			}
			names[t.Name] = t.NameRange
			conf.Tools = append(conf.Tools, t)
		}
	}
	return diags
}
