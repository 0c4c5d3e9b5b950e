// Package ratelimit decides whether a call may run now, by key, with the
// generic cell rate algorithm (GCRA): a token bucket kept as one timestamp
// per key. Two backends: Memory (one process, bounded) and Redis (replicas
// share one limit). It imports no other mcpgen package.
package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Limit is Rate calls per Period, with bursts of up to Burst calls.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// interval is the time one call's token takes to come back.
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Rate) }

func (l Limit) valid() error {
	if l.Rate < 1 || l.Period <= 0 || l.Burst < 1 {
		return fmt.Errorf("ratelimit: invalid limit %d per %s, burst %d", l.Rate, l.Period, l.Burst)
	}
	return nil
}

// A Limiter takes one token from key's bucket if it has one. When it has
// none, allowed is false and retryAfter says when the next token comes
// back. An error means the backend could not decide: callers apply their
// policy (fail closed or open).
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (allowed bool, retryAfter time.Duration, err error)
}
