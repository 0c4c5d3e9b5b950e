package cache

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

func TestExpiry(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	cache := New[string](30*time.Second, 10, c.now)
	cache.Put("k", "v")
	tests := []struct {
		advance time.Duration
		found   bool
	}{
		{0, true},
		{30*time.Second - time.Nanosecond, true},
		{time.Nanosecond, false}, // exactly the TTL: expired
	}
	for i, tt := range tests {
		c.advance(tt.advance)
		v, ok := cache.Get("k")
		if ok != tt.found || (ok && v != "v") {
			t.Errorf("step %d: Get = %q, %v; want found %v", i, v, ok, tt.found)
		}
	}
	if n := cache.Len(); n != 0 {
		t.Errorf("an expired entry was kept after a lookup: %d entries", n)
	}
	// Storing again renews the entry.
	cache.Put("k", "w")
	c.advance(20 * time.Second)
	cache.Put("k", "x")
	c.advance(20 * time.Second)
	if v, ok := cache.Get("k"); !ok || v != "x" {
		t.Errorf("renewed entry = %q, %v; want x", v, ok)
	}
}

func TestBoundedLRU(t *testing.T) {
	cache := New[int](time.Hour, 3, nil)
	for i := range 3 {
		cache.Put(fmt.Sprint(i), i)
	}
	cache.Get("0") // 1 is now the least recently used
	cache.Put("3", 3)
	for key, want := range map[string]bool{"0": true, "1": false, "2": true, "3": true} {
		if _, ok := cache.Get(key); ok != want {
			t.Errorf("%s present = %v, want %v", key, ok, want)
		}
	}
	for i := range 1000 {
		cache.Put(fmt.Sprint("flood", i), i)
		if n := cache.Len(); n > 3 {
			t.Fatalf("%d entries after %d puts, more than 3", n, i+1)
		}
	}
}

func TestClear(t *testing.T) {
	cache := New[int](time.Hour, 10, nil)
	cache.Put("a", 1)
	cache.Put("b", 2)
	cache.Clear()
	if _, ok := cache.Get("a"); ok || cache.Len() != 0 {
		t.Errorf("entries survived Clear: %d", cache.Len())
	}
	cache.Put("c", 3)
	if v, ok := cache.Get("c"); !ok || v != 3 {
		t.Errorf("cache unusable after Clear")
	}
}

func TestConcurrent(t *testing.T) {
	cache := New[int](time.Hour, 50, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				key := fmt.Sprint(i % 80)
				if v, ok := cache.Get(key); ok && v != i%80 {
					t.Errorf("goroutine %d: %s = %d", g, key, v)
					return
				}
				cache.Put(key, i%80)
			}
		}()
	}
	wg.Wait()
	if n := cache.Len(); n > 50 {
		t.Errorf("%d entries, more than 50", n)
	}
}
