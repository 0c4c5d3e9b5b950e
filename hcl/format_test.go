package hcl

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var formatTests = []struct {
	name, in, want string
}{
	{
		name: "aligned, trailing blanks, one blank line between blocks",
		in:   "server {\nname=\"a\"   \n    version = \"1\"\n}\nsource \"sql\" \"db\" {}\n\n\n\ntool \"t\" {}\n\n",
		want: "server {\n  name    = \"a\"\n  version = \"1\"\n}\n\nsource \"sql\" \"db\" {}\n\ntool \"t\" {}\n",
	},
	{
		name: "comments are kept, without trailing blanks",
		in:   "# top   \nserver { # here\n  # inside   \n  name = \"a\" // end\n  /* block\n     comment */\n}\n",
		want: "# top\nserver { # here\n  # inside\n  name = \"a\" // end\n  /* block\n     comment */\n}\n",
	},
	{
		name: "a flush heredoc indented too far moves back, lines keep their offsets",
		in:   "tool \"t\" {\n  sql = <<-SQL\n            SELECT 1\n              FROM t\n          SQL\n}\n",
		want: "tool \"t\" {\n  sql = <<-SQL\n    SELECT 1\n      FROM t\n  SQL\n}\n",
	},
	{
		name: "a flush heredoc flush left moves in",
		in:   "tool \"t\" {\n  guard = <<-CEL\n'a' in principal.scopes\n  && true\nCEL\n}\n",
		want: "tool \"t\" {\n  guard = <<-CEL\n    'a' in principal.scopes\n      && true\n  CEL\n}\n",
	},
	{
		name: "lines of only spaces in a flush heredoc are part of its value",
		in:   "x {\n  a = <<-EOT\n        one\n   \n\n        two\n      EOT\n}\n",
		want: "x {\n  a = <<-EOT\n    one\n   \n\n    two\n  EOT\n}\n",
	},
	{
		name: "trailing spaces inside a heredoc are part of its value",
		in:   "x {\n  a = <<-EOT\n    one  \n  EOT\n}\n",
		want: "x {\n  a = <<-EOT\n    one  \n  EOT\n}\n",
	},
	{
		name: "a flush heredoc indented with a tab is left alone",
		in:   "x {\n  a = <<-EOT\n\t    one\n        two\n      EOT\n}\n",
		want: "x {\n  a = <<-EOT\n\t    one\n        two\n      EOT\n}\n",
	},
	{
		name: "a << heredoc is never touched",
		in:   "x {\n    a = <<EOT\n        one\n  two   \nEOT\n}\n",
		want: "x {\n  a = <<EOT\n        one\n  two   \nEOT\n}\n",
	},
	{
		name: "interpolations on one line move with it",
		in:   "x {\n  a = <<-EOT\n        one ${\"1\"}\n        ${\"2\"} two\n    EOT\n}\n",
		want: "x {\n  a = <<-EOT\n    one ${\"1\"}\n    ${\"2\"} two\n  EOT\n}\n",
	},
	{
		name: "an interpolation across lines keeps the heredoc as it is",
		in:   "x {\n  a = <<-EOT\n        one ${\n   \"1\"}\n        two\n    EOT\n}\n",
		want: "x {\n  a = <<-EOT\n        one ${\n\"1\"}\n        two\n    EOT\n}\n",
	},
	{
		name: "nested blocks and objects keep their blank lines",
		in:   "tool \"t\" {\n  a = 1\n\n\n  param \"p\" {\n    type = \"string\"\n  }\n  headers = {\n    A = \"b\"\n  }\n}\n",
		want: "tool \"t\" {\n  a = 1\n\n  param \"p\" {\n    type = \"string\"\n  }\n  headers = {\n    A = \"b\"\n  }\n}\n",
	},
	{name: "empty", in: "\n\n", want: ""},
}

func TestFormat(t *testing.T) {
	for _, tt := range formatTests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := Format("t.hcl", []byte(tt.in))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			checkFormatted(t, []byte(tt.in), got)
		})
	}
}

func TestFormatParseError(t *testing.T) {
	src := []byte("tool \"t\" {\n  sql = \n}\n   ")
	got, diags := Format("bad.hcl", src)
	if !diags.HasErrors() || string(got) != string(src) {
		t.Errorf("Format = %q, %v; want the input back with a diagnostic", got, diags)
	}
}

// Every configuration in the repository, valid or not: formatting it keeps
// every value and is done in one pass.
func TestFormatRepositoryFiles(t *testing.T) {
	n := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || filepath.Ext(path) != ".hcl" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		got, diags := Format(path, src)
		if diags.HasErrors() {
			if string(got) != string(src) {
				t.Errorf("%s does not parse but was changed", path)
			}
			return nil
		}
		t.Run(path, func(t *testing.T) { checkFormatted(t, src, got) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("found %d .hcl files; the tree moved?", n)
	}
}

// FuzzFormat: whatever parses formats into what parses to the same values,
// in one pass.
func FuzzFormat(f *testing.F) {
	for _, tt := range formatTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if _, diags := hclsyntax.ParseConfig([]byte(src), "f.hcl", hcl.InitialPos); diags.HasErrors() {
			return
		}
		got, diags := Format("f.hcl", []byte(src))
		if len(diags) > 0 && diags[0].Summary == summaryMeaningChanged {
			// Refused, and left as it is: see Format.
			if string(got) != src {
				t.Fatalf("refused, but changed the file")
			}
			return
		}
		if !utf8.ValidString(src) {
			// Refused, and left as it is: see Format.
			if !diags.HasErrors() || string(got) != src {
				t.Fatalf("Format of invalid UTF-8: %v, changed %v", diags, string(got) != src)
			}
			return
		}
		if diags.HasErrors() {
			t.Fatalf("Format: %v", diags)
		}
		checkFormatted(t, []byte(src), got)
	})
}

// checkFormatted checks that out, the formatting of in, parses, formats to
// itself, and has the same blocks and attributes with the same values
// (those that evaluate without functions or variables).
func checkFormatted(t *testing.T, in, out []byte) {
	t.Helper()
	again, diags := Format("again.hcl", out)
	if diags.HasErrors() {
		t.Fatalf("the formatted text does not parse: %v\n%s", diags, out)
	}
	if string(again) != string(out) {
		t.Errorf("formatting twice changes it:\n%s\nthen\n%s", out, again)
	}
	a, _ := hclsyntax.ParseConfig(in, "in.hcl", hcl.InitialPos)
	b, _ := hclsyntax.ParseConfig(out, "out.hcl", hcl.InitialPos)
	av, bv := meaning(a.Body.(*hclsyntax.Body)), meaning(b.Body.(*hclsyntax.Body))
	if !slices.Equal(av, bv) {
		t.Errorf("values changed:\n%s\nthen\n%s", strings.Join(av, "\n"), strings.Join(bv, "\n"))
	}
}
