package ratelimit

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"time"
)

// Redis is a limiter whose buckets live in Redis, so that every replica
// pointing at the same Redis shares one limit. The algorithm is GCRA, as
// in Memory, run as a script on Redis' own clock. It needs Redis 5 or
// later, which replicates a script's effects rather than the script.
type Redis struct {
	c *respClient
}

var _ Limiter = (*Redis)(nil)

// NewRedis checks url and connects lazily: redis://[[user]:password@]host[:port][/db],
// rediss:// the same over TLS, or unix://[[user]:password@]/path/to/socket[?db=N].
// Timeouts are short: a limiter that hangs would hold every call.
func NewRedis(url string) (*Redis, error) {
	c, err := newRespClient(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: redis_url: %w", err)
	}
	return &Redis{c: c}, nil
}

// gcraScript decides one call. KEYS[1] is the bucket, ARGV[1] the seconds
// between two tokens, ARGV[2] the burst. The bucket holds its theoretical
// arrival time (tat) in seconds since 2017-01-01 UTC, the format earlier
// releases stored under the same key, so that replicas old and new share
// buckets during an upgrade. The reply is 0 when the call may run, else
// the microseconds until it may, rounded up so that waiting that long is
// enough. The key expires when its bucket is full again: it then carries
// nothing. It lives at least a millisecond: an interval shorter than the
// clock can resolve (tens of nanoseconds, this far from 2017) leaves after
// equal to now, and Redis refuses an expiry of zero.
const gcraScript = `local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = (tonumber(clock[1]) - 1483228800) + tonumber(clock[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end
local after = tat + interval
local allow_at = after - burst * interval
if now < allow_at then
  return math.ceil((allow_at - now) * 1000000)
end
redis.call('SET', KEYS[1], after, 'PX', math.max(1, math.ceil((after - now) * 1000)))
return 0
`

var gcraSHA = func() string {
	sum := sha1.Sum([]byte(gcraScript))
	return hex.EncodeToString(sum[:])
}()

// bucketPrefix names the buckets as earlier releases did.
const bucketPrefix = "rate:mcpgen:"

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (bool, time.Duration, error) {
	if err := l.valid(); err != nil {
		return false, 0, err
	}
	interval := l.interval().Seconds()
	call := func(verb, script string) (reply, error) {
		return r.c.do(ctx, func(b []byte) []byte {
			b = appendArray(b, 6)
			b = appendBulks(b, verb, script, "1")
			b = appendBulk2(b, bucketPrefix, key)
			b = appendFloat(b, interval)
			return appendInt(b, int64(l.Burst))
		})
	}
	rep, err := call("EVALSHA", gcraSHA)
	if hasCode(err, "NOSCRIPT") {
		// Redis lost its script cache (SCRIPT FLUSH, a restart): EVAL
		// runs the script and caches it again.
		rep, err = call("EVAL", gcraScript)
	}
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if rep.kind != ':' || rep.n < 0 {
		return false, 0, fmt.Errorf("ratelimit: redis: the rate limit script replied %s, not a number of microseconds", rep.describe())
	}
	if rep.n == 0 {
		return true, 0, nil
	}
	return false, time.Duration(rep.n) * time.Microsecond, nil
}

// Claim records key until the given time and reports whether this was
// the first claim of it: replicas sharing a Redis use it to accept a
// thing once (a confirmation's requestState).
func (r *Redis) Claim(ctx context.Context, key string, until time.Time) (bool, error) {
	// A TTL of 0 would keep the key forever.
	ttl := max(time.Until(until), time.Second)
	rep, err := r.c.do(ctx, func(b []byte) []byte {
		b = appendArray(b, 6)
		b = appendBulks(b, "SET")
		b = appendBulk2(b, "mcpgen:", key)
		b = appendBulks(b, "1", "NX", "PX")
		return appendInt(b, ttl.Milliseconds())
	})
	switch {
	case err != nil:
		return false, fmt.Errorf("ratelimit: redis: %w", err)
	case rep.kind == '+' && rep.str == "OK":
		return true, nil
	case rep.null:
		return false, nil
	}
	return false, fmt.Errorf("ratelimit: redis: SET NX replied %s, not OK or null", rep.describe())
}

// Ping reports whether Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	rep, err := r.c.do(ctx, func(b []byte) []byte { return appendBulks(appendArray(b, 1), "PING") })
	switch {
	case err != nil:
		return fmt.Errorf("ratelimit: redis: %w", err)
	case rep.kind != '+' || rep.str != "PONG":
		return fmt.Errorf("ratelimit: redis: PING replied %s, not PONG", rep.describe())
	}
	return nil
}

// Close closes the connections: idle ones now, the others when their
// command is done. Commands after it fail.
func (r *Redis) Close() error { return r.c.close() }
