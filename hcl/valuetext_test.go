package hcl

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// valueText parses src, one attribute named v, and maps its value.
func valueText(t *testing.T, src string) (ValueText, string) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	attrs, _ := f.Body.JustAttributes()
	expr := attrs["v"].Expr
	val, diags := expr.Value(nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return NewValueText(expr, val.AsString()), val.AsString()
}

func TestValueTextRange(t *testing.T) {
	for name, tc := range map[string]struct {
		src   string
		words []string
	}{
		// Lines of the value start at columns 5 and 7; blank lines keep
		// their own whitespace in a flush heredoc.
		"flush heredoc": {"v = <<-SQL\n    SELECT a,\n  \n      b\n    FROM t\n  SQL\n", []string{"SELECT", "a,", "b", "FROM", "t"}},
		"heredoc":       {"v = <<SQL\nSELECT x\n  FROM y\nSQL\n", []string{"SELECT", "x", "FROM", "y"}},
		"quoted":        {`v = "/orders/{id}/lines"` + "\n", []string{"{id}", "lines"}},
		"multibyte":     {`v = "/café/{id}"` + "\n", []string{"{id}"}},
	} {
		vt, value := valueText(t, tc.src)
		if vt.lines == nil {
			t.Errorf("%s: no mapping for %q", name, value)
			continue
		}
		for _, w := range tc.words {
			off := strings.Index(value, w)
			r := vt.RangeOf(off, off+len(w))
			if got := tc.src[r.Start.Byte:r.End.Byte]; got != w {
				t.Errorf("%s: RangeOf(%q) covers %q (%s)", name, w, got, r)
			}
			if line := strings.Split(tc.src, "\n")[r.Start.Line-1]; !strings.HasPrefix(line[columnByte(line, r.Start.Column):], w) {
				t.Errorf("%s: %q: column %d of line %d does not start it", name, w, r.Start.Column, r.Start.Line)
			}
		}
	}
}

// columnByte is the byte offset of a 1-based column (in characters).
func columnByte(line string, col int) int {
	for i := range line {
		if col == 1 {
			return i
		}
		col--
	}
	return len(line)
}

// An escape changes the value's length against the source: no guessing,
// the whole attribute's range.
func TestValueTextFallsBack(t *testing.T) {
	for _, src := range []string{
		`v = "a\tb {id}"` + "\n",
		`v = "line\nnext"` + "\n",
		"v = <<SQL\nSELECT $${x}\nSQL\n",
	} {
		vt, value := valueText(t, src)
		if vt.lines != nil {
			t.Errorf("%q: mapped %q, want the attribute's range", src, value)
		}
		if r := vt.RangeOf(0, 1); r != vt.whole {
			t.Errorf("%q: RangeOf = %s, want %s", src, r, vt.whole)
		}
	}
}
