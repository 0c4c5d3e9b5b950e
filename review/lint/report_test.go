package lint_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgen/mcpgen/review/lint"
)

// TestJSONListsSuppressions: --format json lists what was suppressed, by
// a comment or by the lint block, with the reason and where it was given.
func TestJSONListsSuppressions(t *testing.T) {
	file := filepath.Join(fixtures, "lint", "bad-suppression", "good.hcl")
	var b bytes.Buffer
	if err := lint.WriteJSON(&b, run(t, lint.Options{}, file)); err != nil {
		t.Fatal(err)
	}
	var got lint.JSONReport
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(got.Findings) != 0 || got.Summary != (lint.JSONSummary{Suppressed: 2}) {
		t.Errorf("findings %v, summary %+v", got.Findings, got.Summary)
	}
	want := map[string]lint.Suppression{
		"poison/url-or-email": {Kind: "comment", Reason: "the billing calendar is our own public page", At: file + ":15:3"},
		"cost/unbounded-read": {Kind: "config", Reason: "the table holds at most twelve rows, one per month", At: file + ":4:11"},
	}
	for _, s := range got.Suppressed {
		if w, ok := want[s.Rule]; !ok || s.Suppression != w {
			t.Errorf("%s at %s suppressed by %+v, want %+v", s.Rule, s.Position, s.Suppression, w)
		}
		delete(want, s.Rule)
	}
	if len(want) > 0 {
		t.Errorf("not listed as suppressed: %v\n%s", want, b.String())
	}
}

// TestSuppressionNeedsReason: a comment without a reason suppresses
// nothing and is itself an error.
func TestSuppressionNeedsReason(t *testing.T) {
	file := filepath.Join(t.TempDir(), "noreason.hcl")
	src := `source "sql" "db" {
  driver = "sqlite"
  dsn    = "file:unused.db"
}

tool "list" {
  description = "Lists."
  source      = source.sql.db
  # mcpgen:ignore cost/select-star
  sql = "SELECT * FROM t"
  result {
    max_rows = 5
  }
}
`
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out := text(t, run(t, lint.Options{}, file))
	for _, want := range []string{
		file + ":9:3: error: lint/bad-suppression: # mcpgen:ignore cost/select-star gives no reason",
		file + ":10:10: warning: cost/select-star:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}
}

// TestListenDecidesExposure: --listen overrides what the auth block's
// resource URL says about where the server listens.
func TestListenDecidesExposure(t *testing.T) {
	dir := filepath.Join(fixtures, "cost", "unlimited-write")
	tests := []struct {
		file, listen string
		want         int
	}{
		{"good_loopback.hcl", "", 0},
		{"good_loopback.hcl", "0.0.0.0:8080", 1},
		{"good_loopback.hcl", "[::1]:8080", 0},
		{"bad.hcl", "127.0.0.1:8080", 0},
		{"bad.hcl", "", 1},
	}
	for _, tt := range tests {
		r := run(t, lint.Options{Listen: tt.listen}, filepath.Join(dir, tt.file))
		n := 0
		for _, f := range r.Findings {
			if f.Rule == "cost/unlimited-write" {
				n++
			}
		}
		if n != tt.want || len(r.Findings) != n {
			t.Errorf("%s with --listen %q: %d findings of cost/unlimited-write, want %d; all: %v", tt.file, tt.listen, n, tt.want, r.Findings)
		}
	}
}

// TestSARIFShape checks a SARIF log against what SARIF 2.1.0 requires and
// what code-scanning UIs read (GitHub's list of supported properties):
// rules with ids and help, results with a rule, a level, a message and a
// location relative to the base directory, suppressions with a reason.
func TestSARIFShape(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, lint.Options{}, filepath.Join(fixtures, "poison", "url-or-email", "bad.hcl"))
	r.Suppressed = append(r.Suppressed, run(t, lint.Options{}, filepath.Join(fixtures, "lint", "bad-suppression", "good.hcl")).Suppressed...)
	var b bytes.Buffer
	if err := lint.WriteSARIF(&b, r, lint.SARIFOptions{ToolVersion: "v1.2.3", BaseDir: root}); err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	s := sarif{t: t}
	s.equal(log, "version", "2.1.0")
	s.nonEmpty(log, "$schema")
	runs := s.list(log, "runs")
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	run := runs[0].(map[string]any)
	driver := s.object(s.object(run, "tool"), "driver")
	s.equal(driver, "name", "mcpgen")
	s.equal(driver, "version", "v1.2.3")
	s.oneOf(run, "columnKind", "utf16CodeUnits", "unicodeCodePoints")
	base := s.object(s.object(run, "originalUriBaseIds"), "%SRCROOT%")
	if u, err := url.Parse(s.str(base, "uri")); err != nil || u.Scheme != "file" || !strings.HasSuffix(u.Path, "/") {
		t.Errorf("%%SRCROOT%% uri %q is not an absolute file URI of a directory", s.str(base, "uri"))
	}

	rules := s.list(driver, "rules")
	var ids []string
	for _, x := range rules {
		rule := x.(map[string]any)
		id := s.str(rule, "id")
		if slices.Contains(ids, id) {
			t.Errorf("rule %s twice", id)
		}
		ids = append(ids, id)
		s.nonEmpty(rule, "name")
		s.nonEmpty(s.object(rule, "shortDescription"), "text")
		s.nonEmpty(s.object(rule, "fullDescription"), "text")
		s.nonEmpty(s.object(rule, "help"), "text")
		s.oneOf(s.object(rule, "defaultConfiguration"), "level", "note", "warning", "error")
	}
	if len(ids) != len(lint.Rules()) {
		t.Errorf("%d rules in the log, %d in the linter", len(ids), len(lint.Rules()))
	}

	results := s.list(run, "results")
	if want := len(r.Findings) + len(r.Suppressed); len(results) != want || want < 4 {
		t.Fatalf("%d results, want %d (at least 4)", len(results), want)
	}
	suppressed := 0
	for _, x := range results {
		res := x.(map[string]any)
		id := s.str(res, "ruleId")
		i, ok := res["ruleIndex"].(float64)
		if !ok || int(i) < 0 || int(i) >= len(ids) || ids[int(i)] != id {
			t.Errorf("result of %s has ruleIndex %v", id, res["ruleIndex"])
		}
		s.oneOf(res, "level", "none", "note", "warning", "error")
		s.nonEmpty(s.object(res, "message"), "text")
		locs := s.list(res, "locations")
		if len(locs) == 0 {
			t.Errorf("result of %s has no location", id)
			continue
		}
		phys := s.object(locs[0].(map[string]any), "physicalLocation")
		art := s.object(phys, "artifactLocation")
		s.equal(art, "uriBaseId", "%SRCROOT%")
		uri := s.str(art, "uri")
		if u, err := url.Parse(uri); err != nil || u.Scheme != "" || strings.HasPrefix(uri, "/") || strings.HasPrefix(uri, "..") {
			t.Errorf("uri %q is not relative to the base directory", uri)
		} else if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(u.Path))); err != nil {
			t.Errorf("uri %q: %v", uri, err)
		}
		region := s.object(phys, "region")
		start, col := s.num(region, "startLine"), s.num(region, "startColumn")
		end, endCol := s.num(region, "endLine"), s.num(region, "endColumn")
		if start < 1 || col < 1 || end < start || endCol < 1 || end == start && endCol < col {
			t.Errorf("region %v", region)
		}
		if sup, ok := res["suppressions"]; ok {
			suppressed++
			for _, x := range sup.([]any) {
				s.oneOf(x.(map[string]any), "kind", "inSource", "external")
				s.nonEmpty(x.(map[string]any), "justification")
			}
		}
	}
	if suppressed != len(r.Suppressed) || suppressed == 0 {
		t.Errorf("%d results with suppressions, want %d", suppressed, len(r.Suppressed))
	}
}

