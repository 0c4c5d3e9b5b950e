package mcp

import (
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// The retry and circuit_breaker blocks: the same settings, defaults and
// meaning as on an HTTP source (adapters/http), which this package may not
// import.

type retryPolicy struct {
	attempts            int
	backoff, maxBackoff time.Duration
}

var retrySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "attempts"}, {Name: "backoff"}, {Name: "max_backoff"}},
}

func (s *Source) decodeRetry(b *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, diags := b.Body.Content(retrySchema)
	s.retry.attempts = defaultAttempts
	if attr, ok := content.Attributes["attempts"]; ok {
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
		attr, ok := content.Attributes[name]
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
	return diags
}

// wait is the pause before attempt n+1 (n >= 1): exponential, capped.
func (r retryPolicy) wait(n int) time.Duration {
	d := r.backoff << (n - 1)
	if d <= 0 || d > r.maxBackoff {
		d = r.maxBackoff
	}
	return d
}

var breakerSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "failures"}, {Name: "open_for"}, {Name: "half_open_probes"}},
}

func (s *Source) decodeBreaker(b *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, diags := b.Body.Content(breakerSchema)
	count := func(name string, dst *int) {
		attr, ok := content.Attributes[name]
		if !ok {
			return
		}
		n, ds := cfg.IntAttr(attr, ctx)
		diags = append(diags, ds...)
		if ds.HasErrors() {
			return
		}
		if n < 1 || n > 1000 {
			diags = append(diags, cfg.AttrError(attr, "Invalid "+name, "%s must be between 1 and 1000.", name))
			return
		}
		*dst = n
	}
	count("failures", &s.breakerAt.failures)
	count("half_open_probes", &s.breakerAt.probes)
	if attr, ok := content.Attributes["open_for"]; ok {
		d, ds := cfg.DurationAttr(attr, ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if d <= 0 {
				diags = append(diags, cfg.AttrError(attr, "Invalid open_for", "open_for must be longer than zero."))
			}
			s.breakerAt.openFor = d
		}
	}
	return diags
}

type breakerSettings struct {
	failures int           // consecutive failed calls that open the breaker
	openFor  time.Duration // how long it stays open before probing
	probes   int           // successful probes that close it again
}

type breakerState int

const (
	closed breakerState = iota
	open
	halfOpen
)

func (s breakerState) String() string { return [...]string{"closed", "open", "half_open"}[s] }

type outcome int

const (
	healthy   outcome = iota // the upstream answered, even with an error
	unhealthy                // no session, a transport error, a timeout
	unknown                  // the caller gave up first: says nothing
)

// breaker is the source's circuit breaker: closed, it counts failed calls
// in a row; at the threshold it opens and refuses calls for openFor; then
// it lets `probes` calls through (half-open) and closes after that many
// succeed, or opens again at the first failure.
type breaker struct {
	cfg breakerSettings

	mu          sync.Mutex
	state       breakerState
	consecutive int
	until       time.Time
	inFlight    int
	succeeded   int
	opens       uint64
}

func (b *breaker) allow(now time.Time) (ok, probe bool, retryAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == open {
		if now.Before(b.until) {
			return false, false, b.until.Sub(now)
		}
		b.state, b.inFlight, b.succeeded = halfOpen, 0, 0
	}
	if b.state == halfOpen {
		if b.inFlight >= b.cfg.probes-b.succeeded {
			return false, false, time.Second
		}
		b.inFlight++
		return true, true, 0
	}
	return true, false, 0
}

func (b *breaker) done(now time.Time, probe bool, o outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		if b.state != halfOpen {
			return
		}
		b.inFlight--
		switch o {
		case unhealthy:
			b.trip(now)
		case healthy:
			b.succeeded++
			if b.succeeded >= b.cfg.probes {
				b.state, b.consecutive = closed, 0
			}
		}
		return
	}
	if b.state != closed {
		return
	}
	switch o {
	case healthy:
		b.consecutive = 0
	case unhealthy:
		b.consecutive++
		if b.consecutive >= b.cfg.failures {
			b.trip(now)
		}
	}
}

func (b *breaker) trip(now time.Time) {
	b.state, b.until, b.inFlight, b.succeeded = open, now.Add(b.cfg.openFor), 0, 0
	b.opens++
}

func (b *breaker) snapshot(now time.Time) (breakerState, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.state
	if st == open && !now.Before(b.until) {
		st = halfOpen
	}
	return st, b.opens
}
