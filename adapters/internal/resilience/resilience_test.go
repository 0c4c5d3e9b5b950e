package resilience

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestBreakerStateMachine walks one breaker through every transition,
// with the clock in the test's hands.
func TestBreakerStateMachine(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := NewBreaker(BreakerSettings{Failures: 3, OpenFor: 10 * time.Second, Probes: 2})
	state := func(now time.Time) State { st, _, _ := b.Snapshot(now); return st }
	call := func(now time.Time, o Outcome) {
		t.Helper()
		ok, probe, _ := b.Allow(now)
		if !ok || probe {
			t.Fatalf("closed breaker: allow = %v, probe = %v; want an ordinary call", ok, probe)
		}
		b.Done(now, false, o)
	}

	// Closed: failures in a row count; a success or a cancelled call
	// does not add to them, and a success starts the count again.
	call(t0, Unhealthy)
	call(t0, Unhealthy)
	call(t0, Healthy)
	call(t0, Unhealthy)
	call(t0, Unknown)
	call(t0, Unhealthy)
	if st, n, opens := b.Snapshot(t0); st != Closed || n != 2 || opens != 0 {
		t.Fatalf("after fail, fail, ok, fail, cancel, fail: %s with %d in a row, %d opens; want closed, 2, 0", st, n, opens)
	}
	// The third in a row opens it.
	call(t0, Unhealthy)
	if st, _, opens := b.Snapshot(t0); st != Open || opens != 1 {
		t.Fatalf("after 3 failures in a row: %s, %d opens; want open, 1", st, opens)
	}
	// Open: refused, told how long is left; a call from before it opened
	// changes nothing.
	if ok, _, wait := b.Allow(t0.Add(4 * time.Second)); ok || wait != 6*time.Second {
		t.Fatalf("open, 4s in: allow = %v, retry after %s; want refused, 6s", ok, wait)
	}
	b.Done(t0, false, Healthy)
	if state(t0) != Open {
		t.Fatalf("a late success closed an open breaker")
	}

	// After open_for: half-open, at most Probes calls at once.
	t1 := t0.Add(10 * time.Second)
	if state(t1) != HalfOpen {
		t.Fatalf("at open_for: %s, want half_open", state(t1))
	}
	ok1, p1, _ := b.Allow(t1)
	ok2, p2, _ := b.Allow(t1)
	ok3, p3, wait := b.Allow(t1)
	if !ok1 || !p1 || !ok2 || !p2 || ok3 || p3 || wait <= 0 {
		t.Fatalf("half-open: allowed %v %v %v (probes %v %v %v, wait %s); want two probes, then a refusal with a wait", ok1, ok2, ok3, p1, p2, p3, wait)
	}
	// A failed probe opens it again, for another open_for.
	b.Done(t1, true, Healthy)
	if ok, _, _ := b.Allow(t1); ok {
		t.Fatalf("half-open with one probe succeeded and one out: a third call was let through; want Probes calls in all")
	}
	b.Done(t1, true, Unhealthy)
	if st, _, opens := b.Snapshot(t1); st != Open || opens != 2 {
		t.Fatalf("after a failed probe: %s, %d opens; want open, 2", st, opens)
	}
	if ok, _, wait := b.Allow(t1.Add(time.Second)); ok || wait != 9*time.Second {
		t.Fatalf("reopened, 1s in: allow = %v, retry after %s; want refused, 9s", ok, wait)
	}

	// Probes that all succeed close it; a cancelled probe frees its slot
	// without counting.
	t2 := t1.Add(10 * time.Second)
	_, p, _ := b.Allow(t2)
	b.Done(t2, p, Unknown)
	for i := range 2 {
		ok, probe, _ := b.Allow(t2)
		if !ok || !probe {
			t.Fatalf("probe %d: allow = %v, probe = %v", i+1, ok, probe)
		}
		b.Done(t2, true, Healthy)
		if want := []State{HalfOpen, Closed}[i]; state(t2) != want {
			t.Fatalf("after %d successful probes of 2: %s, want %s", i+1, state(t2), want)
		}
	}
	if st, opens := b.Stats(t2); st != "closed" || opens != 2 {
		t.Fatalf("Stats = %s, %d; want closed, 2", st, opens)
	}
	var none *Breaker // a source not opened
	if st, opens := none.Stats(t2); st != "closed" || opens != 0 {
		t.Fatalf("Stats of no breaker = %s, %d; want closed, 0", st, opens)
	}
	if _, n, opens := b.Snapshot(t2); n != 0 || opens != 2 {
		t.Fatalf("closed again: %d in a row, %d opens; want 0, 2", n, opens)
	}
	// A probe that ends after the breaker closed is an ordinary answer.
	b.Done(t2, true, Unhealthy)
	if _, n, _ := b.Snapshot(t2); state(t2) != Closed || n != 0 {
		t.Fatalf("a late probe changed a closed breaker: %s, %d in a row", state(t2), n)
	}
}

