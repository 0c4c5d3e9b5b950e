package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/mcpgen/mcpgen/runtime"
)

// Kinds of items, in the order reports list them.
const (
	KindServer   = "server"
	KindTool     = "tool"
	KindResource = "resource"
	KindTemplate = "resource_template"
	KindPrompt   = "prompt"
)

var kindOrder = map[string]int{KindServer: 0, KindTool: 1, KindResource: 2, KindTemplate: 3, KindPrompt: 4}

// An Item is one entry of a surface: the server (its initialize answer and
// who may call), a tool, a resource, a resource template or a prompt.
// Client is what clients are sent (the tools/list entry, the resource, the
// prompt), Executes what the server runs for it, both as JSON objects.
// Neither holds where the item is declared, so moving a block changes
// nothing; Declared says it, for reports.
type Item struct {
	Kind     string         `json:"kind"`
	Name     string         `json:"name"`
	Client   map[string]any `json:"client"`
	Executes map[string]any `json:"executes,omitempty"`
	Declared string         `json:"-"`
}

// Key identifies an item across two surfaces.
func (it Item) Key() string { return it.Kind + " " + it.Name }

// Label names an item for people: `tool "get_order"`, `server`.
func (it Item) Label() string {
	if it.Kind == KindServer {
		return "server"
	}
	return fmt.Sprintf("%s %q", strings.ReplaceAll(it.Kind, "_", " "), it.Name)
}

// ClientHash is the hash of what clients see; for a tool, the same as the
// definition hash tools/list publishes in _meta.
func (it Item) ClientHash() (string, error) { return runtime.Hash(it.Client) }

// ExecutesHash is the hash of what the server runs, with statements and
// expressions normalized (NormalizeSQL, NormalizeCEL).
func (it Item) ExecutesHash() (string, error) {
	return runtime.Hash(normalizedExecutes(it.Kind, it.Executes))
}

// Items splits a surface into its items, sorted by kind, then name.
func Items(s *runtime.Surface) ([]Item, error) {
	var items []Item
	add := func(kind, name, clientKey string, v any) error {
		m, err := toMap(v)
		if err != nil {
			return fmt.Errorf("%s %s: %w", kind, name, err)
		}
		it := Item{Kind: kind, Name: name, Executes: m}
		it.Declared, _ = m["declared"].(string)
		if clientKey == "" { // the server: what initialize says is the client half
			it.Client = map[string]any{}
			for _, k := range []string{"name", "version", "instructions"} {
				if v, ok := m[k]; ok {
					it.Client[k] = v
					delete(m, k)
				}
			}
		} else {
			it.Client, _ = m[clientKey].(map[string]any)
			delete(m, clientKey)
		}
		if meta, ok := it.Client["_meta"].(map[string]any); ok {
			delete(meta, runtime.MetaDefinitionHash) // a hash of the rest, not part of it
			if len(meta) == 0 {
				delete(it.Client, "_meta")
			}
		}
		// The tools/list entry says it (in the description and _meta).
		delete(m, "deprecated")
		dropDeclared(m)
		items = append(items, it)
		return nil
	}
	if err := add(KindServer, "", "", s.Server); err != nil {
		return nil, err
	}
	for _, t := range s.Tools {
		if err := add(KindTool, t.Tool.Name, "tool", t); err != nil {
			return nil, err
		}
	}
	for _, r := range s.Resources {
		if err := add(KindResource, r.Resource.Name, "resource", r); err != nil {
			return nil, err
		}
	}
	for _, r := range s.ResourceTemplates {
		if err := add(KindTemplate, r.Template.Name, "template", r); err != nil {
			return nil, err
		}
	}
	for _, p := range s.Prompts {
		if err := add(KindPrompt, p.Prompt.Name, "prompt", p); err != nil {
			return nil, err
		}
	}
	SortItems(items)
	return items, nil
}

// SortItems sorts items by kind, then name.
func SortItems(items []Item) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Kind != b.Kind {
			return kindRank(a.Kind) < kindRank(b.Kind)
		}
		return a.Name < b.Name
	})
}

func kindRank(kind string) int {
	if r, ok := kindOrder[kind]; ok {
		return r
	}
	return len(kindOrder)
}

// toMap is v as a JSON object, numbers kept exact (json.Number).
func toMap(v any) (map[string]any, error) {
	b, err := runtime.CanonicalJSON(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// dropDeclared removes every "declared" position: a resource's query and a
// prompt's completions carry their block's too.
func dropDeclared(v any) {
	switch x := v.(type) {
	case map[string]any:
		delete(x, "declared")
		for _, e := range x {
			dropDeclared(e)
		}
	case []any:
		for _, e := range x {
			dropDeclared(e)
		}
	}
}

// normalizedExecutes is a deep copy of executes with statements and
// expressions normalized, wherever an execution appears in it: at the top
// (a tool, and any access rule of a resource or prompt), a resource's
// query, a prompt's completions.
func normalizedExecutes(kind string, executes map[string]any) map[string]any {
	c, _ := deepCopy(executes).(map[string]any)
	if c == nil {
		return nil
	}
	normalizeExecution(c)
	if q, ok := c["query"].(map[string]any); ok {
		normalizeExecution(q)
	}
	if comps, ok := c["completions"].(map[string]any); ok {
		for _, x := range comps {
			if m, ok := x.(map[string]any); ok {
				normalizeExecution(m)
			}
		}
	}
	return c
}

// normalizeExecution normalizes, in place, the statement (SQL) and the CEL
// of one execution: an HTTP request's values, the guard, binds and a rate
// limit's key.
func normalizeExecution(x map[string]any) {
	if ex, ok := x["executes"].(map[string]any); ok {
		for k, v := range ex {
			s, ok := v.(string)
			switch {
			case !ok:
			case k == "statement":
				ex[k] = NormalizeSQL(s)
			case k == "body" || k == "result" || strings.HasPrefix(k, "query.") || strings.HasPrefix(k, "header."):
				ex[k] = NormalizeCEL(s)
			}
		}
	}
	if a, ok := x["access"].(map[string]any); ok {
		if g, ok := a["guard"].(string); ok {
			a["guard"] = NormalizeCEL(g)
		}
		if binds, ok := a["binds"].([]any); ok {
			for _, b := range binds {
				if m, ok := b.(map[string]any); ok {
					if from, ok := m["from"].(string); ok {
						m["from"] = NormalizeCEL(from)
					}
				}
			}
		}
	}
	if l, ok := x["limits"].(map[string]any); ok {
		if rl, ok := l["rate_limit"].(map[string]any); ok {
			if key, ok := rl["key"].(string); ok {
				rl["key"] = NormalizeCEL(key)
			}
		}
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = deepCopy(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = deepCopy(e)
		}
		return c
	}
	return v
}
