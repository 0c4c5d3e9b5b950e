package hcl

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestNameSuggestion(t *testing.T) {
	tests := []struct {
		given string
		want  string
	}{
		{"descripton", "description"},
		{"parm", "param"},
		{"bnd", "bind"},
		{"binds", "bind"},
		{"max_concurency", "max_concurrency"},
		{"sql", ""}, // three edits from everything: no guess
		{"", ""},
	}
	names := []string{"description", "param", "bind", "max_concurrency", "title"}
	for _, tt := range tests {
		if got := nameSuggestion(tt.given, names); got != tt.want {
			t.Errorf("nameSuggestion(%q) = %q, want %q", tt.given, got, tt.want)
		}
	}
}

// A body of another syntax is left as it is; one of native syntax keeps
// suggesting through every PartialContent.
func TestRestOf(t *testing.T) {
	if b, ok := restOf(hcl.EmptyBody()).(*restBody); ok {
		t.Errorf("restOf(EmptyBody) = %T, want the body itself", b)
	}
	file, diags := hclsyntax.ParseConfig([]byte("titel = 1\nrate_limt {}\n"), "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, rest, _ := restOf(file.Body).PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "title"}}})
	_, rest, _ = rest.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "rate_limit"}}})
	_, diags = rest.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "sql"}}})
	want := []string{
		`An argument named "titel" is not expected here. Did you mean "title"?`,
		`Blocks of type "rate_limt" are not expected here. Did you mean "rate_limit"?`,
	}
	if len(diags) != len(want) {
		t.Fatalf("got %d diagnostics, want %d: %v", len(diags), len(want), diags)
	}
	for i, d := range diags {
		if d.Detail != want[i] {
			t.Errorf("diagnostic %d: %q, want %q", i, d.Detail, want[i])
		}
	}
}
