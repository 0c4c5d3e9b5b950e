package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is a limiter whose buckets live in Redis, so that every replica
// pointing at the same Redis shares one limit. The algorithm is GCRA, as
// in Memory, run as a script on Redis' own clock.
type Redis struct {
	client  *redis.Client
	limiter *redis_rate.Limiter
}

var _ Limiter = (*Redis)(nil)

// NewRedis connects lazily to the Redis at url (redis://[user:pass@]host:port/db).
// Timeouts are short: a limiter that hangs would hold every call.
func NewRedis(url string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: redis_url: %w", err)
	}
	opts.DialTimeout = time.Second
	opts.ReadTimeout = 500 * time.Millisecond
	opts.WriteTimeout = 500 * time.Millisecond
	opts.MaxRetries = 1
	opts.DialerRetries = 1
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	client := redis.NewClient(opts)
	return &Redis{client: client, limiter: redis_rate.NewLimiter(client)}, nil
}

var quietOnce sync.Once

// quiet drops go-redis' own log lines: the runtime logs a failed decision
// once, with its policy, instead of a line per dial attempt.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (bool, time.Duration, error) {
	if err := l.valid(); err != nil {
		return false, 0, err
	}
	res, err := r.limiter.Allow(ctx, "mcpgen:"+key, redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.Burst})
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if res.Allowed > 0 {
		return true, 0, nil
	}
	return false, res.RetryAfter, nil
}

// Claim records key until the given time and reports whether this was
// the first claim of it: replicas sharing a Redis use it to accept a
// thing once (a confirmation's requestState).
func (r *Redis) Claim(ctx context.Context, key string, until time.Time) (bool, error) {
	// A TTL of 0 would keep the key forever.
	ttl := max(time.Until(until), time.Second)
	first, err := r.client.SetNX(ctx, "mcpgen:"+key, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("ratelimit: redis: %w", err)
	}
	return first, nil
}

// Ping reports whether Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.client.Ping(ctx).Err() }

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }
