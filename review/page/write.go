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

// CSP is the page's Content-Security-Policy: nothing may be fetched;
// the inline style and the one inline script (by its hash) may run.
var CSP = func() string {
	sum := sha256.Sum256([]byte(filterScript))
	return fmt.Sprintf("default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-%s'; base-uri 'none'; form-action 'none'",
		base64.StdEncoding.EncodeToString(sum[:]))
}()

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
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

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Write renders the page.
func Write(w io.Writer, p *Page) error {
	return tmpl.Execute(w, struct {
		*Page
		CSP    string
		CSS    template.CSS
		Script template.JS
	}{p, CSP, template.CSS(pageCSS), template.JS(filterScript)})
}
