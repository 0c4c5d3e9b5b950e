// Package lint reviews a configuration for tool poisoning, authorization,
// cost and hygiene smells (`mcpgen lint`).
//
// It reads the one model of the tool surface, runtime.Surface, for what
// clients see and what runs, and the configuration (cfg.Config) only for
// what the Surface does not carry: where things are written (attribute
// positions), the raw files (`# mcpgen:ignore` comments, literal
// secrets), the text of prompt messages and static content, and the lint
// block. It never re-derives what the Surface says.
//
// Each rule is a value with a stable id ("family/name"), a severity, its
// documentation and a check function; one file per family (poison.go,
// authz.go, cost.go, hygiene.go), and the suppression rules in
// suppress.go. docs/lint.md lists them all.
package lint

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/mcpgen/mcpgen/runtime"
)

// Severity is how bad a finding is. Errors fail `mcpgen lint`; warnings
// fail it with --strict; info never does.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "info"
}

// MarshalJSON writes the severity as its name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a severity's name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	for _, v := range []Severity{Info, Warning, Error} {
		if v.String() == name {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", name)
}

// Rule is one check.
type Rule struct {
	ID       string // "family/name", stable: suppressions and SARIF name it
	Severity Severity
	Summary  string // one line: what it finds
	Why      string // why it matters
	Fix      string // how to fix a finding, in general
	check    func(in *Input, r *reporter)
}

// Position is where a finding is: 1-based lines, and columns counted in
// Unicode code points from 1. End is exclusive; it may equal the start.
type Position struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
}

func (p Position) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column) }

// Finding is one thing a rule found.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Position
	Message string `json:"message"` // one line
	Fix     string `json:"fix"`     // one line

	// anchor is the line of the attribute or block that holds the
	// finding: a suppression comment above it applies too (inside a
	// heredoc, a comment would be part of the text).
	anchor int
}

// Suppression is why a finding is not reported: a `# mcpgen:ignore`
// comment above it, or a disable block in the lint block.
type Suppression struct {
	Kind   string `json:"kind"` // "comment" or "config"
	Reason string `json:"reason"`
	At     string `json:"at"` // file:line:col of the comment or block
}

// Suppressed is a finding and what suppressed it.
type Suppressed struct {
	Finding
	Suppression Suppression `json:"suppression"`
}

// Report is what a lint run found.
type Report struct {
	Findings   []Finding    `json:"findings"`
	Suppressed []Suppressed `json:"suppressed"`
}

// Count returns how many findings have severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Failed reports whether the run should exit non-zero: any error, or with
// strict any warning.
func (r *Report) Failed(strict bool) bool {
	return r.Count(Error) > 0 || strict && r.Count(Warning) > 0
}

// Options configure a run.
type Options struct {
	// Listen is the address `serve --listen` will use. Empty: inferred
	// from the auth block's resource URL, and loopback without one.
	Listen string
	// Upstream are the definitions of upstream MCP tools as pinned in
	// mcpgen.lock (adapter.PinKey to canonical JSON): the poisoning
	// rules read their descriptions too (upstream.go).
	Upstream map[string]json.RawMessage
}

// DefaultDescriptionTokens is the budget of one description (or the
// server's instructions) unless the lint block sets
// max_description_tokens.
const DefaultDescriptionTokens = 500

// Rules lists every rule, sorted by id.
func Rules() []*Rule { return rules() }

// RuleByID finds a rule; nil when there is none.
func RuleByID(id string) *Rule {
	i, ok := slices.BinarySearchFunc(rules(), id, func(r *Rule, id string) int { return cmp.Compare(r.ID, id) })
	if !ok {
		return nil
	}
	return rules()[i]
}

// ruleTable is every rule, sorted by id, built on first use (see
// regexp.go).
var ruleTable struct {
	once sync.Once
	all  []*Rule
}

func rules() []*Rule {
	ruleTable.once.Do(func() {
		built.Add(1)
		ruleTable.all = sortedRules()
	})
	return ruleTable.all
}

func sortedRules() []*Rule {
	var all []*Rule
	for _, family := range [][]*Rule{poisonRules, authzRules, costRules, hygieneRules, suppressionRules, exposeAllRules} {
		all = append(all, family...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	for i := 1; i < len(all); i++ {
		if all[i].ID == all[i-1].ID {
			panic("lint: duplicate rule id " + all[i].ID)
		}
	}
	return all
}

// Run lints a generation built from the files (runtime.Build, offline is
// enough) and applies suppressions.
func Run(gen *runtime.Generation, opts Options) *Report {
	in := newInput(gen, opts)
	var found []Finding
	for _, rule := range rules() {
		if rule.check == nil {
			continue
		}
		r := &reporter{in: in, rule: rule}
		rule.check(in, r)
		found = append(found, r.found...)
	}
	report := in.suppress(found)
	sortFindings(report.Findings)
	slices.SortStableFunc(report.Suppressed, func(a, b Suppressed) int { return compareFindings(a.Finding, b.Finding) })
	if report.Findings == nil {
		report.Findings = []Finding{}
	}
	if report.Suppressed == nil {
		report.Suppressed = []Suppressed{}
	}
	return report
}

func sortFindings(fs []Finding) { slices.SortStableFunc(fs, compareFindings) }

func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Message, b.Message),
	)
}

// reporter collects one rule's findings.
type reporter struct {
	in    *Input
	rule  *Rule
	found []Finding
	seen  map[string]bool
}

// add reports a finding at pos whose holder (attribute or block) starts on
// line anchor. fix may be empty for the rule's general fix. The same
// message at the same place is reported once.
func (r *reporter) add(pos Position, anchor int, fix, format string, args ...any) {
	msg := oneLine(fmt.Sprintf(format, args...))
	key := pos.String() + "\x00" + msg
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	if fix == "" {
		fix = r.rule.Fix
	}
	r.found = append(r.found, Finding{
		Rule: r.rule.ID, Severity: r.rule.Severity, Position: pos,
		Message: msg, Fix: oneLine(fix), anchor: anchor,
	})
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
