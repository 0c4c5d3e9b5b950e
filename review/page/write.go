package page

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mcpgen/mcpgen/review/access"
	"github.com/mcpgen/mcpgen/runtime"
)

//go:embed page.html.tmpl
var pageTemplate string

//go:embed page.css
var pageCSS string

// filterScript hides the items, table of contents entries and matrix
// columns whose name does not contain what is typed in the filter box.
// Without it, the page shows everything.
const filterScript = `
(function () {
  var box = document.getElementById("filter");
  if (!box) { return; }
  box.hidden = false;
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    document.querySelectorAll("[data-name]").forEach(function (el) {
      el.hidden = q !== "" && el.getAttribute("data-name").toLowerCase().indexOf(q) < 0;
    });
  });
})();
`

// The template and the CSP are made on first use, not at package
// initialisation: every mcpgen command links this package, and only
// `mcpgen access --html` and `mcpgen surface` write a page.
var rendering struct {
	once sync.Once
	tmpl *template.Template
	csp  string
}

// built counts the times rendering was prepared, for Built.
var built atomic.Int64

// Built reports whether the page's template has been built in this
// process (1) or not (0). A test of `mcpgen serve` checks that starting a
// server builds none.
func Built() int64 { return built.Load() }

func prepare() {
	rendering.once.Do(func() {
		built.Add(1)
		sum := sha256.Sum256([]byte(filterScript))
		rendering.csp = fmt.Sprintf("default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-%s'; base-uri 'none'; form-action 'none'",
			base64.StdEncoding.EncodeToString(sum[:]))
		rendering.tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
			"visible":   Visible,
			"sql":       HighlightSQL,
			"mark":      access.Mark,
			"detail":    access.Detail,
			"binds":     access.BindsText,
			"claims":    access.Claims,
			"verdict":   func(d runtime.Decision) string { return string(d.Verdict) },
			"json":      jsonText,
			"join":      strings.Join,
			"multiline": func(s string) bool { return strings.Contains(s, "\n") },
			"sevclass":  func(s fmt.Stringer) string { return s.String() },
			"lower":     strings.ToLower,
			"kindname":  func(kind string) string { return strings.ReplaceAll(kind, "_", " ") },
		}).Parse(pageTemplate))
	})
}

// CSP is the page's Content-Security-Policy: nothing may be fetched;
// the inline style and the one inline script (by its hash) may run.
func CSP() string {
	prepare()
	return rendering.csp
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Write renders the page.
func Write(w io.Writer, p *Page) error {
	prepare()
	return rendering.tmpl.Execute(w, struct {
		*Page
		CSP    string
		CSS    template.CSS
		Script template.JS
	}{p, rendering.csp, template.CSS(pageCSS), template.JS(filterScript)})
}
