package initdb

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// TestGenerateEdges: odd comments stay literal, reserved and keyword names
// are handled, a table without a key gets no get_ tool.
func TestGenerateEdges(t *testing.T) {
	s := &Schema{Driver: "postgres", HasComments: true, Tables: []Table{{
		Name:    "events",
		Comment: "Costs ${HOME} and %{if} EOT",
		Columns: []Column{
			{Name: "limit", Type: "int4", Kind: KindInteger},
			{Name: "order", Type: "text", Kind: KindString, Comment: `Quoted "order", \ and ${x}`},
			{Name: "session_token", Type: "text", Kind: KindString},
		},
		Indexed: []string{"limit", "order"},
	}, {
		Name:       "notes",
		Comment:    "Free text.\nEOT\nMore.",
		Columns:    []Column{{Name: "id", Type: "int8", Kind: KindInteger}},
		PrimaryKey: []string{"id"},
	}}}
	out, notes, err := Generate(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(out, "gen.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("generated HCL does not parse: %v\n%s", diags, out)
	}
	if !bytes.Equal(hclwrite.Format(out), out) {
		t.Errorf("not formatted:\n%s", out)
	}
	text := string(out)
	for _, want := range []string{"$${HOME}", "%%{if}", `"order"`, `param "order"`, "session_token"} {
		if want == "session_token" {
			if strings.Contains(text, want) {
				t.Errorf("the secret-looking column is in the file:\n%s", text)
			}
			continue
		}
		if !strings.Contains(text, want) {
			t.Errorf("missing %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, `param "limit" {`+"\n    type        = \"integer\"\n    minimum     = -2147483648") {
		t.Errorf("a column named limit became a filter:\n%s", text)
	}
	if strings.Contains(text, "get_events") {
		t.Errorf("a table without a primary key got a get_ tool:\n%s", text)
	}
	if !strings.Contains(strings.Join(notes.Skipped, "\n"), "get_events: the table has no primary key") {
		t.Errorf("notes = %v", notes.Skipped)
	}
	// The comment reaches the model as written.
	descs := map[string]string{}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "tool" {
			v, d := b.Body.Attributes["description"].Expr.Value(nil)
			if d.HasErrors() {
				t.Fatal(d)
			}
			descs[b.Labels[0]] = v.AsString()
		}
	}
	if !strings.HasPrefix(descs["get_notes"], "Free text.\nEOT\nMore.\n") {
		t.Errorf("get_notes description = %q", descs["get_notes"])
	}
	desc := strings.Join(strings.Fields(descs["list_events"]), " ") // as wrapped
	if !strings.Contains(desc, "Costs ${HOME} and %{if} EOT") || !strings.Contains(desc, `order (Quoted "order", \ and ${x})`) {
		t.Errorf("description = %q", desc)
	}
}

func TestDetectDriver(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u@h/db":     "postgres",
		"postgresql://u@h/db":   "postgres",
		"host=h dbname=db":      "postgres",
		"file:x.db?mode=ro":     "sqlite",
		"./data/app.db":         "sqlite",
		"mysql://u@h/db":        "mysql",
		"u:p@tcp(127.0.0.1)/db": "mysql",
	} {
		if got := DetectDriver(dsn); got != want {
			t.Errorf("DetectDriver(%q) = %q, want %q", dsn, got, want)
		}
	}
}
