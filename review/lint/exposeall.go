package lint

import (
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// exposeAllRules concern `expose_all` on an MCP source: tools nobody
// declared one by one.
var exposeAllRules = []*Rule{
	{
		ID:       "authz/expose-all-beyond-loopback",
		Severity: Warning,
		Summary:  "expose_all on an MCP source of a server that listens beyond loopback",
		Why: "expose_all re-exposes every upstream tool the lock file pins, behind one guard: whatever the upstream " +
			"offered when it was locked reaches every caller that guard admits, including tools that write or reach " +
			"other systems. On a server other machines reach, each tool deserves its own guard, binds and limits. " +
			"Exposure is taken from --listen, else from the auth block's resource URL.",
		Fix:   "Declare the tools clients need with upstream_tool, or narrow expose_all with allow and a guard that admits only the callers who need them all.",
		check: checkExposeAll,
	},
}

func checkExposeAll(in *Input, r *reporter) {
	beyond, why := in.beyondLoopback()
	if !beyond {
		return
	}
	for _, src := range in.Config.Sources {
		if src.Type != "mcp" {
			continue
		}
		a := attr(in.blockAt(src.DeclRange), "expose_all")
		if a == nil {
			continue
		}
		if v, diags := a.Expr.Value(nil); diags.HasErrors() || v.Type() != cty.Bool || !v.IsKnown() || v.False() {
			continue
		}
		w := attrWhere(in.blockAt(src.DeclRange), "expose_all")
		r.add(in.at(w.rng), w.anchor, "",
			"source %q re-exposes every pinned upstream tool behind one guard, and the server listens beyond loopback (%s)",
			src.Key(), strings.TrimSpace(why))
	}
}
