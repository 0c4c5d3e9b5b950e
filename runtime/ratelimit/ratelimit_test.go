package ratelimit

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// clock is a time source a test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestMemoryBlocked: Blocked says what Allow would answer, without taking
// a token.
func TestMemoryBlocked(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	m := NewMemory(0, c.now)
	lim := Limit{Rate: 1, Period: time.Second, Burst: 2}
	if blocked, _ := m.Blocked("k", lim); blocked {
		t.Fatal("an unknown key is blocked")
	}
	for range 2 {
		if blocked, _ := m.Blocked("k", lim); blocked {
			t.Fatal("blocked within the burst")
		}
		if ok, _, _ := m.Allow(ctx, "k", lim); !ok {
			t.Fatal("refused within the burst, after Blocked said no")
		}
	}
	for range 3 { // asking takes nothing
		if blocked, retry := m.Blocked("k", lim); !blocked || retry != time.Second {
			t.Fatalf("Blocked = %v, %s after the burst; want true, 1s", blocked, retry)
		}
	}
	c.advance(time.Second)
	if blocked, _ := m.Blocked("k", lim); blocked {
		t.Error("still blocked once a token came back")
	}
	if ok, _, _ := m.Allow(ctx, "k", lim); !ok {
		t.Error("the token that came back was taken by Blocked")
	}
}

func TestMemoryBurstThenRefusalThenRefill(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		limit Limit
		wait  time.Duration // retryAfter after the burst
	}{
		{"10/s burst 3", Limit{Rate: 10, Period: time.Second, Burst: 3}, 100 * time.Millisecond},
		{"600/m burst 1", Limit{Rate: 600, Period: time.Minute, Burst: 1}, 100 * time.Millisecond},
		{"2/h burst 5", Limit{Rate: 2, Period: time.Hour, Burst: 5}, 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			m := NewMemory(0, c.now)
			for i := range tt.limit.Burst {
				if ok, _, err := m.Allow(ctx, "k", tt.limit); !ok || err != nil {
					t.Fatalf("call %d of the burst refused (err %v)", i+1, err)
				}
			}
			ok, retry, err := m.Allow(ctx, "k", tt.limit)
			if ok || err != nil {
				t.Fatalf("call after the burst: allowed %v, err %v; want refused", ok, err)
			}
			if retry != tt.wait {
				t.Errorf("retryAfter = %s, want %s", retry, tt.wait)
			}
			c.advance(retry - time.Nanosecond)
			if ok, _, _ := m.Allow(ctx, "k", tt.limit); ok {
				t.Errorf("allowed before retryAfter had passed")
			}
			c.advance(time.Nanosecond)
			if ok, _, _ := m.Allow(ctx, "k", tt.limit); !ok {
				t.Errorf("refused once retryAfter had passed")
			}
			// A long pause refills the whole burst, no more.
			c.advance(tt.limit.Period * 10)
			allowed := 0
			for range tt.limit.Burst + 5 {
				if ok, _, _ := m.Allow(ctx, "k", tt.limit); ok {
					allowed++
				}
			}
			if allowed != tt.limit.Burst {
				t.Errorf("after a long pause %d calls allowed, want the burst %d", allowed, tt.limit.Burst)
			}
		})
	}
}

func TestMemoryKeysAreSeparate(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(0, newClock().now)
	l := Limit{Rate: 1, Period: time.Minute, Burst: 2}
	for _, key := range []string{"alice", "bob", "alice", "bob"} {
		if ok, _, _ := m.Allow(ctx, key, l); !ok {
			t.Fatalf("%s refused within the burst", key)
		}
	}
	for _, key := range []string{"alice", "bob"} {
		if ok, _, _ := m.Allow(ctx, key, l); ok {
			t.Errorf("%s allowed past the burst", key)
		}
	}
	if ok, _, _ := m.Allow(ctx, "carol", l); !ok {
		t.Errorf("carol refused because of the others")
	}
}

// TestMemoryBounded floods the limiter with distinct keys: it never holds
// more than MaxKeys buckets, forgets idle ones before busy ones, and keeps
// limiting the keys that are in use.
func TestMemoryBounded(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	const maxKeys = 100
	m := NewMemory(maxKeys, c.now)
	slow := Limit{Rate: 1, Period: time.Hour, Burst: 1}
	fast := Limit{Rate: 1000, Period: time.Second, Burst: 1}

	// "busy" is refused from now on for an hour.
	m.Allow(ctx, "busy", slow)
	if ok, _, _ := m.Allow(ctx, "busy", slow); ok {
		t.Fatal("busy allowed past its burst")
	}
	// A flood of keys that refill within a millisecond; the clock moves
	// so that the older ones are idle when room is needed.
	for i := range 10 * maxKeys {
		m.Allow(ctx, fmt.Sprintf("flood-%d", i), fast)
		c.advance(time.Millisecond)
		if n := m.Len(); n > maxKeys {
			t.Fatalf("after %d keys the limiter holds %d buckets, more than %d", i+1, n, maxKeys)
		}
	}
	if ok, _, _ := m.Allow(ctx, "busy", slow); ok {
		t.Errorf("busy was forgotten during the flood: only idle buckets should go")
	}
	if n := m.Evicted(); n != 0 {
		t.Errorf("%d busy buckets evicted, want 0", n)
	}

	// A flood of busy keys forces busy evictions, and the bound holds.
	for i := range 3 * maxKeys {
		m.Allow(ctx, fmt.Sprintf("busy-%d", i), slow)
	}
	if n := m.Len(); n > maxKeys {
		t.Errorf("holds %d buckets, more than %d", n, maxKeys)
	}
	if n := m.Evicted(); n == 0 {
		t.Errorf("no busy bucket was evicted by a flood of busy keys")
	}
}

