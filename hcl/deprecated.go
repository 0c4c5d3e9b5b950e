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

// isoDate finds a date written as YYYY-MM-DD (isoDates checks that it is
// not part of a longer run of digits).
var isoDate = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}`)

// isoDates are the dates written YYYY-MM-DD in s.
func isoDates(s string) []string {
	var dates []string
	for _, m := range isoDate.FindAllStringIndex(s, -1) {
		if m[0] > 0 && isDigit(s[m[0]-1]) || m[1] < len(s) && isDigit(s[m[1]]) {
			continue
		}
		dates = append(dates, s[m[0]:m[1]])
	}
	return dates
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

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
	after, err := RemovalDate(v)
	if err != nil {
		return nil, append(diags, AttrError(attr, "Invalid removal date", "%s.", err))
	}
	d.RemovedAfter = after
	return d, diags
}

// RemovalDate reads the date a deprecation notice names, written
// YYYY-MM-DD, as the day after which the tool may be removed; zero when it
// names none. More than one date, or one that is not a day of the
// calendar, is an error.
func RemovalDate(notice string) (time.Time, error) {
	dates := isoDates(notice)
	switch len(dates) {
	case 0:
		return time.Time{}, nil
	case 1:
	default:
		return time.Time{}, fmt.Errorf("a date in deprecated is the date after which the tool may be removed; write one, not %d", len(dates))
	}
	t, err := time.Parse(time.DateOnly, dates[0])
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is not a date: write the day after which the tool may be removed as YYYY-MM-DD, e.g. 2027-03-01", dates[0])
	}
	return t, nil
}

// String is the notice as clients read it, with a leading "Deprecated: ".
func (d *Deprecation) String() string {
	return fmt.Sprintf("Deprecated: %s", d.Notice)
}
