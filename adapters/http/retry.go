package http

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// The retry block: its settings, schema and decoder. The waits themselves
// are in call.go.

// defaultRetryStatuses are the answers that say "try again": the gateway
// and overload statuses. 500 is left out by default: it is as often a bug
// that fails the same way every time.
var defaultRetryStatuses = []int{502, 503, 504}

type retryPolicy struct {
	attempts   int
	backoff    time.Duration
	maxBackoff time.Duration
	statuses   map[int]bool
	jitter     float64
}

var retrySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "attempts"}, {Name: "backoff"}, {Name: "max_backoff"}, {Name: "statuses"}, {Name: "jitter"}},
}

func (s *Source) decodeRetry(b *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, diags := b.Body.Content(retrySchema)
	s.retry.attempts = defaultAttempts
	attrs := content.Attributes
	if attr, ok := attrs["attempts"]; ok {
		n, ds := cfg.IntAttr(attr, ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if n < 1 || n > maxAttempts {
				diags = append(diags, cfg.AttrError(attr, "Invalid attempts", "attempts must be between 1 and %d (it counts the first try).", maxAttempts))
			}
			s.retry.attempts = n
		}
	}
	dur := func(name string, dst *time.Duration) *hcl.Attribute {
		attr, ok := attrs[name]
		if !ok {
			return nil
		}
		d, ds := cfg.DurationAttr(attr, ctx)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			return nil
		}
		if d <= 0 {
			diags = append(diags, cfg.AttrError(attr, "Invalid duration", "%s must be longer than zero.", name))
			return nil
		}
		*dst = d
		return attr
	}
	dur("backoff", &s.retry.backoff)
	if attr := dur("max_backoff", &s.retry.maxBackoff); attr != nil && s.retry.maxBackoff < s.retry.backoff {
		diags = append(diags, cfg.AttrError(attr, "Invalid max_backoff",
			"max_backoff (%s) is shorter than backoff (%s).", s.retry.maxBackoff, s.retry.backoff))
	} else if attr == nil && s.retry.maxBackoff < s.retry.backoff {
		s.retry.maxBackoff = s.retry.backoff
	}
	if attr, ok := attrs["statuses"]; ok {
		diags = append(diags, s.decodeStatuses(attr, ctx)...)
	}
	if attr, ok := attrs["jitter"]; ok {
		v, ds := attr.Expr.Value(ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			v, _ = v.UnmarkDeep()
			f := -1.0 // anything but a number is out of range
			if !v.IsNull() && v.IsKnown() && v.Type() == cty.Number {
				f, _ = v.AsBigFloat().Float64()
			}
			if f < 0 || f > 1 {
				diags = append(diags, cfg.AttrError(attr, "Invalid jitter",
					"jitter must be a number from 0 (waits are exactly the backoff) to 1 (each wait is random, up to the backoff)."))
			}
			s.retry.jitter = f
		}
	}
	return diags
}

func (s *Source) decodeStatuses(attr *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.UnmarkDeep()
	bad := func() hcl.Diagnostics {
		return append(diags, cfg.AttrError(attr, "Invalid statuses",
			"statuses must be a list of HTTP statuses from 408, 425, 429 and 500 to 599, such as [502, 503, 504]."))
	}
	if v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsTupleType() || v.Type().IsListType()) {
		return bad()
	}
	set := map[int]bool{}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() != cty.Number {
			return bad()
		}
		bf := e.AsBigFloat()
		n, acc := bf.Int64()
		if !bf.IsInt() || acc != 0 || !(n == 408 || n == 425 || n == 429 || n >= 500 && n <= 599) {
			return bad()
		}
		set[int(n)] = true
	}
	s.retry.statuses = set
	return diags
}

func statusSet(codes []int) map[int]bool {
	m := make(map[int]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}
