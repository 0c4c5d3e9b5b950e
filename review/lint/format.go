package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// WriteText writes one line per finding, sorted by file and position:
//
//	file:line:col: severity: rule-id: message; fix: hint
func WriteText(w io.Writer, r *Report) error {
	for _, f := range r.Findings {
		if _, err := fmt.Fprintf(w, "%s: %s: %s: %s; fix: %s\n", f.Position, f.Severity, f.Rule, f.Message, f.Fix); err != nil {
			return err
		}
	}
	return nil
}

// Summary says in one line what a report holds.
func (r *Report) Summary() string {
	s := fmt.Sprintf("%s, %s, %d info", plural(r.Count(Error), "error"), plural(r.Count(Warning), "warning"), r.Count(Info))
	if n := len(r.Suppressed); n > 0 {
		s += fmt.Sprintf("; %d suppressed", n)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// JSONReport is what --format json writes.
type JSONReport struct {
	Findings   []Finding    `json:"findings"`
	Suppressed []Suppressed `json:"suppressed"`
	Summary    JSONSummary  `json:"summary"`
}

// JSONSummary counts findings by severity, and suppressed ones.
type JSONSummary struct {
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Info       int `json:"info"`
	Suppressed int `json:"suppressed"`
}

// WriteJSON writes the findings and the suppressed findings with what
// suppressed each.
func WriteJSON(w io.Writer, r *Report) error {
	out := JSONReport{Findings: r.Findings, Suppressed: r.Suppressed, Summary: JSONSummary{
		Errors: r.Count(Error), Warnings: r.Count(Warning), Info: r.Count(Info), Suppressed: len(r.Suppressed),
	}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// SARIF 2.1.0, the subset code-scanning UIs read (GitHub's list of
// supported properties), so that findings show inline on the lines they
// are about.

// SARIFVersion and SARIFSchema identify the format.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	ColumnKind         string                      `json:"columnKind"`
	Results            []sarifResult               `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 sarifText       `json:"help"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           sarifRuleProps  `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags []string `json:"tags"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           sarifRegion      `json:"region"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// SARIFOptions say who wrote the log and what its paths are relative to.
type SARIFOptions struct {
	ToolVersion string
	// BaseDir is the directory artifact URIs are relative to: the
	// working directory, normally the repository's root. It must be
	// absolute.
	BaseDir string
}

const srcRoot = "%SRCROOT%"

// WriteSARIF writes a SARIF 2.1.0 log: every rule with its help, every
// finding as a result, and suppressed findings as results with their
// suppression, as code-scanning UIs expect.
func WriteSARIF(w io.Writer, r *Report, opts SARIFOptions) error {
	index := map[string]int{}
	driver := sarifDriver{Name: "mcpgen", Version: opts.ToolVersion, Rules: []sarifRule{}}
	for i, rule := range rules() {
		index[rule.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:               rule.ID,
			Name:             ruleName(rule.ID),
			ShortDescription: sarifText{Text: rule.Summary},
			FullDescription:  sarifText{Text: rule.Why},
			Help: sarifText{
				Text:     rule.Why + "\n\nFix: " + rule.Fix + "\n\nSuppress one finding with a comment on the line above it: # mcpgen:ignore " + rule.ID + " <reason>",
				Markdown: fmt.Sprintf("%s\n\n**Fix:** %s\n\nSuppress one finding with a comment on the line above it: `# mcpgen:ignore %s <reason>`. See docs/lint.md.", rule.Why, rule.Fix, rule.ID),
			},
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(rule.Severity)},
			Properties:           sarifRuleProps{Tags: ruleTags(rule.ID)},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, ColumnKind: "unicodeCodePoints", Results: []sarifResult{}}
	if opts.BaseDir != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{srcRoot: {URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(opts.BaseDir) + "/"}).String()}}
	}
	result := func(f Finding) sarifResult {
		return sarifResult{
			RuleID:    f.Rule,
			RuleIndex: index[f.Rule],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: strings.TrimSuffix(f.Message, ".") + ". Fix: " + f.Fix},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: artifact(f.File, opts.BaseDir),
				Region:           sarifRegion{StartLine: f.Line, StartColumn: f.Column, EndLine: f.EndLine, EndColumn: f.EndColumn},
			}}},
		}
	}
	for _, f := range r.Findings {
		run.Results = append(run.Results, result(f))
	}
	for _, s := range r.Suppressed {
		res := result(s.Finding)
		res.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: s.Suppression.Reason}}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: SARIFSchema, Version: SARIFVersion, Runs: []sarifRun{run}})
}

// artifact is a file as a URI reference relative to base.
func artifact(file, base string) sarifArtifactLoc {
	path := file
	if base != "" {
		if abs, err := filepath.Abs(file); err == nil {
			if rel, err := filepath.Rel(base, abs); err == nil {
				path = rel
			}
		}
	}
	loc := sarifArtifactLoc{URI: (&url.URL{Path: filepath.ToSlash(path)}).String()}
	if base != "" && !filepath.IsAbs(path) {
		loc.URIBaseID = srcRoot
	}
	return loc
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// ruleName is a rule's id as SARIF's CamelCase name: poison/url-or-email
// is PoisonUrlOrEmail.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '/' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func ruleTags(id string) []string {
	family, _, _ := strings.Cut(id, "/")
	tags := []string{family}
	if family == "poison" || family == "authz" || id == "hygiene/secret-literal" || id == "hygiene/credential-default" {
		tags = append(tags, "security")
	}
	return tags
}
