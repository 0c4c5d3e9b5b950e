package hcl

import "testing"

func TestLintDecode(t *testing.T) {
	cfg, diags := LoadSource("lint.hcl", []byte(`
lint {
  max_description_tokens = 300
  disable "cost/select-star" {
    reason = "the view's columns are the contract"
  }
  disable "poison/url-or-email" {
    reason = "links to our own docs"
  }
}
`))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	l := cfg.Lint
	if l == nil || l.MaxDescriptionTokens != 300 || len(l.Disable) != 2 {
		t.Fatalf("lint = %+v", l)
	}
	if d := l.Disable[0]; d.Rule != "cost/select-star" || d.Reason != "the view's columns are the contract" ||
		d.RuleRange.Start.Line != 4 || d.RuleRange.Start.Column != 11 {
		t.Errorf("disable = %+v", d)
	}
	if cfg, _ := LoadSource("none.hcl", []byte(`server { name = "x" }`)); cfg.Lint != nil {
		t.Errorf("lint = %+v without a lint block", cfg.Lint)
	}
}
