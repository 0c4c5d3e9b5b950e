package hcl

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Deprecation is a tool's `deprecated` notice: what clients should use
// instead and, when the notice names one, the date after which the tool
// may be removed.
type Deprecation struct {
	Notice string
	// RemovedAfter is the date written YYYY-MM-DD in the notice (UTC
	// midnight); zero when the notice names none.
	RemovedAfter time.Time
	Range        hcl.Range
}

// isoDate finds a date written as YYYY-MM-DD, not inside a longer run of
// digits.
var isoDate = regexp.MustCompile(`(?:^|[^0-9])([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[^0-9]|$)`)

// decodeDeprecated reads `deprecated = "use X instead; removed after
// 2027-03-01"`. Clients read the notice (the description and _meta carry
// it), so it must say something, and a date in it must be one, and only
// one: lint and diff read it as the removal date.
func decodeDeprecated(attr *hcl.Attribute, ctx *hcl.EvalContext) (*Deprecation, hcl.Diagnostics) {
	v, diags := PublicStringAttr(attr, ctx)
	if diags.HasErrors() {
		return nil, diags
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, append(diags, AttrError(attr, "Empty deprecation notice",
			`deprecated tells clients what to do instead, e.g. "use list_orders instead; removed after 2027-03-01"; it must not be empty.`))
	}
	d := &Deprecation{Notice: v, Range: attr.Expr.Range()}
	dates := isoDate.FindAllStringSubmatch(v, -1)
	if len(dates) > 1 {
		return nil, append(diags, AttrError(attr, "Several dates in a deprecation notice",
			"A date in deprecated is the date after which the tool may be removed; write one, not %d.", len(dates)))
	}
	if len(dates) == 1 {
		t, err := time.Parse(time.DateOnly, dates[0][1])
		if err != nil {
			return nil, append(diags, AttrError(attr, "Invalid removal date",
				"%s is not a date: write the day after which the tool may be removed as YYYY-MM-DD, e.g. 2027-03-01.", dates[0][1]))
		}
		d.RemovedAfter = t
	}
	return d, diags
}

// String is the notice as clients read it, with a leading "Deprecated: ".
func (d *Deprecation) String() string {
	return fmt.Sprintf("Deprecated: %s", d.Notice)
}
