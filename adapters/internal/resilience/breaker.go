package resilience

import (
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	cfg "github.com/mcpgen/mcpgen/hcl"
)

// BreakerSettings are a circuit_breaker block as written.
type BreakerSettings struct {
	Failures int           // consecutive failed calls that open the breaker
	OpenFor  time.Duration // how long it stays open before probing
	Probes   int           // successful probes that close it again
}

// DefaultBreaker is the breaker of a source without a circuit_breaker
// block, and the settings such a block leaves out.
func DefaultBreaker() BreakerSettings {
	return BreakerSettings{Failures: 5, OpenFor: 30 * time.Second, Probes: 1}
}

var breakerSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "failures"}, {Name: "open_for"}, {Name: "half_open_probes"}},
}

// DecodeBreaker decodes a circuit_breaker block into s, which holds the
// defaults.
func DecodeBreaker(b *hcl.Block, ctx *hcl.EvalContext, s *BreakerSettings) hcl.Diagnostics {
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
	count("failures", &s.Failures)
	count("half_open_probes", &s.Probes)
	if attr, ok := content.Attributes["open_for"]; ok {
		d, ds := cfg.DurationAttr(attr, ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if d <= 0 {
				diags = append(diags, cfg.AttrError(attr, "Invalid open_for", "open_for must be longer than zero."))
			}
			s.OpenFor = d
		}
	}
	return diags
}

// State is a breaker's state.
type State int

const (
	Closed State = iota
	Open
	HalfOpen
)

// String is the state as metrics name it.
func (s State) String() string { return [...]string{"closed", "open", "half_open"}[s] }

// Outcome is what a call says about the upstream's health; each adapter
// decides which of its failures are which.
type Outcome int

const (
	Healthy   Outcome = iota // the upstream answered, even with an error of the call's own
	Unhealthy                // the upstream failed, could not be reached, or was too slow
	Unknown                  // the caller gave up first: says nothing
)

// Breaker is a source's circuit breaker. Closed, it counts consecutive
// failed calls; at the threshold it opens and refuses calls for OpenFor;
// then it lets up to Probes calls through at once (half-open) and closes
// after that many succeed in a row, or opens again at the first failure.
// The caller passes the time, so that tests move it.
type Breaker struct {
	cfg BreakerSettings

	mu          sync.Mutex
	state       State
	consecutive int       // failures in a row while closed
	until       time.Time // open: when probing may start
	inFlight    int       // half-open: probes running
	succeeded   int       // half-open: probes that succeeded
	opens       uint64
}

// NewBreaker is a closed breaker.
func NewBreaker(s BreakerSettings) *Breaker { return &Breaker{cfg: s} }

// Allow says whether a call may go to the upstream now. A refused call
// learns how long to wait; an allowed one whether it is a probe, which it
// must report with Done.
func (b *Breaker) Allow(now time.Time) (ok, probe bool, retryAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open {
		if now.Before(b.until) {
			return false, false, b.until.Sub(now)
		}
		b.state, b.inFlight, b.succeeded = HalfOpen, 0, 0
	}
	if b.state == HalfOpen {
		if b.inFlight >= b.cfg.Probes-b.succeeded {
			// Probes are out: the answer is a moment away.
			return false, false, time.Second
		}
		b.inFlight++
		return true, true, 0
	}
	return true, false, 0
}

// Done records how an allowed call went.
func (b *Breaker) Done(now time.Time, probe bool, o Outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		if b.state != HalfOpen {
			return
		}
		b.inFlight--
		switch o {
		case Unhealthy:
			b.trip(now)
		case Healthy:
			b.succeeded++
			if b.succeeded >= b.cfg.Probes {
				b.state, b.consecutive = Closed, 0
			}
		}
		return
	}
	if b.state != Closed {
		return // a call from before the breaker opened: the probes decide
	}
	switch o {
	case Healthy:
		b.consecutive = 0
	case Unhealthy:
		b.consecutive++
		if b.consecutive >= b.cfg.Failures {
			b.trip(now)
		}
	}
}

func (b *Breaker) trip(now time.Time) {
	b.state, b.until, b.inFlight, b.succeeded = Open, now.Add(b.cfg.OpenFor), 0, 0
	b.opens++
}

// Snapshot reports the state as a caller at now would find it, the
// failures in a row while closed, and how many times it has opened.
func (b *Breaker) Snapshot(now time.Time) (state State, consecutive int, opens uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	state = b.state
	if state == Open && !now.Before(b.until) {
		state = HalfOpen
	}
	return state, b.consecutive, b.opens
}

// Stats reports the breaker for metrics (runtime/adapter.BreakerStatser):
// its state as metrics name it and how many times it has opened. A
// source not opened yet has no breaker: closed, never opened.
func (b *Breaker) Stats(now time.Time) (state string, opens uint64) {
	if b == nil {
		return Closed.String(), 0
	}
	st, _, opens := b.Snapshot(now)
	return st.String(), opens
}
