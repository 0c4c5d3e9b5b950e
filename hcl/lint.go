package hcl

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Lint is the lint block: settings of `mcpgen lint` for the whole
// configuration. The server never reads it; it is part of the
// configuration so that what a reviewer accepted is written beside what it
// is about.
//
//	lint {
//	  max_description_tokens = 600
//	  disable "cost/select-star" {
//	    reason = "the view is ours and its columns are the contract"
//	  }
//	}
type Lint struct {
	// Disable turns rules off for the whole configuration, each with the
	// reason a reviewer accepted. Rule ids are checked by the linter,
	// which knows them.
	Disable []*LintDisable
	// MaxDescriptionTokens is the budget of one description or the
	// server's instructions; 0: the linter's default.
	MaxDescriptionTokens int

	DeclRange hcl.Range
}

// LintDisable is one `disable "RULE-ID"` block.
type LintDisable struct {
	Rule      string
	Reason    string
	DeclRange hcl.Range
	RuleRange hcl.Range // the label
}

var lintSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "max_description_tokens"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "disable", LabelNames: []string{"rule"}}},
}

var lintDisableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "reason", Required: true}},
}

func decodeLintBlock(block *hcl.Block, ctx *hcl.EvalContext) (*Lint, hcl.Diagnostics) {
	l := &Lint{DeclRange: block.DefRange}
	content, diags := block.Body.Content(lintSchema)
	if attr, ok := content.Attributes["max_description_tokens"]; ok {
		n, d := IntAttr(attr, ctx)
		diags = append(diags, d...)
		if !d.HasErrors() && n < 1 {
			diags = append(diags, AttrError(attr, "Invalid value", "max_description_tokens must be at least 1."))
		}
		l.MaxDescriptionTokens = n
	}
	seen := map[string]*LintDisable{}
	for _, b := range content.Blocks {
		dis := &LintDisable{Rule: b.Labels[0], DeclRange: b.DefRange, RuleRange: b.LabelRanges[0]}
		if strings.TrimSpace(dis.Rule) == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid rule id",
				Detail: `disable needs a rule id, such as disable "cost/select-star".`, Subject: dis.RuleRange.Ptr()})
		}
		if prev, dup := seen[dis.Rule]; dup {
			diags = append(diags, duplicateDiag("Duplicate disable block",
				fmt.Sprintf("rule %q is already disabled at %s.", dis.Rule, pos(prev.DeclRange)), dis.DeclRange))
			continue
		}
		seen[dis.Rule] = dis
		body, d := b.Body.Content(lintDisableSchema)
		diags = append(diags, d...)
		if attr, ok := body.Attributes["reason"]; ok {
			v, d := StringAttr(attr, ctx)
			diags = append(diags, d...)
			if !d.HasErrors() && strings.TrimSpace(v) == "" {
				diags = append(diags, AttrError(attr, "Missing reason",
					"Say why rule %q does not apply to this configuration: a reviewer reads it.", dis.Rule))
			}
			dis.Reason = v
		}
		l.Disable = append(l.Disable, dis)
	}
	return l, diags
}
