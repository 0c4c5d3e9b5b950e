package runtime

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/mcpgen/mcpgen/runtime/adapter"
	"github.com/mcpgen/mcpgen/runtime/audit"
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

// maxPendingUpstream bounds the events a generation keeps before a server
// takes it (a Build whose server never comes keeps no more).
const maxPendingUpstream = 1024

// upstreamEvents are what the generation's sources report of the servers
// they re-expose (adapter.OpenOptions.Upstream): which tools are refused
// now, for tools/list, and the events themselves, for the audit trail and
// the clients. Sources report from their Open on, before a server takes
// the generation: those events wait for attach.
type upstreamEvents struct {
	mu      sync.Mutex
	sink    func(adapter.UpstreamEvent)
	pending []adapter.UpstreamEvent

	downMu sync.RWMutex
	down   map[string]bool // tools refused by their source, by name
}

func (u *upstreamEvents) report(ev adapter.UpstreamEvent) {
	u.downMu.Lock()
	if u.down == nil {
		u.down = map[string]bool{}
	}
	if ev.Available {
		delete(u.down, ev.Tool)
	} else {
		u.down[ev.Tool] = true
	}
	u.downMu.Unlock()

	u.mu.Lock()
	defer u.mu.Unlock()
	if u.sink == nil {
		if len(u.pending) < maxPendingUpstream {
			u.pending = append(u.pending, ev)
		}
		return
	}
	u.sink(ev) // under the lock: in the order the sources saw them
}

// attach sends the events so far, and every later one, to sink.
func (u *upstreamEvents) attach(sink func(adapter.UpstreamEvent)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sink = sink
	for _, ev := range u.pending {
		sink(ev)
	}
	u.pending = nil
}

// served drops from a tools/list answer the tools their source refuses
// now: a client is told when they leave and rejoin the list
// (upstreamChanged). A call to one still reaches its handler, which says
// why it is refused, for a client that listed it before.
func (u *upstreamEvents) served(tools []mcp.Tool) []mcp.Tool {
	u.downMu.RLock()
	defer u.downMu.RUnlock()
	if len(u.down) == 0 {
		return tools
	}
	return slices.DeleteFunc(tools, func(t mcp.Tool) bool { return u.down[t.Name] })
}

// upstreamChanged audits a change in whether a tool built on another
// server is served, and tells the clients their tool list changed (the
// tool leaves or rejoins tools/list: served), when gen is the one
// they are served from.
func (s *Server) upstreamChanged(gen *Generation, ev adapter.UpstreamEvent) {
	rec := &audit.Record{Tool: ev.Tool, Outcome: audit.Available}
	if !ev.Available {
		rec.Outcome, rec.ErrorClass = audit.Unavailable, "upstream"
		if ev.Drift {
			rec.ErrorClass = "drift"
		}
	}
	reason := fmt.Sprintf("source %s, upstream tool %s", ev.Source, ev.UpstreamTool)
	if ev.Hash != "" {
		reason += ", definition " + ev.Hash
	}
	if ev.Pinned != "" && ev.Pinned != ev.Hash {
		reason += ", pinned " + ev.Pinned
	}
	if ev.Reason != "" {
		reason += ": " + ev.Reason
	}
	rec.Reason = reason
	s.audit.Write(rec)
	if s.Generation() == gen {
		s.mcp.SendNotificationToAllClients(mcp.MethodNotificationToolsListChanged, nil)
	}
}

// upstreamReloaded audits, when gen replaces old, the tools old refused
// for their upstream that gen serves: a reviewer re-locked a changed
// definition, or the configuration changed, and the reload (its own
// tools/list_changed) brings them back. Without it the trail would end
// at "unavailable".
func (s *Server) upstreamReloaded(old, gen *Generation) {
	if old == nil {
		return
	}
	old.upstream.downMu.RLock()
	var back []string
	for name := range old.upstream.down {
		if gen.byName[name] != nil && !gen.upstream.isDown(name) {
			back = append(back, name)
		}
	}
	old.upstream.downMu.RUnlock()
	slices.Sort(back)
	for _, name := range back {
		s.audit.Write(&audit.Record{Tool: name, Outcome: audit.Available,
			Reason: "served again by the reloaded configuration and lock file"})
	}
}

// isDown reports whether the tool's source refuses it now.
func (u *upstreamEvents) isDown(tool string) bool {
	u.downMu.RLock()
	defer u.downMu.RUnlock()
	return u.down[tool]
}
