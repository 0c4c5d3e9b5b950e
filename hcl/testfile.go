package hcl

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestFileSuffix ends the name of a file of config tests. A directory given
// as configuration skips such files; `mcpgen test` and `mcpgen access` read
// them.
const TestFileSuffix = ".test.hcl"

// IsTestFile reports whether name is a file of config tests.
func IsTestFile(name string) bool { return strings.HasSuffix(name, TestFileSuffix) }

// Built-in principals a test file may name without declaring them.
const (
	// PrincipalAnonymous is a caller with no subject, scopes or claims.
	PrincipalAnonymous = "anonymous"
	// PrincipalStdio is the configuration's stdio principal.
	PrincipalStdio = "stdio"
)

// Tests is what a set of test files declares.
type Tests struct {
	// Principals in declaration order, across files in the order given.
	Principals []*NamedPrincipal
	// Fixtures, Stubs and Cases in declaration order (testfile_cases.go).
	Fixtures []*Fixture
	Stubs    []*Stub
	Cases    []*TestCase
	// Files holds each file's source, for diagnostics.
	Files map[string][]byte

	// pending are cases naming a principal not declared yet.
	pending []*TestCase
}

// Principal returns the declared principal called name, or nil.
func (t *Tests) Principal(name string) *NamedPrincipal {
	for _, p := range t.Principals {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// NamedPrincipal is a `principal "NAME"` block: a caller a test acts as, or
// a row of the access matrix.
type NamedPrincipal struct {
	Name string
	PrincipalDecl

	DeclRange hcl.Range
}

var principalNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

var testFileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "principal", LabelNames: []string{"name"}},
		{Type: "fixture", LabelNames: []string{"type", "name"}},
		{Type: "stub", LabelNames: []string{"name"}},
		{Type: "test", LabelNames: []string{"name"}},
	},
}

// LoadTests reads test files: each path is a *.test.hcl file, or a
// directory whose *.test.hcl files are read (sorted, not recursive).
func LoadTests(paths []string) (*Tests, hcl.Diagnostics) {
	t := &Tests{Files: map[string][]byte{}}
	var diags hcl.Diagnostics
	for _, p := range paths {
		files, d := expandTestPath(p)
		diags = append(diags, d...)
		for _, f := range files {
			if _, seen := t.Files[f]; seen {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read test file", Detail: err.Error()})
				continue
			}
			diags = append(diags, t.addFile(f, src)...)
		}
	}
	return t, append(diags, t.checkPrincipals()...)
}

// LoadTestSource reads one test file's contents; filename names it in
// diagnostics.
func LoadTestSource(filename string, src []byte) (*Tests, hcl.Diagnostics) {
	t := &Tests{Files: map[string][]byte{}}
	diags := t.addFile(filename, src)
	return t, append(diags, t.checkPrincipals()...)
}

func expandTestPath(p string) ([]string, hcl.Diagnostics) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read test file", Detail: err.Error()}}
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read test directory", Detail: err.Error()}}
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && IsTestFile(e.Name()) {
			files = append(files, filepath.Join(p, e.Name()))
		}
	}
	return files, nil
}

func (t *Tests) addFile(filename string, src []byte) hcl.Diagnostics {
	t.Files[filename] = src
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() || file == nil {
		return diags
	}
	ctx := evalContext(filename, &Secrets{}, &Reads{})
	content, cdiags := file.Body.Content(testFileSchema)
	diags = append(diags, cdiags...)
	for _, block := range content.Blocks {
		switch block.Type {
		case "principal":
			p, d := decodeNamedPrincipal(block, ctx)
			diags = append(diags, d...)
			if p == nil {
				continue
			}
			if prev := t.Principal(p.Name); prev != nil {
				diags = append(diags, duplicateDiag("Duplicate principal",
					fmt.Sprintf("principal %q is already declared at %s.", p.Name, pos(prev.DeclRange)), p.DeclRange))
				continue
			}
			t.Principals = append(t.Principals, p)
		default:
			diags = append(diags, t.addBlock(block, ctx)...)
		}
	}
	return diags
}

func decodeNamedPrincipal(block *hcl.Block, ctx *hcl.EvalContext) (*NamedPrincipal, hcl.Diagnostics) {
	name := block.Labels[0]
	var diags hcl.Diagnostics
	switch {
	case !principalNameRe.MatchString(name):
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Invalid principal name",
			Detail:  fmt.Sprintf("%q is not a principal name: use letters, digits, '_' and '-', starting with a letter or '_'.", name),
			Subject: block.LabelRanges[0].Ptr(),
		})
	case name == PrincipalAnonymous || name == PrincipalStdio:
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Reserved principal name",
			Detail:  fmt.Sprintf("%q is built in (%s: no subject, scopes or claims; %s: the configuration's stdio principal); give this one another name.", name, PrincipalAnonymous, PrincipalStdio),
			Subject: block.LabelRanges[0].Ptr(),
		})
	}
	decl, d := decodePrincipal(block.Body, ctx)
	diags = append(diags, d...)
	if decl == nil {
		return nil, diags
	}
	return &NamedPrincipal{Name: name, PrincipalDecl: *decl, DeclRange: block.DefRange}, diags
}
