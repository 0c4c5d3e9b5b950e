package lock

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"

	"github.com/mcpgen/mcpgen/internal/lockfile"
	"github.com/mcpgen/mcpgen/review/diff"
	"github.com/mcpgen/mcpgen/runtime/adapter"
)

// UpstreamEntry pins one upstream tool's definition (lockfile.Upstream).
type UpstreamEntry = lockfile.Upstream

// SetUpstream records the upstream definitions read now.
func (f *File) SetUpstream(defs []adapter.UpstreamDefinition) {
	f.Upstream = nil
	for _, d := range defs {
		f.Upstream = append(f.Upstream, UpstreamEntry{Key: d.Key, Hash: d.Hash, Definition: d.Definition})
	}
	sort.Slice(f.Upstream, func(i, j int) bool { return f.Upstream[i].Key < f.Upstream[j].Key })
}

// PinReader returns what serve opens MCP sources with, read again at each
// build so that a reviewed `mcpgen lock` applies at the next reload: the
// lock file's pins; nil when there is no lock file (sources then pin what
// they read first); and none at all (every upstream tool unavailable) when
// it cannot be read, which the Verifier reports.
func PinReader(path string) func() map[string]string {
	return func() map[string]string {
		f, err := Read(path)
		if errors.Is(err, ErrNoLock) {
			return nil
		}
		if err != nil {
			return map[string]string{}
		}
		return f.Pins()
	}
}

// CheckUpstream compares the recorded upstream definitions with the ones
// read now, as changes of kind "upstream_tool": a drifted definition (high
// risk: it is what the model reads, and a rug pull looks like this), one
// the upstream no longer offers, and one not recorded.
func (f *File) CheckUpstream(now []adapter.UpstreamDefinition) []diff.Change {
	locked := map[string]UpstreamEntry{}
	for _, u := range f.Upstream {
		locked[u.Key] = u
	}
	var changes []diff.Change
	seen := map[string]bool{}
	for _, d := range now {
		seen[d.Key] = true
		old, ok := locked[d.Key]
		switch {
		case !ok:
			changes = append(changes, diff.Change{Kind: "upstream_tool", Name: d.Key, Op: diff.Added, Risk: diff.High,
				Details: []diff.Detail{{Aspect: "definition", Risk: diff.High, Summary: "exposed but not pinned in the lock file", New: string(d.Definition)}}})
		case old.Hash != d.Hash:
			changes = append(changes, diff.Change{Kind: "upstream_tool", Name: d.Key, Op: diff.Changed, Risk: diff.High,
				Details: definitionDetails(old.Definition, d.Definition)})
		}
	}
	for _, u := range f.Upstream {
		if !seen[u.Key] {
			changes = append(changes, diff.Change{Kind: "upstream_tool", Name: u.Key, Op: diff.Removed, Risk: diff.Medium,
				Details: []diff.Detail{{Aspect: "definition", Risk: diff.Medium, Summary: "pinned but no longer offered or exposed", Old: string(u.Definition)}}})
		}
	}
	return changes
}

// definitionDetails names the fields of a definition that changed.
func definitionDetails(old, now json.RawMessage) []diff.Detail {
	var a, b map[string]json.RawMessage
	_ = json.Unmarshal(old, &a)
	_ = json.Unmarshal(now, &b)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []diff.Detail
	for _, k := range names {
		if bytes.Equal(a[k], b[k]) {
			continue
		}
		out = append(out, diff.Detail{Aspect: k, Risk: diff.High, Summary: "the upstream changed its " + k + " since it was locked",
			Old: text(a[k]), New: text(b[k])})
	}
	if len(out) == 0 {
		out = []diff.Detail{{Aspect: "definition", Risk: diff.High, Summary: "the upstream definition changed since it was locked"}}
	}
	return out
}

// text is a JSON string's value, or the JSON itself.
func text(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}
