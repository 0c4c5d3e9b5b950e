package http

import (
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

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

// breakerSettings are a circuit_breaker block as written.
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

func (s breakerState) String() string {
	return [...]string{"closed", "open", "half_open"}[s]
}

// outcome is what a call says about the upstream's health.
type outcome int

const (
	healthy   outcome = iota // it answered (2xx to 4xx)
	unhealthy                // 5xx, a network error, a timeout
	unknown                  // the caller gave up first: says nothing
)

// breaker is a per-source circuit breaker. Closed, it counts consecutive
// failed calls; at the threshold it opens and refuses calls for openFor;
// then it lets up to `probes` calls through at once (half-open) and closes
// after that many succeed in a row, or opens again at the first failure.
type breaker struct {
	cfg breakerSettings

	mu          sync.Mutex
	state       breakerState
	consecutive int       // failures in a row while closed
	until       time.Time // open: when probing may start
	inFlight    int       // half-open: probes running
	succeeded   int       // half-open: probes that succeeded
	opens       uint64
}

func newBreaker(cfg breakerSettings) *breaker { return &breaker{cfg: cfg} }

// allow says whether a call may go to the upstream now. A refused call
// learns how long to wait; an allowed one whether it is a probe, which it
// must report with done.
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
			// Probes are out: the answer is a moment away.
			return false, false, time.Second
		}
		b.inFlight++
		return true, true, 0
	}
	return true, false, 0
}

// done records how a call went.
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
		return // a call from before the breaker opened: the probes decide
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

// snapshot reports the state as a caller at now would find it.
func (b *breaker) snapshot(now time.Time) (state breakerState, consecutive int, opens uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	state = b.state
	if state == open && !now.Before(b.until) {
		state = halfOpen
	}
	return state, b.consecutive, b.opens
}
