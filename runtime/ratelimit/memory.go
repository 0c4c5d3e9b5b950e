package ratelimit

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Memory is an in-process limiter. It keeps at most MaxKeys buckets: a
// flood of distinct keys evicts the least recently used ones, idle first,
// so it cannot exhaust memory. A bucket that has refilled completely
// carries no state and costs nothing to forget.
type Memory struct {
	mu      sync.Mutex
	now     func() time.Time
	base    time.Time
	maxKeys int
	keys    map[string]*list.Element
	lru     list.List // front: most recently used
	evicted uint64    // buckets forgotten before they had refilled
}

type bucket struct {
	key string
	tat time.Duration // theoretical arrival time, since base
}

// DefaultMaxKeys bounds the buckets of a Memory limiter when unset.
const DefaultMaxKeys = 100_000

// NewMemory returns a limiter holding at most maxKeys buckets (at least 1;
// 0 means DefaultMaxKeys). now is the clock; nil means time.Now.
func NewMemory(maxKeys int, now func() time.Time) *Memory {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, base: now(), maxKeys: maxKeys, keys: map[string]*list.Element{}}
}

var _ Limiter = (*Memory)(nil)

// Allow implements Limiter. It never fails.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (bool, time.Duration, error) {
	if err := l.valid(); err != nil {
		return false, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	el, found := m.keys[key]
	ok, retry, tat := m.take(el, found, l)
	if ok && !found {
		m.insert(key, tat)
	}
	return ok, retry, nil
}

// AllowKey is Allow for a key built in the caller's buffer, which it does
// not keep: a key seen before costs no allocation, and the bytes are
// copied only into a new bucket.
func (m *Memory) AllowKey(key []byte, l Limit) (bool, time.Duration, error) {
	if err := l.valid(); err != nil {
		return false, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	el, found := m.keys[string(key)] // looked up without a copy
	ok, retry, tat := m.take(el, found, l)
	if ok && !found {
		m.insert(string(key), tat)
	}
	return ok, retry, nil
}

// take decides for the bucket el (absent when !found) and updates it;
// an allowed call of a new key returns the tat its bucket starts with.
// m.mu is held.
func (m *Memory) take(el *list.Element, found bool, l Limit) (bool, time.Duration, time.Duration) {
	now := m.now().Sub(m.base)
	t := l.interval()
	tat := now
	if found {
		tat = max(el.Value.(*bucket).tat, now)
	}
	next := tat + t
	// The call may run if, after it, the bucket is at most Burst
	// intervals ahead of now.
	if allowAt := next - time.Duration(l.Burst)*t; now < allowAt {
		if found {
			m.lru.MoveToFront(el)
		}
		return false, allowAt - now, 0
	}
	if found {
		el.Value.(*bucket).tat = next
		m.lru.MoveToFront(el)
		return true, 0, 0
	}
	if len(m.keys) >= m.maxKeys {
		m.evict(now)
	}
	return true, 0, next
}

// insert adds a bucket for key. m.mu is held.
func (m *Memory) insert(key string, tat time.Duration) {
	m.keys[key] = m.lru.PushFront(&bucket{key: key, tat: tat})
}

// Blocked reports whether Allow would refuse key now and, if so, when it
// would allow again, without taking a token or touching the key's place in
// the LRU order.
func (m *Memory) Blocked(key string, l Limit) (bool, time.Duration) {
	if l.valid() != nil {
		return false, 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	el, found := m.keys[key]
	if !found {
		return false, 0
	}
	now := m.now().Sub(m.base)
	t := l.interval()
	allowAt := max(el.Value.(*bucket).tat, now) + t - time.Duration(l.Burst)*t
	if now < allowAt {
		return true, allowAt - now
	}
	return false, 0
}

// evictScan bounds how far from the cold end evict looks for idle buckets.
const evictScan = 32

// evict makes room for one bucket: it drops the idle buckets among the
// coldest few, or, when none of them has refilled, the coldest one.
func (m *Memory) evict(now time.Duration) {
	el := m.lru.Back()
	for i := 0; el != nil && i < evictScan; i++ {
		prev := el.Prev()
		if b := el.Value.(*bucket); b.tat <= now {
			m.lru.Remove(el)
			delete(m.keys, b.key)
		}
		el = prev
	}
	if len(m.keys) < m.maxKeys {
		return
	}
	el = m.lru.Back()
	m.lru.Remove(el)
	delete(m.keys, el.Value.(*bucket).key)
	m.evicted++
}

// Len is the number of buckets held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// Evicted counts buckets forgotten before they had refilled: each gave
// its key a fresh burst. A growing count means MaxKeys is too small for
// the callers there are.
func (m *Memory) Evicted() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.evicted
}