func TestMemoryConcurrent(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(0, newClock().now) // the clock stands still
	l := Limit{Rate: 1, Period: time.Hour, Burst: 50}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if ok, _, _ := m.Allow(ctx, "k", l); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 50 {
		t.Errorf("%d of 800 concurrent calls allowed, want exactly the burst of 50", allowed)
	}
}

func TestInvalidLimit(t *testing.T) {
	for _, l := range []Limit{{Rate: 0, Period: time.Second, Burst: 1}, {Rate: 1, Period: 0, Burst: 1}, {Rate: 1, Period: time.Second, Burst: 0}} {
		if _, _, err := NewMemory(0, nil).Allow(context.Background(), "k", l); err == nil {
			t.Errorf("%+v: no error", l)
		}
	}
}

// redisAddr is the redis-server scripts/test.sh starts. Under CI its
// absence fails the test; elsewhere the Redis tests skip.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("MCPGEN_TEST_REDIS_ADDR")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MCPGEN_TEST_REDIS_ADDR is not set: Redis is required under CI")
		}
		t.Skip("MCPGEN_TEST_REDIS_ADDR is not set (scripts/test.sh starts a redis-server)")
	}
	return addr
}

func newRedis(t *testing.T) *Redis {
	t.Helper()
	r, err := NewRedis("redis://" + redisAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// uniqueKey keeps runs (and -count=N) from sharing buckets in one Redis.
func uniqueKey(t *testing.T, name string) string {
	return fmt.Sprintf("test:%s:%s:%d", t.Name(), name, time.Now().UnixNano())
}

func TestRedisBurstThenRefusal(t *testing.T) {
	ctx := context.Background()
	r := newRedis(t)
	l := Limit{Rate: 2, Period: time.Hour, Burst: 3}
	alice, bob := uniqueKey(t, "alice"), uniqueKey(t, "bob")
	for i := range 3 {
		if ok, _, err := r.Allow(ctx, alice, l); !ok || err != nil {
			t.Fatalf("call %d of the burst refused (err %v)", i+1, err)
		}
	}
	ok, retry, err := r.Allow(ctx, alice, l)
	if ok || err != nil {
		t.Fatalf("call after the burst: allowed %v, err %v; want refused", ok, err)
	}
	// The next token is due within one interval (30 minutes).
	if retry <= 0 || retry > 30*time.Minute {
		t.Errorf("retryAfter = %s, want within (0, 30m]", retry)
	}
	if ok, _, _ := r.Allow(ctx, bob, l); !ok {
		t.Errorf("bob refused because of alice")
	}
}

// TestRedisRefill: after a refusal, waiting the retryAfter Redis gave is
// enough for the next call.
func TestRedisRefill(t *testing.T) {
	ctx := context.Background()
	r := newRedis(t)
	l := Limit{Rate: 20, Period: time.Second, Burst: 1}
	key := uniqueKey(t, "k")
	if ok, _, err := r.Allow(ctx, key, l); !ok || err != nil {
		t.Fatalf("first call refused (err %v)", err)
	}
	ok, retry, err := r.Allow(ctx, key, l)
	if ok || err != nil {
		t.Fatalf("second call: allowed %v, err %v; want refused", ok, err)
	}
	// Waiting for the refill is the behaviour under test: the limiter
	// itself named the moment.
	time.Sleep(retry)
	if ok, retry, err := r.Allow(ctx, key, l); !ok || err != nil {
		t.Errorf("refused after waiting retryAfter (again %s, err %v)", retry, err)
	}
}

func TestRedisUnreachable(t *testing.T) {
	// A port nothing listens on: the listener is closed before use.
	r, err := NewRedis("redis://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ok, _, err := r.Allow(context.Background(), "k", Limit{Rate: 1, Period: time.Second, Burst: 1})
	if ok || err == nil {
		t.Errorf("unreachable Redis: allowed %v, err %v; want an error and no decision", ok, err)
	}
}

func TestRedisURL(t *testing.T) {
	if _, err := NewRedis("http://example.com"); err == nil {
		t.Error("a non-redis URL was accepted")
	}
}

// TestAllowKey: a key given as bytes is the same bucket as the same key
// given as a string, the caller's buffer is not kept, and a key seen
// before is decided without allocating.
func TestAllowKey(t *testing.T) {
	c := newClock()
	m := NewMemory(0, c.now)
	l := Limit{Rate: 1, Period: time.Second, Burst: 2}
	buf := []byte("t:get_order|p:alice")
	if ok, _, _ := m.AllowKey(buf, l); !ok {
		t.Fatal("first call refused")
	}
	copy(buf, "t:get_order|p:bobby") // the bucket must not follow the buffer
	if ok, _, _ := m.Allow(context.Background(), "t:get_order|p:alice", l); !ok {
		t.Fatal("second call of the burst refused")
	}
	if ok, retry, _ := m.AllowKey([]byte("t:get_order|p:alice"), l); ok || retry != time.Second {
		t.Errorf("third call: allowed %v, retry %s; want refused for 1s", ok, retry)
	}
	if ok, _, _ := m.AllowKey(buf, l); !ok {
		t.Error("bobby shares alice's bucket")
	}
	if m.Len() != 2 {
		t.Errorf("%d buckets, want 2", m.Len())
	}
	wide := Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = m.AllowKey(buf, wide) }); n != 0 {
		t.Errorf("AllowKey of a known key: %.0f allocations, want 0", n)
	}
}
