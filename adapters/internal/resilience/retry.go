package resilience

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// Retry limits and defaults: a source without a retry block makes one
// attempt; a retry block without attempts makes DefaultAttempts.
const (
	DefaultAttempts   = 3
	MaxAttempts       = 10
	DefaultBackoff    = 100 * time.Millisecond
	DefaultMaxBackoff = 2 * time.Second
)

// Retry is a retry block's settings. Statuses and Jitter are written on
// HTTP sources only (DecodeRetry's forHTTP).
type Retry struct {
	Attempts   int // counting the first
	Backoff    time.Duration
	MaxBackoff time.Duration
	Statuses   map[int]bool // the HTTP answers that say "try again"
	Jitter     float64      // the share of each wait that is random, 0 to 1
}

// NoRetry is a source without a retry block: one attempt, and the waits a
// retry block without backoff settings gets.
func NoRetry() Retry {
	return Retry{Attempts: 1, Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff}
}

var (
	retrySchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "attempts"}, {Name: "backoff"}, {Name: "max_backoff"}},
	}
	httpRetrySchema = &hcl.BodySchema{
		Attributes: append(retrySchema.Attributes[:3:3], hcl.AttributeSchema{Name: "statuses"}, hcl.AttributeSchema{Name: "jitter"}),
	}
)

// DecodeRetry decodes a retry block into r, which holds the source's
// defaults; forHTTP admits statuses and jitter.
func DecodeRetry(b *hcl.Block, ctx *hcl.EvalContext, r *Retry, forHTTP bool) hcl.Diagnostics {
	schema := retrySchema
	if forHTTP {
		schema = httpRetrySchema
	}
	content, diags := b.Body.Content(schema)
	attrs := content.Attributes
	r.Attempts = DefaultAttempts
	if attr, ok := attrs["attempts"]; ok {
		n, ds := cfg.IntAttr(attr, ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if n < 1 || n > MaxAttempts {
				diags = append(diags, cfg.AttrError(attr, "Invalid attempts", "attempts must be between 1 and %d (it counts the first try).", MaxAttempts))
			}
			r.Attempts = n
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
	dur("backoff", &r.Backoff)
	if attr := dur("max_backoff", &r.MaxBackoff); attr != nil && r.MaxBackoff < r.Backoff {
		diags = append(diags, cfg.AttrError(attr, "Invalid max_backoff",
			"max_backoff (%s) is shorter than backoff (%s).", r.MaxBackoff, r.Backoff))
	} else if attr == nil && r.MaxBackoff < r.Backoff {
		r.MaxBackoff = r.Backoff
	}
	if attr, ok := attrs["statuses"]; ok {
		diags = append(diags, decodeStatuses(attr, ctx, r)...)
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
			r.Jitter = f
		}
	}
	return diags
}

func decodeStatuses(attr *hcl.Attribute, ctx *hcl.EvalContext, r *Retry) hcl.Diagnostics {
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
	r.Statuses = set
	return diags
}

// StatusSet is a set of HTTP statuses, for Retry.Statuses.
func StatusSet(codes ...int) map[int]bool {
	m := make(map[int]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// Wait is the pause after attempt n (n >= 1) before the next: Backoff
// doubled per attempt, capped at MaxBackoff, less a random share of up
// to Jitter. random, in [0, 1), is called only when Jitter is set.
func (r Retry) Wait(n int, random func() float64) time.Duration {
	d := r.Backoff
	for i := 1; i < n && d < r.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.MaxBackoff)
	if r.Jitter > 0 {
		d -= time.Duration(float64(d) * r.Jitter * random())
	}
	return d
}
