package diff

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Risk is how closely a reviewer should look at a change.
type Risk int

const (
	// None: nothing changed.
	None Risk = iota
	// Low: text (descriptions, titles, hints), or a change that only
	// narrows who may call or what runs.
	Low
	// Medium: new items, changed statements and requests, schemas,
	// sources, guards whose change cannot be classified.
	Medium
	// High: access loosens (a guard as far as its structure shows, a
	// bind removed, closed or guarded to open), a read tool starts
	// writing, a sensitive marker or a limit is dropped.
	High
)

var riskNames = []string{"none", "low", "medium", "high"}

func (r Risk) String() string {
	if r < None || r > High {
		return fmt.Sprintf("Risk(%d)", int(r))
	}
	return riskNames[r]
}

// ParseRisk reads a risk's name.
func ParseRisk(s string) (Risk, error) {
	for i, n := range riskNames {
		if s == n {
			return Risk(i), nil
		}
	}
	return None, fmt.Errorf("unknown risk %q: the risks are none, low, medium and high", s)
}

func (r Risk) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

func (r *Risk) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseRisk(s)
	*r = v
	return err
}

// Operations on an item.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Report is the change from one surface to another.
type Report struct {
	Old string `json:"old"`
	New string `json:"new"`
	// Equal is set when the surfaces are semantically equal.
	Equal bool `json:"equal"`
	// Risk is the highest risk of any change.
	Risk Risk `json:"risk"`
	// Breaking is set when any change can break a client that worked.
	Breaking bool     `json:"breaking"`
	Changes  []Change `json:"changes"`
}

// Change is one item added, removed or changed.
type Change struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Op   string `json:"op"`
	// Declared is where the item is declared: in NEW, or in OLD for one
	// removed.
	Declared string   `json:"declared,omitempty"`
	Risk     Risk     `json:"risk"`
	Breaking bool     `json:"breaking"`
	Details  []Detail `json:"details"`
}

// Label names the changed item for people.
func (c Change) Label() string { return Item{Kind: c.Kind, Name: c.Name}.Label() }

// Detail is one thing that changed in an item, in one sentence, with its
// old and new values where they help.
type Detail struct {
	// Aspect is what changed: description, annotations, schema,
	// output_schema, statement, request, content, source, read_only,
	// guard, binds, limits, sensitive, deprecation, uri, arguments,
	// auth, or the name of another field.
	Aspect   string `json:"aspect"`
	Summary  string `json:"summary"`
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
	Risk     Risk   `json:"risk"`
	Breaking bool   `json:"breaking,omitempty"`
}

// Options tune Compare.
type Options struct {
	// Now is the day deprecation dates are read against; zero: today.
	Now time.Time
}

// Compare reports how the surface new differs from old, both given as
// their Items.
func Compare(old, new []Item, opts Options) *Report {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	oldBy, newBy := index(old), index(new)
	keys := make([]Item, 0, len(oldBy)+len(newBy))
	keys = append(keys, old...)
	for _, it := range new {
		if _, ok := oldBy[it.Key()]; !ok {
			keys = append(keys, it)
		}
	}
	SortItems(keys)
	r := &Report{Changes: []Change{}}
	for _, k := range keys {
		o, inOld := oldBy[k.Key()]
		n, inNew := newBy[k.Key()]
		var c *Change
		switch {
		case !inNew:
			c = removed(o, opts.Now)
		case !inOld:
			c = added(n)
		default:
			c = changed(o, n)
		}
		if c != nil {
			r.Changes = append(r.Changes, *c)
		}
	}
	noteRenames(r.Changes, oldBy, newBy)
	r.Equal = len(r.Changes) == 0
	for _, c := range r.Changes {
		r.Risk = max(r.Risk, c.Risk)
		r.Breaking = r.Breaking || c.Breaking
	}
	return r
}

func index(items []Item) map[string]Item {
	m := make(map[string]Item, len(items))
	for _, it := range items {
		m[it.Key()] = it
	}
	return m
}

// added: a new item is a medium risk whatever it does; the details say
// what it does, so that a reviewer sees a writing or open tool at once.
func added(n Item) *Change {
	c := &Change{Kind: n.Kind, Name: n.Name, Op: Added, Declared: n.Declared, Risk: Medium}
	c.Details = append(c.Details, Detail{Aspect: "added", Risk: Medium, Summary: "new " + strings.ReplaceAll(n.Kind, "_", " ") + describeNew(n)})
	return c
}

