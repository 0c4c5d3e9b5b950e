package page

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	_ "github.com/mcpgen/mcpgen/adapters/sql"
	cfg "github.com/mcpgen/mcpgen/hcl"
	"github.com/mcpgen/mcpgen/review/access"
	"github.com/mcpgen/mcpgen/review/diff"
	"github.com/mcpgen/mcpgen/review/lint"
	"github.com/mcpgen/mcpgen/runtime"
)

// The page is made from review/access's test configuration: guards on
// scopes, claims, arguments and the transport, a resource, a template and
// a prompt, and a description with a zero-width space.
const (
	configPath     = "../access/testdata/access.hcl"
	principalsPath = "../access/testdata/principals.test.hcl"
)

// reviewPage builds the page's model; withBase compares with a base in
// which refund's guard allowed up to 500 and get_order had no bind.
func reviewPage(t *testing.T, withBase bool) *Page {
	t.Helper()
	ctx := context.Background()
	gen, diags := runtime.Build(ctx, []string{configPath}, runtime.BuildOptions{Mode: runtime.BuildOffline, Log: zerolog.New(io.Discard)})
	if diags.HasErrors() {
		t.Fatalf("build: %s", diags.Error())
	}
	tests, diags := cfg.LoadTests([]string{principalsPath})
	if diags.HasErrors() {
		t.Fatalf("principals: %s", diags.Error())
	}
	in := Input{Generation: gen, Matrix: access.Build(ctx, gen, tests.Principals), Lint: lint.Run(gen, lint.Options{})}
	if withBase {
		src, err := os.ReadFile(configPath)
		if err != nil {
			t.Fatal(err)
		}
		old := strings.Replace(string(src), "args.amount < 1000", "args.amount < 500", 1)
		if old == string(src) {
			t.Fatal("the base's edit found nothing to change")
		}
		basePath := filepath.Join(t.TempDir(), "access.hcl")
		if err := os.WriteFile(basePath, []byte(old), 0o600); err != nil {
			t.Fatal(err)
		}
		oldSpec, newSpec, err := diff.ParseSpecs(basePath, configPath)
		if err != nil {
			t.Fatal(err)
		}
		oldItems, diags, err := diff.Load(ctx, oldSpec)
		if err != nil || diags.HasErrors() {
			t.Fatalf("base: %v %s", err, diags.Error())
		}
		newItems, err := diff.Items(gen.Surface())
		if err != nil {
			t.Fatal(err)
		}
		in.Diff = diff.Compare(oldItems, newItems, diff.Options{})
		in.Diff.Old, in.Diff.New = oldSpec.Label, newSpec.Label
	}
	p, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func writePage(t *testing.T, p *Page, path string) {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func render(t *testing.T, p *Page) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPage(t *testing.T) {
	p := reviewPage(t, true)
	html := render(t, p)
	for _, want := range []string{
		`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; script-src &#39;sha256-`,
		`<table class="matrix" id="matrix">`,
		`<article id="tool-refund" class="card item changed" data-name="refund">`,
		`<span class="p">:amount</span>`,
		`<span class="inv" title="zero-width character">U+200B</span>`,
		`<code class="cond">args.amount &lt; 1000</code>`,
		`poison/`, // the zero-width space is a lint finding, on its tool
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Nothing is fetched: no src, no link, no href but to the page itself.
	if m := regexp.MustCompile(`(?i)\s(src|href)="[^#][^"]*"|<link\b|@import|url\(`).FindString(html); m != "" {
		t.Errorf("the page refers to something outside it: %s", m)
	}
	// The script the CSP allows is the one in the page.
	sum := sha256.Sum256([]byte(filterScript))
	if !strings.Contains(html, "<script>"+filterScript+"</script>") || !strings.Contains(CSP(), base64.StdEncoding.EncodeToString(sum[:])) {
		t.Error("the inline script is not the one whose hash the CSP names")
	}
	// The lint finding on acme_report's description is on its item.
	var report *Item
	for _, it := range p.items() {
		if it.Name == "acme_report" {
			report = it
		}
	}
	if report == nil || len(report.Findings) == 0 || report.Hidden != 1 {
		t.Fatalf("acme_report: %+v", report)
	}
	if p.Changed != 1 {
		t.Errorf("%d items marked changed, want 1 (refund)", p.Changed)
	}
}

func TestVisible(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain <b>text</b>\n\tok", "plain &lt;b&gt;text&lt;/b&gt;\n\tok"},
		{"a\u200bb", `a<span class="inv" title="zero-width character">U+200B</span>b`},
		{"\u202eevil", `<span class="inv" title="bidirectional control">U+202E</span>evil`},
		{"nb\u00a0sp", `nb<span class="inv" title="a space that is not U+0020">U+00A0</span>sp`},
		{"tag\U000E0041", `tag<span class="inv" title="tag character">U+E0041</span>`},
		{"é ✓", "é ✓"},
	}
	for _, tt := range tests {
		if got := string(Visible(tt.in)); got != tt.want {
			t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHighlightSQL(t *testing.T) {
	got := string(HighlightSQL("SELECT a, '<x>''y' FROM t -- note </script>\nWHERE id = :id::int AND n > 10"))
	want := `<span class="k">SELECT</span> a, <span class="s">&#39;&lt;x&gt;&#39;&#39;y&#39;</span> <span class="k">FROM</span> t <span class="c">-- note &lt;/script&gt;</span>` + "\n" +
		`<span class="k">WHERE</span> id = <span class="p">:id</span>::int <span class="k">AND</span> n &gt; <span class="n">10</span>`
	if got != want {
		t.Errorf("HighlightSQL =\n%s\nwant\n%s", got, want)
	}
}