// sarif reads a decoded log, failing the test on a missing property.
type sarif struct{ t *testing.T }

func (s sarif) get(m map[string]any, key string) any {
	s.t.Helper()
	v, ok := m[key]
	if !ok {
		s.t.Errorf("missing required property %q in %v", key, m)
	}
	return v
}

func (s sarif) object(m map[string]any, key string) map[string]any {
	s.t.Helper()
	o, ok := s.get(m, key).(map[string]any)
	if !ok {
		return map[string]any{}
	}
	return o
}

func (s sarif) list(m map[string]any, key string) []any {
	s.t.Helper()
	l, ok := s.get(m, key).([]any)
	if !ok {
		s.t.Errorf("%q is not an array", key)
	}
	return l
}

func (s sarif) str(m map[string]any, key string) string {
	s.t.Helper()
	v, _ := s.get(m, key).(string)
	return v
}

func (s sarif) num(m map[string]any, key string) int {
	s.t.Helper()
	v, ok := s.get(m, key).(float64)
	if !ok {
		s.t.Errorf("%q is not a number", key)
	}
	return int(v)
}

func (s sarif) nonEmpty(m map[string]any, key string) {
	s.t.Helper()
	if s.str(m, key) == "" {
		s.t.Errorf("%q is empty", key)
	}
}

func (s sarif) equal(m map[string]any, key, want string) {
	s.t.Helper()
	if got := s.str(m, key); got != want {
		s.t.Errorf("%q = %q, want %q", key, got, want)
	}
}

func (s sarif) oneOf(m map[string]any, key string, allowed ...string) {
	s.t.Helper()
	if got := s.str(m, key); !slices.Contains(allowed, got) {
		s.t.Errorf("%q = %q, want one of %v", key, got, allowed)
	}
}
