package hcl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Load reads the given files and directories (their *.hcl files, sorted,
// not recursive) as one configuration. It returns every diagnostic it
// finds; the Config is complete only when none is an error.
func Load(paths []string) (*Config, hcl.Diagnostics) {
	l := newLoader()
	var diags hcl.Diagnostics
	if len(paths) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   "Give at least one .hcl file or a directory holding some.",
		})
	}
	seen := map[string]bool{}
	for _, p := range paths {
		files, fdiags := expandPath(p)
		diags = append(diags, fdiags...)
		for _, f := range files {
			// The same file named twice, directly and through its
			// directory, would otherwise collide with itself.
			key := f
			if abs, err := filepath.Abs(f); err == nil {
				key = abs
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			src, err := os.ReadFile(f)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Cannot read configuration file",
					Detail:   err.Error(),
				})
				continue
			}
			diags = append(diags, l.addFile(f, src)...)
		}
	}
	diags = append(diags, l.finish()...)
	return l.cfg, diags
}

// LoadSource loads one file's contents as a whole configuration. filename
// names it in diagnostics and is where file() paths are relative to.
func LoadSource(filename string, src []byte) (*Config, hcl.Diagnostics) {
	l := newLoader()
	diags := l.addFile(filename, src)
	diags = append(diags, l.finish()...)
	return l.cfg, diags
}

func expandPath(p string) ([]string, hcl.Diagnostics) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration",
			Detail:   err.Error(),
		}}
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p) // sorted by name
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration directory",
			Detail:   err.Error(),
		}}
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		// Dot files are editor locks and backups, as a shell glob skips them.
		// Test files sit beside the configuration they test.
		if e.IsDir() || strings.HasPrefix(name, ".") || filepath.Ext(name) != ".hcl" || IsTestFile(name) {
			continue
		}
		files = append(files, filepath.Join(p, name))
	}
	if len(files) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The directory %s holds no .hcl files.", p),
		}}
	}
	return files, nil
}

// loader merges files into one Config, remembering where each name was
// first declared.
type loader struct {
	cfg     *Config
	tools   map[string]*Tool
	sources map[string]*Source
	// unparsed is set when a file did not parse: its sources are
	// missing, so references to them prove nothing.
	unparsed bool
}

func newLoader() *loader {
	return &loader{
		cfg: &Config{
			Files:   map[string][]byte{},
			Secrets: &Secrets{},
			Reads:   &Reads{},
		},
		tools:   map[string]*Tool{},
		sources: map[string]*Source{},
	}
}

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "server"},
		{Type: "audit"},
		{Type: "auth"},
		{Type: "limits"},
		{Type: "lint"},
		{Type: "telemetry"},
		{Type: "source", LabelNames: []string{"type", "name"}},
		{Type: "tool", LabelNames: []string{"name"}},
		{Type: "resource", LabelNames: []string{"name"}},
		{Type: "prompt", LabelNames: []string{"name"}},
	},
}

