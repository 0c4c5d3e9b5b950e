package ratelimit

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// benchRedis is the Redis of MCPGEN_TEST_REDIS_ADDR; benchmarks skip without it.
func benchRedis(b *testing.B) *Redis {
	b.Helper()
	addr := os.Getenv("MCPGEN_TEST_REDIS_ADDR")
	if addr == "" {
		b.Skip("MCPGEN_TEST_REDIS_ADDR is not set")
	}
	r, err := NewRedis("redis://" + addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// BenchmarkRedisAllow is one decision per round trip, the cost a
// rate-limited call pays with backend = "redis".
func BenchmarkRedisAllow(b *testing.B) {
	r := benchRedis(b)
	ctx := context.Background()
	key := fmt.Sprintf("bench:%d", time.Now().UnixNano())
	l := Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := r.Allow(ctx, key, l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedisAllowParallel is many callers sharing the pool.
func BenchmarkRedisAllowParallel(b *testing.B) {
	r := benchRedis(b)
	key := fmt.Sprintf("bench:%d", time.Now().UnixNano())
	l := Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if _, _, err := r.Allow(ctx, key, l); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRedisClaim is the SET NX of a confirmation.
func BenchmarkRedisClaim(b *testing.B) {
	r := benchRedis(b)
	ctx := context.Background()
	prefix := fmt.Sprintf("bench:claim:%d:", time.Now().UnixNano())
	until := time.Now().Add(time.Minute)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := r.Claim(ctx, prefix+fmt.Sprint(i%1000), until); err != nil {
			b.Fatal(err)
		}
	}
}