// describeNew says what a new tool (or resource query) does and who may
// call it.
func describeNew(n Item) string {
	x := n.Executes
	if q, ok := x["query"].(map[string]any); ok {
		x = q
	}
	var parts []string
	if src, ok := x["source"].(string); ok && src != "" {
		parts = append(parts, "on "+src)
	}
	if ro, ok := x["read_only"].(bool); ok {
		if ro {
			parts = append(parts, "read-only")
		} else {
			parts = append(parts, "WRITES")
		}
	}
	if a, ok := x["access"].(map[string]any); ok {
		parts = append(parts, accessText(a))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

// removed: removing is no risk to the server, but breaks clients that use
// the item, unless it is a tool whose deprecation announced it and whose
// removal date (if any) has passed.
func removed(o Item, now time.Time) *Change {
	c := &Change{Kind: o.Kind, Name: o.Name, Op: Removed, Declared: o.Declared, Risk: Low, Breaking: true}
	d := Detail{Aspect: "removed", Risk: Low, Breaking: true}
	switch o.Kind {
	case KindTool:
		d.Summary = "removed: clients that call it get an unknown-tool error"
		if notice, ok := deprecation(o.Client); ok {
			after, hasDate := removalDate(notice)
			switch {
			case !hasDate || !now.Before(after.AddDate(0, 0, 1)):
				c.Breaking, d.Breaking = false, false
				d.Summary = fmt.Sprintf("removed, as its deprecation announced (%q)", notice)
			default:
				d.Summary = fmt.Sprintf("removed before the date its deprecation announced (%q): clients may still call it", notice)
			}
		} else {
			d.Summary += "; it was never deprecated"
		}
	case KindResource, KindTemplate:
		d.Summary = "removed: clients that read it get a not-found error"
	case KindPrompt:
		d.Summary = "removed: clients that get it get an error"
	}
	c.Details = append(c.Details, d)
	return c
}

// noteRenames marks a removed item whose execution an added item of the
// same kind has exactly: most likely a rename, which breaks clients as the
// removal does.
func noteRenames(changes []Change, oldBy, newBy map[string]Item) {
	byHash := map[string]string{}
	for _, c := range changes {
		if c.Op != Added {
			continue
		}
		n := newBy[Item{Kind: c.Kind, Name: c.Name}.Key()]
		if h, err := n.ExecutesHash(); err == nil && len(n.Executes) > 0 {
			byHash[c.Kind+" "+h] = c.Name
		}
	}
	for i, c := range changes {
		if c.Op != Removed {
			continue
		}
		o := oldBy[Item{Kind: c.Kind, Name: c.Name}.Key()]
		h, err := o.ExecutesHash()
		if to, ok := byHash[c.Kind+" "+h]; ok && err == nil && len(o.Executes) > 0 {
			// Breaking as the removal is: a deprecation may have announced it.
			d := Detail{Aspect: "renamed", Risk: Low, Breaking: c.Breaking,
				Summary: fmt.Sprintf("renamed to %q, which runs the same", to)}
			if c.Breaking {
				d.Summary += ": clients that use the old name break"
			}
			changes[i].Details = append(changes[i].Details, d)
		}
	}
}

// changed compares one item in both surfaces; nil when they are equal.
func changed(o, n Item) *Change {
	var ds []Detail
	switch o.Kind {
	case KindServer:
		ds = append(ds, compareText(o.Client, n.Client, "name", "version", "instructions")...)
		ds = append(ds, compareServer(o.Executes, n.Executes)...)
	case KindTool:
		ds = append(ds, compareToolClient(o.Client, n.Client)...)
		ds = append(ds, compareExecution(o.Executes, n.Executes, paramNames(n.Client))...)
	case KindResource, KindTemplate:
		ds = append(ds, compareResourceClient(o.Client, n.Client)...)
		ds = append(ds, compareExecution(o.Executes, n.Executes, nil)...)
	case KindPrompt:
		ds = append(ds, comparePromptClient(o.Client, n.Client)...)
		ds = append(ds, compareExecution(o.Executes, n.Executes, nil)...)
	default:
		ds = append(ds, compareGeneric("", o.Client, n.Client, Medium)...)
		ds = append(ds, compareGeneric("", o.Executes, n.Executes, Medium)...)
	}
	if len(ds) == 0 {
		return nil
	}
	c := &Change{Kind: n.Kind, Name: n.Name, Op: Changed, Declared: n.Declared, Details: ds}
	for _, d := range ds {
		c.Risk = max(c.Risk, d.Risk)
		c.Breaking = c.Breaking || d.Breaking
	}
	return c
}

// Summary counts a report's changes in one line.
func (r *Report) Summary() string {
	if r.Equal {
		return "the surfaces are equal"
	}
	byRisk := map[Risk]int{}
	breaking := 0
	for _, c := range r.Changes {
		byRisk[c.Risk]++
		if c.Breaking {
			breaking++
		}
	}
	var parts []string
	for _, risk := range []Risk{High, Medium, Low} {
		if byRisk[risk] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", byRisk[risk], risk))
		}
	}
	s := fmt.Sprintf("%d %s (%s)", len(r.Changes), plural(len(r.Changes), "change", "changes"), strings.Join(parts, ", "))
	if breaking > 0 {
		s += fmt.Sprintf(", %d breaking", breaking)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sortedKeys is the union of two maps' keys, sorted.
func sortedKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