func (l *loader) addFile(filename string, src []byte) hcl.Diagnostics {
	l.cfg.Files[filename] = src
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	// Decoding a body that failed to parse mostly reports the same mistake
	// again, less clearly.
	if diags.HasErrors() || file == nil {
		l.unparsed = true
		return diags
	}
	ctx := evalContext(filename, l.cfg.Secrets, l.cfg.Reads)
	content, cdiags := file.Body.Content(rootSchema)
	diags = append(diags, cdiags...)

	for _, block := range content.Blocks {
		switch block.Type {
		case "server":
			server, bdiags := decodeServerBlock(block, ctx)
			diags = append(diags, bdiags...)
			if server != nil {
				diags = append(diags, setOnce(&l.cfg.Server, server, "A server", block.DefRange, func(p *Server) hcl.Range { return p.DeclRange })...)
			}

		case "audit":
			audit, bdiags := decodeAuditBlock(block, ctx)
			diags = append(diags, bdiags...)
			diags = append(diags, setOnce(&l.cfg.Audit, audit, "An audit", block.DefRange, func(p *Audit) hcl.Range { return p.DeclRange })...)

		case "auth":
			auth, bdiags := decodeAuthBlock(block, ctx)
			diags = append(diags, bdiags...)
			diags = append(diags, setOnce(&l.cfg.Auth, auth, "An auth", block.DefRange, func(p *Auth) hcl.Range { return p.DeclRange })...)

		case "limits":
			limits, bdiags := decodeLimitsBlock(block, ctx)
			diags = append(diags, bdiags...)
			diags = append(diags, setOnce(&l.cfg.Limits, limits, "A limits", block.DefRange, func(p *Limits) hcl.Range { return p.DeclRange })...)

		case "lint":
			lint, bdiags := decodeLintBlock(block, ctx)
			diags = append(diags, bdiags...)
			diags = append(diags, setOnce(&l.cfg.Lint, lint, "A lint", block.DefRange, func(p *Lint) hcl.Range { return p.DeclRange })...)

		case "telemetry":
			tm, bdiags := decodeTelemetryBlock(block, ctx)
			diags = append(diags, bdiags...)
			diags = append(diags, setOnce(&l.cfg.Telemetry, tm, "A telemetry", block.DefRange, func(p *Telemetry) hcl.Range { return p.DeclRange })...)

		case "source":
			source, bdiags := decodeSourceBlock(block, ctx)
			diags = append(diags, bdiags...)
			if prev, dup := l.sources[source.Key()]; dup {
				diags = append(diags, duplicateDiag("Duplicate source",
					fmt.Sprintf("source %q %q is already declared at %s.", source.Type, source.Name, pos(prev.DeclRange)),
					source.DeclRange))
				continue
			}
			l.sources[source.Key()] = source
			l.cfg.Sources = append(l.cfg.Sources, source)

		case "tool":
			tool, bdiags := decodeToolBlock(block, ctx)
			diags = append(diags, bdiags...)
			if prev, dup := l.tools[tool.Name]; dup {
				diags = append(diags, duplicateDiag("Duplicate tool",
					fmt.Sprintf("tool %q is already declared at %s.", tool.Name, pos(prev.DeclRange)),
					tool.DeclRange))
				continue
			}
			l.tools[tool.Name] = tool
			l.cfg.Tools = append(l.cfg.Tools, tool)

		case "resource", "prompt":
			diags = append(diags, l.addPrimitive(block, ctx)...)
		}
	}
	return diags
}

// finish runs the checks that need every file.
func (l *loader) finish() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if l.cfg.Server == nil {
		l.cfg.Server = &Server{Name: defaultServerName, Version: defaultServerVersion}
	}
	if l.cfg.Audit == nil {
		l.cfg.Audit = DefaultAudit()
	}
	if l.cfg.Limits == nil {
		l.cfg.Limits = DefaultLimits()
	}
	for _, tool := range l.cfg.Queries() {
		ref := tool.Source
		if ref.Type == "" || l.unparsed { // already reported
			continue
		}
		if _, ok := l.sources[ref.Key()]; !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference to an undeclared source",
				Detail:   fmt.Sprintf("%s uses source.%s, but no source %q %q is declared.", describeQuery(tool), ref.Key(), ref.Type, ref.Name),
				Subject:  ref.Range.Ptr(),
			})
		}
	}
	return diags
}

// setOnce stores v, the block at `at` of which its parent has at most one
// (named with its article, "An audit"), unless one is already stored.
func setOnce[T any](slot **T, v *T, what string, at hcl.Range, declared func(*T) hcl.Range) hcl.Diagnostics {
	if *slot == nil {
		*slot = v
		return nil
	}
	kind := what[strings.Index(what, " ")+1:]
	return hcl.Diagnostics{duplicateDiag("Duplicate "+kind+" block",
		fmt.Sprintf("%s block is already declared at %s; there can be only one.", what, pos(declared(*slot))), at)}
}

func duplicateDiag(summary, detail string, at hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  at.Ptr(),
	}
}

// pos is Pos, for the messages of this package.
func pos(r hcl.Range) string { return Pos(r) }