// TestRetryWait: the waits between attempts: doubled, capped, less jitter.
func TestRetryWait(t *testing.T) {
	r := Retry{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second, Jitter: 0.5}
	for _, tt := range []struct {
		attempt int
		random  float64
		want    time.Duration
	}{
		{1, 0, 100 * time.Millisecond},
		{2, 0, 200 * time.Millisecond},
		{4, 0, 800 * time.Millisecond},
		{5, 0, time.Second}, // capped
		{30, 0, time.Second},
		{64, 0, time.Second}, // no overflow
		{1, 1, 50 * time.Millisecond},
		{1, 0.999, 50*time.Millisecond + 50*time.Microsecond}, // jitter takes at most half
		{5, 0.5, 750 * time.Millisecond},
	} {
		if got := r.Wait(tt.attempt, func() float64 { return tt.random }); got != tt.want {
			t.Errorf("Wait(%d) with random %v = %s, want %s", tt.attempt, tt.random, got, tt.want)
		}
	}
	// Without jitter the waits are exact and no randomness is asked for.
	r.Jitter = 0
	if got := r.Wait(3, nil); got != 400*time.Millisecond {
		t.Errorf("Wait(3) without jitter = %s, want 400ms", got)
	}
}

// TestDecode: the blocks' settings and bounds, each mistake reported at
// the attribute that holds it.
func TestDecode(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		forHTTP    bool
		want       string // "" for no error; else the error and its position
	}{
		{"defaults", "retry {}\ncircuit_breaker {}", false, ""},
		{"attempts", "retry {\n  attempts = 11\n}", false, "t.hcl:2:14: attempts must be between 1 and 10"},
		{"attempts zero", "retry {\n  attempts = 0\n}", true, "t.hcl:2:14: attempts must be between 1 and 10"},
		{"backoff", "retry {\n  backoff = \"0s\"\n}", false, "t.hcl:2:13: backoff must be longer than zero"},
		{"max below backoff", "retry {\n  backoff = \"1s\"\n  max_backoff = \"10ms\"\n}", false, "t.hcl:3:17: max_backoff (10ms) is shorter than backoff (1s)"},
		{"statuses on MCP", "retry {\n  statuses = [502]\n}", false, "t.hcl:2:3: An argument named \"statuses\" is not expected here"},
		{"statuses", "retry {\n  statuses = [404]\n}", true, "t.hcl:2:14: statuses must be a list of HTTP statuses"},
		{"jitter", "retry {\n  jitter = 2\n}", true, "t.hcl:2:12: jitter must be a number from 0"},
		{"failures", "circuit_breaker {\n  failures = 1001\n}", false, "t.hcl:2:14: failures must be between 1 and 1000"},
		{"probes", "circuit_breaker {\n  half_open_probes = 0\n}", true, "t.hcl:2:22: half_open_probes must be between 1 and 1000"},
		{"open_for", "circuit_breaker {\n  open_for = \"0s\"\n}", false, "t.hcl:2:14: open_for must be longer than zero"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, diags := hclsyntax.ParseConfig([]byte(tt.body), "t.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "retry"}, {Type: "circuit_breaker"}}})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			r, s := NoRetry(), DefaultBreaker()
			for _, b := range content.Blocks {
				if b.Type == "retry" {
					diags = append(diags, DecodeRetry(b, nil, &r, tt.forHTTP)...)
				} else {
					diags = append(diags, DecodeBreaker(b, nil, &s)...)
				}
			}
			if tt.want == "" {
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				if r.Attempts != DefaultAttempts || r.Backoff != DefaultBackoff || r.MaxBackoff != DefaultMaxBackoff || s != DefaultBreaker() {
					t.Fatalf("empty blocks: %+v %+v, want the defaults with %d attempts", r, s, DefaultAttempts)
				}
				return
			}
			if len(diags) != 1 {
				t.Fatalf("%d diagnostics, want 1: %v", len(diags), diags)
			}
			d := diags[0]
			got := fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Detail)
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got  %s\nwant %s…", got, tt.want)
			}
		})
	}
}
